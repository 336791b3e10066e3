// What the target did for one probe of the counterexample: every record of that probe (a probe can
// be repeated, e.g. to see a Service spread), matched on the probe itself, not its expectation.
import type { ExpectedProbe, Observation } from '../../cluster/types.ts';
import type { PropertyFailure } from '../../properties/result.ts';

const probeKey = (p: object): string => JSON.stringify({ ...p, expect: undefined });

export function observationsOf(failure: PropertyFailure, probe: ExpectedProbe): Observation[] {
  const key = probeKey(probe);
  return failure.probes.filter((r) => probeKey(r.probe) === key).map((r) => r.observation);
}

/** Distinct renderings, at most `limit`, then how many more. */
export function summarize(texts: string[], limit = 3): string {
  const distinct = [...new Set(texts)];
  if (distinct.length === 0) return 'not recorded';
  const shown = distinct.slice(0, limit).join('; ');
  return distinct.length > limit ? `${shown}; and ${distinct.length - limit} more` : shown;
}
