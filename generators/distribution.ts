// The measured distribution of clusterCase(): the figures docs/generators.md quotes and
// distribution.test.ts holds to the issue's targets. Run `npx tsx generators/distribution.ts
// [cases] [seed]` to print them.
import fc from 'fast-check';
import { pathToFileURL } from 'node:url';
import { buildModel } from '../harness/model/model.ts';
import { clusterCase, type ClusterCaseOptions } from './cluster.ts';
import { addStatistics, caseStatistics, EMPTY_STATISTICS, ENDPOINT_CLASSES, VERDICT_CLASSES, type CaseStatistics } from './stats.ts';

export interface Distribution {
  cases: number;
  seed: number;
  total: CaseStatistics;
  /** Share of policies that select a (non-hostNetwork) pod of their namespace. */
  policiesSelectingAPod: number;
  /** Per verdict: share of all probes, and share of cases with at least one such probe. */
  verdicts: Record<string, { probes: number; cases: number }>;
  /** Per endpoint class: share of Service probes, and share of cases with at least one. */
  endpoints: Record<string, { probes: number; cases: number }>;
  /** Mean objects per case. */
  mean: { pods: number; services: number; policies: number; probes: number };
}

export function measureDistribution(cases = 500, seed = 2026, options: ClusterCaseOptions = {}): Distribution {
  const sample = fc.sample(clusterCase(options), { seed, numRuns: cases });
  const stats = sample.map((c) => caseStatistics(c, buildModel(c.state)));
  const total = stats.reduce(addStatistics, EMPTY_STATISTICS);
  const probes = VERDICT_CLASSES.reduce((n, v) => n + total.probes[v], 0);
  const serviceProbes = ENDPOINT_CLASSES.reduce((n, e) => n + total.serviceProbes[e], 0);
  const share = (n: number, of: number) => (of === 0 ? 0 : n / of);
  const mean = (f: (c: (typeof sample)[number]) => number) => share(sample.reduce((n, c) => n + f(c), 0), sample.length);
  return {
    cases,
    seed,
    total,
    policiesSelectingAPod: share(total.policiesSelectingAPod, total.policies),
    verdicts: Object.fromEntries(
      VERDICT_CLASSES.map((v) => [v, { probes: share(total.probes[v], probes), cases: share(stats.filter((s) => s.probes[v] > 0).length, cases) }]),
    ),
    endpoints: Object.fromEntries(
      ENDPOINT_CLASSES.map((e) => [
        e,
        { probes: share(total.serviceProbes[e], serviceProbes), cases: share(stats.filter((s) => s.serviceProbes[e] > 0).length, cases) },
      ]),
    ),
    mean: {
      pods: mean((c) => c.state.pods.length),
      services: mean((c) => c.state.services.length),
      policies: mean((c) => c.state.policies.length),
      probes: mean((c) => c.probes.length),
    },
  };
}

export function formatDistribution(d: Distribution): string {
  const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
  const lines = [
    `${d.cases} cases of clusterCase(), seed ${d.seed}: ${d.mean.pods.toFixed(1)} pods, ${d.mean.services.toFixed(1)} Services, ${d.mean.policies.toFixed(1)} policies, ${d.mean.probes.toFixed(1)} probes per case on average`,
    `policies selecting a pod: ${pct(d.policiesSelectingAPod)} of ${d.total.policies}`,
    ...Object.entries(d.verdicts).map(([v, s]) => `probes ${v}: ${pct(s.probes)} of probes, in ${pct(s.cases)} of cases`),
    ...Object.entries(d.endpoints).map(([e, s]) => `Service probes with ${e}: ${pct(s.probes)} of Service probes, in ${pct(s.cases)} of cases`),
  ];
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [cases, seed] = process.argv.slice(2).map(Number);
  process.stdout.write(`${formatDistribution(measureDistribution(cases || 500, seed || 2026))}\n`);
}
