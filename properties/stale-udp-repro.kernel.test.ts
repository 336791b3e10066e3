// Issue 4: the repro of the kernel fault stale-udp-conntrack replays. Its case file holds two steps
// (the flow made while x/a is an endpoint, then the state without it), so `netprops check --target
// kernel --fault stale-udp-conntrack` recreates the stale conntrack entry and fails, and without the
// fault (kube-proxy deletes a removed UDP endpoint's conntrack entries) it passes.
// Needs root, iproute2, nftables, conntrack and the CNI plugins; skipped with the reason otherwise.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkCases } from '../cli/check.ts';
import { decodeCase } from '../cluster/case-file.ts';
import { DEFAULT_CNI_BIN_DIRS } from '../harness/kernel/cni-config.ts';
import { missingPrerequisites } from '../harness/kernel/prerequisites.ts';
import { writeRunOutput } from '../reports/run-output.ts';
import { runProperties } from './runner.ts';

const missing = await missingPrerequisites({ binDirs: DEFAULT_CNI_BIN_DIRS, plugins: ['bridge', 'host-local'] });
const title =
  missing.length === 0
    ? 'the stale-udp-conntrack repro replays on the kernel'
    : `the stale-udp-conntrack repro replays on the kernel (skipped: needs ${missing.join('; ')})`;

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe.skipIf(missing.length > 0)(title, () => {
  it('udp-endpoint-change catches the fault; its two-step case.yaml fails under check with the fault and passes without', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'netprops-stale-udp-'));
    dirs.push(out);
    const fault = 'stale-udp-conntrack';
    const report = await runProperties({ target: 'kernel', fault, properties: ['udp-endpoint-change'], runs: 25, seed: 1, timeLimitMs: 240_000 });
    await writeRunOutput(report, out);
    const result = report.properties[0]!;
    expect(result.status).toBe('failed');
    const file = path.join(result.failure!.reproDir!, 'case.yaml');
    const written = decodeCase(await readFile(file, 'utf8'), file);
    // The step that made the flow comes first, with the same client source port as the failing probe.
    expect(written.before).toHaveLength(1);
    expect(written.before![0]!.probes.map((p) => [p.sourcePort, p.expect])).toEqual([[written.probes[0]!.sourcePort, 'allow']]);

    const broken = await checkCases([file], { target: 'kernel', fault });
    expect(broken.results.map((r) => [r.step, r.ok])).toEqual([['1/2', true], ['2/2', false]]);
    expect(broken.summary.mismatched).toBe(1);
    const conformant = await checkCases([file], { target: 'kernel' });
    expect(conformant.summary).toMatchObject({ probes: 2, ok: 2, mismatched: 0, undefined: 0, unsupported: 0 });
  }, 600_000);
});
