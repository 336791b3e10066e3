// TEST ORACLE ONLY: never imported by product code. The policy verdict judged the slow, obvious way,
// scanning every policy and rule that isolates each end (the evaluator the model shipped before the
// admissions of policy-index.ts). Tests hold predict() and the matrix to it on generated clusters,
// faults included, so a mistake in how admissions are composed or shared cannot hide.
import type { Pod, Protocol } from '../../cluster/types.ts';
import type { PolicyIndex } from './policy-index.ts';
import { rulePortsMatch } from './policy-port.ts';
import { ALLOW, DENY, UNDEFINED, combine, type Party, type VerdictCode } from './policy-verdict.ts';

function podOf(index: PolicyIndex, party: Party): Pod | undefined {
  if (party.pod >= 0) return index.pods[party.pod];
  return party.hostPod === undefined ? undefined : index.pods[party.hostPod];
}

function side(index: PolicyIndex, direction: 'ingress' | 'egress', own: number, peer: Party, port: number, protocol: Protocol): VerdictCode {
  const policies = direction === 'ingress' ? index.ingressOf[own] : index.egressOf[own];
  const ownPod = index.pods[own];
  if (policies.length === 0) return ALLOW;
  if (peer.pod < 0 && peer.node === ownPod.nodeName) return ALLOW;
  // Named ports belong to the destination: the isolated pod for ingress, the peer for egress
  // (swapped by the named-port-on-source fault).
  const onDestination = direction === 'ingress';
  const namedPortPod = onDestination !== (index.fault === 'named-port-on-source') ? ownPod : podOf(index, peer);
  for (const pi of policies) {
    const compiled = index.policies[pi];
    for (const rule of direction === 'ingress' ? compiled.ingressRules : compiled.egressRules) {
      if (rule.peerPods !== undefined && (peer.pod < 0 || rule.peerPods[peer.pod] !== 1)) continue;
      if (rule.ports !== undefined && !rulePortsMatch(rule.ports, port, protocol, namedPortPod, index.portOptions)) continue;
      return ALLOW;
    }
  }
  return peer.pod < 0 ? UNDEFINED : DENY;
}

/** The verdict of one connection, as connectionVerdict() must return it. */
export function naiveConnectionVerdict(index: PolicyIndex, src: Party, dst: Party, port: number, protocol: Protocol): VerdictCode {
  if (src.pod >= 0 && src.pod === dst.pod) return ALLOW;
  if (src.pod < 0 && dst.pod < 0) return ALLOW;
  const egress = src.pod >= 0 ? side(index, 'egress', src.pod, dst, port, protocol) : ALLOW;
  const ingress = dst.pod >= 0 ? side(index, 'ingress', dst.pod, src, port, protocol) : ALLOW;
  return combine(egress, ingress);
}
