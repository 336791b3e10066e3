// Every state a property applies is a valid case file: it encodes and decodes back to itself, so any
// step of any property can become a repro that `netprops check` reads.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCase, encodeCase } from '../cluster/case-file.ts';
import type { Capability } from '../harness/harness.ts';
import { PROPERTIES } from './catalog.ts';

const EVERYTHING = new Set<Capability>(['pods', 'nodes', 'services', 'nodeport', 'policies', 'hostNetwork', 'readiness', 'udp', 'sctp', 'interface-ips', 'reapply']);

describe.each(PROPERTIES.map((p) => [p.id, p] as const))('%s', (_, property) => {
  it('applies only states and probes that round-trip through the case-file codec', () => {
    for (const pc of fc.sample(property.cases({ capabilities: EVERYTHING }), { numRuns: 40, seed: 11 })) {
      for (const step of pc.steps) {
        const unique = [...new Map(step.probes.map((p) => [JSON.stringify(p), p])).values()];
        const probes = unique.map((p) => ({ ...p, expect: 'allow' as const }));
        const decoded = decodeCase(encodeCase({ state: step.state, probes }), `${property.id}.yaml`);
        expect(decoded.state).toEqual(step.state);
        expect(decoded.probes).toEqual(probes);
      }
    }
  });
});
