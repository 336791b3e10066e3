import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Probe } from '../cluster/types.ts';
import { describeArbitraryContract } from './arbitrary-contract.ts';
import { clusterCase } from './cluster.ts';
import { placeProbes, probeDraft } from './probe.ts';
import { FIRST_NODE_PORT } from './service.ts';
import { clusterCaseProblems } from './validity.ts';

// Probes over one fixed state (one with Services, NodePorts and policies), only the probes varying.
const [fixed] = fc.sample(
  clusterCase().filter((c) => c.state.services.some((s) => s.type === 'NodePort') && c.state.policies.length > 0 && c.state.nodes.length > 1),
  { seed: 50, numRuns: 1 },
);
describeArbitraryContract(
  'probes placed by placeProbes() over a fixed state',
  fc.array(probeDraft(), { minLength: 1, maxLength: 8 }).map((drafts) => ({ state: fixed.state, probes: placeProbes(drafts, fixed.state) })),
  clusterCaseProblems,
  { numRuns: 100 },
);

// Probes are drawn as part of a case (they resolve against its state); their validity is checked by
// cluster.test.ts's contract. Here: that they cover every kind of connection the issue lists.
describe('probes', () => {
  const sample = fc.sample(clusterCase(), { seed: 51, numRuns: 300 });
  const all = sample.flatMap((c) => c.probes.map((probe) => ({ probe, c })));
  const some = (test: (p: Probe, c: (typeof sample)[number]) => boolean) => all.some(({ probe, c }) => test(probe, c));

  it('go from pods and from nodes', () => {
    expect(some((p) => p.from.kind === 'pod')).toBe(true);
    expect(some((p) => p.from.kind === 'node')).toBe(true);
  });

  it('go to pods by name and by IP, on served ports, named ports and ports nobody serves', () => {
    expect(some((p) => p.to.kind === 'pod' && typeof p.port === 'number')).toBe(true);
    expect(some((p) => p.to.kind === 'pod' && typeof p.port === 'string')).toBe(true);
    expect(some((p, c) => p.to.kind === 'ip' && c.state.pods.some((pod) => pod.ip === (p.to as { ip: string }).ip && !pod.hostNetwork))).toBe(true);
    const unserved = (p: Probe, c: (typeof sample)[number]) => {
      const to = p.to;
      if (to.kind !== 'pod') return false;
      const pod = c.state.pods.find((q) => q.namespace === to.namespace && q.name === to.name)!;
      return !pod.ports.some((q) => (q.containerPort === p.port || q.name === p.port) && q.protocol === p.protocol);
    };
    expect(some(unserved)).toBe(true);
  });

  it('go to Services by port number and by port name, and to NodePorts on node IPs', () => {
    expect(some((p) => p.to.kind === 'service' && typeof p.port === 'number')).toBe(true);
    expect(some((p) => p.to.kind === 'service' && typeof p.port === 'string')).toBe(true);
    expect(some((p, c) => p.to.kind === 'ip' && c.state.nodes.some((n) => n.internalIP === (p.to as { ip: string }).ip) && (p.port as number) >= FIRST_NODE_PORT)).toBe(true);
  });

  it('use every protocol, including one the target port does not serve', () => {
    expect(new Set(all.map(({ probe }) => probe.protocol))).toEqual(new Set(['TCP', 'UDP', 'SCTP']));
  });

  it('come from another node than the target pod\'s, and from its own', () => {
    const nodeOf = (p: Probe, c: (typeof sample)[number]) => {
      const to = p.to;
      return to.kind === 'pod' ? c.state.pods.find((q) => q.namespace === to.namespace && q.name === to.name)!.nodeName : undefined;
    };
    expect(some((p, c) => p.from.kind === 'node' && nodeOf(p, c) !== undefined && p.from.name !== nodeOf(p, c))).toBe(true);
    expect(some((p, c) => p.from.kind === 'node' && p.from.name === nodeOf(p, c))).toBe(true);
  });
});
