// Whether a denial is NetworkPolicy's doing. A CNI profile's `deniedAs` says how the plugin's policy
// denials look (kube-router REJECTs: refused; Calico drops: timeout); it says nothing of refusals
// the kernel or kube-proxy make for other reasons: no socket on the port (a RST or ICMP port
// unreachable), a Service port with no endpoints (kube-proxy rejects it), a probe the harness could
// not even send. Only a policy denial is judged against the profile.
import type { Prediction } from './model.ts';

/** Every route the probe may take is denied by policy (the model's failure for a policy denial is a timeout). */
export function deniedByPolicy(prediction: Prediction): boolean {
  return prediction.verdict === 'deny' && prediction.routes.length > 0 && prediction.routes.every((r) => r.verdict === 'deny' && r.failure.outcome === 'timeout');
}
