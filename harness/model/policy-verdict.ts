// Whether NetworkPolicy lets one connection through: the source's egress AND the destination's
// ingress, each judged only when the pod is isolated for that direction, through the admissions of
// policy-index.ts (the same arrays the reachability matrix reads).
import type { Protocol, Verdict } from '../../cluster/types.ts';
import { admission, admitsHost, ruleAdmitsPeer, type Admission, type Direction, type PolicyIndex } from './policy-index.ts';

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

function name(index: PolicyIndex, party: Party): string {
  if (party.pod >= 0) return index.keys[party.pod];
  return party.hostPod === undefined ? `node ${party.node}` : `hostNetwork pod ${index.keys[party.hostPod]}`;
}

function isolatedBy(index: PolicyIndex, direction: Direction, i: number): string {
  const memo = index.isolatedByText[direction];
  return (memo[i] ??= (direction === 'ingress' ? index.ingressOf[i] : index.egressOf[i]).map((pi) => index.policies[pi].key).join(', '));
}

/** The first rule of `adm` that admits `peer`, for a reason (the verdict itself reads `adm.peers`). */
function witness(index: PolicyIndex, adm: Admission, peer: Party, port: number, protocol: Protocol, direction: string): string {
  const ar = adm.rules.find((r) => ruleAdmitsPeer(index, r, peer, port, protocol))!;
  return `${index.policies[ar.policy].key} ${direction} rule ${ar.rule.number}`;
}

function admits(index: PolicyIndex, adm: Admission, peer: Party, port: number, protocol: Protocol): boolean {
  return peer.pod >= 0 ? adm.peers[peer.pod] === 1 : admitsHost(index, adm, peer, port, protocol);
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
    trace?.push(`ingress of ${index.keys[dst]} is not isolated`);
    return ALLOW;
  }
  if (src.pod < 0 && src.node === dstPod.nodeName) {
    trace?.push(`traffic from ${index.keys[dst]}'s own node is always allowed`);
    return ALLOW;
  }
  const adm = admission(index, 'ingress', dst, port, protocol);
  if (admits(index, adm, src, port, protocol)) {
    trace?.push(`ingress of ${index.keys[dst]} allowed by ${witness(index, adm, src, port, protocol, 'ingress')}`);
    return ALLOW;
  }
  if (src.pod < 0) {
    trace?.push(
      `ingress of ${index.keys[dst]} is isolated (${isolatedBy(index, 'ingress', dst)}) and the source is ${name(index, src)}: upstream leaves traffic from other nodes and hostNetwork pods to the implementation`,
    );
    return UNDEFINED;
  }
  trace?.push(`ingress of ${index.keys[dst]} is isolated (${isolatedBy(index, 'ingress', dst)}) and no ingress rule admits ${name(index, src)} on ${protocol} ${port}`);
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
    trace?.push(`egress of ${index.keys[src]} is not isolated`);
    return ALLOW;
  }
  if (dst.pod < 0 && dst.node === srcPod.nodeName) {
    trace?.push(`traffic from ${index.keys[src]} to its own node is always allowed`);
    return ALLOW;
  }
  const adm = admission(index, 'egress', src, port, protocol);
  if (admits(index, adm, dst, port, protocol)) {
    trace?.push(`egress of ${index.keys[src]} allowed by ${witness(index, adm, dst, port, protocol, 'egress')}`);
    return ALLOW;
  }
  if (dst.pod < 0) {
    trace?.push(
      `egress of ${index.keys[src]} is isolated (${isolatedBy(index, 'egress', src)}) and the destination is ${name(index, dst)}: upstream leaves traffic to nodes and hostNetwork pods to the implementation`,
    );
    return UNDEFINED;
  }
  trace?.push(`egress of ${index.keys[src]} is isolated (${isolatedBy(index, 'egress', src)}) and no egress rule admits ${name(index, dst)} on ${protocol} ${port}`);
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
