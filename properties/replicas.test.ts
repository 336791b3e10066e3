// Replicas keep the state valid: unique names per namespace, unique pod IPs, each inside its node's
// pod CIDR, and copies identical to their original but for name, node and IP.
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { podKey } from '../cluster/types.ts';
import { clusterCase } from '../generators/cluster.ts';
import { asNodePorts } from './nodeport-reachable.ts';
import { replicaCounts, withReplicas } from './replicas.ts';

describe('withReplicas', () => {
  it('adds the drawn number of copies of each ordinary pod, each with a unique name and a unique IP in its node pod CIDR', () => {
    fc.assert(
      fc.property(clusterCase({ policies: false }), replicaCounts(6), (c, counts) => {
        const state = withReplicas(c.state, counts);
        const expected = c.state.pods.reduce((n, p, i) => n + (p.hostNetwork ? 0 : (counts[i] ?? 0)), 0);
        expect(state.pods.length - c.state.pods.length).toBe(expected);
        expect(new Set(state.pods.map(podKey)).size).toBe(state.pods.length);
        const ordinary = state.pods.filter((p) => !p.hostNetwork);
        expect(new Set(ordinary.map((p) => p.ip)).size).toBe(ordinary.length);
        for (const p of ordinary) {
          const node = state.nodes.find((n) => n.name === p.nodeName)!;
          expect(ipaddr.IPv4.parse(p.ip).match(ipaddr.IPv4.parseCIDR(node.podCIDR))).toBe(true);
        }
        for (const copy of state.pods.slice(c.state.pods.length)) {
          const original = c.state.pods.find((p) => copy.name.startsWith(`${p.name}-`) && p.namespace === copy.namespace)!;
          expect({ ...copy, name: '', nodeName: '', ip: '' }).toEqual({ ...original, name: '', nodeName: '', ip: '' });
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('asNodePorts', () => {
  it('makes every Service with a ClusterIP a NodePort Service, with nodePorts unique and in the default range', () => {
    fc.assert(
      fc.property(clusterCase({ policies: false }), (c) => {
        const state = asNodePorts(c.state);
        const ports = state.services.flatMap((s) => s.ports.flatMap((p) => (p.nodePort === undefined ? [] : [p.nodePort])));
        expect(new Set(ports).size).toBe(ports.length);
        for (const p of ports) expect(p >= 30000 && p <= 32767).toBe(true);
        for (const s of state.services) if (s.clusterIP !== 'None') expect(s.type).toBe('NodePort');
      }),
      { numRuns: 200 },
    );
  });
});
