// Each fault of the reference model is caught by at least one property in a default run, and
// shrunk to a case of a handful of objects (the issue: "shrunk to at most a handful").
import { describe, expect, it } from 'vitest';
import { MODEL_FAULTS } from '../harness/model/faults.ts';
import type { ClusterState } from '../cluster/types.ts';
import { DEFAULT_RUNS, runProperties } from './runner.ts';

/** Namespaces, nodes, pods, Services and NetworkPolicies: what a person reads in the repro. */
export const objectCount = (s: ClusterState): number =>
  s.namespaces.length + s.nodes.length + s.pods.length + s.services.length + s.policies.length;

const HANDFUL = 6;

describe.each(MODEL_FAULTS.map((f) => [f.name] as const))('model fault %s', (fault) => {
  it(`is caught in a default run (seed 1) and shrunk to at most ${HANDFUL} objects`, async () => {
    const report = await runProperties({ target: 'model', runs: DEFAULT_RUNS, seed: 1, fault });
    const failed = report.properties.filter((p) => p.status === 'failed');
    expect(failed.map((p) => p.id)).not.toEqual([]);
    const smallest = Math.min(...failed.map((p) => objectCount(p.failure!.counterexample.state)));
    expect(smallest).toBeLessThanOrEqual(HANDFUL);
  });
});
