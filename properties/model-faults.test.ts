// Each fault of the reference model is caught by at least one property in a default run, shrunk to
// a case of a handful of objects (the issue: "shrunk to at most a handful"), and every repro's
// case.yaml fails `netprops check --fault` and passes without (check judges how an allowed probe was
// delivered too, so faults that only change the source address replay as well).
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCases } from '../cli/check.ts';
import type { ClusterState } from '../cluster/types.ts';
import { MODEL_FAULTS } from '../harness/model/faults.ts';
import { writeRunOutput } from '../reports/run-output.ts';
import { DEFAULT_RUNS, runProperties } from './runner.ts';

/** Namespaces, nodes, pods, Services and NetworkPolicies: what a person reads in the repro. */
const objectCount = (s: ClusterState): number => s.namespaces.length + s.nodes.length + s.pods.length + s.services.length + s.policies.length;

const HANDFUL = 6;

describe.each(MODEL_FAULTS.map((f) => [f.name] as const))('model fault %s', (fault) => {
  it(`is caught in a default run (seed 1), shrunk to at most ${HANDFUL} objects, with a repro check replays`, async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'netprops-faults-'));
    const report = await runProperties({ target: 'model', runs: DEFAULT_RUNS, seed: 1, fault });
    await writeRunOutput(report, out);
    const failed = report.properties.filter((p) => p.status === 'failed');
    expect(failed.map((p) => p.id)).not.toEqual([]);
    expect(Math.min(...failed.map((p) => objectCount(p.failure!.counterexample.state)))).toBeLessThanOrEqual(HANDFUL);

    const replays: string[] = [];
    for (const p of failed) {
      const file = path.join(p.failure!.reproDir!, 'case.yaml');
      const broken = await checkCases([file], { target: 'model', fault });
      const conformant = await checkCases([file], { target: 'model' });
      // Without the fault every expectation holds: the repro never accuses a conformant target.
      expect({ id: p.id, mismatched: conformant.summary.mismatched, undefined: conformant.summary.undefined }).toEqual({ id: p.id, mismatched: 0, undefined: 0 });
      if (broken.summary.mismatched > 0) replays.push(p.id);
    }
    expect(replays).toEqual(failed.map((p) => p.id));
  });
});
