import { describe, it, expect } from 'vitest';
import type { ClusterState, Service } from '../../cluster/types.ts';
import { digAnswers, digCommand, expectedServiceRecords } from './service-dns.ts';

const svc = (over: Partial<Service>): Service => ({
  namespace: 'x', name: 's', type: 'ClusterIP', clusterIP: '10.96.0.10', selector: { app: 'web' },
  ports: [{ port: 80, targetPort: 'http', protocol: 'TCP' }], sessionAffinity: 'None', publishNotReadyAddresses: false, internalTrafficPolicy: 'Cluster', ...over,
});
const pod = (name: string, ip: string, ready: boolean, named = true) => ({
  namespace: 'x', name, labels: { app: 'web' }, nodeName: 'n1', hostNetwork: false,
  ports: named ? [{ name: 'http', containerPort: 8080, protocol: 'TCP' as const }] : [{ containerPort: 8080, protocol: 'TCP' as const }], ip, ready,
});
const state = (services: Service[]): ClusterState => ({
  namespaces: [{ name: 'x', labels: {} }], nodes: [{ name: 'n1', podCIDR: '10.244.1.0/24', internalIP: '172.18.0.3' }],
  pods: [pod('a', '10.244.1.3', true), pod('b', '10.244.1.2', true), pod('c', '10.244.1.4', false), pod('d', '10.244.1.5', true, false)],
  services, policies: [],
});

describe('expectedServiceRecords (Kubernetes DNS specification)', () => {
  it('a ClusterIP Service name is its ClusterIP', () => {
    const s = svc({});
    expect(expectedServiceRecords(state([s]), s)).toEqual(['10.96.0.10']);
  });
  it('a headless Service name is its ready endpoints (a pod without the named port is no endpoint)', () => {
    const s = svc({ clusterIP: 'None' });
    expect(expectedServiceRecords(state([s]), s)).toEqual(['10.244.1.2', '10.244.1.3']);
  });
  it('publishNotReadyAddresses adds the not-ready ones', () => {
    const s = svc({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(expectedServiceRecords(state([s]), s)).toEqual(['10.244.1.2', '10.244.1.3', '10.244.1.4']);
  });
  it('a selector-less headless Service has no records', () => {
    const s = svc({ clusterIP: 'None', selector: undefined });
    expect(expectedServiceRecords(state([s]), s)).toEqual([]);
  });
});

describe('dig', () => {
  it('asks for the A record through the search path, without assuming the cluster domain', () => {
    expect(digCommand('web', 'x-np-1', 2)).toEqual(['dig', '+short', '+search', '+time=2', '+tries=1', 'A', 'web.x-np-1.svc']);
  });
  it('reads the addresses of +short output, skipping CNAMEs and errors', () => {
    expect(digAnswers('10.244.1.3\n10.244.1.2\n')).toEqual(['10.244.1.2', '10.244.1.3']);
    expect(digAnswers('alias.example.\n10.96.0.10\n')).toEqual(['10.96.0.10']);
    expect(digAnswers(';; connection timed out; no servers could be reached\n')).toEqual([]);
    expect(digAnswers('')).toEqual([]);
  });
});
