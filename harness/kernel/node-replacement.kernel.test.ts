// A node replaced on re-apply (same name and InternalIP, another podCIDR) while the kernel has not
// yet freed the old node's namespace. Namespace cleanup is asynchronous; in a long run with many
// namespaces deleted per case it lagged by seconds, and the old node's uplink (same MAC, since the
// MAC follows the InternalIP) stayed on the underlay bridge. Whenever the old node sent a frame
// (IPv6 multicast, ARP) the bridge learned its MAC on the old port, and connections from other
// nodes to the new node's pods timed out until the namespace was gone (`--seed 1`:
// policy-order-irrelevant / deleting-policies-restores-reachability failed, then passed on re-run).
// Here the old namespace is held alive on purpose, so the lag is certain rather than a matter of luck.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { createKernelHarness, type KernelHarness } from './harness.ts';
import { DEFAULT_CNI_BIN_DIRS } from './cni-config.ts';
import { mustRun, runCommand } from './command.ts';
import { deleteNetns } from './namespaces.ts';
import { missingPrerequisites } from './prerequisites.ts';
import { NODES, pod, state } from './kernel-test-state.ts';
import type { Probe } from '../../cluster/types.ts';

const missing = await missingPrerequisites({ binDirs: DEFAULT_CNI_BIN_DIRS, plugins: ['bridge', 'host-local'] });
const title = missing.length === 0 ? 'kernel node replacement' : `kernel node replacement (skipped: needs ${missing.join('; ')})`;

let h: KernelHarness | undefined;
let held: string | undefined;
afterEach(async () => {
  await h?.teardown();
  h = undefined;
  if (held) {
    await runCommand(['umount', `/run/netns/${held}`]);
    await deleteNetns([held]);
    held = undefined;
  }
});

describe.skipIf(missing.length > 0)(title, () => {
  for (const overlay of ['host-gw', 'vxlan'] as const) {
    it(`reaches the pods of a node replaced at the same InternalIP while the old node's namespace still lives (${overlay}; network model: every node reaches every pod)`, async () => {
      h = await createKernelHarness({ settings: { overlay } });
      const before = state({ pods: [pod('a', 1, 2), pod('b', 3, 2)] }, 3);
      await h.apply(before);
      // Keep the old node-3 (serial 2) alive under another name, as a lagging cleanup would.
      held = `np-${h.runId}-held`;
      await mkdir('/run/netns', { recursive: true });
      await writeFile(`/run/netns/${held}`, '');
      await mustRun(['mount', '--bind', `/run/netns/np-${h.runId}-n2`, `/run/netns/${held}`]);

      const node3 = { ...NODES[2], podCIDR: '10.244.4.0/24' };
      const after = { ...before, nodes: [NODES[0], NODES[1], node3], pods: [pod('a', 1, 2), { ...pod('b', 3, 2), ip: '10.244.4.2' }] };
      await h.apply(after);
      const probes: Probe[] = [
        { from: { kind: 'node', name: 'node-1' }, to: { kind: 'pod', namespace: 'x', name: 'b' }, port: 80, protocol: 'TCP' },
        { from: { kind: 'pod', namespace: 'x', name: 'a' }, to: { kind: 'pod', namespace: 'x', name: 'b' }, port: 80, protocol: 'TCP' },
      ];
      expect((await h.probe(probes)).map((o) => o.outcome)).toEqual(['delivered', 'delivered']);
      // The old node speaks up (here: an ARP request for node-1); were it still on the underlay,
      // the bridge would now send node-3's frames to it.
      await runCommand(['ip', 'netns', 'exec', held, 'bash', '-c', 'echo x > /dev/udp/172.18.0.2/9']);
      for (let i = 0; i < 3; i++) {
        expect((await h.probe(probes)).map((o) => o.outcome)).toEqual(['delivered', 'delivered']);
      }
    });
  }
});
