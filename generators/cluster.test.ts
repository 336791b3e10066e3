import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeArbitraryContract, shrinksStayValid } from './arbitrary-contract.ts';
import { type ClusterCase, clusterCase, type Universe } from './cluster.ts';
import { clusterCaseProblems } from './validity.ts';

describeArbitraryContract('clusterCase()', clusterCase(), clusterCaseProblems, { numRuns: 100 });
describeArbitraryContract(
  'clusterCase() narrowed to TCP pods without policies or Services',
  clusterCase({ policies: false, services: false, udp: false, sctp: false, hostNetwork: false }),
  clusterCaseProblems,
  { numRuns: 100 },
);

const universe: Universe = {
  namespaces: [
    { name: 'x', labels: {} },
    { name: 'y', labels: {} },
  ],
  nodes: [
    { name: 'node-1', podCIDR: '10.244.1.0/24', internalIP: '172.18.0.2' },
    { name: 'node-2', podCIDR: '10.244.2.0/24', internalIP: '172.18.0.3' },
  ],
  pods: ['x/a', 'x/b', 'y/a', 'y/b'].map((key, i) => {
    const [namespace, name] = key.split('/');
    return {
      namespace,
      name,
      labels: {},
      nodeName: `node-${(i % 2) + 1}`,
      hostNetwork: false,
      ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' as const }, { containerPort: 81, protocol: 'UDP' as const }],
      ip: `10.244.${(i % 2) + 1}.${10 + i}`,
      ready: true,
    };
  }),
};

describeArbitraryContract('clusterCase({ universe })', clusterCase({ universe }), clusterCaseProblems, { numRuns: 100 });

describe('clusterCase', () => {
  it('honours the narrowing options', () => {
    for (const c of fc.sample(clusterCase({ policies: false, services: false, hostNetwork: false, notReady: false, udp: false, sctp: false }), { seed: 1, numRuns: 200 })) {
      expect(c.state.policies).toEqual([]);
      expect(c.state.services).toEqual([]);
      expect(c.state.pods.every((p) => !p.hostNetwork && p.ready && p.ports.every((q) => q.protocol === 'TCP'))).toBe(true);
      expect(c.probes.every((p) => p.protocol === 'TCP' && p.to.kind !== 'service')).toBe(true);
    }
  });

  it('stays within maxNamespaces, maxNodes, maxPods, maxServices, maxPolicies and maxProbes', () => {
    const limits = { maxNamespaces: 2, maxNodes: 2, maxPods: 3, maxServices: 1, maxPolicies: 1, maxProbes: 2 };
    const sample = fc.sample(clusterCase(limits), { seed: 2, numRuns: 200 });
    for (const { state, probes } of sample) {
      expect(state.namespaces.length).toBeLessThanOrEqual(2);
      expect(state.nodes.length).toBeLessThanOrEqual(2);
      expect(state.pods.length).toBeLessThanOrEqual(3);
      expect(state.services.length).toBeLessThanOrEqual(1);
      expect(state.policies.length).toBeLessThanOrEqual(1);
      expect(probes.length).toBeLessThanOrEqual(2);
    }
    // and the limits are reached, so they do not merely happen to hold
    expect(sample.some((c) => c.state.pods.length === 3 && c.state.nodes.length === 2 && c.probes.length === 2)).toBe(true);
  });

  it('keeps a fixed universe: only labels, readiness, Services, policies and probes vary', () => {
    const sample = fc.sample(clusterCase({ universe }), { seed: 3, numRuns: 100 });
    for (const { state } of sample) {
      expect(state.nodes).toEqual(universe.nodes);
      expect(state.namespaces.map((n) => n.name)).toEqual(['x', 'y']);
      expect(state.pods.map(({ labels: _l, ready: _r, ...fixed }) => fixed)).toEqual(universe.pods.map(({ labels: _l, ready: _r, ...fixed }) => fixed));
    }
    expect(new Set(sample.map((c) => JSON.stringify(c.state.pods.map((p) => p.labels)))).size).toBeGreaterThan(50);
    expect(sample.some((c) => c.state.pods.some((p) => !p.ready))).toBe(true);
    expect(sample.some((c) => c.state.policies.length > 0 && c.state.services.length > 0)).toBe(true);
  });

  it('hands out copies: editing a drawn case leaves the universe and the next draws as they were', () => {
    const before = structuredClone(universe);
    for (const c of fc.sample(clusterCase({ universe }), { seed: 7, numRuns: 5 })) {
      c.state.nodes[0].internalIP = '172.18.0.99';
      c.state.pods[0].ports.push({ containerPort: 1, protocol: 'TCP' });
    }
    expect(universe).toEqual(before);
    // shrink candidates share drafts with the value they come from; an edit must not leak into them
    const arb = clusterCase({ services: false }).filter((c) => c.state.policies.length > 1);
    const seen: string[] = [];
    fc.check(
      fc.property(arb, (c) => {
        seen.push(JSON.stringify(c));
        for (const p of c.state.policies) p.podSelector.matchLabels = { edited: 'yes' };
        return false;
      }),
      { seed: 8, numRuns: 1 },
    );
    expect(seen.length).toBeGreaterThan(5);
    expect(seen.some((s) => s.includes('edited'))).toBe(false);
  });

  it('over a universe, shrinking first clears every namespace\'s labels at once, then every pod, then the pods of one namespace at a time', () => {
    // A stand-in for a failure about y/a alone (it has an app label): the other namespace's pods are bystanders.
    const aboutYA = (c: { state: { pods: { namespace: string; name: string; labels: Record<string, string> }[] } }) =>
      c.state.pods.find((p) => p.namespace === 'y' && p.name === 'a')!.labels.app === undefined;
    const labelled = (labels: Record<string, string>) => Object.keys(labels).length > 0;
    let tried: { pods: Record<string, Record<string, string>>; namespaces: Record<string, string>[]; passed: boolean }[] = [];
    let result: fc.RunDetails<[ClusterCase]> | undefined;
    // The first seed whose first case fails and has labels to clear on both levels.
    for (let seed = 1; seed < 200; seed++) {
      tried = [];
      result = fc.check(
        fc.property(clusterCase({ universe }), (c) => {
          const passed = aboutYA(c);
          tried.push({ pods: Object.fromEntries(c.state.pods.map((p) => [`${p.namespace}/${p.name}`, p.labels])), namespaces: c.state.namespaces.map((n) => n.labels), passed });
          return passed;
        }),
        { seed, numRuns: 1 },
      );
      const first = tried[0];
      if (!first.passed && first.namespaces.some(labelled) && labelled(first.pods['x/a']) && labelled(first.pods['x/b'])) break;
    }
    result = result!;
    expect(result.failed).toBe(true);
    const [found, nsCleared, allCleared, xCleared] = tried;
    expect(found.passed).toBe(false);
    expect(nsCleared.namespaces).toEqual([{}, {}]);
    expect(nsCleared.passed).toBe(false);
    expect(Object.values(allCleared.pods)).toEqual([{}, {}, {}, {}]);
    expect(allCleared.passed).toBe(true);
    expect(xCleared).toMatchObject({ pods: { 'x/a': {}, 'x/b': {}, 'y/a': found.pods['y/a'] }, passed: false });
    const shrunk = result.counterexample![0];
    expect(shrunk.state.pods.find((p) => p.name === 'a' && p.namespace === 'y')!.labels).toEqual({ app: 'web' });
    expect(shrunk.state.pods.filter((p) => p.namespace === 'x').map((p) => p.labels)).toEqual([{}, {}]);
  });

  it('draws valid cases from a universe without pods (probes then go from and to nodes)', () => {
    const empty: Universe = { namespaces: universe.namespaces, nodes: universe.nodes, pods: [] };
    for (const c of fc.sample(clusterCase({ universe: empty }), { seed: 6, numRuns: 50 })) {
      expect(clusterCaseProblems(c)).toEqual([]);
      expect(c.probes.every((p) => p.from.kind === 'node')).toBe(true);
    }
  });

  it('refuses a universe without a namespace or a node (a programming error, not a user one)', () => {
    expect(() => clusterCase({ universe: { ...universe, nodes: [] } })).toThrow(/at least one namespace and one node/);
  });

  it('shrinks toward the smallest case: one namespace, one node, one pod, nothing else, one probe', () => {
    const [smallest] = shrinksStayValid(clusterCase(), clusterCaseProblems, { seeds: [10], maxChecked: 5 });
    expect(smallest.state.namespaces).toEqual([{ name: 'x', labels: {} }]);
    expect(smallest.state.nodes).toHaveLength(1);
    expect(smallest.state.pods).toHaveLength(1);
    expect(smallest.state.services).toEqual([]);
    expect(smallest.state.policies).toEqual([]);
    expect(smallest.probes).toHaveLength(1);
  });

  it('shrinks a failure that needs a policy to a case with just that (one policy, few pods)', () => {
    // A stand-in for a property failure: "no policy has an ipBlock with except".
    const result = fc.check(
      fc.property(clusterCase(), (c) => !c.state.policies.some((p) => JSON.stringify(p).includes('"except"'))),
      { seed: 12, numRuns: 500 },
    );
    expect(result.failed).toBe(true);
    const c = result.counterexample![0];
    expect(clusterCaseProblems(c)).toEqual([]);
    expect(c.state.policies).toHaveLength(1);
    expect(c.state.services).toEqual([]);
    expect(c.state.pods.length).toBeLessThanOrEqual(2);
    expect(c.probes).toHaveLength(1);
  });
});
