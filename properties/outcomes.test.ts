// The target for the generators, per property: every outcome a property can judge occurs
// in at least 10% of its runs, so no branch of its check goes untested in a default run (on the model,
// with a conformant DNS server added for a property that needs one).
import { describe, expect, it } from 'vitest';
import { PROPERTIES } from './catalog.ts';
import { modelHarnessFor } from './cluster-dns.ts';
import { DEFAULT_RUNS, runProperties } from './runner.ts';

describe.each(PROPERTIES.map((p) => [p.id, p] as const))('%s', (id, property) => {
  it.each([1, 2])(`sees each of its outcomes (${property.outcomes.join(', ')}) in at least 10 percent of the default runs, seed %i`, async (seed) => {
    const report = await runProperties({ target: 'model', properties: [id], runs: DEFAULT_RUNS, seed, stats: true, harnessFactory: modelHarnessFor(property) });
    const stats = report.properties[0].stats!;
    for (const outcome of property.outcomes) {
      expect({ outcome, share: stats[outcome] }).toEqual({ outcome, share: expect.toSatisfy((s: number) => s >= 0.1) });
    }
  });
});
