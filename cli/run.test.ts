// `netprops run` end to end, in-process through main(): exit codes, the repro a failure leaves, and
// that the repro's case.yaml fails `netprops check` under the same fault and passes without it.
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from './main.ts';
import { parseDuration, runDefaults } from './run.ts';
import { TARGET_DESCRIPTORS, targetNamed } from '../harness/targets.ts';

let out = '';
let err = '';
beforeEach(() => {
  out = '';
  err = '';
  // Capture, and call a write callback as a real stream does (the console reporter waits for it).
  const capture = (append: (s: string) => void) => (s: string | Uint8Array, ...rest: unknown[]) => {
    append(String(s));
    const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    done?.();
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture((s) => (out += s)) as typeof process.stdout.write);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture((s) => (err += s)) as typeof process.stderr.write);
});
afterEach(() => vi.restoreAllMocks());

const tmp = () => mkdtemp(path.join(tmpdir(), 'netprops-run-'));

describe('--runs and --time-limit defaults, per target', () => {
  it('200 runs in 60 s on the model and the kernel; 3 runs in 10 min on a cluster, where a case costs seconds', () => {
    expect(runDefaults(targetNamed('model'))).toEqual({ runs: 200, timeLimit: '60s' });
    expect(runDefaults(targetNamed('kernel'))).toEqual({ runs: 200, timeLimit: '60s' });
    expect(runDefaults(targetNamed('cluster'))).toEqual({ runs: 3, timeLimit: '10m' });
    for (const t of TARGET_DESCRIPTORS) expect(parseDuration(runDefaults(t).timeLimit)).toBeGreaterThan(0);
  });

  it('run --help says both defaults', async () => {
    await main(['run', '--help']).catch(() => undefined);
    expect(out).toMatch(/--runs <n> +generated cases per property \(default 200;\s+cluster 3\)/);
    expect(out).toMatch(/--time-limit <duration> +time budget per property, e.g. 60s or 2m\s+\(default 60s; cluster 10m\)/);
  });
});

describe('netprops run', () => {
  it('passes on the reference model with no fault: exit 0 and a summary of every property', async () => {
    const dir = await tmp();
    const code = await main(['run', '--seed', '1', '--runs', '20', '--out', dir]);
    expect(err).not.toMatch(/FAILED|failed,/);
    expect(code).toBe(0);
    // service-dns needs cluster DNS, which the model lacks, and model-matches-kernel would compare
    // the model with itself: both skipped with the reason, never passed.
    expect(out).toMatch(/20 properties: 18 passed, 0 failed, 0 vacuous, 2 skipped/);
    // stderr is no terminal here: one progress line per finished property instead of bars.
    expect(err.trim().split('\n').filter((l) => /^[a-z-]+: passed, 20 runs, [1-9]\d* judged, \d+\.\ds$/.test(l))).toHaveLength(18);
    expect(err).toContain('service-dns: skipped (target model lacks dns)');
    expect(err).toContain('model-matches-kernel: skipped (target model is the reference model: comparing it with itself judges nothing)');
    expect((await readdir(dir)).length).toBeGreaterThanOrEqual(3); // junit, json, html
  });

  it('--fault ignore-egress --seed 1: exit 1, repros that pass check without the fault, and fail it under the fault', async () => {
    const dir = await tmp();
    const code = await main(['run', '--fault', 'ignore-egress', '--seed', '1', '--out', dir, '--format', 'json']);
    expect(code).toBe(1);
    // The summary is printed whatever --format says; a failure names its repro.
    expect(out).toMatch(/policy-verdicts +FAILED .*repro\/policy-verdicts/);
    const failed = await readdir(path.join(dir, 'repro'));
    expect(failed).toContain('policy-verdicts');
    let failsUnderFault = 0;
    for (const id of failed) {
      const repro = path.join(dir, 'repro', id);
      expect((await readdir(repro)).sort()).toEqual(['README.md', 'case.yaml', 'manifests.yaml', 'record.json', 'repro.sh']);
      const caseFile = path.join(repro, 'case.yaml');
      expect(await readFile(caseFile, 'utf8')).toMatch(/kind: Expectations/);
      expect(await main(['check', caseFile, '--target', 'model'])).toBe(0);
      if ((await main(['check', caseFile, '--target', 'model', '--fault', 'ignore-egress'])) === 1) failsUnderFault++;
    }
    expect(failsUnderFault).toBe(failed.length);
    // The records saved beside the repros fail again offline, with no target.
    expect(await main(['recheck', dir])).toBe(1);
  }, 60_000);

  it('replays the failure with the seed and path the summary prints', async () => {
    const dir = await tmp();
    expect(await main(['run', '--fault', 'no-hairpin', '--seed', '3', '--property', 'hairpin', '--out', dir, '--format', 'json'])).toBe(1);
    const report = JSON.parse(await readFile(path.join(dir, (await readdir(dir)).find((f) => f.endsWith('.json'))!), 'utf8'));
    const failure = report.properties[0].failure;
    const again = await tmp();
    const code = await main(['run', '--fault', 'no-hairpin', '--seed', '3', '--property', 'hairpin', '--path', failure.path, '--out', again, '--format', 'json']);
    expect(code).toBe(1);
    const replayed = JSON.parse(await readFile(path.join(again, (await readdir(again)).find((f) => f.endsWith('.json'))!), 'utf8'));
    expect(replayed.properties[0].failure.counterexample).toEqual(failure.counterexample);
  });

  it('--stats prints each property outcome share', async () => {
    const dir = await tmp();
    expect(await main(['run', '--seed', '1', '--runs', '50', '--property', 'policy-verdicts', '--stats', '--out', dir, '--format', 'console'])).toBe(0);
    expect(out).toMatch(/policy-verdicts \(50 runs\):\n {2}allowed +\d+\.\d%\n {2}denied +\d+\.\d%/);
  });

  it.each([
    [['run', '--property', 'no-such-property'], /unknown property 'no-such-property'/],
    [['run', '--fault', 'no-such-fault', '--runs', '1'], /unknown model fault 'no-such-fault'/],
    [['run', '--target', 'moon'], /unknown target 'moon'/],
    [['run', '--runs', 'many'], /--runs 'many' is not a positive integer/],
    [['run', '--time-limit', 'soon'], /--time-limit 'soon' is not a duration/],
    [['run', '--format', 'pdf'], /unknown --format 'pdf'/],
    [['run', '--path', '1:2'], /--path replays one property's failure/],
    [['run', '--runs', '1', '--out', '/dev/null/report'], /cannot write to --out \/dev\/null\/report/],
  ])('%j is a usage mistake: one line, exit 2', async (argv, message) => {
    expect(await main(argv)).toBe(2);
    expect(err).toMatch(message);
    expect(err.trim().split('\n')).toHaveLength(1);
  });
});

describe('parseDuration', () => {
  it.each([
    ['60s', 60_000],
    ['2m', 120_000],
    ['500ms', 500],
    ['1h', 3_600_000],
    ['1.5s', 1500],
    ['90', 90_000],
  ])('%s is %i ms', (text, ms) => expect(parseDuration(text)).toBe(ms));
});

describe('netprops run --path (replaying one failure)', () => {
  it("a path that is not fast-check's is a usage mistake: one line, exit 2, before anything runs", async () => {
    const code = await main(['run', '--property', 'pod-ip-unique', '--seed', '1', '--path', 'abc', '--out', await tmp()]);
    expect(code).toBe(2);
    expect(err.trim()).toBe("netprops: --path 'abc' is not a replay path: numbers separated by colons (e.g. 12:3:0), as a failure's replay command prints it");
  });

  it('a path that names no case replays nothing: said in one line, exit 2, never "passed"', async () => {
    const code = await main(['run', '--property', 'pod-ip-unique', '--seed', '1', '--path', '5:999', '--out', await tmp(), '--format', 'console']);
    expect(code).toBe(2);
    expect(err.trim().split('\n').at(-1)).toBe("netprops: --path 5:999 names no case of pod-ip-unique with --seed 1: nothing was replayed; copy --seed and --path from the same failure's replay command");
    expect(out).not.toMatch(/1 passed/);
  });
});
