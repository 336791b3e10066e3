// The nightly workflow runs exactly the supported matrix cells through run.mjs and keeps its outputs.
import { describe, it, expect } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { CNIS, PROXY_MODES, supported } from './kind-cluster.ts';

const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../.github/workflows/nightly.yml');

describe('.github/workflows/nightly.yml', async () => {
  const wf = parse(await readFile(file, 'utf8'));
  const job = wf.jobs.cluster;

  it('runs nightly and on demand', () => {
    expect(wf.on.schedule[0].cron).toMatch(/^\S+ \S+ \* \* \*$/);
    expect(wf.on).toHaveProperty('workflow_dispatch');
  });

  it('covers every supported CNI x kube-proxy cell, and only those, without failing fast', () => {
    expect(job.strategy['fail-fast']).toBe(false);
    const { cni, 'proxy-mode': modes, exclude } = job.strategy.matrix;
    const cells = (cni as string[]).flatMap((c) => (modes as string[]).map((m) => `${c}/${m}`)).filter((cell) => !exclude.some((e: { cni: string; 'proxy-mode': string }) => `${e.cni}/${e['proxy-mode']}` === cell));
    const wanted = CNIS.flatMap((c) => PROXY_MODES.filter((m) => supported(c, m).ok).map((m) => `${c}/${m}`));
    expect(cells.sort()).toEqual(wanted.sort());
  });

  it('runs ci/kind/run.mjs with the cell, restores and saves the corpus, uploads the report and repros', () => {
    const steps = job.steps as { run?: string; uses?: string; if?: string; with?: { path?: string } }[];
    const run = steps.find((s) => s.run?.includes('ci/kind/run.mjs'))!.run!;
    expect(run).toContain('--cni ${{ matrix.cni }}');
    expect(run).toContain('--proxy-mode ${{ matrix.proxy-mode }}');
    expect(run).toContain('--corpus .cache/netprops-corpus/seeds.jsonl');
    expect(steps.find((s) => s.uses?.startsWith('actions/cache/restore'))!.with!.path).toBe('.cache/netprops-corpus');
    const save = steps.find((s) => s.uses?.startsWith('actions/cache/save'))!;
    expect(save.if).toBe('always()');
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact'))!;
    expect(upload.if).toBe('always()');
    for (const p of ['netprops-report/report.html', 'netprops-report/junit.xml', 'netprops-report/repro/', 'netprops-report/kind-logs/']) expect(upload.with!.path).toContain(p);
  });

  it('uploads the hidden corpus file (upload-artifact leaves out dot paths unless told)', () => {
    const upload = (job.steps as { uses?: string; with?: Record<string, unknown> }[]).find((s) => s.uses?.startsWith('actions/upload-artifact'))!;
    expect(String(upload.with!.path)).toContain('.cache/netprops-corpus/seeds.jsonl');
    expect(upload.with!['include-hidden-files']).toBe(true);
  });

  it("uses the Node 24 majors of GitHub's actions and runs on Node 24", () => {
    const uses = (job.steps as { uses?: string }[]).flatMap((s) => (s.uses ? [s.uses] : []));
    const major = (name: string) => Number(/@v(\d+)/.exec(uses.find((u) => u.startsWith(`${name}@`))!)![1]);
    expect(major('actions/checkout')).toBeGreaterThanOrEqual(5);
    expect(major('actions/setup-node')).toBeGreaterThanOrEqual(5);
    expect(major('actions/cache/restore')).toBeGreaterThanOrEqual(5);
    expect(major('actions/cache/save')).toBeGreaterThanOrEqual(5);
    expect(major('actions/upload-artifact')).toBeGreaterThanOrEqual(6);
    const setup = (job.steps as { uses?: string; with?: { 'node-version'?: number } }[]).find((s) => s.uses?.startsWith('actions/setup-node'))!;
    expect(setup.with!['node-version']).toBe(24);
  });

  it('installs kind with sudo (the runner\'s /usr/local/bin is root\'s) and never downloads into it directly', () => {
    const install = (job.steps as { name?: string; run?: string }[]).find((s) => s.name?.startsWith('Install kind'))!.run!;
    expect(install).toMatch(/^sudo install -m 0755 \S+ \/usr\/local\/bin\/kind$/m);
    expect(install).not.toMatch(/-o\s*\/usr\/local\/bin/);
  });

  it('bounds every property with a time limit, inside the job timeout', () => {
    const run = (job.steps as { run?: string }[]).find((s) => s.run?.includes('ci/kind/run.mjs'))!.run!;
    expect(run).toMatch(/--time-limit \$\{\{ inputs\.time-limit \|\| '3m' \}\}/);
    // 20 properties x 3 min, plus set-up: the job's own limit must leave room.
    expect(job['timeout-minutes']).toBeGreaterThan(20 * 3);
  });
});
