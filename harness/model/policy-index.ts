// NetworkPolicy selectors evaluated once per state: which pods each policy selects, which pods each
// rule's peers admit, and per pod the policies that isolate it in each direction. Judging a
// connection is then a few array look-ups, which the 1,000-pod matrix needs (the naive loop over
// all policies and selectors per pair is far too slow).
import { namespaceLabels, selectorMatches } from '../../cluster/label-selector.ts';
import type {
  ClusterState,
  LabelSelector,
  Labels,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  Pod,
} from '../../cluster/types.ts';
import type { ModelFaultName } from './faults.ts';
import ipaddr from 'ipaddr.js';
import { ipBlockMatcher } from './ip-block.ts';
import type { PortMatchOptions } from './policy-port.ts';
import { governsEgress, governsIngress } from './policy-types.ts';

export interface CompiledRule {
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

export interface PolicyIndex {
  pods: Pod[];
  policies: CompiledPolicy[];
  /** Pod index -> indices of the policies that select it and govern Ingress (its ingress isolation). */
  ingressOf: number[][];
  /** Pod index -> indices of the policies that select it and govern Egress. */
  egressOf: number[][];
  fault?: ModelFaultName;
  portOptions: PortMatchOptions;
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

  const compileRules = (rules: { peers?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }[], ns: string): CompiledRule[] =>
    rules.map((rule, r) => {
      const allPeers = rule.peers === undefined || rule.peers.length === 0;
      const ports = rule.ports === undefined || rule.ports.length === 0 ? undefined : rule.ports;
      if (allPeers) return { number: r + 1, ports, allPeers };
      const peerPods = indexSet(n);
      for (const peer of rule.peers!) markPeer(peerPods, peer, ns);
      return { number: r + 1, ports, allPeers, peerPods };
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
  return {
    pods,
    policies,
    ingressOf,
    egressOf,
    fault,
    portOptions: { ignoreEndPort: fault === 'ignore-endport', ignoreProtocol: fault === 'ignore-policy-protocol' },
  };
}
