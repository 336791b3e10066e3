import { describe, expect, it } from 'vitest';
import type { ClusterState, Probe } from '../../cluster/types.ts';
import { buildModel } from './model.ts';
import { deniedByPolicy } from './policy-denial.ts';

const pod = (name: string, ip: string, labels: Record<string, string>) => ({
  namespace: 'x', name, labels, nodeName: 'node-1', hostNetwork: false, ip, ready: true,
  ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' as const }],
});
const base: ClusterState = {
  namespaces: [{ name: 'x', labels: {} }],
  nodes: [{ name: 'node-1', podCIDR: '10.244.1.0/24', internalIP: '172.18.0.2' }],
  pods: [pod('client', '10.244.1.2', {}), pod('web', '10.244.1.3', { app: 'web' })],
  services: [
    { namespace: 'x', name: 'web', type: 'ClusterIP', clusterIP: '10.96.0.20', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }], sessionAffinity: 'None', publishNotReadyAddresses: false, internalTrafficPolicy: 'Cluster' },
    { namespace: 'x', name: 'none', type: 'ClusterIP', clusterIP: '10.96.0.21', selector: { app: 'nothing' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }], sessionAffinity: 'None', publishNotReadyAddresses: false, internalTrafficPolicy: 'Cluster' },
  ],
  policies: [],
};
const denyAll: ClusterState = { ...base, policies: [{ namespace: 'x', name: 'deny', podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'], ingress: [] }] };
const from = { kind: 'pod' as const, namespace: 'x', name: 'client' };
const toWeb = (port: number): Probe => ({ from, to: { kind: 'pod', namespace: 'x', name: 'web' }, port, protocol: 'TCP' });

describe('deniedByPolicy: only NetworkPolicy denials are judged against a CNI profile', () => {
  it('an ingress policy selecting the target denies by policy, directly and through its Service', () => {
    const m = buildModel(denyAll);
    expect(deniedByPolicy(m.predict(toWeb(8080)))).toBe(true);
    expect(deniedByPolicy(m.predict({ from, to: { kind: 'service', namespace: 'x', name: 'web' }, port: 80, protocol: 'TCP' }))).toBe(true);
  });

  it('a port nobody listens on is refused by the kernel, not policy', () => {
    const p = buildModel(base).predict(toWeb(9999));
    expect(p.verdict).toBe('deny');
    expect(deniedByPolicy(p)).toBe(false);
  });

  it('a Service with no endpoints is rejected by kube-proxy, not policy', () => {
    const p = buildModel(base).predict({ from, to: { kind: 'service', namespace: 'x', name: 'none' }, port: 80, protocol: 'TCP' });
    expect(p.verdict).toBe('deny');
    expect(deniedByPolicy(p)).toBe(false);
  });

  it('an allowed probe is no denial', () => {
    expect(deniedByPolicy(buildModel(base).predict(toWeb(8080)))).toBe(false);
  });
});
