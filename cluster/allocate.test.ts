// Allocation as the API server and IPAM do it: implicit `default` namespace, nodes from pods'
// nodeNames, round-robin scheduling, host-local pod IPs from .2, hostNetwork pods on the node IP,
// ClusterIPs from the service CIDR, nodePorts from 30000-32767.
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { CaseFileError } from './errors.ts';
import { allocate, type RawClusterState, type RawPod, type RawService } from './allocate.ts';
import { clusterCase } from '../generators/cluster.ts';

const pod = (name: string, more: Partial<RawPod> = {}): RawPod => ({ namespace: 'default', name, labels: {}, hostNetwork: false, ports: [], ready: true, ...more });
const service = (name: string, more: Partial<RawService> = {}): RawService => ({
  namespace: 'default', name, type: 'ClusterIP', ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }],
  sessionAffinity: 'None', publishNotReadyAddresses: false, internalTrafficPolicy: 'Cluster', ...more,
});
const state = (more: Partial<RawClusterState>): RawClusterState => ({ namespaces: [], nodes: [], pods: [], services: [], policies: [], ...more });
const problem = (raw: RawClusterState): string => {
  try {
    allocate(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(CaseFileError);
    return (err as Error).message;
  }
  throw new Error('allocate accepted the state');
};

describe('allocate: namespaces', () => {
  it('the default namespace exists implicitly, and only appears when something uses it', () => {
    expect(allocate(state({ pods: [pod('a')] })).namespaces).toEqual([{ name: 'default', labels: {} }]);
    expect(allocate(state({ namespaces: [{ name: 'x', labels: {} }] })).namespaces).toEqual([{ name: 'x', labels: {} }]);
  });
  it('any other namespace must be declared', () => {
    expect(problem(state({ services: [service('s', { namespace: 'x' })] }))).toMatch(/Service x\/s\): metadata.namespace: namespace 'x' is not declared/);
  });
});

describe('allocate: nodes', () => {
  it('no nodes at all: one node-1 with 10.244.1.0/24 and 172.18.0.2', () => {
    expect(allocate(state({})).nodes).toEqual([{ name: 'node-1', podCIDR: '10.244.1.0/24', internalIP: '172.18.0.2' }]);
  });
  it('nodes named by pods exist, in order of first appearance, after the declared ones', () => {
    const s = allocate(state({ nodes: [{ name: 'd', podCIDR: '10.10.0.0/24', internalIP: '10.20.0.1' }], pods: [pod('a', { nodeName: 'z' }), pod('b', { nodeName: 'y' }), pod('c', { nodeName: 'z' })] }));
    expect(s.nodes).toEqual([
      { name: 'd', podCIDR: '10.10.0.0/24', internalIP: '10.20.0.1' },
      { name: 'z', podCIDR: '10.244.1.0/24', internalIP: '172.18.0.2' },
      { name: 'y', podCIDR: '10.244.2.0/24', internalIP: '172.18.0.3' },
    ]);
  });
  it('allocation skips a k whose CIDR is already used', () => {
    const s = allocate(state({ nodes: [{ name: 'a', podCIDR: '10.244.1.0/24', internalIP: '172.18.0.9' }, { name: 'b', internalIP: '172.18.0.3' }], pods: [pod('p', { nodeName: 'c' })] }));
    expect(s.nodes).toEqual([
      { name: 'a', podCIDR: '10.244.1.0/24', internalIP: '172.18.0.9' },
      { name: 'b', podCIDR: '10.244.2.0/24', internalIP: '172.18.0.3' },
      { name: 'c', podCIDR: '10.244.3.0/24', internalIP: '172.18.0.4' },
    ]);
  });
  it('allocation skips a k whose InternalIP is already used', () => {
    const s = allocate(state({ nodes: [{ name: 'a', podCIDR: '10.50.0.0/24', internalIP: '172.18.0.2' }], pods: [pod('p', { nodeName: 'c' })] }));
    expect(s.nodes[1]).toEqual({ name: 'c', podCIDR: '10.244.2.0/24', internalIP: '172.18.0.3' });
  });
  it('a podCIDR overlapping the service CIDR, or an InternalIP inside a podCIDR, is refused', () => {
    expect(problem(state({ nodes: [{ name: 'a', podCIDR: '10.96.0.0/24' }] }))).toMatch(/Node a\): spec.podCIDR: '10.96.0.0\/24' overlaps the service CIDR/);
    expect(problem(state({ nodes: [{ name: 'a', podCIDR: '10.1.0.0/24' }, { name: 'b', internalIP: '10.1.0.7' }] }))).toMatch(/InternalIP 10.1.0.7 lies in Node a's podCIDR/);
  });
});

describe('allocate: pods', () => {
  it('pods without nodeName are scheduled round-robin over the nodes, in document order', () => {
    const s = allocate(state({ nodes: [{ name: 'a' }, { name: 'b' }], pods: [pod('p1'), pod('p2', { nodeName: 'a' }), pod('p3'), pod('p4')] }));
    expect(s.pods.map((p) => p.nodeName)).toEqual(['a', 'a', 'b', 'a']);
  });
  it('pod IPs come from the node podCIDR, from .2 up, skipping given ones', () => {
    const s = allocate(state({ nodes: [{ name: 'a', podCIDR: '10.1.0.0/24', internalIP: '192.168.0.1' }], pods: [pod('p1'), pod('p2', { ip: '10.1.0.3' }), pod('p3'), pod('p4')] }));
    expect(s.pods.map((p) => p.ip)).toEqual(['10.1.0.2', '10.1.0.3', '10.1.0.4', '10.1.0.5']);
  });
  it('a hostNetwork pod has its node IP', () => {
    const s = allocate(state({ pods: [pod('h', { hostNetwork: true }), pod('p')] }));
    expect(s.pods.map((p) => p.ip)).toEqual(['172.18.0.2', '10.244.1.2']);
  });
  it('a full podCIDR is an error naming the node', () => {
    const pods = Array.from({ length: 6 }, (_, i) => pod(`p${i}`));
    expect(problem(state({ nodes: [{ name: 'a', podCIDR: '10.1.0.0/29' }], pods }))).toMatch(/Pod default\/p5\): status.podIP: node a's podCIDR 10.1.0.0\/29 has no free address left/);
  });
  it('two pods with one IP is an error naming both', () => {
    expect(problem(state({ pods: [pod('a', { ip: '10.244.1.9' }), pod('b', { ip: '10.244.1.9' })] }))).toMatch(/Pod default\/b.*10.244.1.9 is also pod default\/a's/);
  });
  it('does not change its input', () => {
    const raw = state({ pods: [pod('a')], services: [service('s', { type: 'NodePort' })] });
    const copy = structuredClone(raw);
    allocate(raw);
    expect(raw).toEqual(copy);
  });
});

describe('allocate: Services', () => {
  it('ClusterIPs are allocated from 10.96.0.10 up, skipping given ones; None stays headless', () => {
    const s = allocate(state({ services: [service('a'), service('b', { clusterIP: '10.96.0.11' }), service('c', { clusterIP: 'None' }), service('d')] }));
    expect(s.services.map((x) => x.clusterIP)).toEqual(['10.96.0.10', '10.96.0.11', 'None', '10.96.0.12']);
  });
  it('NodePort Services get nodePorts from 30000 up, skipping given ones; ClusterIP Services get none', () => {
    const s = allocate(state({
      services: [
        service('a', { type: 'NodePort', ports: [{ name: 'x', port: 80, targetPort: 80, protocol: 'TCP' }, { name: 'y', port: 81, targetPort: 81, protocol: 'TCP', nodePort: 30001 }] }),
        service('b', { type: 'NodePort' }),
        service('c'),
      ],
    }));
    expect(s.services.map((x) => x.ports.map((p) => p.nodePort))).toEqual([[30000, 30001], [30002], [undefined]]);
    expect('nodePort' in s.services[2]!.ports[0]!).toBe(false);
  });
  it('a nodePort may serve TCP and UDP of one Service, but belongs to one Service', () => {
    const both = service('a', { type: 'NodePort', ports: [{ name: 't', port: 53, targetPort: 53, protocol: 'TCP', nodePort: 30053 }, { name: 'u', port: 53, targetPort: 53, protocol: 'UDP', nodePort: 30053 }] });
    expect(allocate(state({ services: [both] })).services[0]!.ports.map((p) => p.nodePort)).toEqual([30053, 30053]);
    expect(problem(state({ services: [both, service('b', { type: 'NodePort', ports: [{ port: 1, targetPort: 1, protocol: 'UDP', nodePort: 30053 }] })] }))).toMatch(/already allocated to Service default\/a/);
  });
});

describe('allocate: properties', () => {
  it('on a complete state (every field given), allocation changes nothing', () => {
    fc.assert(fc.property(clusterCase(), ({ state: s }) => void expect(allocate(s)).toEqual(s)), { numRuns: 150 });
  }, 120_000);

  it('with IPs, ClusterIPs and nodePorts left out: pod IPs unique and inside their node CIDR, hostNetwork on the node IP, ClusterIPs and nodePorts unique', () => {
    fc.assert(
      fc.property(clusterCase(), ({ state: s }) => {
        const raw: RawClusterState = {
          ...s,
          pods: s.pods.map(({ ip: _ip, ...p }) => p),
          services: s.services.map(({ clusterIP, ...x }) => ({ ...x, ...(clusterIP === 'None' ? { clusterIP } : {}), ports: x.ports.map(({ nodePort: _n, ...p }) => p) })),
        };
        const out = allocate(raw);
        const nodes = new Map(out.nodes.map((n) => [n.name, n]));
        const podIPs = out.pods.filter((p) => !p.hostNetwork).map((p) => p.ip);
        expect(new Set(podIPs).size).toBe(podIPs.length);
        for (const p of out.pods) {
          const node = nodes.get(p.nodeName)!;
          if (p.hostNetwork) expect(p.ip).toBe(node.internalIP);
          else expect(ipaddr.IPv4.parse(p.ip).match(ipaddr.IPv4.parseCIDR(node.podCIDR))).toBe(true);
        }
        const clusterIPs = out.services.map((x) => x.clusterIP).filter((ip) => ip !== 'None');
        expect(new Set(clusterIPs).size).toBe(clusterIPs.length);
        for (const ip of clusterIPs) expect(ipaddr.IPv4.parse(ip).match(ipaddr.IPv4.parseCIDR('10.96.0.0/16'))).toBe(true);
        const nodePorts = out.services.flatMap((x) => [...new Set(x.ports.flatMap((p) => (p.nodePort === undefined ? [] : [p.nodePort])))]);
        expect(new Set(nodePorts).size).toBe(nodePorts.length);
        for (const x of out.services) for (const p of x.ports) expect(p.nodePort !== undefined).toBe(x.type === 'NodePort');
      }),
      { numRuns: 150 },
    );
  }, 120_000);
});

describe('allocate: limits', () => {
  it('when no 10.244.<k>.0/24 is left for a node, the error names that node', () => {
    const pods = Array.from({ length: 255 }, (_, i) => pod(`p${i}`, { nodeName: `n${i}` }));
    expect(problem(state({ pods }))).toMatch(/\(Node n254\): no free 10.244.<k>.0\/24 podCIDR/);
  });
});
