// Deliberately broken variants of the reference model, one named deviation each. They exist to prove
// that every property can fail: each is a switch the model's own logic consults (never a flip of the
// answer afterwards), so a faulty model is wrong in exactly the way a buggy data plane would be.
import { UsageError } from '../../cluster/errors.ts';

export type ModelFaultName =
  | 'ignore-except'
  | 'peers-or'
  | 'ignore-egress'
  | 'named-port-on-source'
  | 'not-ready-endpoints'
  | 'snat-pod-to-pod'
  | 'ignore-endport'
  | 'ignore-policy-protocol'
  | 'no-hairpin'
  | 'no-terminating-fallback'
  | 'external-local-as-cluster';

export const MODEL_FAULTS: readonly { name: ModelFaultName; description: string }[] = [
  { name: 'ignore-except', description: 'ipBlock.except is ignored: the whole cidr matches' },
  { name: 'peers-or', description: 'a peer with both podSelector and namespaceSelector matches when either does (OR, not AND)' },
  { name: 'ignore-egress', description: 'egress isolation is ignored: Egress policies never restrict a pod' },
  { name: 'named-port-on-source', description: "a policy's named port is resolved on the source pod instead of the destination" },
  { name: 'not-ready-endpoints', description: 'not-ready pods become Service endpoints' },
  { name: 'snat-pod-to-pod', description: "pod-to-pod traffic is SNATed: the receiver sees the sender's node IP" },
  { name: 'ignore-endport', description: 'endPort is ignored: a port range matches only its first port' },
  { name: 'ignore-policy-protocol', description: "a policy port's protocol is ignored: it matches TCP, UDP and SCTP alike" },
  { name: 'no-hairpin', description: 'a backend cannot reach its own Service (no hairpin)' },
  { name: 'no-terminating-fallback', description: 'serving terminating endpoints are never used, even when a Service has no ready one (kube-proxy before KEP-1669)' },
  { name: 'external-local-as-cluster', description: 'externalTrafficPolicy Local is ignored: NodePort traffic goes to every endpoint, masqueraded' },
];

/** Validates a fault name for the model target; undefined means the conformant model. */
export function parseModelFault(name: string | undefined): ModelFaultName | undefined {
  if (name === undefined) return undefined;
  const known = MODEL_FAULTS.find((f) => f.name === name);
  if (!known) {
    throw new UsageError(`unknown model fault '${name}': use one of ${MODEL_FAULTS.map((f) => f.name).join(', ')}`);
  }
  return known.name;
}
