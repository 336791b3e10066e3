import { describe, expect, it } from 'vitest';
import type { ClusterState, Pod, Probe, Service } from '../cluster/types.ts';
import { buildModel } from '../harness/model/model.ts';
import { caseStatistics, classifyCase, reachableEndpoints } from './stats.ts';

const pod = (name: string, labels: Pod['labels'], nodeName: string, ip: string, extra: Partial<Pod> = {}): Pod => ({
  namespace: 'x', name, labels, nodeName, hostNetwork: false, ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }], ip, ready: true, ...extra,
});
const service = (name: string, selector: Service['selector'], extra: Partial<Service> = {}): Service => ({
  namespace: 'x', name, type: 'ClusterIP', clusterIP: `10.96.0.${10 + name.length}`, selector, ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }],
  sessionAffinity: 'None', publishNotReadyAddresses: false, internalTrafficPolicy: 'Cluster', ...extra,
});

const state: ClusterState = {
  namespaces: [{ name: 'x', labels: {} }],
  nodes: [
    { name: 'node-1', podCIDR: '10.244.1.0/24', internalIP: '172.18.0.2' },
    { name: 'node-2', podCIDR: '10.244.2.0/24', internalIP: '172.18.0.3' },
  ],
  pods: [
    pod('a', { app: 'web' }, 'node-1', '10.244.1.2'),
    pod('b', { app: 'client' }, 'node-1', '10.244.1.3'),
    pod('c', { app: 'web' }, 'node-2', '10.244.2.2'),
    pod('d', { app: 'web' }, 'node-2', '10.244.2.3', { ready: false }),
    pod('h', { app: 'host' }, 'node-2', '172.18.0.3', { hostNetwork: true }),
  ],
  services: [
    service('svc-a', { app: 'web' }), // endpoints a and c (d is not ready)
    service('svc-bb', { app: 'none' }), // no endpoints
    service('svc-ccc', { app: 'web' }, { internalTrafficPolicy: 'Local' }), // from node-1: a only
  ],
  policies: [
    { namespace: 'x', name: 'isolate-b', podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Ingress'] },
    { namespace: 'x', name: 'selects-nothing', podSelector: { matchLabels: { app: 'db' } } },
    // hostNetwork pods are never isolated, so selecting only one is selecting nothing
    { namespace: 'x', name: 'selects-host', podSelector: { matchLabels: { app: 'host' } } },
  ],
};
const from = (name: string): Probe['from'] => ({ kind: 'pod', namespace: 'x', name });
const probes: Probe[] = [
  { from: from('a'), to: { kind: 'pod', namespace: 'x', name: 'b' }, port: 80, protocol: 'TCP' }, // deny: b is isolated
  { from: from('b'), to: { kind: 'pod', namespace: 'x', name: 'a' }, port: 80, protocol: 'TCP' }, // allow
  { from: { kind: 'node', name: 'node-2' }, to: { kind: 'pod', namespace: 'x', name: 'b' }, port: 80, protocol: 'TCP' }, // undefined: another node
  { from: from('b'), to: { kind: 'service', namespace: 'x', name: 'svc-a' }, port: 80, protocol: 'TCP' }, // allow, 2 endpoints
  { from: from('b'), to: { kind: 'service', namespace: 'x', name: 'svc-bb' }, port: 80, protocol: 'TCP' }, // deny, 0 endpoints
  { from: from('b'), to: { kind: 'service', namespace: 'x', name: 'svc-ccc' }, port: 80, protocol: 'TCP' }, // allow, 1 endpoint
];

describe('caseStatistics', () => {
  it('counts policies selecting a pod (hostNetwork pods do not count), verdicts, and Service probes by endpoints', () => {
    expect(caseStatistics({ state, probes }, buildModel(state))).toEqual({
      policies: 3,
      policiesSelectingAPod: 1,
      probes: { allow: 3, deny: 2, undefined: 1 },
      serviceProbes: { '0 endpoints': 1, '1 endpoint': 1, 'several endpoints': 1 },
    });
  });

  it('counts the endpoints kube-proxy programs for the client: ready ones, on its node under Local', () => {
    expect(probes.map((p) => reachableEndpoints(state, p))).toEqual([undefined, undefined, undefined, 2, 0, 1]);
    // from node-2, the Local Service has c there
    expect(reachableEndpoints(state, { ...probes[5], from: { kind: 'node', name: 'node-2' } })).toBe(1);
    // a Service port that does not exist reaches nothing
    expect(reachableEndpoints(state, { ...probes[3], port: 81 })).toBe(0);
    // a NodePort on a node IP is a Service probe too
    const withNodePort: ClusterState = { ...state, services: [{ ...state.services[0], type: 'NodePort', ports: [{ port: 80, targetPort: 80, protocol: 'TCP', nodePort: 30000 }] }] };
    expect(reachableEndpoints(withNodePort, { from: from('b'), to: { kind: 'ip', ip: '172.18.0.3' }, port: 30000, protocol: 'TCP' })).toBe(2);
  });

  it('labels a case with each class it shows, for fast-check statistics', () => {
    // A stand-in model: pods allowed, everything else denied.
    const fake = { predict: (p: Probe) => ({ verdict: p.to.kind === 'pod' ? ('allow' as const) : ('deny' as const) }) };
    expect(classifyCase({ state, probes }, fake).sort()).toEqual(
      ['a policy selects a pod', 'probe allow', 'probe deny', 'Service probe, 0 endpoints', 'Service probe, 1 endpoint', 'Service probe, several endpoints'].sort(),
    );
    expect(classifyCase({ state: { ...state, policies: [] }, probes: probes.slice(0, 1) }, fake)).toEqual(['probe allow']);
  });
});
