// What waiting for an asynchronous target found (properties/result.ts SettlingSummary), as the
// named figures every report shows: time-to-enforce p50/p90/max and the stale allow/deny counts.
// One list, so console, HTML and JUnit carry the same figures under the same names.
import type { SettlingSummary } from '../properties/result.ts';
import { CHANGE_KINDS } from '../harness/change-kind.ts';

export interface SettlingFigure {
  /** A stable name, e.g. for a JUnit property: `timeToEnforce.p50Ms`. */
  name: string;
  value: number;
}

export function settlingFigures(s: SettlingSummary): SettlingFigure[] {
  const t = s.timeToEnforceMs;
  return [
    { name: 'timeToEnforce.count', value: t.count },
    ...(t.count > 0
      ? [
          { name: 'timeToEnforce.p50Ms', value: Math.round(t.p50) },
          { name: 'timeToEnforce.p90Ms', value: Math.round(t.p90) },
          { name: 'timeToEnforce.maxMs', value: Math.round(t.max) },
        ]
      : []),
    // By kind of change: `timeToEnforce.policies.p50Ms`, `timeToEnforce.pod-labels.count`, ...
    ...CHANGE_KINDS.flatMap((kind) => {
      const k = s.timeToEnforceByChangeMs?.[kind];
      if (!k || k.count === 0) return [];
      return [
        { name: `timeToEnforce.${kind}.count`, value: k.count },
        { name: `timeToEnforce.${kind}.p50Ms`, value: Math.round(k.p50) },
        { name: `timeToEnforce.${kind}.p90Ms`, value: Math.round(k.p90) },
        { name: `timeToEnforce.${kind}.maxMs`, value: Math.round(k.max) },
      ];
    }),
    // Probes that agreed at once: when the harness got to them, not the implementation's time.
    ...(s.agreedAtFirstAttemptMs
      ? [
          { name: 'agreedAtFirstAttempt.count', value: s.agreedAtFirstAttemptMs.count },
          ...(s.agreedAtFirstAttemptMs.count > 0
            ? [
                { name: 'agreedAtFirstAttempt.p50Ms', value: Math.round(s.agreedAtFirstAttemptMs.p50) },
                { name: 'agreedAtFirstAttempt.maxMs', value: Math.round(s.agreedAtFirstAttemptMs.max) },
              ]
            : []),
        ]
      : []),
    { name: 'staleAllow', value: s.staleAllow },
    { name: 'staleDeny', value: s.staleDeny },
    { name: 'staleEndpoint', value: s.staleEndpoint },
    { name: 'profileViolations', value: s.profileViolations },
    { name: 'attempts', value: s.attempts },
  ];
}

/**
 * One line: `time-to-enforce p50 120 ms, p90 400 ms, max 900 ms over 12 probes that waited (after
 * policies changes p50 ...; after pod-labels changes ...); 340 agreed at their first attempt
 * (answered p50 ..., max ... ms after the change); ...`.
 */
export function settlingLine(s: SettlingSummary): string {
  const t = s.timeToEnforceMs;
  const byChange = CHANGE_KINDS.flatMap((kind) => {
    const k = s.timeToEnforceByChangeMs?.[kind];
    return k && k.count > 0 ? [`after ${kind} changes p50 ${k.p50.toFixed(0)}, p90 ${k.p90.toFixed(0)}, max ${k.max.toFixed(0)} ms over ${k.count}`] : [];
  });
  const when =
    t.count > 0
      ? `time-to-enforce p50 ${t.p50.toFixed(0)} ms, p90 ${t.p90.toFixed(0)} ms, max ${t.max.toFixed(0)} ms over ${t.count} probes that waited${byChange.length > 0 ? ` (${byChange.join('; ')})` : ''}`
      : 'no probe had to wait';
  const f = s.agreedAtFirstAttemptMs;
  const atOnce = f && f.count > 0 ? `; ${f.count} agreed at their first attempt (answered p50 ${f.p50.toFixed(0)}, max ${f.max.toFixed(0)} ms after the change)` : '';
  return `${when}${atOnce}; ${s.attempts} attempts; stale allows ${s.staleAllow}, stale denies ${s.staleDeny}, stale endpoints ${s.staleEndpoint}, profile violations ${s.profileViolations}`;
}
