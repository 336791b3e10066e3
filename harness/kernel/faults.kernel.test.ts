// Each kernel fault, against the same case without it: the fault must change an observation the
// way the real-world bug does, and only then is it a fault the properties can be asked to catch.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ClusterState, Observation, Probe } from '../../cluster/types.ts';
import { createKernelHarness, type KernelHarness } from './harness.ts';
import { listNetns } from './namespaces.ts';
import { DEFAULT_CNI_BIN_DIRS } from './cni-config.ts';
import { KERNEL_FAULTS } from './faults.ts';
import { missingPrerequisites } from './prerequisites.ts';
import { pod, service, state, toPod, toService } from './kernel-test-state.ts';

const missing = await missingPrerequisites({ binDirs: DEFAULT_CNI_BIN_DIRS, plugins: ['bridge', 'host-local'] });
const title = missing.length === 0 ? 'kernel faults' : `kernel faults (skipped: needs ${missing.join('; ')})`;

const open: KernelHarness[] = [];
const runIds = new Set<string>();
afterEach(async () => {
  for (const h of open.splice(0)) {
    if (h.runId) runIds.add(h.runId);
    await h.teardown();
  }
});
afterAll(async () => {
  if (missing.length > 0) return;
  const left = (await listNetns()).filter((n) => [...runIds].some((id) => n.startsWith(`np-${id}-`)));
  expect(left).toEqual([]);
});

/** Applies the states in turn (probing after each) without and with the fault. */
async function compare(fault: string, states: ClusterState[], probes: Probe[][]): Promise<{ healthy: Observation[][]; faulty: Observation[][] }> {
  const run = async (f: string | undefined) => {
    const h = await createKernelHarness({ fault: f });
    open.push(h);
    const out: Observation[][] = [];
    for (const [i, s] of states.entries()) {
      await h.apply(s);
      out.push(await h.probe(probes[i]));
    }
    await h.teardown();
    return out;
  };
  return { healthy: await run(undefined), faulty: await run(fault) };
}

describe.skipIf(missing.length > 0)(title, () => {
  it('lists every fault with a description', () => {
    expect(KERNEL_FAULTS.map((f) => f.name).sort()).toEqual(
      ['bridge-nf-off', 'hairpin-off', 'masquerade-pod-traffic', 'not-ready-endpoints', 'policy-skips-same-node', 'stale-udp-conntrack', 'vxlan-mtu'].sort(),
    );
  });

  it('hairpin-off: a pod no longer reaches itself through its own Service (kube-proxy needs hairpin for that)', async () => {
    const s = state({ pods: [pod('a', 1, 5, { app: 'web' })], services: [service('web', { app: 'web' }, '10.96.0.10')] });
    const { healthy, faulty } = await compare('hairpin-off', [s], [[toService('a', 'web')]]);
    expect(healthy[0][0]).toMatchObject({ outcome: 'delivered', backend: { name: 'a' } });
    expect(faulty[0][0].outcome).toBe('timeout');
  });

  it('bridge-nf-off: a ClusterIP connection to a pod on the same node fails, its reply bypassing the reverse NAT', async () => {
    const s = state({ pods: [pod('a', 1, 5, { app: 'web' }), pod('c', 1, 9)], services: [service('web', { app: 'web' }, '10.96.0.10')] });
    const { healthy, faulty } = await compare('bridge-nf-off', [s], [[toService('c', 'web'), toPod('c', 'a'), toService('c', 'web', 'dns', 'UDP')]]);
    expect(healthy[0].map((o) => o.outcome)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(healthy[0][2].replyFrom).toBe('10.96.0.10');
    // The direct connection is unaffected: only the translated one breaks. A UDP client that
    // accepts any source sees the answer come from the pod instead of the ClusterIP.
    expect(faulty[0].map((o) => o.outcome)).toEqual(['timeout', 'delivered', 'delivered']);
    expect(faulty[0][2].replyFrom).toBe('10.244.1.5');
  });

  it("masquerade-pod-traffic: a pod on another node sees the sender's node address instead of the sender's pod IP", async () => {
    const s = state({ pods: [pod('a', 1, 5), pod('b', 2, 7), pod('c', 1, 9)] });
    const { healthy, faulty } = await compare('masquerade-pod-traffic', [s], [[toPod('a', 'b'), toPod('a', 'c')]]);
    expect(healthy[0].map((o) => o.sourceSeen)).toEqual(['10.244.1.5', '10.244.1.5']);
    expect(faulty[0].map((o) => o.sourceSeen)).toEqual(['172.18.0.2', '10.244.1.5']);
  });

  it('policy-skips-same-node: a denied connection from a pod of the same node gets through, one from another node does not', async () => {
    const s = state({
      pods: [pod('web', 1, 5, { app: 'web' }), pod('near', 1, 6), pod('far', 2, 6)],
      policies: [{ namespace: 'x', name: 'deny-all', podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] }],
    });
    const { healthy, faulty } = await compare('policy-skips-same-node', [s], [[toPod('near', 'web'), toPod('far', 'web')]]);
    expect(healthy[0].map((o) => o.outcome === 'delivered')).toEqual([false, false]);
    expect(faulty[0].map((o) => o.outcome === 'delivered')).toEqual([true, false]);
  });

  it('stale-udp-conntrack: after the endpoint changes, the same UDP flow keeps reaching the old backend', async () => {
    const before = state({ pods: [pod('a', 1, 5, { app: 'web' }), pod('b', 2, 7), pod('c', 1, 9)], services: [service('web', { app: 'web' }, '10.96.0.10')] });
    const after = state({ pods: [pod('a', 1, 5), pod('b', 2, 7, { app: 'web' }), pod('c', 1, 9)], services: [service('web', { app: 'web' }, '10.96.0.10')] });
    const flow = toService('c', 'web', 'dns', 'UDP', { sourcePort: 40123 });
    const { healthy, faulty } = await compare('stale-udp-conntrack', [before, after], [[flow], [flow]]);
    expect(healthy.map((o) => o[0].backend?.name)).toEqual(['a', 'b']);
    expect(faulty.map((o) => o[0].backend?.name)).toEqual(['a', 'a']);
  });

  it('vxlan-mtu: a full-size datagram to another node is lost at the 1450-byte VXLAN device', async () => {
    const s = state({ pods: [pod('a', 1, 5), pod('b', 2, 7)] });
    const big = toPod('a', 'b', 53, 'UDP', { payloadBytes: 1472 });
    const small = toPod('a', 'b', 53, 'UDP');
    // The healthy run uses the same overlay as the fault (which implies VXLAN).
    const healthyHarness = await createKernelHarness({ settings: { overlay: 'vxlan' } });
    open.push(healthyHarness);
    await healthyHarness.apply(s);
    const healthy = await healthyHarness.probe([big, small]);
    const { faulty } = await compare('vxlan-mtu', [s], [[big, small]]);
    expect(healthy.map((o) => o.outcome)).toEqual(['delivered', 'delivered']);
    expect(faulty[0][0].outcome).not.toBe('delivered');
    expect(faulty[0][1].outcome).toBe('delivered');
  });

  it('not-ready-endpoints: Service traffic reaches a pod that is not ready', async () => {
    const s = state({
      pods: [pod('ok', 1, 5, { app: 'web' }), pod('sick', 2, 5, { app: 'web' }, { ready: false }), pod('c', 1, 9)],
      services: [service('web', { app: 'web' }, '10.96.0.10')],
    });
    const probes = [...Array(40)].map(() => toService('c', 'web'));
    const { healthy, faulty } = await compare('not-ready-endpoints', [s], [probes]);
    expect(new Set(healthy[0].map((o) => o.backend?.name))).toEqual(new Set(['ok']));
    expect(new Set(faulty[0].map((o) => o.backend?.name))).toEqual(new Set(['ok', 'sick']));
  });
});
