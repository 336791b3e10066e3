// NetworkPolicy selectors evaluated once per state: which pods each policy selects, which pods each
// rule's peers admit, and per pod the policies that isolate it in each direction. On top of that,
// per isolated pod and port, the admission: the union of the peers its rules admit there. Judging a
// connection is then one array read per direction, for one probe and for the whole matrix alike.
import { namespaceLabels, selectorMatches } from '../../cluster/label-selector.ts';
import type {
  ClusterState,
  LabelSelector,
  Labels,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  Pod,
  Protocol,
} from '../../cluster/types.ts';
import type { ModelFaultName } from './faults.ts';
import ipaddr from 'ipaddr.js';
import { ipBlockMatcher } from './ip-block.ts';
import { rulePortsMatch, type PortMatchOptions } from './policy-port.ts';
import { governsEgress, governsIngress } from './policy-types.ts';

export interface CompiledRule {
  /** Unique within the index (keys the admissions that share this rule). */
  id: number;
  /** 1-based, as a person counts the rules of one direction. */
  number: number;
  /** Absent: every port of every protocol (an empty list is compiled to absent, as the API reads it). */
  ports?: NetworkPolicyPort[];
  /** `from`/`to` absent or empty: every peer, pods, nodes and outside addresses alike. */
  allPeers: boolean;
  /** Pod index -> 1 when one of the rule's peers admits that (non-hostNetwork) pod; absent when allPeers. */
  peerPods?: Uint8Array;
}

export interface CompiledPolicy {
  policy: NetworkPolicy;
  /** `namespace/name`, for reasons. */
  key: string;
  /** Rules of a direction the policy does not govern contribute nothing, so they are not compiled. */
  ingressRules: CompiledRule[];
  egressRules: CompiledRule[];
}

export type Direction = 'ingress' | 'egress';

/**
 * A rule of an isolated pod's policies whose ports admit one (port, protocol). `peerNamedPorts`:
 * the rule admits it only through named ports resolved on the peer (the destination of an egress
 * rule), so only peers declaring such a port with that number are admitted; absent, every peer the
 * rule's `from`/`to` admits is.
 */
export interface AdmittingRule {
  policy: number;
  rule: CompiledRule;
  peerNamedPorts?: NetworkPolicyPort[];
}

/**
 * What one isolated pod's policies admit in one direction on one (port, protocol): the union of
 * its rules that admit the port. This is the evaluator: predict() reads one entry of `peers`, the
 * matrix reads whole arrays of them, and the reason names the first rule of `rules` that admits the
 * peer. Pods whose rules admit a port alike share one admission (and its arrays).
 */
export interface Admission {
  /** Dense, for keying caches of admissions. */
  id: number;
  /** In policy order, then rule order (the order a reason names the admitting rule in). */
  rules: AdmittingRule[];
  /** Ordinary pod index -> 1 when some rule admits that pod as the peer. */
  peers: Uint8Array;
  /** A rule open to every peer admits the port outright: hosts (nodes, hostNetwork pods) included. */
  everyPeer: boolean;
  /** Rules open to every peer that admit the port only by a named port on the peer (a host may have it). */
  hostRules: AdmittingRule[];
}

export interface PolicyIndex {
  pods: Pod[];
  /** `namespace/name` of each pod, built once for reasons. */
  keys: string[];
  /** Per direction and pod, the policies isolating it as reason text (built on first use). */
  isolatedByText: Record<Direction, (string | undefined)[]>;
  policies: CompiledPolicy[];
  /** Pod index -> indices of the policies that select it and govern Ingress (its ingress isolation). */
  ingressOf: number[][];
  /** Pod index -> indices of the policies that select it and govern Egress. */
  egressOf: number[][];
  fault?: ModelFaultName;
  portOptions: PortMatchOptions;
  /** Ordinary (non-hostNetwork) pods as a set: the peers of a rule open to every peer. */
  ordinaryPods: Uint8Array;
  /** Memo of admission(): per direction, pod index -> (port, protocol) key -> admission. */
  admissions: Record<Direction, Map<number, Admission>[]>;
  /** Admissions by the rules they are made of, shared between pods. */
  admissionBySignature: Map<string, Admission>;
  /** Per list of named policy ports and (port, protocol): the ordinary pods declaring one of them with that number. */
  namedPortPeers: Map<string, Uint8Array>;
}

/**
 * A set of indices (pods, matrix columns) as one byte each (1 = member), padded to whole 32-bit words so that
 * unions can be taken four pods at a time (see unionInto).
 */
export function indexSet(n: number): Uint8Array {
  return new Uint8Array(Math.ceil(n / 4) * 4);
}

/** into |= from, for two byte sets of the same padded length. */
export function unionInto(into: Uint8Array, from: Uint8Array): void {
  const a = new Uint32Array(into.buffer, into.byteOffset, into.length >> 2);
  const b = new Uint32Array(from.buffer, from.byteOffset, from.length >> 2);
  for (let i = 0; i < a.length; i++) a[i] |= b[i];
}

export function buildPolicyIndex(state: ClusterState, fault?: ModelFaultName): PolicyIndex {
  const pods = state.pods;
  const n = pods.length;
  const podsByNamespace = new Map<string, number[]>();
  pods.forEach((p, i) => {
    // hostNetwork pods are never selected by a policy nor admitted as a pod peer: their traffic is
    // node traffic (NetworkPolicy docs), judged separately.
    if (p.hostNetwork) return;
    const list = podsByNamespace.get(p.namespace);
    if (list) list.push(i);
    else podsByNamespace.set(p.namespace, [i]);
  });
  const nsLabels = new Map<string, Labels>();
  for (const ns of state.namespaces) nsLabels.set(ns.name, namespaceLabels(ns));
  for (const ns of podsByNamespace.keys()) {
    if (!nsLabels.has(ns)) nsLabels.set(ns, namespaceLabels({ name: ns, labels: {} }));
  }

  const addresses: (ipaddr.IPv4 | ipaddr.IPv6 | undefined)[] = new Array(n);
  const podAddress = (i: number) => (addresses[i] ??= ipaddr.parse(pods[i].ip));

  // Many policies repeat selectors; evaluate each (namespace, selector) once.
  const podSelectorCache = new Map<string, number[]>();
  const selectPods = (namespace: string, sel: LabelSelector): number[] => {
    const key = `${namespace}\u0000${JSON.stringify(sel)}`;
    let hit = podSelectorCache.get(key);
    if (!hit) {
      hit = (podsByNamespace.get(namespace) ?? []).filter((i) => selectorMatches(sel, pods[i].labels));
      podSelectorCache.set(key, hit);
    }
    return hit;
  };
  const nsSelectorCache = new Map<string, string[]>();
  const selectNamespaces = (sel: LabelSelector): string[] => {
    const key = JSON.stringify(sel);
    let hit = nsSelectorCache.get(key);
    if (!hit) {
      hit = [...nsLabels].filter(([, labels]) => selectorMatches(sel, labels)).map(([name]) => name);
      nsSelectorCache.set(key, hit);
    }
    return hit;
  };

  const markPeer = (into: Uint8Array, peer: NetworkPolicyPeer, policyNamespace: string): void => {
    if (peer.ipBlock) {
      // ipBlock applies to pod IPs too (kube-network-policies, the reference implementation).
      const contains = ipBlockMatcher(peer.ipBlock, { ignoreExcept: fault === 'ignore-except' });
      for (const list of podsByNamespace.values()) for (const i of list) if (contains(podAddress(i))) into[i] = 1;
      return;
    }
    const { podSelector, namespaceSelector } = peer;
    if (podSelector && namespaceSelector && fault === 'peers-or') {
      for (const i of selectPods(policyNamespace, podSelector)) into[i] = 1;
      for (const ns of selectNamespaces(namespaceSelector)) for (const i of podsByNamespace.get(ns) ?? []) into[i] = 1;
      return;
    }
    if (namespaceSelector) {
      // namespaceSelector alone: every pod of the matching namespaces; with podSelector: both (AND).
      for (const ns of selectNamespaces(namespaceSelector)) {
        for (const i of podSelector ? selectPods(ns, podSelector) : (podsByNamespace.get(ns) ?? [])) into[i] = 1;
      }
      return;
    }
    // podSelector alone: pods of the policy's own namespace.
    if (podSelector) for (const i of selectPods(policyNamespace, podSelector)) into[i] = 1;
    // A peer with no field at all is invalid (the API rejects it); it admits nothing here.
  };

  let ruleIds = 0;
  const compileRules = (rules: { peers?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }[], ns: string): CompiledRule[] =>
    rules.map((rule, r) => {
      const allPeers = rule.peers === undefined || rule.peers.length === 0;
      const ports = rule.ports === undefined || rule.ports.length === 0 ? undefined : rule.ports;
      const id = ruleIds++;
      if (allPeers) return { id, number: r + 1, ports, allPeers };
      const peerPods = indexSet(n);
      for (const peer of rule.peers!) markPeer(peerPods, peer, ns);
      return { id, number: r + 1, ports, allPeers, peerPods };
    });

  const ingressOf: number[][] = pods.map(() => []);
  const egressOf: number[][] = pods.map(() => []);
  const policies = state.policies.map((policy, pi): CompiledPolicy => {
    const ingress = governsIngress(policy);
    // ignore-egress fault: a data plane that never enforces egress isolation.
    const egress = governsEgress(policy) && fault !== 'ignore-egress';
    for (const i of selectPods(policy.namespace, policy.podSelector)) {
      if (ingress) ingressOf[i].push(pi);
      if (egress) egressOf[i].push(pi);
    }
    return {
      policy,
      key: `${policy.namespace}/${policy.name}`,
      ingressRules: ingress ? compileRules((policy.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports })), policy.namespace) : [],
      egressRules: egress ? compileRules((policy.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports })), policy.namespace) : [],
    };
  });
  const ordinaryPods = indexSet(n);
  pods.forEach((p, i) => {
    if (!p.hostNetwork) ordinaryPods[i] = 1;
  });
  return {
    pods,
    keys: pods.map((p) => `${p.namespace}/${p.name}`),
    isolatedByText: { ingress: [], egress: [] },
    policies,
    ingressOf,
    egressOf,
    fault,
    portOptions: { ignoreEndPort: fault === 'ignore-endport', ignoreProtocol: fault === 'ignore-policy-protocol' },
    ordinaryPods,
    admissions: { ingress: pods.map(() => new Map()), egress: pods.map(() => new Map()) },
    admissionBySignature: new Map(),
    namedPortPeers: new Map(),
  };
}

const PROTOCOL_NUMBER: Record<Protocol, number> = { TCP: 0, UDP: 1, SCTP: 2 };

/**
 * Where a rule's named port is resolved. The API: on the destination, which is the isolated pod
 * for ingress and the peer for egress; the named-port-on-source fault resolves it on the source.
 */
function namedPortOnPeer(index: PolicyIndex, direction: Direction): boolean {
  return (direction === 'egress') !== (index.fault === 'named-port-on-source');
}

/** Whether one admitting rule admits `peer` (an ordinary pod index, or a host with its hostNetwork pod if any). */
export function ruleAdmitsPeer(index: PolicyIndex, ar: AdmittingRule, peer: { pod: number; hostPod?: number }, port: number, protocol: Protocol): boolean {
  if (ar.rule.peerPods !== undefined && (peer.pod < 0 || ar.rule.peerPods[peer.pod] !== 1)) return false;
  if (ar.peerNamedPorts === undefined) return true;
  const pod = peer.pod >= 0 ? index.pods[peer.pod] : peer.hostPod === undefined ? undefined : index.pods[peer.hostPod];
  return rulePortsMatch(ar.peerNamedPorts, port, protocol, pod, index.portOptions);
}

/** Whether `adm` admits a host peer (a node, or a hostNetwork pod): only rules open to every peer can. */
export function admitsHost(index: PolicyIndex, adm: Admission, peer: { pod: number; hostPod?: number }, port: number, protocol: Protocol): boolean {
  if (adm.everyPeer) return true;
  for (const ar of adm.hostRules) if (ruleAdmitsPeer(index, ar, peer, port, protocol)) return true;
  return false;
}

/**
 * The admission of pod `i`'s policies in `direction` on (port, protocol); the pod must be isolated
 * in that direction. Memoized per pod and port, and shared between pods with the same rules.
 */
export function admission(index: PolicyIndex, direction: Direction, i: number, port: number, protocol: Protocol): Admission {
  const memo = index.admissions[direction][i];
  const key = port * 4 + PROTOCOL_NUMBER[protocol];
  const hit = memo.get(key);
  if (hit) return hit;
  const onPeer = namedPortOnPeer(index, direction);
  const own = index.pods[i];
  const options = index.portOptions;
  const rules: AdmittingRule[] = [];
  let signature = '';
  let portDependent = false;
  for (const pi of direction === 'ingress' ? index.ingressOf[i] : index.egressOf[i]) {
    for (const rule of direction === 'ingress' ? index.policies[pi].ingressRules : index.policies[pi].egressRules) {
      if (rule.ports === undefined) {
        rules.push({ policy: pi, rule });
        signature += `${rule.id},`;
        continue;
      }
      if (!onPeer) {
        if (rulePortsMatch(rule.ports, port, protocol, own, options)) {
          rules.push({ policy: pi, rule });
          signature += `${rule.id},`;
        }
        continue;
      }
      // Named ports wait for the peer; numeric ones (and port-less entries) decide now.
      const named = rule.ports.filter((pp) => typeof pp.port === 'string');
      const numeric = named.length === 0 ? rule.ports : rule.ports.filter((pp) => typeof pp.port !== 'string');
      if (numeric.length > 0 && rulePortsMatch(numeric, port, protocol, undefined, options)) {
        rules.push({ policy: pi, rule });
        signature += `${rule.id},`;
      } else if (named.length > 0) {
        rules.push({ policy: pi, rule, peerNamedPorts: named });
        signature += `${rule.id}n,`;
        portDependent = true;
      }
    }
  }
  // A named port on the peer makes the peers depend on the port number, not only on the rules.
  if (portDependent) signature += `@${key}`;
  let adm = index.admissionBySignature.get(signature);
  if (!adm) {
    adm = compose(index, rules, port, protocol);
    index.admissionBySignature.set(signature, adm);
  }
  memo.set(key, adm);
  return adm;
}

function compose(index: PolicyIndex, rules: AdmittingRule[], port: number, protocol: Protocol): Admission {
  const peers = indexSet(index.pods.length);
  let everyPeer = false;
  const hostRules: AdmittingRule[] = [];
  for (const ar of rules) {
    const { rule } = ar;
    if (ar.peerNamedPorts === undefined) {
      if (rule.peerPods === undefined) everyPeer = true;
      else unionInto(peers, rule.peerPods);
      continue;
    }
    if (rule.peerPods === undefined) hostRules.push(ar);
    unionInto(peers, rule.peerPods === undefined ? namedPortPeers(index, ar, port, protocol) : intersect(rule.peerPods, namedPortPeers(index, ar, port, protocol)));
  }
  if (everyPeer) unionInto(peers, index.ordinaryPods);
  return { id: index.admissionBySignature.size, rules, peers, everyPeer, hostRules };
}

function namedPortPeers(index: PolicyIndex, ar: AdmittingRule, port: number, protocol: Protocol): Uint8Array {
  // Keyed by the named entries themselves: many rules name the same port ('http').
  const key = `${ar.peerNamedPorts!.map((pp) => `${pp.port}/${pp.protocol ?? 'TCP'}`).join(',')}|${port}/${protocol}`;
  let set = index.namedPortPeers.get(key);
  if (!set) {
    set = indexSet(index.pods.length);
    index.pods.forEach((p, i) => {
      if (!p.hostNetwork && rulePortsMatch(ar.peerNamedPorts, port, protocol, p, index.portOptions)) set![i] = 1;
    });
    index.namedPortPeers.set(key, set);
  }
  return set;
}

function intersect(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length >> 2);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length >> 2);
  const z = new Uint32Array(out.buffer, 0, out.length >> 2);
  for (let k = 0; k < z.length; k++) z[k] = x[k] & y[k];
  return out;
}
