import { describe, expect, it } from 'vitest';
import { nodeChangeScripts, nodeScripts, vtepAddress, vtepMac } from './nodes.ts';
import { kernelRun } from './run.ts';
import { NODES } from './kernel-test-state.ts';

const run = kernelRun('abc123');

describe('nodeScripts', () => {
  it('puts every node on the underlay bridge of the run, with its InternalIP', () => {
    const s = nodeScripts(run, NODES, 'host-gw');
    expect(s.underlay).toContain('link add npabc123u type bridge');
    expect(s.underlay).toContain('link add npabc123n1 type veth peer name npabc123e netns np-abc123-n1');
    expect(s.ip[1]).toContain('addr add 172.18.0.3/32 dev npabc123e');
  });

  it('host-gw: routes each remote podCIDR via that node, and none to its own', () => {
    const s = nodeScripts(run, NODES, 'host-gw');
    expect(s.ip[0]).toContain('route add 10.244.2.0/24 via 172.18.0.3 dev npabc123e onlink');
    expect(s.ip[0]).toContain('route add 10.244.3.0/24 via 172.18.0.4 dev npabc123e onlink');
    expect(s.ip[0].some((l) => l.includes('10.244.1.0/24'))).toBe(false);
    expect(Object.values(s.bridge).flat()).toEqual([]);
  });

  it('vxlan: flannel-style VNI 1 on port 8472 without learning, MTU 1450, static neighbour and FDB entry per remote node', () => {
    const s = nodeScripts(run, NODES, 'vxlan');
    expect(s.ip[0]).toContain('link add npabc123v type vxlan id 1 dstport 8472 local 172.18.0.2 dev npabc123e nolearning');
    expect(s.ip[0]).toContain(`link set npabc123v address ${vtepMac(0)} mtu 1450 up`);
    expect(s.ip[0]).toContain('route add 10.244.2.0/24 via 10.244.2.0 dev npabc123v onlink src 172.18.0.2');
    expect(s.ip[0]).toContain(`neigh add 10.244.2.0 lladdr ${vtepMac(1)} dev npabc123v nud permanent`);
    expect(s.bridge[0]).toEqual([`fdb append ${vtepMac(1)} dev npabc123v dst 172.18.0.3`, `fdb append ${vtepMac(2)} dev npabc123v dst 172.18.0.4`]);
  });

  it('gives each node a distinct VTEP MAC and the podCIDR network address as VTEP address', () => {
    expect(new Set([0, 1, 2, 256].map(vtepMac)).size).toBe(4);
    expect(vtepAddress(NODES[1])).toBe('10.244.2.0');
  });

  it('keeps every link name within the kernel limit of 15 characters', () => {
    const s = nodeScripts(kernelRun('ffffff'), NODES, 'vxlan');
    const names = [...s.underlay, ...Object.values(s.ip).flat()].flatMap((l) => [...l.matchAll(/\b(np[0-9a-f]{6}\w*)/g)].map((m) => m[1]));
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) expect(n.length).toBeLessThanOrEqual(15);
  });

  it('on a node change, kept nodes learn the added node and forget the removed one; only the added one is wired', () => {
    const [n1, n2, n3] = NODES;
    const kept = [{ node: n1, serial: 0 }];
    const s = nodeChangeScripts(run, kept, [{ node: n3, serial: 5 }], [{ node: n2, serial: 1 }], 'vxlan');
    expect(s.underlay).toEqual([
      // the removed node leaves the underlay at once, whenever its namespace is freed
      'link del npabc123n1',
      'link add npabc123n5 type veth peer name npabc123e netns np-abc123-n5',
      'link set npabc123n5 master npabc123u up',
    ]);
    expect(s.ip[0]).toEqual([
      'neigh del 10.244.2.0 dev npabc123v',
      'route del 10.244.2.0/24',
      'route del 172.18.0.3/32 dev npabc123e',
      'route add 172.18.0.4/32 dev npabc123e',
      'route add 10.244.3.0/24 via 10.244.3.0 dev npabc123v onlink src 172.18.0.2',
      `neigh add 10.244.3.0 lladdr ${vtepMac(5)} dev npabc123v nud permanent`,
    ]);
    expect(s.bridge[0]).toEqual([`fdb del ${vtepMac(1)} dev npabc123v dst 172.18.0.3`, `fdb append ${vtepMac(5)} dev npabc123v dst 172.18.0.4`]);
    // The new node routes to the kept one only.
    expect(s.ip[5].filter((l) => l.startsWith('route add 10.244.'))).toEqual(['route add 10.244.1.0/24 via 10.244.1.0 dev npabc123v onlink src 172.18.0.4']);
    expect(s.ip[1]).toBeUndefined();
  });
});
