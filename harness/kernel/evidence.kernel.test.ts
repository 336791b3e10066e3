// NETPROPS_KERNEL_DEBUG: a probe that times out leaves the state of the namespaces involved in the
// named file; a delivered probe leaves nothing, and without the variable nothing is written.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createKernelHarness, type KernelHarness } from './harness.ts';
import { DEFAULT_CNI_BIN_DIRS } from './cni-config.ts';
import { missingPrerequisites } from './prerequisites.ts';
import { pod, state, toPod } from './kernel-test-state.ts';
import type { Probe } from '../../cluster/types.ts';

const missing = await missingPrerequisites({ binDirs: DEFAULT_CNI_BIN_DIRS, plugins: ['bridge', 'host-local'] });
const title = missing.length === 0 ? 'kernel evidence dump' : `kernel evidence dump (skipped: needs ${missing.join('; ')})`;

let h: KernelHarness | undefined;
afterEach(async () => {
  delete process.env.NETPROPS_KERNEL_DEBUG;
  await h?.teardown();
  h = undefined;
});

const exists = (f: string) => stat(f).then(() => true, () => false);

describe.skipIf(missing.length > 0)(title, () => {
  it('writes the neighbours, conntrack and counters of the client, the nodes and the underlay for a probe that timed out, and nothing for a delivered one', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'netprops-evidence-')), 'evidence.txt');
    h = await createKernelHarness({ settings: { probeTimeout: 200 } });
    await h.apply(state({ pods: [pod('a', 1, 2), pod('b', 2, 2)] }));
    process.env.NETPROPS_KERNEL_DEBUG = file;
    expect((await h.probe([toPod('a', 'b')]))[0].outcome).toBe('delivered');
    expect(await exists(file)).toBe(false);
    // Nothing owns this underlay address: the node's ARP request goes unanswered.
    const nowhere: Probe = { from: { kind: 'node', name: 'node-1' }, to: { kind: 'ip', ip: '172.18.0.99' }, port: 80, protocol: 'TCP' };
    expect((await h.probe([nowhere]))[0].outcome).toBe('timeout');
    const text = await readFile(file, 'utf8');
    const id = h.runId!;
    expect(text).toContain('timeout: {"from":{"kind":"node","name":"node-1"}');
    for (const netns of [`np-${id}-n0`, `np-${id}-n1`, `np-${id}-u`]) {
      expect(text).toContain(`--- ${netns}: ip -s neigh show (exit 0)`);
      expect(text).toContain(`--- ${netns}: conntrack -L (exit 0)`);
    }
    expect(text).toMatch(/172\.18\.0\.99 dev .*(INCOMPLETE|FAILED)/);
  });
});
