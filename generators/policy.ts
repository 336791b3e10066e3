// NetworkPolicies, the whole networking.k8s.io/v1 API: podSelector; peers by podSelector,
// namespaceSelector, both (ANDed) or ipBlock with except; ports by number, by name, with endPort,
// with and without a protocol; policyTypes written or omitted; rule and peer lists absent, empty or
// not. A PolicyDraft takes its namespace from a pod (by index) and draws its ipBlocks around the
// addresses of pods and nodes (by index), so placePolicies() can write CIDRs that cut through the
// cluster: the /24 of a pod with that pod's /32 excepted, and so on.
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import type {
  IPBlock,
  LabelSelector,
  Namespace,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  Node,
  Pod,
  PolicyType,
} from '../cluster/types.ts';
import { labelSelector } from './label-selector.ts';
import { POD_LABEL_POOL } from './labels.ts';
import { NAMESPACE_NAMES, namespaceSelectorPool } from './namespace.ts';
import { CONTAINER_PORT_NAMES, CONTAINER_PORT_NUMBERS } from './pod.ts';
import { protocol, type ProtocolOptions } from './protocol.ts';
import { removableArray } from './removable-array.ts';

/** An address of the cluster, by index: a pod's IP or a node's InternalIP. */
export type AddressDraft = { pod: number } | { node: number };

export interface IPBlockDraft {
  around: AddressDraft;
  prefix: number;
  except: { around: AddressDraft; prefix: number }[];
}

/**
 * A pod selector: drawn from the label pool, or copied from a pod's labels (the given keys of them;
 * its first label when it has none of those keys), so that it selects that pod at least.
 */
export type PodSelectorDraft = { selector: LabelSelector } | { likePod: number; keys: string[] };

export type PeerDraft =
  | { podSelector: PodSelectorDraft }
  | { namespaceSelector: LabelSelector }
  | { podSelector: PodSelectorDraft; namespaceSelector: LabelSelector }
  | { ipBlock: IPBlockDraft };

export interface RuleDraft {
  /** `from` of an ingress rule, `to` of an egress rule. */
  peers?: PeerDraft[];
  ports?: NetworkPolicyPort[];
}

export interface PolicyDraft {
  pod: number;
  /** likePod is taken as this policy's own pod, so the policy selects that pod. */
  podSelector: PodSelectorDraft;
  policyTypes?: PolicyType[];
  ingress?: RuleDraft[];
  egress?: RuleDraft[];
}

export interface PolicyOptions extends ProtocolOptions {
  /** The namespace names a namespaceSelector may name with kubernetes.io/metadata.name. */
  namespaceNames?: readonly string[];
  maxRules?: number;
}

/** CIDR prefix lengths for an ipBlock: the node's pod /24 first, then one host, the cluster, everything. */
export const IPBLOCK_PREFIXES: readonly number[] = [24, 32, 16, 0];
/** Prefix lengths for except entries, always longer than the cidr's (API validation: strict subset). */
export const EXCEPT_PREFIXES: readonly number[] = [32, 28];
/**
 * Port ranges from one container port number to a higher one: each covers its start and at least
 * one more port that pods serve, so a range matters beyond its first port.
 */
export const END_PORT_RANGES: readonly { port: number; endPort: number }[] = [...CONTAINER_PORT_NUMBERS]
  .sort((a, b) => a - b)
  .flatMap((port, i, sorted) => sorted.slice(i + 1).map((endPort) => ({ port, endPort })));

function address(): fc.Arbitrary<AddressDraft> {
  return fc.oneof(
    { withCrossShrink: true },
    { arbitrary: fc.record({ pod: fc.nat({ max: 15 }) }, { noNullPrototype: true }), weight: 4 },
    { arbitrary: fc.record({ node: fc.nat({ max: 7 }) }, { noNullPrototype: true }), weight: 1 },
  );
}

export function ipBlockDraft(): fc.Arbitrary<IPBlockDraft> {
  return fc.record({
    around: address(),
    prefix: fc.constantFrom(...IPBLOCK_PREFIXES),
    except: fc.array(fc.record({ around: address(), prefix: fc.constantFrom(...EXCEPT_PREFIXES) }, { noNullPrototype: true }), { maxLength: 2 }),
  }, { noNullPrototype: true });
}

/**
 * A policy port. No protocol means TCP (API defaulting) and is the first choice; endPort only with
 * a numeric port and never below it (API validation).
 */
export function networkPolicyPort(options: ProtocolOptions = {}): fc.Arbitrary<NetworkPolicyPort> {
  const proto = fc.option(protocol(options), { nil: undefined, freq: 2 });
  const withProtocol = (p: NetworkPolicyPort, protocol: NetworkPolicyPort['protocol']): NetworkPolicyPort =>
    protocol === undefined ? p : { protocol, ...p };
  return fc.oneof(
    { withCrossShrink: true },
    {
      arbitrary: fc
        .record({ port: fc.constantFrom(...CONTAINER_PORT_NUMBERS), protocol: proto }, { noNullPrototype: true })
        .map(({ port, protocol }) => withProtocol({ port }, protocol)),
      weight: 3,
    },
    {
      arbitrary: fc
        .record({ port: fc.constantFrom(...CONTAINER_PORT_NAMES), protocol: proto }, { noNullPrototype: true })
        .map(({ port, protocol }) => withProtocol({ port }, protocol)),
      weight: 3,
    },
    {
      arbitrary: fc
        .record({ range: fc.constantFrom(...END_PORT_RANGES), protocol: proto }, { noNullPrototype: true })
        .map(({ range, protocol }) => withProtocol({ port: range.port, endPort: range.endPort }, protocol)),
      weight: 2,
    },
    { arbitrary: proto.map((protocol) => withProtocol({}, protocol)), weight: 1 },
  );
}

export function podSelectorDraft(): fc.Arbitrary<PodSelectorDraft> {
  return fc.oneof(
    { withCrossShrink: true },
    { arbitrary: fc.record({ selector: labelSelector(POD_LABEL_POOL) }, { noNullPrototype: true }), weight: 1 },
    { arbitrary: fc.record({ likePod: fc.nat({ max: 15 }), keys: fc.subarray(Object.keys(POD_LABEL_POOL), { maxLength: 2 }) }, { noNullPrototype: true }), weight: 1 },
  );
}

export function peerDraft(options: PolicyOptions = {}): fc.Arbitrary<PeerDraft> {
  const pods = podSelectorDraft();
  const namespaces = labelSelector(namespaceSelectorPool(options.namespaceNames ?? NAMESPACE_NAMES.slice(0, 3)));
  return fc.oneof(
    { withCrossShrink: true },
    { arbitrary: fc.record({ podSelector: pods }, { noNullPrototype: true }), weight: 3 },
    { arbitrary: fc.record({ namespaceSelector: namespaces }, { noNullPrototype: true }), weight: 2 },
    { arbitrary: fc.record({ podSelector: pods, namespaceSelector: namespaces }, { noNullPrototype: true }), weight: 2 },
    { arbitrary: fc.record({ ipBlock: ipBlockDraft() }, { noNullPrototype: true }), weight: 2 },
  );
}

export function ruleDraft(options: PolicyOptions = {}): fc.Arbitrary<RuleDraft> {
  return fc
    .record({
      // Absent and empty peer lists both admit every peer; a list of peers is the usual case.
      peers: fc.oneof(
        { withCrossShrink: true },
        { arbitrary: fc.constant(undefined), weight: 1 },
        { arbitrary: fc.constant<PeerDraft[]>([]), weight: 1 },
        { arbitrary: removableArray(peerDraft(options), { minLength: 1, maxLength: 2 }), weight: 5 },
      ),
      // Absent and empty port lists both admit every port; a list of ports is the usual case.
      ports: fc.oneof(
        { withCrossShrink: true },
        { arbitrary: fc.constant(undefined), weight: 1 },
        { arbitrary: fc.constant<NetworkPolicyPort[]>([]), weight: 1 },
        { arbitrary: removableArray(networkPolicyPort(options), { minLength: 1, maxLength: 2 }), weight: 4 },
      ),
    })
    .map(({ peers, ports }) => {
      const rule: RuleDraft = {};
      if (peers !== undefined) rule.peers = peers;
      if (ports !== undefined) rule.ports = ports;
      return rule;
    });
}

export function policyDraft(options: PolicyOptions = {}): fc.Arbitrary<PolicyDraft> {
  const rules = fc.option(removableArray(ruleDraft(options), { maxLength: options.maxRules ?? 2 }), { nil: undefined, freq: 4 });
  return fc
    .record({
      pod: fc.nat({ max: 15 }),
      podSelector: podSelectorDraft(),
      policyTypes: fc.oneof(
        { withCrossShrink: true },
        { arbitrary: fc.constant(undefined), weight: 3 },
        { arbitrary: fc.constantFrom<PolicyType[]>(['Ingress'], ['Egress'], ['Ingress', 'Egress']), weight: 2 },
      ),
      ingress: rules,
      egress: rules,
    })
    .map(({ pod, podSelector, policyTypes, ingress, egress }) => {
      const draft: PolicyDraft = { pod, podSelector };
      if (policyTypes !== undefined) draft.policyTypes = [...policyTypes];
      if (ingress !== undefined) draft.ingress = ingress;
      if (egress !== undefined) draft.egress = egress;
      return draft;
    });
}

/** The i-th policy of a namespace (0-based). */
export function policyName(index: number): string {
  return `policy-${index < 26 ? String.fromCharCode(97 + index) : index}`;
}

function addressOf(draft: AddressDraft, pods: Pod[], nodes: Node[]): string {
  if ('pod' in draft && pods.length > 0) return pods[draft.pod % pods.length].ip;
  const index = 'node' in draft ? draft.node : draft.pod;
  return nodes[index % nodes.length].internalIP;
}

/** The CIDR of the given length around an address, written with its network address. */
export function cidrAround(ip: string, prefix: number): string {
  return `${ipaddr.IPv4.networkAddressFromCIDR(`${ip}/${prefix}`).toString()}/${prefix}`;
}

/**
 * An ipBlock around cluster addresses. An except entry that would not be a strict subset of the
 * cidr (outside it, or not longer) is dropped, as is a repeated one: the API server rejects both.
 */
export function placeIPBlock(draft: IPBlockDraft, pods: Pod[], nodes: Node[]): IPBlock {
  const cidr = cidrAround(addressOf(draft.around, pods, nodes), draft.prefix);
  const range = ipaddr.IPv4.parseCIDR(cidr);
  const except: string[] = [];
  for (const e of draft.except) {
    if (e.prefix <= draft.prefix) continue;
    const ip = addressOf(e.around, pods, nodes);
    if (!ipaddr.IPv4.parse(ip).match(range)) continue;
    const excepted = cidrAround(ip, e.prefix);
    if (!except.includes(excepted)) except.push(excepted);
  }
  return except.length > 0 ? { cidr, except } : { cidr };
}

/** A selector from a draft; `own` is the pod a likePod draft copies when it is the policy's own. */
export function placePodSelector(draft: PodSelectorDraft, pods: Pod[], own?: Pod): LabelSelector {
  if ('selector' in draft) return draft.selector;
  const pod = own ?? (pods.length > 0 ? pods[draft.likePod % pods.length] : undefined);
  const labels = pod?.labels ?? {};
  const picked = Object.entries(labels).filter(([key]) => draft.keys.includes(key));
  const matchLabels = Object.fromEntries(picked.length > 0 ? picked : Object.entries(labels).slice(0, 1));
  return Object.keys(matchLabels).length > 0 ? { matchLabels } : {};
}

function placePeer(draft: PeerDraft, pods: Pod[], nodes: Node[]): NetworkPolicyPeer {
  if ('ipBlock' in draft) return { ipBlock: placeIPBlock(draft.ipBlock, pods, nodes) };
  const peer: NetworkPolicyPeer = {};
  if ('podSelector' in draft) peer.podSelector = placePodSelector(draft.podSelector, pods);
  if ('namespaceSelector' in draft) peer.namespaceSelector = draft.namespaceSelector;
  return peer;
}

/** Complete NetworkPolicies from drafts: the namespace of the indexed pod, names unique per namespace. */
export function placePolicies(drafts: PolicyDraft[], pods: Pod[], nodes: Node[], namespaces: Namespace[]): NetworkPolicy[] {
  const perNamespace = new Map<string, number>();
  return drafts.map((d) => {
    const own = pods.length > 0 ? pods[d.pod % pods.length] : undefined;
    const namespace = own?.namespace ?? namespaces[0].name;
    const index = perNamespace.get(namespace) ?? 0;
    perNamespace.set(namespace, index + 1);
    const policy: NetworkPolicy = { namespace, name: policyName(index), podSelector: placePodSelector(d.podSelector, pods, own) };
    if (d.policyTypes !== undefined) policy.policyTypes = d.policyTypes;
    if (d.ingress !== undefined) {
      policy.ingress = d.ingress.map((r) => {
        const rule: NonNullable<NetworkPolicy['ingress']>[number] = {};
        if (r.peers !== undefined) rule.from = r.peers.map((p) => placePeer(p, pods, nodes));
        if (r.ports !== undefined) rule.ports = r.ports;
        return rule;
      });
    }
    if (d.egress !== undefined) {
      policy.egress = d.egress.map((r) => {
        const rule: NonNullable<NetworkPolicy['egress']>[number] = {};
        if (r.peers !== undefined) rule.to = r.peers.map((p) => placePeer(p, pods, nodes));
        if (r.ports !== undefined) rule.ports = r.ports;
        return rule;
      });
    }
    return policy;
  });
}
