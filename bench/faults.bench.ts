// `npm run bench -- faults`: for each fault of the reference model, how long a default run takes to
// find the first failure, how long until the shrunk repro is written, and how small that repro is.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MODEL_FAULTS } from '../harness/model/faults.ts';
import type { ClusterState } from '../cluster/types.ts';
import { DEFAULT_RUNS, runProperties } from '../properties/runner.ts';
import type { BenchRow, BenchSection } from './bench.ts';

const rulesOf = (s: ClusterState): number => s.policies.reduce((n, p) => n + (p.ingress?.length ?? 0) + (p.egress?.length ?? 0), 0);
const objectsOf = (s: ClusterState): number => s.namespaces.length + s.nodes.length + s.pods.length + s.services.length + s.policies.length;

/** Seed 1, as the issue's `netprops run --fault NAME --seed 1`. */
const SEED = 1;

export async function bench(): Promise<BenchSection> {
  const rows: BenchRow[] = [];
  for (const fault of MODEL_FAULTS.map((f) => f.name)) {
    const out = await mkdtemp(path.join(tmpdir(), 'netprops-faults-bench-'));
    const started = performance.now();
    let first: { property: string; at: number } | undefined;
    let reproAt: number | undefined;
    const report = await runProperties({
      target: 'model',
      runs: DEFAULT_RUNS,
      seed: SEED,
      fault,
      settings: { seed: SEED },
      onProgress(e) {
        if (e.kind === 'fail' && !first) first = { property: e.property, at: performance.now() - started };
        if (e.kind === 'end' && first && e.property === first.property) reproAt = performance.now() - started;
      },
    });
    await rm(out, { recursive: true, force: true });
    const failed = report.properties.find((p) => p.id === first?.property);
    if (!first || !failed?.failure || reproAt === undefined) {
      rows.push({ name: `${fault}: not caught in ${DEFAULT_RUNS} runs per property`, value: 0, unit: 'failures', target: '>= 1', met: false });
      continue;
    }
    const s = failed.failure.counterexample.state;
    rows.push({ name: `${fault}: time to first failure (${first.property})`, value: first.at, unit: 'ms' });
    rows.push({ name: `${fault}: time to shrunk repro (${failed.failure.shrinks ?? 0} shrinks)`, value: reproAt, unit: 'ms' });
    rows.push({
      name: `${fault}: repro size`,
      value: objectsOf(s),
      unit: `objects (${s.pods.length} pods, ${s.services.length} Services, ${s.policies.length} policies, ${rulesOf(s)} rules, ${failed.failure.counterexample.probes.length} probes)`,
      target: '<= 6 objects',
      met: objectsOf(s) <= 6,
    });
  }
  return { title: `Time to failure under each model fault (default run: ${DEFAULT_RUNS} runs per property, seed ${SEED})`, rows };
}
