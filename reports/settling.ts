// What waiting for an asynchronous target found (properties/result.ts SettlingSummary), as the
// named figures every report shows: time-to-enforce p50/p90/max and the stale allow/deny counts.
// One list, so console, HTML and JUnit carry the same figures under the same names.
import type { SettlingSummary } from '../properties/result.ts';

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
    { name: 'staleAllow', value: s.staleAllow },
    { name: 'staleDeny', value: s.staleDeny },
    { name: 'staleEndpoint', value: s.staleEndpoint },
    { name: 'profileViolations', value: s.profileViolations },
    { name: 'attempts', value: s.attempts },
  ];
}

/** One line: `time-to-enforce p50 120 ms, p90 400 ms, max 900 ms over 12 probes; ...`. */
export function settlingLine(s: SettlingSummary): string {
  const t = s.timeToEnforceMs;
  const when = t.count > 0 ? `time-to-enforce p50 ${t.p50.toFixed(0)} ms, p90 ${t.p90.toFixed(0)} ms, max ${t.max.toFixed(0)} ms over ${t.count} probes` : 'no probe waited for';
  return `${when}; ${s.attempts} attempts; stale allows ${s.staleAllow}, stale denies ${s.staleDeny}, stale endpoints ${s.staleEndpoint}, profile violations ${s.profileViolations}`;
}
