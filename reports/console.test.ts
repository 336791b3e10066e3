import { describe, it, expect } from 'vitest';
import { PassThrough } from 'node:stream';
import { createConsoleReporter, renderConsoleSummary } from './console.ts';
import { exampleRunReport } from './example-run-report.ts';

describe('console reporter', () => {
  const text = renderConsoleSummary(exampleRunReport());
  const lines = text.trimEnd().split('\n');

  it('heads the table with the run: target, fault, seed', () => {
    expect(lines[0]).toBe('netprops run r-example: target model, fault peers-or, seed 42, 2.3 s');
    expect(lines[1].split(/\s+/)).toEqual(['PROPERTY', 'STATUS', 'RUNS', 'JUDGED', 'TIME', 'REPRO']);
  });

  it('has one aligned row per property with status, runs, observations judged, time and repro path', () => {
    const row = (id: string) => lines.find((l) => l.startsWith(id + ' '))!;
    expect(row('policy-verdicts').split(/\s{2,}/)).toEqual(['policy-verdicts', 'FAILED', '37', '412', '1.2 s', 'netprops-report/repro/policy-verdicts']);
    expect(row('pod-ip-unique').split(/\s{2,}/)).toEqual(['pod-ip-unique', 'passed', '100', '540', '310 ms']);
    expect(row('sctp-reaches-pod')).toContain("(target lacks 'sctp' <kernel without SCTP & co>)");
    // columns line up: STATUS starts at the same offset in every row
    const at = lines[1].indexOf('STATUS');
    for (const l of lines.slice(2, 6)) expect(l.slice(at)).toMatch(/^(FAILED|passed|skipped)/);
  });

  it('counts the outcomes and gives each failure its message and replay arguments', () => {
    expect(text).toContain('4 properties: 1 passed, 2 failed, 0 vacuous, 1 skipped');
    expect(text).toContain('policy-verdicts: x/local -> x/web:80/TCP: expected deny, observed delivered');
    expect(text).toContain('(replay: --property policy-verdicts --seed 42 --path 36:2:2:1)');
  });

  it('writes to the stream it was given and returns "-"', async () => {
    const stream = new PassThrough();
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    expect(await createConsoleReporter(stream).write(exampleRunReport(), '/nonexistent')).toBe('-');
    expect(Buffer.concat(chunks).toString()).toBe(text);
  });

  it('reports a vacuous property as such, with why nothing was judged', () => {
    const r = exampleRunReport();
    r.properties[2] = { ...r.properties[2], status: 'vacuous', judged: 0, vacuousReason: 'no probe in 100 runs' };
    const out = renderConsoleSummary(r);
    expect(out.split('\n').find((l) => l.startsWith('pod-ip-unique '))!.split(/\s{2,}/)).toEqual(['pod-ip-unique', 'vacuous', '100', '0', '310 ms', '(no probe in 100 runs)']);
    expect(out).toContain('4 properties: 0 passed, 2 failed, 1 vacuous, 1 skipped');
  });

  it('says what the time limit cut short: a pass that searched fewer runs than asked, a failure whose shrinking stopped', () => {
    const r = exampleRunReport();
    r.properties[2] = { ...r.properties[2], runs: 2, timeLimit: { limitMs: 600_000, runsAsked: 3 } };
    r.properties[0] = { ...r.properties[0], timeLimit: { limitMs: 90_000, runsAsked: 200 } };
    const out = renderConsoleSummary(r).split('\n');
    expect(out.find((l) => l.startsWith('pod-ip-unique '))!.split(/\s{2,}/)).toEqual(['pod-ip-unique', 'passed', '2 of 3', '540', '310 ms']);
    expect(out).toContain('pod-ip-unique: the time limit (--time-limit 10m) stopped the search after 2 of 3 runs');
    expect(out).toContain('policy-verdicts: the time limit (--time-limit 90s) stopped shrinking: the counterexample may not be minimal');
    expect(renderConsoleSummary(exampleRunReport())).not.toContain('time limit');
  });

  it('names the stale probes a property saw, one line each', () => {
    const r = exampleRunReport();
    const example = 'run 4 (--path 3), step 2: x/a -> x/b:80/TCP: stale-allow, observed delivered, backend x/b:80';
    r.properties[2] = {
      ...r.properties[2],
      settling: { timeToEnforceMs: { count: 1, p50: 1, p90: 1, max: 1 }, staleAllow: 1, staleDeny: 0, staleEndpoint: 0, profileViolations: 0, attempts: 9, staleExamples: [example] },
    };
    expect(renderConsoleSummary(r).split('\n')).toContain(`pod-ip-unique: stale: ${example}`);
  });

  it('names the profile violations a property saw, one line each', () => {
    const r = exampleRunReport();
    const example = "run 1 (--path 0), step 1: x/a -> x/b:80/TCP: denied by policy, observed refused (CNI profile test declares denials as timeout)";
    r.properties[2] = {
      ...r.properties[2],
      settling: { timeToEnforceMs: { count: 1, p50: 1, p90: 1, max: 1 }, staleAllow: 0, staleDeny: 0, staleEndpoint: 0, profileViolations: 1, attempts: 3, profileViolationExamples: [example] },
    };
    expect(renderConsoleSummary(r).split('\n')).toContain(`pod-ip-unique: profile violation: ${example}`);
    expect(renderConsoleSummary(exampleRunReport())).not.toContain('profile violation:');
  });
});
