// The policy table loaded into real node namespaces (with kube-proxy's nftables Services beside
// it) and checked with real connections: what it allows is delivered, what it denies is refused at
// once (TCP reset / ICMP), replies of allowed connections pass.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetworkPolicy, Service } from '../../../cluster/types.ts';
import { compileNftablesProxy } from '../kube-proxy/nftables.ts';
import { compilePolicyTable } from './nftables.ts';
import { kernelTestSkipReason, TestDataPlane, type Connection, type ConnectionResult } from './test-namespaces.ts';

const skipReason = await kernelTestSkipReason();

const NODES = [
  { name: 'node-1', podCIDR: '10.244.1.0/24', internalIP: '192.168.77.1' },
  { name: 'node-2', podCIDR: '10.244.2.0/24', internalIP: '192.168.77.2' },
];
const tcp = (containerPort: number, name?: string) => ({ name, containerPort, protocol: 'TCP' as const });
const PODS = [
  { namespace: 'x', name: 'client', nodeName: 'node-1', ip: '10.244.1.10', labels: { app: 'client' }, ports: [tcp(80, 'http')] },
  {
    namespace: 'x',
    name: 'web',
    nodeName: 'node-1',
    ip: '10.244.1.2',
    labels: { app: 'web' },
    ports: [tcp(8080, 'http'), tcp(9090, 'metrics'), { name: 'dns', containerPort: 5353, protocol: 'UDP' as const }],
  },
  { namespace: 'x', name: 'solo', nodeName: 'node-1', ip: '10.244.1.5', labels: { app: 'solo' }, ports: [tcp(7000)] },
  { namespace: 'y', name: 'remote', nodeName: 'node-2', ip: '10.244.2.2', labels: { app: 'client' }, ports: [tcp(80, 'http')] },
  { namespace: 'y', name: 'db', nodeName: 'node-2', ip: '10.244.2.3', labels: { app: 'db' }, ports: [tcp(5432, 'pg')] },
];
const NAMESPACES = [
  { name: 'x', labels: { team: 'a' } },
  { name: 'y', labels: { team: 'b' } },
];

function service(name: string, clusterIP: string, selector: Record<string, string>, port: number, targetPort: number | string): Service {
  return {
    namespace: 'x',
    name,
    type: 'ClusterIP',
    clusterIP,
    selector,
    ports: [{ port, targetPort, protocol: 'TCP' }],
    sessionAffinity: 'None',
    publishNotReadyAddresses: false,
    internalTrafficPolicy: 'Cluster',
  };
}
const SERVICES = [service('web', '10.96.0.20', { app: 'web' }, 80, 'http'), service('solo', '10.96.0.21', { app: 'solo' }, 70, 7000)];

const pod = (namespace: string, name: string) => ({ namespace, name });
const client = pod('x', 'client');
const web = pod('x', 'web');
const remote = pod('y', 'remote');
const db = pod('y', 'db');
const to = (ip: string, port: number, protocol: 'TCP' | 'UDP' = 'TCP'): Connection => ({ ip, port, protocol, timeoutMs: 3000 });

function policy(namespace: string, name: string, spec: Omit<NetworkPolicy, 'namespace' | 'name'>): NetworkPolicy {
  return { namespace, name, ...spec };
}
const denyIngress = (app: string, namespace = 'x') =>
  policy(namespace, `deny-${app}`, { podSelector: { matchLabels: { app } }, policyTypes: ['Ingress'], ingress: [] });

/** A denial must be an active refusal, fast: a reject, not a drop left to the timeout. */
function expectRefused(r: ConnectionResult): void {
  expect(r.outcome).toBe('refused');
  expect(r.ms).toBeLessThan(1000);
}

describe.skipIf(skipReason !== undefined)('NetworkPolicy table in real namespaces', () => {
  const plane = new TestDataPlane(NODES, PODS);

  async function apply(policies: NetworkPolicy[], faults: string[] = []): Promise<void> {
    const state = plane.state({ namespaces: NAMESPACES, services: SERVICES, policies });
    for (const node of NODES) {
      await plane.loadNft(node.name, compileNftablesProxy(state, node.name));
      await plane.loadNft(node.name, compilePolicyTable(state, node.name, { faults }));
      await plane.flushConntrack(node.name);
    }
  }

  beforeAll(() => plane.create(), 60_000);
  afterAll(() => plane.destroy(), 60_000);

  it('allows everything without policies (a pod selected by no policy is not isolated)', async () => {
    await apply([]);
    const rs = await plane.connect(client, [to('10.244.1.2', 8080), to('10.244.2.2', 80), to('10.244.1.2', 5353, 'UDP')]);
    expect(rs.map((r) => r.outcome)).toEqual(['delivered', 'delivered', 'delivered']);
  });

  it('denies every source when ingress is isolated with no rule, same node and across nodes alike', async () => {
    await apply([denyIngress('web')]);
    const [same, udp] = await plane.connect(client, [to('10.244.1.2', 8080), to('10.244.1.2', 5353, 'UDP')]);
    expectRefused(same);
    expectRefused(udp);
    const [across] = await plane.connect(remote, [to('10.244.1.2', 8080)]);
    expectRefused(across);
    // The denied pod's own egress is not isolated, and the replies of what it opens pass.
    const [out] = await plane.connect(web, [to('10.244.2.2', 80)]);
    expect(out.outcome).toBe('delivered');
  });

  it('always allows traffic from the node the pod runs on', async () => {
    await apply([denyIngress('web')]);
    const [r] = await plane.connect({ node: 'node-1' }, [to('10.244.1.2', 8080)]);
    expect(r.outcome).toBe('delivered');
    expect(r.sourceSeen).toBe('192.168.77.1');
  });

  it('ANDs namespaceSelector and podSelector in one peer, and resolves a named port on the destination', async () => {
    await apply([
      policy('x', 'web-from-b-clients', {
        podSelector: { matchLabels: { app: 'web' } },
        ingress: [
          {
            from: [{ namespaceSelector: { matchLabels: { team: 'b' } }, podSelector: { matchLabels: { app: 'client' } } }],
            ports: [{ port: 'http' }],
          },
        ],
      }),
    ]);
    const [allowed, otherPort] = await plane.connect(remote, [to('10.244.1.2', 8080), to('10.244.1.2', 9090)]);
    expect(allowed.outcome).toBe('delivered');
    expect(allowed.sourceSeen).toBe('10.244.2.2');
    expectRefused(otherPort);
    expectRefused((await plane.connect(client, [to('10.244.1.2', 8080)]))[0]); // right labels, wrong namespace
    expectRefused((await plane.connect(db, [to('10.244.1.2', 8080)]))[0]); // right namespace, wrong labels
  });

  it('applies ipBlock except: the excepted address is denied, the rest of the block allowed', async () => {
    await apply([
      policy('x', 'web-from-block', {
        podSelector: { matchLabels: { app: 'web' } },
        ingress: [{ from: [{ ipBlock: { cidr: '10.244.0.0/16', except: ['10.244.2.3/32'] } }] }],
      }),
    ]);
    expect((await plane.connect(remote, [to('10.244.1.2', 8080)]))[0].outcome).toBe('delivered');
    expect((await plane.connect(client, [to('10.244.1.2', 8080)]))[0].outcome).toBe('delivered');
    expectRefused((await plane.connect(db, [to('10.244.1.2', 8080)]))[0]);
  });

  it('enforces egress with endPort ranges and protocol defaulting to TCP, and lets replies back in', async () => {
    await apply([
      policy('x', 'client-egress', {
        podSelector: { matchLabels: { app: 'client' } },
        policyTypes: ['Egress'],
        egress: [{ to: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'db' } } }], ports: [{ port: 5000, endPort: 6000 }] }],
      }),
    ]);
    const rs = await plane.connect(client, [to('10.244.2.3', 5432), to('10.244.2.2', 80), to('10.244.1.2', 8080), to('10.244.1.2', 5353, 'UDP')]);
    expect(rs[0].outcome).toBe('delivered');
    expectRefused(rs[1]);
    expectRefused(rs[2]); // same node: bridged traffic is judged too
    expectRefused(rs[3]); // UDP: the port entry defaulted to TCP
    // Replies of a connection the client accepts pass although its egress allows nothing there.
    expect((await plane.connect(web, [to('10.244.1.10', 80)]))[0].outcome).toBe('delivered');
  });

  it('judges Service traffic after DNAT: against the backend pod and its targetPort, not the Service port', async () => {
    const allowPort = (port: number) =>
      policy('x', 'web-port', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ ports: [{ port }] }] });
    await apply([allowPort(8080)]);
    const [viaTarget] = await plane.connect(client, [to('10.96.0.20', 80)]);
    expect(viaTarget.outcome).toBe('delivered');
    expect(viaTarget.backend).toBe('x/web');
    await apply([allowPort(80)]);
    expectRefused((await plane.connect(client, [to('10.96.0.20', 80)]))[0]);
  });

  it('lets a pod reach itself through its own Service although its ingress denies everything', async () => {
    await apply([denyIngress('solo')]);
    const [r] = await plane.connect(pod('x', 'solo'), [to('10.96.0.21', 70)]);
    expect(r.outcome).toBe('delivered');
    expect(r.backend).toBe('x/solo');
    expectRefused((await plane.connect(client, [to('10.96.0.21', 70)]))[0]);
  });

  it('fault policy-skips-same-node: a denied same-node connection gets through, other nodes are still judged', async () => {
    await apply([denyIngress('web')], ['policy-skips-same-node']);
    expect((await plane.connect(client, [to('10.244.1.2', 8080)]))[0].outcome).toBe('delivered');
    expectRefused((await plane.connect(remote, [to('10.244.1.2', 8080)]))[0]);
  });
});

if (skipReason !== undefined) {
  describe('NetworkPolicy table in real namespaces', () => {
    it.skip(`skipped: ${skipReason}`, () => {});
  });
}
