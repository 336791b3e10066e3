// What a step changed, by kind: the key under which its time-to-enforce samples are reported.
import { describe, expect, it } from 'vitest';
import type { ClusterState } from '../cluster/types.ts';
import { changeKinds } from './change-kind.ts';

const base = (): ClusterState => ({
  namespaces: [{ name: 'x', labels: { team: 'a' } }],
  nodes: [{ name: 'node-1', internalIP: '172.18.0.2', podCIDR: '10.244.0.0/24' }],
  pods: [
    { namespace: 'x', name: 'a', labels: { app: 'web', tier: 'front' }, nodeName: 'node-1', hostNetwork: false, ports: [{ containerPort: 80, protocol: 'TCP' }], ip: '10.244.0.2', ready: true },
    { namespace: 'x', name: 'b', labels: {}, nodeName: 'node-1', hostNetwork: false, ports: [{ containerPort: 80, protocol: 'TCP' }], ip: '10.244.0.3', ready: true },
  ],
  services: [],
  policies: [],
});

describe('changeKinds', () => {
  it('on the first apply, the pods are new, with the Services and policies the state has', () => {
    expect(changeKinds(undefined, base())).toEqual(['pods']);
    const s = base();
    s.policies.push({ namespace: 'x', name: 'p', podSelector: {}, ingress: [] } as unknown as ClusterState['policies'][number]);
    expect(changeKinds(undefined, s)).toEqual(['policies', 'pods']);
  });

  it('the same state again is no change, whatever order its labels are written in', () => {
    const after = base();
    after.pods[0].labels = { tier: 'front', app: 'web' };
    expect(changeKinds(base(), after)).toEqual([]);
  });

  it('names each kind a step changed, in report order', () => {
    const after = base();
    after.pods[1].labels = { app: 'web' };
    after.pods[0].ready = false;
    after.namespaces[0].labels = {};
    after.policies.push({ namespace: 'x', name: 'p', podSelector: {}, ingress: [] } as unknown as ClusterState['policies'][number]);
    expect(changeKinds(base(), after)).toEqual(['policies', 'pod-labels', 'namespace-labels', 'readiness']);
  });

  it('a pod with another node, IP or ports, added or removed, is a pod change, not a label change', () => {
    const moved = base();
    moved.pods[1] = { ...moved.pods[1], ip: '10.244.0.9', labels: { app: 'web' } };
    expect(changeKinds(base(), moved)).toEqual(['pods']);
    const fewer = base();
    fewer.pods.pop();
    expect(changeKinds(base(), fewer)).toEqual(['pods']);
  });

  it('a Service added, or its ports changed, is a Service change', () => {
    const svc = { namespace: 'x', name: 's', type: 'ClusterIP', clusterIP: '10.96.0.20', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }] } as unknown as ClusterState['services'][number];
    const withSvc = { ...base(), services: [svc] };
    expect(changeKinds(base(), withSvc)).toEqual(['services']);
    const other = { ...base(), services: [{ ...svc, ports: [{ port: 81, targetPort: 80, protocol: 'TCP' }] }] } as ClusterState;
    expect(changeKinds(withSvc, other)).toEqual(['services']);
  });
});
