import { describe, expect, it } from 'vitest';
import type { ClusterState } from '../../cluster/types.ts';
import { buildModel } from './model.ts';
import { expectedSource, isNodeAddress, sourceAgrees } from './source-seen.ts';

const state: ClusterState = {
  namespaces: [],
  nodes: [
    { name: 'node-1', podCIDR: '10.244.1.0/24', internalIP: '172.18.0.2' },
    { name: 'node-2', podCIDR: '10.244.2.0/24', internalIP: '172.18.0.3' },
  ],
  pods: [
    { namespace: 'x', name: 'a', labels: {}, nodeName: 'node-1', ip: '10.244.1.5', hostNetwork: false, ports: [{ containerPort: 80, protocol: 'TCP' }], ready: true },
    { namespace: 'x', name: 'b', labels: {}, nodeName: 'node-2', ip: '10.244.2.5', hostNetwork: false, ports: [{ containerPort: 80, protocol: 'TCP' }], ready: true },
    { namespace: 'x', name: 'h', labels: {}, nodeName: 'node-1', ip: '172.18.0.2', hostNetwork: true, ports: [], ready: true },
  ],
  services: [],
  policies: [],
};
const model = buildModel(state);
const delivery = (from: string, to: string) => {
  const [kind, name] = from.split(':');
  const probeFrom = kind === 'node' ? { kind: 'node' as const, name } : { kind: 'pod' as const, namespace: 'x', name: from };
  return model.predict({ from: probeFrom, to: { kind: 'pod', namespace: 'x', name: to }, port: 80, protocol: 'TCP' }).deliveries[0];
};

describe('the source a receiver sees', () => {
  it("a node's addresses: its InternalIP and what it holds in its podCIDR, never a pod's IP or another node's", () => {
    const node1 = state.nodes[0];
    expect(isNodeAddress(state, node1, '172.18.0.2')).toBe(true);
    expect(isNodeAddress(state, node1, '10.244.1.1')).toBe(true);
    expect(isNodeAddress(state, node1, '10.244.1.5')).toBe(false);
    expect(isNodeAddress(state, node1, '172.18.0.3')).toBe(false);
    expect(isNodeAddress(state, node1, '10.244.2.1')).toBe(false);
  });

  it('a node sender may be seen with any address of that node, on its own node and across nodes', () => {
    for (const to of ['a', 'b']) {
      const d = delivery('node:node-1', to);
      expect(d.sourceNode).toBe('node-1');
      expect(d.sourceSeen).toBe('172.18.0.2');
      expect(sourceAgrees(state, d, '172.18.0.2')).toBe(true);
      expect(sourceAgrees(state, d, '10.244.1.1')).toBe(true);
      expect(sourceAgrees(state, d, '10.244.1.5')).toBe(false);
      expect(sourceAgrees(state, d, '172.18.0.3')).toBe(false);
    }
    expect(expectedSource(state, delivery('node:node-1', 'b'))).toBe('an address of node node-1 (172.18.0.2, or one it holds in 10.244.1.0/24)');
  });

  it("a hostNetwork pod sends with its node's stack, so it is judged as its node", () => {
    const d = delivery('h', 'b');
    expect(d.sourceNode).toBe('node-1');
    expect(sourceAgrees(state, d, '10.244.1.1')).toBe(true);
  });

  it("a pod sender is seen with its own IP only (no NAT), not its node's", () => {
    const d = delivery('a', 'b');
    expect(d.sourceNode).toBeUndefined();
    expect(sourceAgrees(state, d, '10.244.1.5')).toBe(true);
    expect(sourceAgrees(state, d, '172.18.0.2')).toBe(false);
    expect(sourceAgrees(state, d, '10.244.1.1')).toBe(false);
    expect(expectedSource(state, d)).toBe('10.244.1.5');
  });
});
