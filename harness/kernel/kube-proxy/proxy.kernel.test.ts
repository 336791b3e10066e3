// The proxy compilers' output loaded into real node namespaces and checked with real connections.
// Skipped, with the reason, where namespaces cannot be made (not root, tools missing).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterState, Service } from '../../../cluster/types.ts';
import { kernelTestSkipReason, TestDataPlane, type ConnectionResult } from '../policy/test-namespaces.ts';
import { compileIptablesProxy } from './iptables.ts';
import { compileNftablesProxy } from './nftables.ts';

const skipReason = await kernelTestSkipReason();
const run = promisify(execFile);

const NODES = [
  { name: 'node-1', podCIDR: '10.244.1.0/24', internalIP: '192.168.77.1' },
  { name: 'node-2', podCIDR: '10.244.2.0/24', internalIP: '192.168.77.2' },
];
const web = { app: 'web' };
const PODS = [
  { namespace: 'x', name: 'client', nodeName: 'node-1', ip: '10.244.1.10', ports: [] },
  {
    namespace: 'x',
    name: 'a',
    nodeName: 'node-1',
    ip: '10.244.1.2',
    labels: web,
    ports: [
      { name: 'http', containerPort: 8080, protocol: 'TCP' as const },
      { name: 'dns', containerPort: 5353, protocol: 'UDP' as const },
    ],
  },
  {
    namespace: 'x',
    name: 'b',
    nodeName: 'node-2',
    ip: '10.244.2.2',
    labels: web,
    ports: [
      { name: 'http', containerPort: 8081, protocol: 'TCP' as const },
      { name: 'dns', containerPort: 5353, protocol: 'UDP' as const },
    ],
  },
  // Selected but not ready: never an endpoint (unless the not-ready-endpoints fault).
  { namespace: 'x', name: 'c', nodeName: 'node-2', ip: '10.244.2.3', labels: web, ready: false, ports: [{ name: 'http', containerPort: 8082, protocol: 'TCP' as const }] },
  { namespace: 'x', name: 'solo', nodeName: 'node-1', ip: '10.244.1.5', labels: { app: 'solo' }, ports: [{ containerPort: 7000, protocol: 'TCP' as const }] },
];

function svc(name: string, clusterIP: string, extra: Partial<Service>): Service {
  return {
    namespace: 'x',
    name,
    type: 'ClusterIP',
    clusterIP,
    selector: web,
    ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    sessionAffinity: 'None',
    publishNotReadyAddresses: false,
    internalTrafficPolicy: 'Cluster',
    ...extra,
  };
}

const SERVICES: Service[] = [
  svc('web', '10.96.0.10', {
    ports: [
      { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
      { name: 'dns', port: 53, targetPort: 'dns', protocol: 'UDP' },
    ],
  }),
  svc('empty', '10.96.0.11', {
    type: 'NodePort',
    selector: { app: 'nothing' },
    ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP', nodePort: 30001 }],
  }),
  svc('sticky', '10.96.0.12', { type: 'NodePort', sessionAffinity: 'ClientIP', ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP', nodePort: 30002 }] }),
  svc('solo', '10.96.0.13', { selector: { app: 'solo' }, ports: [{ port: 70, targetPort: 7000, protocol: 'TCP' }] }),
  svc('local', '10.96.0.14', { internalTrafficPolicy: 'Local' }),
];

const client = { namespace: 'x', name: 'client' };
const times = <T>(n: number, x: T): T[] => Array.from({ length: n }, () => x);
const backends = (rs: ConnectionResult[]) => new Set(rs.map((r) => r.backend));

describe.skipIf(skipReason !== undefined).each(['iptables', 'nftables'] as const)('kube-proxy %s mode in real namespaces', (mode) => {
  const plane = new TestDataPlane(NODES, PODS);
  const previous = new Map<string, string>();

  async function load(state: ClusterState, faults: string[] = []): Promise<void> {
    for (const node of NODES) {
      if (mode === 'iptables') {
        const input = compileIptablesProxy(state, node.name, { faults, previous: previous.get(node.name) });
        await plane.loadIptables(node.name, input);
        previous.set(node.name, input);
      } else {
        await plane.loadNft(node.name, compileNftablesProxy(state, node.name, { faults }));
      }
      await plane.flushConntrack(node.name);
    }
  }

  beforeAll(async () => {
    await plane.create();
    await load(plane.state({ services: SERVICES }));
  }, 60_000);
  afterAll(() => plane.destroy(), 60_000);

  it('spreads ClusterIP connections over every ready endpoint, on each one\'s resolved targetPort, without SNAT', async () => {
    const rs = await plane.connect(client, times(60, { ip: '10.96.0.10', port: 80 }));
    expect(rs.map((r) => r.outcome)).toEqual(times(60, 'delivered'));
    expect(backends(rs)).toEqual(new Set(['x/a', 'x/b']));
    for (const r of rs) {
      expect(r.backendPort).toBe(r.backend === 'x/a' ? 8080 : 8081);
      expect(r.sourceSeen).toBe('10.244.1.10');
      expect(r.replyFrom).toBe('10.96.0.10');
    }
  });

  it('answers UDP through the ClusterIP with replies from the ClusterIP (reverse NAT)', async () => {
    const rs = await plane.connect(client, times(20, { ip: '10.96.0.10', port: 53, protocol: 'UDP' as const }));
    expect(rs.map((r) => r.outcome)).toEqual(times(20, 'delivered'));
    expect(rs.every((r) => r.replyFrom === '10.96.0.10' && r.backendPort === 5353)).toBe(true);
    expect(backends(rs)).toEqual(new Set(['x/a', 'x/b']));
  });

  it('rejects at once a Service without endpoints (kube-proxy REJECT: refused, not a timeout)', async () => {
    const [r] = await plane.connect(client, [{ ip: '10.96.0.11', port: 80, timeoutMs: 2000 }]);
    expect(r.outcome).toBe('refused');
    expect(r.ms).toBeLessThan(1000);
  });

  it('rejects the NodePort of a Service without endpoints on every node\'s address', async () => {
    const rs = await plane.connect(client, [
      { ip: '192.168.77.1', port: 30001, timeoutMs: 2000 },
      { ip: '192.168.77.2', port: 30001, timeoutMs: 2000 },
    ]);
    expect(rs.map((r) => r.outcome)).toEqual(['refused', 'refused']);
  });

  it('never delivers to a port the Service does not define', async () => {
    const [r] = await plane.connect(client, [{ ip: '10.96.0.10', port: 81, timeoutMs: 500 }]);
    // nftables mode rejects invalid ClusterIP ports; iptables mode leaves the packet to routing.
    if (mode === 'nftables') expect(r.outcome).toBe('refused');
    else expect(r.outcome).not.toBe('delivered');
  });

  it('lets a backend reach itself through its own Service (hairpin, source masqueraded to the bridge)', async () => {
    const [r] = await plane.connect({ namespace: 'x', name: 'solo' }, [{ ip: '10.96.0.13', port: 70 }]);
    expect(r.outcome).toBe('delivered');
    expect(r.backend).toBe('x/solo');
    expect(r.sourceSeen).toBe('10.244.1.1');
  });

  it('reaches a NodePort on every node\'s address', async () => {
    const rs = await plane.connect(client, [
      ...times(10, { ip: '192.168.77.1', port: 30002 }),
      ...times(10, { ip: '192.168.77.2', port: 30002 }),
    ]);
    expect(rs.map((r) => r.outcome)).toEqual(times(20, 'delivered'));
    expect(rs.every((r) => r.backend === 'x/a' || r.backend === 'x/b')).toBe(true);
  });

  it('keeps a client on one endpoint with sessionAffinity ClientIP', async () => {
    const [first] = await plane.connect(client, [{ ip: '10.96.0.12', port: 80 }]);
    expect(first.outcome).toBe('delivered');
    const rest = await plane.connect(client, times(15, { ip: '10.96.0.12', port: 80 }));
    expect(rest.map((r) => r.backend)).toEqual(times(15, first.backend));
  });

  it('uses only endpoints on the client\'s node under internalTrafficPolicy Local', async () => {
    const rs = await plane.connect(client, times(20, { ip: '10.96.0.14', port: 80 }));
    expect(rs.map((r) => r.backend)).toEqual(times(20, 'x/a'));
  });

  it('loads rules for SCTP and UDP Service ports, NodePorts and affinity (no SCTP sockets here, but the rules must load)', async () => {
    const sctp = svc('sctp', '10.96.0.15', {
      type: 'NodePort',
      sessionAffinity: 'ClientIP',
      ports: [
        { name: 's', port: 80, targetPort: 8080, protocol: 'SCTP', nodePort: 30010 },
        { name: 'u', port: 53, targetPort: 'dns', protocol: 'UDP', nodePort: 30011 },
        { name: 'none', port: 81, targetPort: 'nothing', protocol: 'SCTP', nodePort: 30012 },
      ],
    });
    await load(plane.state({ services: [...SERVICES, sctp] }));
    try {
      const rs = await plane.connect(client, [{ ip: '10.96.0.15', port: 53, protocol: 'UDP' as const }, { ip: '10.96.0.10', port: 80 }]);
      expect(rs.map((r) => r.outcome)).toEqual(['delivered', 'delivered']);
    } finally {
      await load(plane.state({ services: SERVICES }));
    }
  });

  it('reloads without stacking the jumps from the built-in chains or leaving chains of removed Services', async () => {
    if (mode !== 'iptables') {
      // nftables mode replaces the whole table: nothing can stack.
      const { stdout } = await run('ip', ['netns', 'exec', plane.nodeNetns('node-1'), 'nft', 'list', 'tables']);
      expect(stdout.match(/table ip kube-proxy/g)).toHaveLength(1);
      return;
    }
    await load(plane.state({ services: SERVICES.filter((s) => s.name !== 'sticky') }));
    await load(plane.state({ services: SERVICES }));
    const { stdout } = await run('ip', ['netns', 'exec', plane.nodeNetns('node-1'), 'iptables-save', '-t', 'nat']);
    expect(stdout.match(/^-A PREROUTING /gm)).toHaveLength(1);
    expect(stdout.match(/^-A POSTROUTING /gm)).toHaveLength(1);
    const svcChains = stdout.match(/^:KUBE-SVC-\S+/gm) ?? [];
    expect(new Set(svcChains).size).toBe(svcChains.length);
    await load(plane.state({ services: SERVICES.filter((s) => s.name === 'web') }));
    const after = (await run('ip', ['netns', 'exec', plane.nodeNetns('node-1'), 'iptables-save', '-t', 'nat'])).stdout;
    expect(after).not.toContain('x/sticky');
    expect(after.match(/^:KUBE-SEP-\S+/gm)).toHaveLength(4); // web's two ports x its two ready endpoints
    await load(plane.state({ services: SERVICES }));
  });

  it('fault not-ready-endpoints: the not-ready pod receives Service traffic', async () => {
    await load(plane.state({ services: SERVICES }), ['not-ready-endpoints']);
    try {
      const rs = await plane.connect(client, times(60, { ip: '10.96.0.10', port: 80 }));
      expect(backends(rs).has('x/c')).toBe(true);
    } finally {
      await load(plane.state({ services: SERVICES }));
    }
    const rs = await plane.connect(client, times(40, { ip: '10.96.0.10', port: 80 }));
    expect(backends(rs).has('x/c')).toBe(false);
  });

  it('fault masquerade-pod-traffic: a pod on another node sees the node\'s address instead of the pod\'s', async () => {
    const [clean] = await plane.connect(client, [{ ip: '10.244.2.2', port: 8081 }]);
    expect(clean.sourceSeen).toBe('10.244.1.10');
    await load(plane.state({ services: SERVICES }), ['masquerade-pod-traffic']);
    try {
      const [faulty] = await plane.connect(client, [{ ip: '10.244.2.2', port: 8081 }]);
      expect(faulty.outcome).toBe('delivered');
      expect(faulty.sourceSeen).toBe('192.168.77.1');
    } finally {
      await load(plane.state({ services: SERVICES }));
    }
  });
});

if (skipReason !== undefined) {
  describe('kube-proxy compilers in real namespaces', () => {
    it.skip(`skipped: ${skipReason}`, () => {});
  });
}
