// How well clusterCase() finds and shrinks each deviation of the reference model's faults: the
// conformant model and the faulty one are run side by side on generated cases until a probe's
// verdict or delivery differs, then fast-check shrinks that case. This measures the generator (does
// it reach the fault, how small is the repro), not a property. `npx tsx generators/fault-reach.ts`.
import fc from 'fast-check';
import { pathToFileURL } from 'node:url';
import { MODEL_FAULTS } from '../harness/model/faults.ts';
import { buildModel, type Prediction } from '../harness/model/model.ts';
import { clusterCase, type ClusterCase } from './cluster.ts';

export interface FaultReach {
  fault: string;
  /** Cases drawn until the first difference (undefined: none within the budget). */
  runs?: number;
  shrinks?: number;
  durationMs: number;
  /** The shrunk case. */
  counterexample?: ClusterCase;
}

const outcome = (p: Prediction) => JSON.stringify([p.verdict, p.deliveries.map((d) => [d.backend, d.sourceSeen, d.replyFrom])]);

/** Faults of rules whose objects clusterCase() draws only when asked (the targets that can make them ask). */
const FAULT_GENERATOR_OPTIONS: Record<string, { terminating?: boolean; externalTrafficPolicy?: boolean }> = {
  'no-terminating-fallback': { terminating: true },
  'external-local-as-cluster': { externalTrafficPolicy: true },
};

export function reachFault(fault: string, options: { seed?: number; numRuns?: number } = {}): FaultReach {
  const started = performance.now();
  const result = fc.check(
    fc.property(clusterCase(FAULT_GENERATOR_OPTIONS[fault] ?? {}), (c) => {
      const conformant = buildModel(c.state);
      const faulty = buildModel(c.state, { fault });
      return c.probes.every((p) => outcome(conformant.predict(p)) === outcome(faulty.predict(p)));
    }),
    { seed: options.seed ?? 1, numRuns: options.numRuns ?? 1000 },
  );
  const durationMs = performance.now() - started;
  if (!result.failed) return { fault, durationMs };
  return { fault, runs: result.numRuns, shrinks: result.numShrinks, durationMs, counterexample: result.counterexample![0] };
}

/** Objects of a case, the way a person reading the repro counts them. */
export function caseSize(c: ClusterCase): { objects: number; pods: number; services: number; policies: number; rules: number; probes: number } {
  const { state } = c;
  const rules = state.policies.reduce((n, p) => n + (p.ingress?.length ?? 0) + (p.egress?.length ?? 0), 0);
  const objects = state.namespaces.length + state.pods.length + state.services.length + state.policies.length;
  return { objects, pods: state.pods.length, services: state.services.length, policies: state.policies.length, rules, probes: c.probes.length };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const seed = Number(process.argv[2]) || 1;
  process.stdout.write('| fault | cases to first difference | shrinks | ms | objects (ns+pods+svc+policies) | pods | Services | policies | rules | probes |\n|---|---|---|---|---|---|---|---|---|---|\n');
  for (const { name } of MODEL_FAULTS) {
    const r = reachFault(name, { seed });
    const s = r.counterexample ? caseSize(r.counterexample) : undefined;
    process.stdout.write(
      `| ${name} | ${r.runs ?? 'not found'} | ${r.shrinks ?? '-'} | ${r.durationMs.toFixed(0)} | ${s ? `${s.objects} | ${s.pods} | ${s.services} | ${s.policies} | ${s.rules} | ${s.probes}` : '- | - | - | - | - | -'} |\n`,
    );
  }
}
