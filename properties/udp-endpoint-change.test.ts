// udp-endpoint-change's flow key: one client source port per shape, the same in both steps, so a
// target that keeps UDP conntrack entries across cases cannot hand one shape's first probe another
// shape's leftover flow (see sourcePortOf).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Capability } from '../harness/harness.ts';
import { sourcePortOf, udpEndpointChange } from './udp-endpoint-change.ts';

const KERNEL: ReadonlySet<Capability> = new Set(['pods', 'services', 'udp', 'readiness', 'reapply']);

const SHAPES = ['not-ready', 'relabel'].flatMap((removal) =>
  ['number', 'name'].flatMap((targetPort) =>
    [0, 1].flatMap((c) => [0, 1].flatMap((a) => [0, 1].map((b) => ({ removal, targetPort, nodes: [c, a, b] })))),
  ),
) as Parameters<typeof sourcePortOf>[0][];

describe('udp-endpoint-change source ports', () => {
  it('every shape has a source port of its own, in the unprivileged range', () => {
    const ports = SHAPES.map(sourcePortOf);
    expect(new Set(ports).size).toBe(32);
    for (const p of ports) expect(p).toBeGreaterThanOrEqual(1024);
    for (const p of ports) expect(p).toBeLessThanOrEqual(65535);
  });

  it("both steps of a case probe with the shape's port, and the first step has x/a as the only ready endpoint", () => {
    fc.assert(
      fc.property(udpEndpointChange.cases({ capabilities: KERNEL }), (pc) => {
        const [first, second] = pc.steps;
        expect(second!.probes[0]!.sourcePort).toBe(first!.probes[0]!.sourcePort);
        const backends = first!.state.pods.filter((p) => p.labels.app === 'backend' && p.ready).map((p) => p.name);
        expect(backends).toEqual(['a']);
      }),
      { numRuns: 50 },
    );
  });
});
