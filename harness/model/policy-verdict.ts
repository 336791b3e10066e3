// Whether NetworkPolicy lets one connection through: the source's egress AND the destination's
// ingress, each judged only when the pod is isolated for that direction.
import type { Pod, Protocol, Verdict } from '../../cluster/types.ts';
import type { PolicyIndex } from './policy-index.ts';
import { rulePortsMatch } from './policy-port.ts';

/**
 * One end of a connection. `pod` is the index of an ordinary pod, or -1 for a host: a node, or a
 * hostNetwork pod (whose traffic is node traffic; `hostPod` is then its index).
 */
export interface Party {
  pod: number;
  node: string;
  ip: string;
  hostPod?: number;
}

export const ALLOW = 0;
export const DENY = 1;
export const UNDEFINED = 2;
export type VerdictCode = typeof ALLOW | typeof DENY | typeof UNDEFINED;
export const VERDICTS: readonly Verdict[] = ['allow', 'deny', 'undefined'];

function podOf(index: PolicyIndex, party: Party): Pod | undefined {
  if (party.pod >= 0) return index.pods[party.pod];
  return party.hostPod === undefined ? undefined : index.pods[party.hostPod];
}

function name(index: PolicyIndex, party: Party): string {
  const pod = podOf(index, party);
  if (!pod) return `node ${party.node}`;
  return party.pod >= 0 ? `${pod.namespace}/${pod.name}` : `hostNetwork pod ${pod.namespace}/${pod.name}`;
}

function key(pod: Pod): string {
  return `${pod.namespace}/${pod.name}`;
}

function isolatedBy(index: PolicyIndex, policies: number[]): string {
  return policies.map((pi) => index.policies[pi].key).join(', ');
}

/**
 * The destination's ingress. Not isolated (no policy selecting it governs Ingress): allowed.
 * Isolated: allowed when some ingress rule of those policies admits the source and the port
 * (a union); traffic from the pod's own node is always allowed (NetworkPolicy docs). A host source
 * from elsewhere (another node, a hostNetwork pod there) is left to the implementation unless a rule
 * admits every source.
 */
export function ingressVerdict(
  index: PolicyIndex,
  dst: number,
  src: Party,
  port: number,
  protocol: Protocol,
  trace?: string[],
): VerdictCode {
  const policies = index.ingressOf[dst];
  const dstPod = index.pods[dst];
  if (policies.length === 0) {
    trace?.push(`ingress of ${key(dstPod)} is not isolated`);
    return ALLOW;
  }
  if (src.pod < 0 && src.node === dstPod.nodeName) {
    trace?.push(`traffic from ${key(dstPod)}'s own node is always allowed`);
    return ALLOW;
  }
  // named-port-on-source fault: resolve named ports on the source instead of the destination.
  const namedPortPod = index.fault === 'named-port-on-source' ? podOf(index, src) : dstPod;
  const options = index.portOptions;
  for (let k = 0; k < policies.length; k++) {
    const compiled = index.policies[policies[k]];
    for (const rule of compiled.ingressRules) {
      // A rule admits the source through its peers (every source when it has none) and its ports.
      if (rule.peerPods !== undefined && (src.pod < 0 || rule.peerPods[src.pod] !== 1)) continue;
      if (rule.ports !== undefined && !rulePortsMatch(rule.ports, port, protocol, namedPortPod, options)) continue;
      trace?.push(`ingress of ${key(dstPod)} allowed by ${compiled.key} ingress rule ${rule.number}`);
      return ALLOW;
    }
  }
  if (src.pod < 0) {
    trace?.push(
      `ingress of ${key(dstPod)} is isolated (${isolatedBy(index, policies)}) and the source is ${name(index, src)}: upstream leaves traffic from other nodes and hostNetwork pods to the implementation`,
    );
    return UNDEFINED;
  }
  trace?.push(`ingress of ${key(dstPod)} is isolated (${isolatedBy(index, policies)}) and no ingress rule admits ${name(index, src)} on ${protocol} ${port}`);
  return DENY;
}

/**
 * The source's egress, the mirror image: isolated only by policies governing Egress; a rule admits
 * a destination pod through its peers and ports, the named port resolved on the destination.
 * Traffic to the pod's own node is always allowed (NetworkPolicy docs: "to and from the node where
 * a Pod is running"); another host destination is left to the implementation unless a rule admits
 * every destination.
 */
export function egressVerdict(
  index: PolicyIndex,
  src: number,
  dst: Party,
  port: number,
  protocol: Protocol,
  trace?: string[],
): VerdictCode {
  const policies = index.egressOf[src];
  const srcPod = index.pods[src];
  if (policies.length === 0) {
    trace?.push(`egress of ${key(srcPod)} is not isolated`);
    return ALLOW;
  }
  if (dst.pod < 0 && dst.node === srcPod.nodeName) {
    trace?.push(`traffic from ${key(srcPod)} to its own node is always allowed`);
    return ALLOW;
  }
  const namedPortPod = index.fault === 'named-port-on-source' ? srcPod : podOf(index, dst);
  const options = index.portOptions;
  for (let k = 0; k < policies.length; k++) {
    const compiled = index.policies[policies[k]];
    for (const rule of compiled.egressRules) {
      if (rule.peerPods !== undefined && (dst.pod < 0 || rule.peerPods[dst.pod] !== 1)) continue;
      if (rule.ports !== undefined && !rulePortsMatch(rule.ports, port, protocol, namedPortPod, options)) continue;
      trace?.push(`egress of ${key(srcPod)} allowed by ${compiled.key} egress rule ${rule.number}`);
      return ALLOW;
    }
  }
  if (dst.pod < 0) {
    trace?.push(
      `egress of ${key(srcPod)} is isolated (${isolatedBy(index, policies)}) and the destination is ${name(index, dst)}: upstream leaves traffic to nodes and hostNetwork pods to the implementation`,
    );
    return UNDEFINED;
  }
  trace?.push(`egress of ${key(srcPod)} is isolated (${isolatedBy(index, policies)}) and no egress rule admits ${name(index, dst)} on ${protocol} ${port}`);
  return DENY;
}

/** Deny wins over undefined, undefined over allow. */
export function combine(a: VerdictCode, b: VerdictCode): VerdictCode {
  return a === DENY || b === DENY ? DENY : a === UNDEFINED || b === UNDEFINED ? UNDEFINED : ALLOW;
}

/**
 * A connection between two parties, as NetworkPolicy judges it (after any Service DNAT: `dst` is
 * the backend and `port` the resolved targetPort). A pod can always reach itself; hosts (nodes,
 * hostNetwork pods) are never isolated, so only the pod ends are judged.
 */
export function connectionVerdict(
  index: PolicyIndex,
  src: Party,
  dst: Party,
  port: number,
  protocol: Protocol,
  trace?: string[],
): VerdictCode {
  if (src.pod >= 0 && src.pod === dst.pod) {
    trace?.push('a pod can always reach itself: policies cannot block it');
    return ALLOW;
  }
  if (src.pod < 0 && dst.pod < 0) {
    trace?.push('neither end is an ordinary pod: hosts and hostNetwork pods are never isolated by policies');
    return ALLOW;
  }
  const egress = src.pod >= 0 ? egressVerdict(index, src.pod, dst, port, protocol, trace) : ALLOW;
  const ingress = dst.pod >= 0 ? ingressVerdict(index, dst.pod, src, port, protocol, trace) : ALLOW;
  return combine(egress, ingress);
}
