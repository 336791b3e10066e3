// A property's focus (Property.focus): the probes of a failing case that a shrink candidate makes,
// and the filter that makes only those of a case.
import type { Probe } from '../cluster/types.ts';
import type { CheckContext, Finding, ProbeRef } from './property.ts';

/** A focus for findings each judged from the probes it names alone (a verdict, a delivery). */
export const probesNamed = (_ctx: CheckContext, findings: Finding[]): ProbeRef[] => findings.flatMap((f) => f.probes);

/** Which probes of a case to make: those the refs name in the run, as the case asked for them (before re-addressing). */
export function focusFilter(ctx: CheckContext, refs: ProbeRef[]): (step: number, probe: Probe) => boolean {
  const key = (step: number, probe: Probe) => `${step} ${JSON.stringify(probe)}`;
  const keys = new Set(refs.map((r) => key(r.step, ctx.steps[r.step].requestedProbes[r.probe])));
  return (step, probe) => keys.has(key(step, probe));
}
