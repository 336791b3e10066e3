// One local-cluster cell's figures from its run's report.json: what `npm run bench -- cluster`
// puts in a row of the README's per-cell table. Pure: the bench measures, this only reads.
import type { EnforcementSummary } from '../harness/enforcement.ts';
import type { RunReport } from '../properties/result.ts';

export interface CellFigures {
  /** e.g. `routes + nftables`. */
  cell: string;
  passed: number;
  failed: number;
  vacuous: number;
  skipped: number;
  /** The properties that failed, with the first line of each failure. */
  failures: string[];
  /** Wall time of `netprops run` on the cell (not `up`). */
  runMs: number;
  /** `up` of the cell, to every node Ready and DNS answering. */
  upMs: number;
  /** Generated cases the run tried (sum of every property's runs; shrinking steps are not counted). */
  cases: number;
  /** runMs / cases: a failure's shrinking is in runMs, so a failing run's figure is an upper bound. */
  msPerCase: number;
  /** Pods the kubelets started during the run (kubelet_started_pods_total, summed over nodes). */
  podsStarted: number | undefined;
  judged: number;
  /** Over the probes that had to wait (a first attempt disagreed): the implementation's time. */
  timeToEnforceMs: EnforcementSummary | undefined;
  /** Probes that agreed at their first attempt: when the harness got to them (an upper bound). */
  agreedAtFirstAttemptMs: EnforcementSummary | undefined;
  /** The same over the steps that changed a NetworkPolicy, and those that relabelled a pod. */
  afterPolicyChangeMs: EnforcementSummary | undefined;
  afterPodLabelChangeMs: EnforcementSummary | undefined;
  staleAllow: number;
  staleDeny: number;
  staleEndpoint: number;
  profileViolations: number;
}

export function cellFigures(cell: string, report: RunReport, measured: { runMs: number; upMs: number; podsStarted?: number }): CellFigures {
  const count = (s: string) => report.properties.filter((p) => p.status === s).length;
  const cases = report.properties.reduce((n, p) => n + p.runs, 0);
  const s = report.settling;
  return {
    cell,
    passed: count('passed'),
    failed: count('failed'),
    vacuous: count('vacuous'),
    skipped: count('skipped'),
    failures: report.properties.filter((p) => p.status === 'failed').map((p) => `${p.id}: ${(p.failure?.message ?? '').split('\n')[0]}`),
    runMs: measured.runMs,
    upMs: measured.upMs,
    cases,
    msPerCase: cases > 0 ? measured.runMs / cases : Number.NaN,
    podsStarted: measured.podsStarted,
    judged: report.properties.reduce((n, p) => n + p.judged, 0),
    timeToEnforceMs: s && s.timeToEnforceMs.count > 0 ? s.timeToEnforceMs : undefined,
    agreedAtFirstAttemptMs: s?.agreedAtFirstAttemptMs,
    afterPolicyChangeMs: s?.timeToEnforceByChangeMs?.policies,
    afterPodLabelChangeMs: s?.timeToEnforceByChangeMs?.['pod-labels'],
    staleAllow: s?.staleAllow ?? 0,
    staleDeny: s?.staleDeny ?? 0,
    staleEndpoint: s?.staleEndpoint ?? 0,
    profileViolations: s?.profileViolations ?? 0,
  };
}

/** The Markdown header and one row per cell, as the README keeps them. */
export const CELL_TABLE_HEADER = ['cell', 'passed / failed / vacuous / skipped', 'judged', 'run time (target < 10 min)', 'per case (target < 5 s)', 'pods started', 'time-to-enforce p50 / p90 / max (probes that waited)', 'after policy changes', 'after pod label changes', 'agreed at first attempt: probes, answered p50 / max', 'stale allow / deny / endpoint', 'profile violations', 'up'];

export function cellRow(f: CellFigures): string[] {
  const s = (ms: number) => (ms >= 60_000 ? `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s` : `${(ms / 1000).toFixed(1)} s`);
  const t = f.timeToEnforceMs;
  const spread = (x: EnforcementSummary | undefined) => (x && x.count > 0 ? `${Math.round(x.p50)} / ${Math.round(x.p90)} / ${Math.round(x.max)} ms (${x.count})` : 'none waited');
  const a = f.agreedAtFirstAttemptMs;
  return [
    f.cell,
    `${f.passed} / ${f.failed} / ${f.vacuous} / ${f.skipped}`,
    String(f.judged),
    s(f.runMs),
    Number.isNaN(f.msPerCase) ? 'no case' : s(f.msPerCase),
    f.podsStarted === undefined ? 'not read' : String(f.podsStarted),
    spread(t),
    spread(f.afterPolicyChangeMs),
    spread(f.afterPodLabelChangeMs),
    a && a.count > 0 ? `${a.count}, ${Math.round(a.p50)} / ${Math.round(a.max)} ms` : 'not recorded',
    `${f.staleAllow} / ${f.staleDeny} / ${f.staleEndpoint}`,
    String(f.profileViolations),
    s(f.upMs),
  ];
}

/** Sums `kubelet_started_pods_total` in a kubelet's Prometheus text (0 when the metric is absent). */
export function startedPods(metricsText: string): number {
  let n = 0;
  for (const line of metricsText.split('\n')) {
    const m = /^kubelet_started_pods_total(?:\{[^}]*\})?\s+([0-9.eE+-]+)\s*$/.exec(line);
    if (m) n += Number(m[1]);
  }
  return n;
}
