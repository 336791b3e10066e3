import { describe, expect, it } from 'vitest';
import { MODEL_FAULTS } from '../harness/model/faults.ts';
import { caseSize, reachFault } from './fault-reach.ts';
import { clusterCaseProblems } from './validity.ts';

// The issue: each fault caught with the default runs and shrunk to a case of at most a handful of
// objects. Here the generator alone: it reaches every model fault within 500 cases, and the shrunk
// case is valid and small (one namespace, few pods, at most one Service and two policies).
describe('clusterCase() reaches every model fault and shrinks it small', () => {
  for (const { name } of MODEL_FAULTS) {
    it(name, () => {
      const r = reachFault(name, { seed: 1, numRuns: 500 });
      expect(r.runs, `${name} not reached in 500 cases`).toBeDefined();
      const c = r.counterexample!;
      expect(clusterCaseProblems(c)).toEqual([]);
      const size = caseSize(c);
      expect(size.objects).toBeLessThanOrEqual(6);
      expect(size.services).toBeLessThanOrEqual(1);
      expect(size.policies).toBeLessThanOrEqual(2);
      expect(size.probes).toBe(1);
    });
  }

  it('reports a fault it does not reach as not reached (the check can fail)', () => {
    // One case (seed 1) shows no ipBlock except that matters.
    expect(reachFault('ignore-except', { seed: 1, numRuns: 1 }).runs).toBeUndefined();
  });
});
