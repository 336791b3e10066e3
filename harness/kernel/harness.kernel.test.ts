// The kernel target on real namespaces, real CNI plugins and real connections. Needs root and the
// Debian packages iproute2, iptables, nftables, conntrack, containernetworking-plugins and gcc;
// skipped, with the reason, where they are missing.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ipaddr from 'ipaddr.js';
import type { Observation, Probe } from '../../cluster/types.ts';
import { PrerequisiteError } from '../../cluster/errors.ts';
import { createKernelHarness, type KernelHarness } from './harness.ts';
import { DEFAULT_CNI_BIN_DIRS } from './cni-config.ts';
import { missingPrerequisites } from './prerequisites.ts';
import { listNetns } from './namespaces.ts';
import { pod, service, state, toPod, toService, NODES } from './kernel-test-state.ts';

const missing = await missingPrerequisites({ binDirs: DEFAULT_CNI_BIN_DIRS, plugins: ['bridge', 'host-local', 'ptp'] });
const title = missing.length === 0 ? 'kernel harness' : `kernel harness (skipped: needs ${missing.join('; ')})`;

const open: KernelHarness[] = [];
async function harness(options: Parameters<typeof createKernelHarness>[0] = {}): Promise<KernelHarness> {
  const h = await createKernelHarness(options);
  open.push(h);
  return h;
}
const runIds = new Set<string>();
function remember(h: KernelHarness): void {
  const id = h.runId;
  if (id) runIds.add(id);
}

afterEach(async () => {
  for (const h of open.splice(0)) {
    remember(h);
    await h.teardown();
  }
});

afterAll(async () => {
  if (missing.length > 0) return;
  // Nothing of this file's runs may outlive it.
  const left = (await listNetns()).filter((n) => [...runIds].some((id) => n.startsWith(`np-${id}-`)));
  expect(left).toEqual([]);
});

const delivered = (o: Observation) => o.outcome === 'delivered';

describe.skipIf(missing.length > 0)(title, () => {
  it('gives each pod the address of its CNI ADD result, which is also the address on its own eth0 (CNI spec: the result describes the container)', async () => {
    const h = await harness();
    // x/stray asks for an address outside its node's podCIDR: host-local refuses it and picks one.
    const s = state({ pods: [pod('a', 1, 5), pod('b', 2, 7), pod('stray', 1, 200, {}, { ip: '10.244.9.9' })] });
    const applied = await h.apply(s);
    remember(h);
    const ips = Object.fromEntries(applied.state.pods.map((p) => [`${p.namespace}/${p.name}`, p.ip]));
    expect(ips['x/a']).toBe('10.244.1.5');
    expect(ips['x/b']).toBe('10.244.2.7');
    expect(ips['x/stray']).not.toBe('10.244.9.9');
    expect(ipaddr.parse(ips['x/stray']).match(ipaddr.parseCIDR(NODES[0].podCIDR))).toBe(true);
    expect(applied.interfaceIPs).toEqual(ips);
  });

  for (const overlay of ['host-gw', 'vxlan'] as const) {
    it(`delivers pod-to-pod traffic without NAT on one node and across nodes (${overlay}; network model: pods reach all pods without NAT)`, async () => {
      const h = await harness({ settings: { overlay } });
      const applied = await h.apply(state({ pods: [pod('a', 1, 5), pod('b', 2, 7), pod('c', 1, 9)] }));
      remember(h);
      const ip = (name: string) => applied.state.pods.find((p) => p.name === name)!.ip;
      const probes = [toPod('c', 'a'), toPod('c', 'b'), toPod('c', 'a', 53, 'UDP'), toPod('c', 'b', 'dns', 'UDP'), toPod('b', 'c')];
      const obs = await h.probe(probes);
      probes.forEach((p, i) => {
        const to = (p.to as { name: string }).name;
        const from = (p.from as { name: string }).name;
        expect(obs[i], JSON.stringify(p)).toMatchObject({
          outcome: 'delivered',
          backend: { namespace: 'x', name: to, port: p.protocol === 'UDP' ? 53 : 80 },
          sourceSeen: ip(from),
          replyFrom: ip(to),
        });
      });
    });
  }

  it('carries a datagram larger than the VXLAN MTU across nodes, since pods get MTU 1450 under the overlay', async () => {
    const h = await harness({ settings: { overlay: 'vxlan' } });
    await h.apply(state({ pods: [pod('a', 1, 5), pod('b', 2, 7)] }));
    remember(h);
    const [udp, tcp] = await h.probe([toPod('a', 'b', 53, 'UDP', { payloadBytes: 1472 }), toPod('a', 'b', 80, 'TCP', { payloadBytes: 60000 })]);
    expect(udp.outcome).toBe('delivered');
    expect(tcp.outcome).toBe('delivered');
  });

  it("lets a node reach its pods and the pods see the node's InternalIP (network model: agents on a node reach its pods)", async () => {
    const h = await harness();
    await h.apply(state({ pods: [pod('a', 1, 5), pod('b', 2, 7)] }));
    remember(h);
    const fromNode = (node: string, to: string): Probe => ({ ...toPod('a', to), from: { kind: 'node', name: node } });
    const obs = await h.probe([fromNode('node-1', 'a'), fromNode('node-1', 'b'), fromNode('node-2', 'b')]);
    expect(obs.map((o) => [o.outcome, o.sourceSeen])).toEqual([
      ['delivered', '172.18.0.2'],
      ['delivered', '172.18.0.2'],
      ['delivered', '172.18.0.3'],
    ]);
  });

  it('serves hostNetwork pods in their node and reaches them at the node IP', async () => {
    const h = await harness();
    const applied = await h.apply(state({ pods: [pod('a', 1, 5), pod('host', 2, 0, {}, { hostNetwork: true })] }));
    remember(h);
    expect(applied.state.pods[1].ip).toBe('172.18.0.3');
    expect(applied.interfaceIPs['x/host']).toBe('172.18.0.3');
    const [o] = await h.probe([toPod('a', 'host')]);
    expect(o).toMatchObject({ outcome: 'delivered', backend: { name: 'host', port: 80 }, sourceSeen: '10.244.1.5', replyFrom: '172.18.0.3' });
  });

  for (const proxyMode of ['iptables', 'nftables'] as const) {
    it(`spreads ClusterIP connections over every ready endpoint, never a not-ready one, replying from the ClusterIP (kube-proxy ${proxyMode} mode)`, async () => {
      const h = await harness({ settings: { 'proxy-mode': proxyMode } });
      const s = state({
        pods: [
          pod('w1', 1, 5, { app: 'web' }),
          pod('w2', 2, 5, { app: 'web' }),
          pod('w3', 2, 6, { app: 'web' }),
          pod('sick', 1, 6, { app: 'web' }, { ready: false }),
          pod('c', 1, 9),
        ],
        services: [service('web', { app: 'web' }, '10.96.0.10'), service('empty', { app: 'nobody' }, '10.96.0.11')],
      });
      await h.apply(s);
      remember(h);
      const probes = [...Array(60)].map(() => toService('c', 'web'));
      const obs = await h.probe([...probes, toService('c', 'web', 'dns', 'UDP'), toService('c', 'empty')]);
      const udp = obs[60];
      const empty = obs[61];
      const tcp = obs.slice(0, 60);
      expect(tcp.every(delivered)).toBe(true);
      expect(new Set(tcp.map((o) => o.backend!.name))).toEqual(new Set(['w1', 'w2', 'w3']));
      expect(tcp.every((o) => o.replyFrom === '10.96.0.10' && o.sourceSeen === '10.244.1.9' && o.backend!.port === 80)).toBe(true);
      expect(udp).toMatchObject({ outcome: 'delivered', replyFrom: '10.96.0.10' });
      // kube-proxy rejects connections to a Service without endpoints.
      expect(empty.outcome).toBe('refused');
    });
  }

  it('enforces NetworkPolicy: only the allowed peer and port connect, and replies of allowed connections pass', async () => {
    const h = await harness();
    const s = state({
      pods: [pod('web', 1, 5, { app: 'web' }), pod('client', 2, 5, { app: 'client' }), pod('other', 1, 6, { app: 'other' })],
      policies: [
        {
          namespace: 'x',
          name: 'web-from-client',
          podSelector: { matchLabels: { app: 'web' } },
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }], ports: [{ protocol: 'TCP', port: 80 }] }],
        },
        // client accepts nothing: its outgoing connections' replies must still come back.
        { namespace: 'x', name: 'client-isolated', podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Ingress'] },
      ],
    });
    await h.apply(s);
    remember(h);
    const obs = await h.probe([
      toPod('client', 'web'), // allowed, across nodes
      toPod('other', 'web'), // denied, same node (bridged)
      toPod('client', 'web', 53, 'UDP'), // port not allowed
      toPod('web', 'client'), // client's ingress is isolated
      toPod('web', 'other'), // nothing isolates other
    ]);
    expect(obs.map((o) => o.outcome === 'delivered')).toEqual([true, false, false, false, true]);
  });

  it('converges on re-apply: a relabelled pod moves Service traffic, a removed pod is gone, kept pods keep their address', async () => {
    const h = await harness();
    const first = state({
      pods: [pod('a', 1, 5, { app: 'web' }), pod('b', 2, 7), pod('c', 1, 9), pod('gone', 2, 8)],
      services: [service('web', { app: 'web' }, '10.96.0.10')],
    });
    const before = await h.apply(first);
    remember(h);
    const ours = async () => (await listNetns()).filter((n) => n.startsWith(`np-${h.runId}-`));
    const netnsBefore = await ours();
    const second = state({
      pods: [pod('a', 1, 5), pod('b', 2, 7, { app: 'web' }), pod('c', 1, 9), pod('new', 2, 9)],
      services: [service('web', { app: 'web' }, '10.96.0.10')],
    });
    const after = await h.apply(second);
    const obs = await h.probe([...[...Array(10)].map(() => toService('c', 'web')), toPod('c', 'new')]);
    expect(obs.slice(0, 10).map((o) => o.backend?.name)).toEqual(Array(10).fill('b'));
    expect(obs[10]).toMatchObject({ outcome: 'delivered', backend: { name: 'new' } });
    for (const name of ['a', 'b', 'c']) {
      expect(after.interfaceIPs[`x/${name}`]).toBe(before.interfaceIPs[`x/${name}`]);
    }
    const netnsAfter = await ours();
    // One pod namespace removed, one added; the others untouched.
    expect(netnsAfter.filter((n) => !netnsBefore.includes(n))).toHaveLength(1);
    expect(netnsBefore.filter((n) => !netnsAfter.includes(n))).toHaveLength(1);
  });

  it("reaches a pod re-created at a deleted pod's address at once (no stale neighbour entry swallows its traffic)", async () => {
    const h = await harness();
    await h.apply(state({ pods: [pod('a', 1, 3), pod('c', 1, 9)] }));
    remember(h);
    const fromNode = { ...toPod('c', 'a'), from: { kind: 'node' as const, name: 'node-1' } };
    expect((await h.probe([toPod('c', 'a'), fromNode])).map((o) => o.outcome)).toEqual(['delivered', 'delivered']);
    await h.apply(state({ pods: [pod('d', 1, 3), pod('c', 1, 9)] }));
    const obs = await h.probe([toPod('c', 'd'), { ...fromNode, to: { kind: 'pod', namespace: 'x', name: 'd' } }, toPod('d', 'c')]);
    expect(obs.map((o) => [o.outcome, o.backend?.name])).toEqual([
      ['delivered', 'd'],
      ['delivered', 'd'],
      ['delivered', 'c'],
    ]);
  });

  it('finishes an apply before a teardown or apply called meanwhile (a caller that gave up waiting), and leaves nothing', async () => {
    const h = await harness();
    const first = h.apply(state({ pods: [pod('a', 1, 5), pod('b', 2, 7)] }));
    const second = h.apply(state({ pods: [pod('a', 1, 5), pod('c', 2, 8)] }, 3));
    const probed = h.probe([toPod('a', 'c')]);
    const tornDown = h.teardown();
    await first;
    await second;
    expect((await probed)[0]).toMatchObject({ outcome: 'delivered', backend: { name: 'c' } });
    await tornDown;
    remember(h);
    expect((await listNetns()).filter((n) => n.startsWith(`np-${h.runId}-`))).toEqual([]);
  });

  for (const overlay of ['host-gw', 'vxlan'] as const) {
    it(`adds and removes nodes on re-apply, keeping the pods of kept nodes and routing to the new ones (${overlay})`, async () => {
      const h = await harness({ settings: { overlay } });
      const two = await h.apply(state({ pods: [pod('a', 1, 5), pod('b', 2, 7)] }, 2));
      remember(h);
      const three = await h.apply(state({ pods: [pod('a', 1, 5), pod('b', 2, 7), pod('c', 3, 9)] }, 3));
      expect(three.interfaceIPs['x/a']).toBe(two.interfaceIPs['x/a']);
      let obs = await h.probe([toPod('a', 'c'), toPod('c', 'b'), toPod('b', 'a', 53, 'UDP')]);
      expect(obs.map((o) => [o.outcome, o.sourceSeen])).toEqual([
        ['delivered', '10.244.1.5'],
        ['delivered', '10.244.3.9'],
        ['delivered', '10.244.2.7'],
      ]);
      // Down to node-1 and node-3, then node-2 comes back (a new namespace, a new VTEP).
      await h.apply(state({ pods: [pod('a', 1, 5), pod('c', 3, 9)], nodes: [NODES[0], NODES[2]] }));
      obs = await h.probe([toPod('a', 'c'), toPod('c', 'a')]);
      expect(obs.map((o) => o.outcome)).toEqual(['delivered', 'delivered']);
      await h.apply(state({ pods: [pod('a', 1, 5), pod('b', 2, 7), pod('c', 3, 9)] }, 3));
      obs = await h.probe([toPod('a', 'b'), toPod('b', 'c'), toPod('c', 'a')]);
      expect(obs.map((o) => o.outcome)).toEqual(['delivered', 'delivered', 'delivered']);
      const ours = (await listNetns()).filter((n) => n.startsWith(`np-${h.runId}-n`));
      expect(ours).toHaveLength(3);
    });
  }

  it("re-creates a pod the new state gives another address, so that address is free for the pod now asking for it", async () => {
    const h = await harness();
    await h.apply(state({ pods: [pod('b', 1, 2), pod('c', 1, 9)] }));
    remember(h);
    // a now asks for b's old address and b for a new one: both get what the state says.
    const applied = await h.apply(state({ pods: [pod('a', 1, 2), pod('b', 1, 3), pod('c', 1, 9)] }));
    expect(applied.state.pods.map((p) => p.ip)).toEqual(['10.244.1.2', '10.244.1.3', '10.244.1.9']);
    expect(applied.interfaceIPs).toEqual({ 'x/a': '10.244.1.2', 'x/b': '10.244.1.3', 'x/c': '10.244.1.9' });
    const obs = await h.probe([toPod('c', 'a'), toPod('c', 'b'), { ...toPod('c', 'a'), from: { kind: 'node', name: 'node-1' } }]);
    expect(obs.map((o) => [o.outcome, o.backend?.name])).toEqual([
      ['delivered', 'a'],
      ['delivered', 'b'],
      ['delivered', 'a'],
    ]);
  });

  it('reports SCTP as unsupported on this kernel, with the reason, never as a pass or a deny', async () => {
    const h = await harness();
    const sctpPod = pod('s', 1, 5, {}, { ports: [{ containerPort: 7777, protocol: 'SCTP' }] });
    await h.apply(state({ pods: [sctpPod, pod('c', 1, 9)] }));
    remember(h);
    const [o] = await h.probe([toPod('c', 's', 7777, 'SCTP')]);
    if (o.outcome === 'unsupported') expect(o.detail).toMatch(/SCTP/);
    else expect(o.outcome).toBe('delivered'); // a kernel with SCTP sockets
  });

  it('keeps two runs at once apart, even with the same pod addresses', async () => {
    const s = state({ pods: [pod('a', 1, 5), pod('b', 2, 7, {}, { name: 'b' })] });
    const other = state({ pods: [pod('a', 1, 5), pod('z', 2, 7)] });
    const [h1, h2] = await Promise.all([harness(), harness()]);
    await Promise.all([h1.apply(s), h2.apply(other)]);
    remember(h1);
    remember(h2);
    const [o1] = await h1.probe([toPod('a', 'b')]);
    const [o2] = await h2.probe([toPod('a', 'z')]);
    expect(o1.backend?.name).toBe('b');
    expect(o2.backend?.name).toBe('z');
    await h1.teardown();
    const [again] = await h2.probe([toPod('a', 'z')]);
    expect(again.outcome).toBe('delivered');
  });

  it('puts a user-supplied CNI configuration under test (--cni-conf, here the ptp plugin)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'netprops-cni-'));
    const conf = path.join(dir, 'ptp.conflist');
    await writeFile(
      conf,
      JSON.stringify({
        cniVersion: '1.0.0',
        name: 'ptp-under-test',
        plugins: [{ type: 'ptp', ipMasq: false, ipam: { type: 'host-local', ranges: [[{ subnet: '${podCIDR}' }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: '${runDir}/ptp-${nodeName}' } }],
      }),
    );
    const h = await harness({ settings: { 'cni-conf': conf, 'cni-check': true } });
    const applied = await h.apply(state({ pods: [pod('a', 1, 5), pod('b', 2, 7), pod('c', 1, 9)] }));
    remember(h);
    // Re-apply runs CNI CHECK on every kept pod; a failing CHECK would throw.
    await h.apply(state({ pods: [pod('a', 1, 5), pod('b', 2, 7), pod('c', 1, 9)] }));
    const obs = await h.probe([toPod('c', 'a'), toPod('c', 'b')]);
    const ip = (n: string) => applied.state.pods.find((p) => p.name === n)!.ip;
    expect(obs.map((o) => [o.outcome, o.sourceSeen])).toEqual([
      ['delivered', ip('c')],
      ['delivered', ip('c')],
    ]);
  });

  it('refuses to start without the CNI plugins, in one line naming the package to install', async () => {
    const err = await createKernelHarness({ settings: { 'cni-bin-dir': '/nonexistent/cni' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrerequisiteError);
    expect((err as Error).message).toMatch(/containernetworking-plugins/);
    expect((err as Error).message).not.toContain('\n');
  });
});
