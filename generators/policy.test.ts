import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { selectorMatches } from '../cluster/label-selector.ts';
import type { ClusterState, NetworkPolicyPeer, NetworkPolicyPort, Pod } from '../cluster/types.ts';
import { describeArbitraryContract, shrinksStayValid } from './arbitrary-contract.ts';
import { namespaces } from './namespace.ts';
import { nodeAt, nodes } from './node.ts';
import { placePods, podDraft } from './pod.ts';
import { placeIPBlock, placePolicies, policyDraft } from './policy.ts';
import { clusterStateProblems } from './validity.ts';

const policiesState = () =>
  fc
    .record(
      {
        namespaces: namespaces(),
        nodes: nodes(),
        pods: fc.array(podDraft(), { minLength: 1, maxLength: 6 }),
        policies: fc.array(policyDraft(), { minLength: 1, maxLength: 3 }),
      },
      { noNullPrototype: true },
    )
    .map(({ namespaces, nodes, pods, policies }): ClusterState => {
      const placed = placePods(pods, namespaces, nodes);
      return { namespaces, nodes, pods: placed, services: [], policies: placePolicies(policies, placed, nodes, namespaces) };
    });

describeArbitraryContract('NetworkPolicies placed by placePolicies()', policiesState(), clusterStateProblems, { numRuns: 100 });

const contains = (cidr: string, ip: string) => ipaddr.IPv4.parse(ip).match(ipaddr.IPv4.parseCIDR(cidr));

describe('NetworkPolicies', () => {
  const sample = fc.sample(policiesState(), { seed: 41, numRuns: 400 });
  const policies = sample.flatMap((s) => s.policies);
  const rules = policies.flatMap((p) => [...(p.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports })), ...(p.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports }))]);
  const peers: NetworkPolicyPeer[] = rules.flatMap((r) => r.peers ?? []);
  const ports: NetworkPolicyPort[] = rules.flatMap((r) => r.ports ?? []);

  it('write policyTypes omitted and each explicit form', () => {
    const forms = new Set(policies.map((p) => (p.policyTypes ? p.policyTypes.join('+') : 'omitted')));
    expect(forms).toEqual(new Set(['omitted', 'Ingress', 'Egress', 'Ingress+Egress']));
  });

  it('write rule lists absent, empty and not, and peer and port lists absent, empty and not', () => {
    const shape = (list: unknown[] | undefined) => (list === undefined ? 'absent' : list.length === 0 ? 'empty' : 'some');
    expect(new Set(policies.map((p) => shape(p.ingress)))).toEqual(new Set(['absent', 'empty', 'some']));
    expect(new Set(policies.map((p) => shape(p.egress)))).toEqual(new Set(['absent', 'empty', 'some']));
    expect(new Set(rules.map((r) => shape(r.peers)))).toEqual(new Set(['absent', 'empty', 'some']));
    expect(new Set(rules.map((r) => shape(r.ports)))).toEqual(new Set(['absent', 'empty', 'some']));
  });

  it('use podSelector, namespaceSelector, both in one peer, and ipBlock with and without except', () => {
    const kinds = new Set(peers.map((p) => Object.keys(p).sort().join('+')));
    expect(kinds).toEqual(new Set(['podSelector', 'namespaceSelector', 'namespaceSelector+podSelector', 'ipBlock']));
    expect(peers.some((p) => p.ipBlock?.except)).toBe(true);
    expect(peers.some((p) => p.ipBlock && !p.ipBlock.except)).toBe(true);
    expect(peers.some((p) => p.namespaceSelector?.matchExpressions?.some((r) => r.key === 'kubernetes.io/metadata.name') || p.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'])).toBe(true);
  });

  it('write ports by number, by name, with endPort, and with the protocol absent or each protocol', () => {
    expect(ports.some((p) => typeof p.port === 'number' && p.endPort === undefined)).toBe(true);
    expect(ports.some((p) => typeof p.port === 'string')).toBe(true);
    expect(ports.some((p) => p.endPort !== undefined)).toBe(true);
    expect(ports.some((p) => p.port === undefined)).toBe(true);
    expect(new Set(ports.map((p) => p.protocol ?? 'absent'))).toEqual(new Set(['absent', 'TCP', 'UDP', 'SCTP']));
  });

  it('draw ipBlocks around the addresses present: each cidr holds a pod or node IP, each except one too', () => {
    for (const s of sample) {
      const addresses = [...s.pods.map((p) => p.ip), ...s.nodes.map((n) => n.internalIP)];
      for (const policy of s.policies) {
        for (const rule of [...(policy.ingress ?? []).flatMap((r) => r.from ?? []), ...(policy.egress ?? []).flatMap((r) => r.to ?? [])]) {
          if (!rule.ipBlock) continue;
          expect(addresses.some((ip) => contains(rule.ipBlock!.cidr, ip))).toBe(true);
          for (const e of rule.ipBlock.except ?? []) expect(addresses.some((ip) => contains(e, ip))).toBe(true);
        }
      }
    }
  });

  it('write the /24 of a pod with that pod excepted, and drop excepts that are not a strict subset', () => {
    const pod = { ip: '10.244.2.7' } as Pod;
    const node = nodeAt(0);
    expect(placeIPBlock({ around: { pod: 0 }, prefix: 24, except: [{ around: { pod: 0 }, prefix: 32 }] }, [pod], [node])).toEqual({
      cidr: '10.244.2.0/24',
      except: ['10.244.2.7/32'],
    });
    // a /32 cannot except a /32, and a node address outside the /24 cannot be excepted from it
    expect(placeIPBlock({ around: { pod: 0 }, prefix: 32, except: [{ around: { pod: 0 }, prefix: 32 }, { around: { node: 0 }, prefix: 32 }] }, [pod], [node])).toEqual({
      cidr: '10.244.2.7/32',
    });
  });

  it('mostly select a pod of their own namespace (a policy that selects nothing tests nothing)', () => {
    let selecting = 0;
    for (const s of sample) {
      for (const p of s.policies) if (s.pods.some((pod) => pod.namespace === p.namespace && selectorMatches(p.podSelector, pod.labels))) selecting++;
    }
    expect(selecting / policies.length).toBeGreaterThan(0.6);
  });

  it('shrink toward one policy with an empty podSelector and no rules', () => {
    const smallest = shrinksStayValid(policiesState(), clusterStateProblems, { seeds: [7] })[0];
    expect(smallest.policies).toEqual([{ namespace: 'x', name: 'policy-a', podSelector: {} }]);
  });
});
