// The properties against the kernel target's faults (issue 4: "each kernel fault is caught, with a
// repro whose case.yaml fails under netprops check --target kernel --fault NAME"): each fault is
// caught by the property written for it, and its repro replays: check judges how an allowed probe
// was delivered (the source seen) and applies a repro's earlier steps (stale conntrack) in order.
// Needs root, iproute2, nftables, conntrack and the CNI plugins; skipped with the reason otherwise.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkCases } from '../cli/check.ts';
import { DEFAULT_CNI_BIN_DIRS } from '../harness/kernel/cni-config.ts';
import { KERNEL_FAULTS } from '../harness/kernel/faults.ts';
import { missingPrerequisites } from '../harness/kernel/prerequisites.ts';
import { writeRunOutput } from '../reports/run-output.ts';
import { runProperties } from './runner.ts';

const missing = await missingPrerequisites({ binDirs: DEFAULT_CNI_BIN_DIRS, plugins: ['bridge', 'host-local'] });
const title = missing.length === 0 ? 'kernel faults caught by the properties' : `kernel faults caught by the properties (skipped: needs ${missing.join('; ')})`;

/** The property that catches each fault. */
const CATCHER: Record<string, string> = {
  'hairpin-off': 'hairpin',
  'bridge-nf-off': 'clusterip-reaches-ready-endpoint',
  'masquerade-pod-traffic': 'no-nat-pod-to-pod',
  'policy-skips-same-node': 'policy-verdicts',
  'stale-udp-conntrack': 'udp-endpoint-change',
  'vxlan-mtu': 'large-payload-across-nodes',
  'not-ready-endpoints': 'clusterip-reaches-ready-endpoint',
};

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe.skipIf(missing.length > 0)(title, () => {
  it('names a catching property for every kernel fault', () => {
    expect(Object.keys(CATCHER).sort()).toEqual(KERNEL_FAULTS.map((f) => f.name).sort());
  });

  it.each(KERNEL_FAULTS.map((f) => [f.name] as const))('%s is caught, shrunk, and its repro replays on the kernel', async (fault) => {
    const property = CATCHER[fault];
    const out = await mkdtemp(path.join(tmpdir(), 'netprops-kernel-faults-'));
    dirs.push(out);
    const report = await runProperties({ target: 'kernel', fault, properties: [property], runs: 25, seed: 1, timeLimitMs: 240_000 });
    await writeRunOutput(report, out);
    const result = report.properties[0];
    expect(result.status).toBe('failed');
    expect(result.failure!.counterexample.state.pods.length).toBeLessThanOrEqual(4);
    const file = path.join(result.failure!.reproDir!, 'case.yaml');
    const broken = await checkCases([file], { target: 'kernel', fault });
    expect(broken.summary.mismatched).toBeGreaterThan(0);
    const conformant = await checkCases([file], { target: 'kernel' });
    expect(conformant.summary).toMatchObject({ mismatched: 0, undefined: 0 });
  }, 600_000);
});
