import { describe, expect, it } from 'vitest';
import type { PropertyResult, RunReport } from '../properties/result.ts';
import { CELL_TABLE_HEADER, cellFigures, cellRow, startedPods } from './cluster-cell.ts';

function property(id: string, status: PropertyResult['status'], runs: number, judged: number, message?: string): PropertyResult {
  return { id, statement: '', rule: '', status, runs, judged, durationMs: 1, seed: 7, ...(message ? { failure: { message, counterexample: { namespaces: [], nodes: [], pods: [], services: [], policies: [], probes: [] } as never, probes: [] } } : {}) };
}

const report: RunReport = {
  runId: 'r1',
  target: 'cluster',
  seed: 7,
  startedAt: '2026-12-05T00:00:00Z',
  durationMs: 1,
  properties: [property('a', 'passed', 3, 10), property('b', 'failed', 2, 5, 'x/a -> x/b 80/TCP: expected deny\nmore'), property('c', 'vacuous', 3, 0), property('d', 'skipped', 0, 0)],
  settling: {
    timeToEnforceMs: { count: 4, p50: 1200.4, p90: 3000.6, max: 9000 },
    timeToEnforceByChangeMs: { policies: { count: 3, p50: 2000, p90: 3000.6, max: 9000 }, readiness: { count: 1, p50: 1200.4, p90: 1200.4, max: 1200.4 } },
    agreedAtFirstAttemptMs: { count: 120, p50: 2500.2, p90: 4000, max: 6100.7 },
    staleAllow: 2, staleDeny: 1, staleEndpoint: 0, profileViolations: 5, attempts: 40 },
};

describe('a cell row of the cluster bench', () => {
  it('counts statuses, cases and judged probes from the report, and divides the run time by the cases tried', () => {
    const f = cellFigures('routes + nftables', report, { runMs: 80_000, upMs: 20_000, podsStarted: 12 });
    expect([f.passed, f.failed, f.vacuous, f.skipped]).toEqual([1, 1, 1, 1]);
    expect(f.cases).toBe(8);
    expect(f.msPerCase).toBe(10_000);
    expect(f.judged).toBe(15);
    expect(f.failures).toEqual(['b: x/a -> x/b 80/TCP: expected deny']);
    const row = cellRow(f);
    expect(row).toHaveLength(CELL_TABLE_HEADER.length);
    expect(row).toEqual(['routes + nftables', '1 / 1 / 1 / 1', '15', '1 min 20 s', '10.0 s', '12', '1200 / 3001 / 9000 ms (4)', '2000 / 3001 / 9000 ms (3)', 'none waited', '120, 2500 / 6101 ms', '2 / 1 / 0', '5', '20.0 s']);
  });

  it('says when no probe waited, no case ran, or the pods could not be read', () => {
    const empty: RunReport = { ...report, properties: [property('d', 'skipped', 0, 0)], settling: undefined };
    const row = cellRow(cellFigures('flannel + iptables', empty, { runMs: 1000, upMs: 1000 }));
    expect(row[4]).toBe('no case');
    expect(row[5]).toBe('not read');
    expect(row[6]).toBe('none waited');
    expect(row[9]).toBe('not recorded');
  });

  it("sums kubelet_started_pods_total from a kubelet's metrics, ignoring its HELP, TYPE and other series", () => {
    const text = ['# HELP kubelet_started_pods_total [ALPHA] Cumulative number of pods started', '# TYPE kubelet_started_pods_total counter', 'kubelet_started_pods_total 17', 'kubelet_started_pods_errors_total 3', 'kubelet_started_containers_total{container_type="container"} 40', ''].join('\n');
    expect(startedPods(text)).toBe(17);
    expect(startedPods('')).toBe(0);
  });
});
