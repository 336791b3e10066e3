// A failing run turned into a case file a person can replay: the run's earlier steps (as `before`),
// then the state of the step that shows the failure and its failing probes, each carrying the CORRECT expectation (the reference model's
// verdict), so `netprops check` fails on the broken target and passes on a conformant one.
import type { Case, CaseStep, ExpectedProbe, Observation, Probe } from '../cluster/types.ts';
import type { ProbeRecord } from './result.ts';
import { judgeable, observedAllowed, type CheckContext, type Finding } from './property.ts';
import { backendKey, modelOf } from '../harness/record.ts';

export interface Counterexample {
  /** Which step of the property's case the written state is. */
  step: number;
  case: Case;
  /** Every probe of that step: what the model expected, what was observed, and whether a finding names it. */
  records: ProbeRecord[];
}

const probeKey = (p: Probe): string => JSON.stringify(p);
const keyOf = (b: Observation['backend']): string => (b ? backendKey(b) : '');

/** Whether the observed verdict of a probe contradicts the model's defined verdict. */
function verdictMismatch(ctx: CheckContext, step: number, i: number): boolean {
  const run = ctx.steps[step];
  const verdict = modelOf(run).predict(run.probes[i]).verdict;
  const o = run.observations[i];
  return judgeable(verdict, o) && observedAllowed(o) !== (verdict === 'allow');
}

export function counterexampleOf(ctx: CheckContext, findings: Finding[]): Counterexample {
  const refs = findings.flatMap((f) => f.probes);
  const steps = [...new Set(refs.map((r) => r.step))].sort((a, b) => a - b);
  if (steps.length === 0) steps.push(ctx.steps.length - 1);
  // A metamorphic finding spans two steps; the one whose observations contradict the model on a
  // verdict is the one a case file (allow/deny per probe) can replay.
  const step =
    steps.find((s) => refs.some((r) => r.step === s && verdictMismatch(ctx, s, r.probe))) ?? steps[steps.length - 1];
  const run = ctx.steps[step];
  const named = new Set(refs.filter((r) => r.step === step).map((r) => r.probe));

  // Records and the case's probes are in the case's addresses (the written state's); the verdicts
  // come from the probes as sent, against the state as realized.
  const records: ProbeRecord[] = run.probes.map((probe, i) => ({
    probe: run.requestedProbes[i],
    expected: modelOf(run).predict(probe).verdict,
    observation: run.observations[i],
    ok: !named.has(i),
  }));

  // The named probes with a defined verdict; when none of them contradicts the model on allow/deny
  // (an intrinsic failure such as the source address seen), add the step's probes that do.
  let chosen = [...named].filter((i) => records[i].expected !== 'undefined');
  if (!chosen.some((i) => verdictMismatch(ctx, step, i))) {
    const mismatching = run.probes.map((_, i) => i).filter((i) => verdictMismatch(ctx, step, i));
    chosen = [...new Set([...chosen, ...mismatching])].sort((a, b) => a - b);
  }
  const seen = new Set<string>();
  const probes: ExpectedProbe[] = [];
  for (const i of chosen) {
    const key = probeKey(run.requestedProbes[i]);
    if (seen.has(key)) continue;
    seen.add(key);
    // A probe through a Service reaches one of several backends; written once per backend, a
    // replay reaches each of them (the model spreads repeated probes over every endpoint), so the
    // backend that showed the failure is among them. The backends counted are those a conformant
    // cluster may reach and those the target did reach with this probe (a broken one reaches a pod
    // that is no endpoint, so the replay needs one more try to reach it too). A probe from a chosen
    // source port is one flow: conntrack sends every copy to the backend the first one reached, so
    // it is written once.
    const backends = new Set(modelOf(run).predict(run.probes[i]).deliveries.map((d) => keyOf(d.backend)));
    run.requestedProbes.forEach((other, j) => {
      const seenBackend = run.observations[j].backend;
      if (seenBackend && probeKey(other) === key) backends.add(keyOf(seenBackend));
    });
    const copies = run.requestedProbes[i].sourcePort === undefined ? Math.max(1, backends.size) : 1;
    for (let n = 0; n < copies; n++) probes.push({ ...run.requestedProbes[i], expect: records[i].expected as 'allow' | 'deny' });
  }
  // The earlier steps of the run, replayed first on the same target: what it remembers between
  // states (a UDP conntrack entry) is part of the failure. Their probes expect the model's defined verdicts.
  const before: CaseStep[] = ctx.steps.slice(0, step).map((earlier) => ({
    state: earlier.requested,
    probes: earlier.probes.flatMap((probe, i) => {
      const verdict = modelOf(earlier).predict(probe).verdict;
      return verdict === 'undefined' ? [] : [{ ...earlier.requestedProbes[i], expect: verdict }];
    }),
  }));
  // The state as asked for, not as realized: a valid case file (a broken IPAM's duplicate address
  // would not decode) that every target realizes anew. On the model both are the same.
  return { step, case: { state: run.requested, probes, ...(before.length > 0 ? { before } : {}) }, records };
}
