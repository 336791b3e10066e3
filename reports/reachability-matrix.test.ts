import { describe, it, expect } from 'vitest';
import type { ProbeRecord } from '../properties/result.ts';
import { observedVerdict, reachabilityMatrix } from './reachability-matrix.ts';
import { exampleRunReport } from './example-run-report.ts';

describe('reachability matrix', () => {
  it('maps outcomes to reachability: only delivered is allowed', () => {
    expect(observedVerdict('delivered')).toBe('allow');
    for (const o of ['refused', 'timeout', 'unreachable'] as const) expect(observedVerdict(o)).toBe('deny');
    expect(observedVerdict('unsupported')).toBe('unsupported');
  });

  it('has rows = sources, columns = destination:port/protocol, a cell per probed pair', () => {
    const m = reachabilityMatrix(exampleRunReport().properties[0].failure!.probes);
    expect(m.sources).toEqual(['node:node-1', 'x/local', 'y/client']);
    expect(m.destinations).toEqual(['svc:x/web:http/TCP', 'x/web:53/UDP', 'x/web:80/TCP']);
    const cell = (from: string, to: string) => m.cells[m.sources.indexOf(from)][m.destinations.indexOf(to)];
    expect(cell('x/local', 'x/web:80/TCP')).toMatchObject({ expected: ['deny'], observed: ['allow'], state: 'mismatch' });
    expect(cell('x/local', 'svc:x/web:http/TCP')?.state).toBe('mismatch');
    expect(cell('y/client', 'x/web:80/TCP')).toMatchObject({ expected: ['allow'], observed: ['allow'], state: 'ok' });
    expect(cell('node:node-1', 'x/web:53/UDP')?.state).toBe('ok');
    expect(cell('y/client', 'x/web:53/UDP')).toBeUndefined();
  });

  it('tells a reachability mismatch from a failure on something else, and leaves undefined verdicts unjudged', () => {
    const base = exampleRunReport().properties[0].failure!.probes[0];
    const wrongSource: ProbeRecord = { ...base, ok: false };
    const undef: ProbeRecord = { ...base, probe: { ...base.probe, port: 81 }, expected: 'undefined', observation: { outcome: 'timeout' }, ok: true };
    const m = reachabilityMatrix([wrongSource, undef]);
    expect(m.cells[0].map((c) => c?.state)).toEqual(['failed', 'undefined']);
  });

  it('merges repeated probes of one pair into one cell; one mismatch marks the cell', () => {
    const base = exampleRunReport().properties[0].failure!.probes[0];
    const denied: ProbeRecord = { ...base, observation: { outcome: 'timeout' }, ok: false };
    const m = reachabilityMatrix([base, denied, base]);
    expect(m.cells).toHaveLength(1);
    expect(m.cells[0][0]).toMatchObject({ observed: ['allow', 'deny'], outcomes: ['delivered', 'timeout'], state: 'mismatch' });
    expect(m.cells[0][0]?.records).toHaveLength(3);
  });
});
