import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import type { ClusterState } from '../cluster/types.ts';
import { describeArbitraryContract, shrinksStayValid } from './arbitrary-contract.ts';
import { namespaces } from './namespace.ts';
import { nodeAt, nodes } from './node.ts';
import { addressInCIDR, CONTAINER_PORT_NAMES, containerPorts, mostly, placePods, podDraft, type PodOptions } from './pod.ts';
import { clusterStateProblems } from './validity.ts';

const podsState = (options: PodOptions = {}) =>
  fc
    .record({ namespaces: namespaces(), nodes: nodes(), drafts: fc.array(podDraft(options), { minLength: 1, maxLength: 8 }) }, { noNullPrototype: true })
    .map(({ namespaces, nodes, drafts }): ClusterState => ({ namespaces, nodes, pods: placePods(drafts, namespaces, nodes), services: [], policies: [] }));

describeArbitraryContract('pods placed by placePods()', podsState(), clusterStateProblems, { numRuns: 100 });

describe('pods', () => {
  const sample = fc.sample(podsState(), { seed: 21, numRuns: 300 });
  const pods = sample.flatMap((s) => s.pods);

  it('give every ordinary pod an IP of its node pod CIDR, and every hostNetwork pod its node IP', () => {
    for (const s of sample) {
      for (const pod of s.pods) {
        const node = s.nodes.find((n) => n.name === pod.nodeName)!;
        if (pod.hostNetwork) expect(pod.ip).toBe(node.internalIP);
        else expect(ipaddr.IPv4.parse(pod.ip).match(ipaddr.IPv4.parseCIDR(node.podCIDR))).toBe(true);
      }
    }
  });

  it('draw hostNetwork and not-ready pods, every protocol and named ports', () => {
    expect(pods.some((p) => p.hostNetwork)).toBe(true);
    expect(pods.some((p) => !p.ready)).toBe(true);
    const ports = pods.flatMap((p) => p.ports);
    expect(new Set(ports.map((p) => p.protocol))).toEqual(new Set(['TCP', 'UDP', 'SCTP']));
    expect(new Set(ports.map((p) => p.name).filter((n) => n !== undefined))).toEqual(new Set(CONTAINER_PORT_NAMES));
  });

  it('leave out what the options exclude (hostNetwork, readiness, UDP, SCTP)', () => {
    const narrow = fc.sample(podsState({ hostNetwork: false, notReady: false, udp: false, sctp: false }), { seed: 3, numRuns: 200 });
    const all = narrow.flatMap((s) => s.pods);
    expect(all.every((p) => !p.hostNetwork && p.ready && p.ports.every((q) => q.protocol === 'TCP'))).toBe(true);
  });

  it('never let two hostNetwork pods on one node serve the same port (they share the node)', () => {
    const node = nodeAt(0);
    const port = { containerPort: 80, protocol: 'TCP' as const };
    const draft = { namespace: 0, node: 0, replicas: 1, labels: {}, ports: [port], ready: true, hostNetwork: true };
    const placed = placePods([draft, draft], [{ name: 'x', labels: {} }], [node]);
    expect(placed.map((p) => p.ports)).toEqual([[port], []]);
    // and the validity check does catch it when it happens
    const state = { namespaces: [{ name: 'x', labels: {} }], nodes: [node], pods: placed.map((p) => ({ ...p, ports: [port] })), services: [], policies: [] };
    expect(clusterStateProblems(state).join()).toMatch(/already serves 80\/TCP/);
  });

  it('shrink toward one pod with one TCP port, ready, not hostNetwork, without labels', () => {
    const smallest = shrinksStayValid(podsState(), clusterStateProblems, { seeds: [5] })[0];
    expect(smallest.pods).toHaveLength(1);
    expect(smallest.pods[0]).toMatchObject({ labels: {}, hostNetwork: false, ready: true, ports: [{ protocol: 'TCP' }] });
  });

  it('have container ports unique by number and protocol, with unique names', () => {
    for (const ports of fc.sample(containerPorts({ maxPorts: 3 }), { seed: 1, numRuns: 300 })) {
      expect(new Set(ports.map((p) => `${p.containerPort}/${p.protocol}`)).size).toBe(ports.length);
      const names = ports.flatMap((p) => (p.name ? [p.name] : []));
      expect(new Set(names).size).toBe(names.length);
    }
  });

  it('count host addresses from the network address', () => {
    expect(addressInCIDR('10.244.3.0/24', 2)).toBe('10.244.3.2');
    expect(() => addressInCIDR('10.244.3.0/24', 255)).toThrow();
  });
});

describe('mostly', () => {
  it('is the usual value in about weight of weight + 1 draws', () => {
    const drawn = fc.sample(mostly(true, true, 5), { seed: 3, numRuns: 600 });
    const usual = drawn.filter(Boolean).length / drawn.length;
    expect(usual).toBeGreaterThan(0.7);
    expect(usual).toBeLessThan(0.95);
  });

  it('shrinks the other value to the usual one also without its generation context (a value a shrink jump made)', () => {
    const flag = mostly(true, true);
    expect(flag.canShrinkWithoutContext(false)).toBe(true);
    expect([...flag.shrink(false, undefined)].map((v) => v.value)).toEqual([true]);
    expect([...flag.shrink(true, undefined)]).toEqual([]);
  });
});
