import { describe, expect, it } from 'vitest';
import type { ClusterState, Observation, Probe } from '../cluster/types.ts';
import { settledStep, type CheckContext } from '../harness/record.ts';
import { serviceSpreads, triesFor } from './service-spreads.ts';

describe('triesFor', () => {
  it.each([2, 3, 6, 12])('makes missing one of %i uniformly picked endpoints less likely than 1e-9', (k) => {
    const n = triesFor(k);
    expect(k * ((k - 1) / k) ** n).toBeLessThan(1e-9);
    // and not wastefully more: one try fewer would not be enough
    expect(k * ((k - 1) / k) ** (n - 1)).toBeGreaterThanOrEqual(1e-9);
  });
});

describe('service-spreads judges only connections that name their endpoint', () => {
  const pod = (name: string, ip: string, labels: Record<string, string>) => ({
    namespace: 'x', name, labels, nodeName: 'node-1', hostNetwork: false, ip, ready: true,
    ports: [{ name: 'dns', containerPort: 5353, protocol: 'UDP' as const }],
  });
  const state: ClusterState = {
    namespaces: [{ name: 'x', labels: {} }],
    nodes: [{ name: 'node-1', podCIDR: '10.244.1.0/24', internalIP: '172.18.0.2' }],
    pods: [pod('client', '10.244.1.2', {}), pod('b1', '10.244.1.3', { app: 'web' }), pod('b2', '10.244.1.4', { app: 'web' })],
    services: [{ namespace: 'x', name: 'svc', type: 'ClusterIP', clusterIP: '10.96.0.20', selector: { app: 'web' }, ports: [{ port: 53, targetPort: 5353, protocol: 'UDP' }], sessionAffinity: 'None', publishNotReadyAddresses: false, internalTrafficPolicy: 'Cluster' }],
    policies: [],
  };
  const probe: Probe = { from: { kind: 'pod', namespace: 'x', name: 'client' }, to: { kind: 'service', namespace: 'x', name: 'svc' }, port: 53, protocol: 'UDP' };
  const probes = Array.from({ length: triesFor(2) }, () => probe);
  const ctxWith = (observation: (i: number) => Observation): CheckContext => ({
    steps: [settledStep({ state, probes, observations: probes.map((_, i) => observation(i)) })],
  });
  const at = (name: string): Observation => ({ outcome: 'delivered', replyFrom: '10.96.0.20', backend: { namespace: 'x', name, port: 5353 } });

  it('deliveries that name no backend (agnhost connect over UDP) are not judged: nothing found, nothing counted', () => {
    const ctx = ctxWith(() => ({ outcome: 'delivered', replyFrom: '10.96.0.20' }));
    expect(serviceSpreads.check(ctx)).toEqual([]);
    expect(serviceSpreads.judged!(ctx)).toBe(0);
  });

  it('every delivery at one of two endpoints is a failure naming the missed one', () => {
    const ctx = ctxWith(() => at('b1'));
    expect(serviceSpreads.judged!(ctx)).toBe(probes.length);
    expect(serviceSpreads.check(ctx).map((f) => f.message)).toEqual([`x/client -> svc:x/svc:53/UDP: ${probes.length} connections never reached x/b2:5353`]);
  });

  it('deliveries spread over both endpoints pass', () => {
    const ctx = ctxWith((i) => at(i % 2 ? 'b1' : 'b2'));
    expect(serviceSpreads.check(ctx)).toEqual([]);
    expect(serviceSpreads.judged!(ctx)).toBe(probes.length);
  });
});
