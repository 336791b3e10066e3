// The Service rules kube-proxy really follows (issue 11), each against the upstream source it
// encodes: the EndpointSlice controller's podToEndpoint, kube-proxy's CategorizeEndpoints
// (pkg/proxy/topology.go), its informer's service-proxy-name filter, externalTrafficPolicy Local,
// and the NetworkPolicy rule that an egress-isolated pod reaches only what a rule admits.
import { describe, expect, it } from 'vitest';
import { buildModel } from './model.ts';
import { chooseEndpoints, serviceEndpoints, type Endpoint } from './endpoints.ts';
import { cluster, pod, policy, probe, service } from './test-cluster.ts';
import type { ClusterState } from '../../cluster/types.ts';

const backends = (state: ClusterState, from: string, to: string, port: number | string = 80, fault?: string) =>
  buildModel(state, fault ? { fault } : {}).predict(probe(from, to, port)).deliveries.map((d) => d.backend?.name).sort();

const client = pod('y/client', { nodeName: 'node-2' });
const ready = pod('x/ready', { labels: { app: 'web' } });
const leaving = pod('x/leaving', { labels: { app: 'web' }, terminating: true, nodeName: 'node-2' });
const web = service('x/web', { selector: { app: 'web' } });

describe('podToEndpoint (endpointslice controller): a terminating pod is serving, not ready', () => {
  it('ready = serving && !terminating; serving = the pod is Ready; terminating = deletionTimestamp set', () => {
    const [port] = serviceEndpoints(cluster({ pods: [ready, leaving, { ...leaving, name: 'gone', ready: false }] }), web);
    expect(port!.endpoints.map((e) => [e.pod?.name, e.ready, e.serving, e.terminating])).toEqual([
      ['ready', true, true, false],
      ['leaving', false, true, true],
      ['gone', false, false, true],
    ]);
  });

  it('publishNotReadyAddresses makes every endpoint ready, terminating ones too', () => {
    const [port] = serviceEndpoints(cluster({ pods: [leaving] }), { ...web, publishNotReadyAddresses: true });
    expect(port!.endpoints[0]).toMatchObject({ ready: true, terminating: true });
  });
});

describe('CategorizeEndpoints: serving terminating endpoints only when there is no ready one', () => {
  const ep = (name: string, conditions: Partial<Endpoint>, nodeName = 'node-1'): Endpoint => ({ pod: { namespace: 'x', name }, ip: `10.0.0.${name.length}`, port: 80, ready: false, serving: false, terminating: false, hostNetwork: false, nodeName, ...conditions });
  const r = ep('r', { ready: true, serving: true });
  const t = ep('tt', { serving: true, terminating: true });
  const dead = ep('ddd', { terminating: true });
  const names = (eps: Endpoint[]) => eps.map((e) => e.pod!.name);

  it('Cluster policy: the ready endpoints; with none, the serving terminating ones; never a terminating one that is not serving', () => {
    expect(names(chooseEndpoints([r, t, dead]).endpoints)).toEqual(['r']);
    expect(names(chooseEndpoints([t, dead]).endpoints)).toEqual(['tt']);
    expect(chooseEndpoints([dead])).toEqual({ endpoints: [], hasAnyEndpoints: false });
  });

  it('Local policy: the same choice among the node\'s own endpoints; ready ones elsewhere do not stop the local fallback', () => {
    const tLocal = { ...t, nodeName: 'node-2' };
    expect(names(chooseEndpoints([r, tLocal], { localNode: 'node-2' }).endpoints)).toEqual(['tt']);
    expect(chooseEndpoints([r], { localNode: 'node-2' })).toEqual({ endpoints: [], hasAnyEndpoints: true });
  });

  it('through the model: the ready backend while there is one, the terminating one when it is alone (not with the fault)', () => {
    expect(backends(cluster({ pods: [ready, leaving, client], services: [web] }), 'y/client', 'svc:x/web')).toEqual(['ready']);
    expect(backends(cluster({ pods: [leaving, client], services: [web] }), 'y/client', 'svc:x/web')).toEqual(['leaving']);
    expect(backends(cluster({ pods: [leaving, client], services: [web] }), 'y/client', 'svc:x/web', 80, 'no-terminating-fallback')).toEqual([]);
  });
});

describe('EndpointSlices of a Service without a selector', () => {
  const ext = service('x/ext', { ports: [{ name: 'http', port: 80, targetPort: 80, protocol: 'TCP' }] });
  const slice = (endpoints: { address: string; ready: boolean; serving: boolean; terminating: boolean }[], name = 'ext-1', portName = 'http') =>
    ({ namespace: 'x', name, serviceName: 'ext', ports: [{ name: portName, port: 8080, protocol: 'TCP' as const }], endpoints });

  it('kube-proxy takes the slices labelled with the Service name, matching ports by name and protocol; an address of a pod is that pod', () => {
    const state = { ...cluster({ pods: [ready, client], services: [ext] }), endpointSlices: [slice([{ address: ready.ip, ready: true, serving: true, terminating: false }]), slice([{ address: '10.1.1.1', ready: true, serving: true, terminating: false }], 'other', 'metrics')] };
    const [port] = serviceEndpoints(state, ext);
    expect(port!.endpoints.map((e) => [e.pod?.name, e.ip, e.port])).toEqual([['ready', ready.ip, 8080]]);
    expect(buildModel(state).predict(probe('y/client', 'svc:x/ext')).verdict).toBe('deny'); // ready serves 80, not 8080: refused
  });

  it('an address that is no pod of the state is outside the model: the verdict is undefined, unless egress isolation denies it', () => {
    const state = { ...cluster({ pods: [client], services: [ext] }), endpointSlices: [slice([{ address: '203.0.113.5', ready: true, serving: true, terminating: false }])] };
    expect(buildModel(state).predict(probe('y/client', 'svc:x/ext')).verdict).toBe('undefined');
    const isolated = { ...state, policies: [policy('y/deny-egress', { policyTypes: ['Egress'] })] };
    expect(buildModel(isolated).predict(probe('y/client', 'svc:x/ext')).verdict).toBe('deny');
  });

  it('with no slice, kube-proxy rejects: no endpoints', () => {
    expect(buildModel(cluster({ pods: [client], services: [ext] })).predict(probe('y/client', 'svc:x/ext'))).toMatchObject({ verdict: 'deny', failure: { outcome: 'refused' } });
  });
});

// cmd/kube-proxy/app/server.go: kube-proxy's Service and EndpointSlice informers select only objects
// without the label service.kubernetes.io/service-proxy-name (a DoesNotExist requirement). No model
// fault: the rule makes a verdict undefined, and no property judges an undefined verdict.
describe("kube-proxy ignores Services labelled service.kubernetes.io/service-proxy-name (its informer's label selector)", () => {
  // No model fault stands for this rule: its only verdict is 'undefined', which no property judges.
  it('what answers is up to that other proxy: undefined, where the same Service unlabelled is allowed', () => {
    const state = cluster({ pods: [ready, client], services: [{ ...web, serviceProxyName: 'other-proxy' }] });
    expect(buildModel(state).predict(probe('y/client', 'svc:x/web')).verdict).toBe('undefined');
    expect(buildModel(cluster({ pods: [ready, client], services: [web] })).predict(probe('y/client', 'svc:x/web')).verdict).toBe('allow');
  });
});

// pkg/proxy/topology.go CategorizeEndpoints: for external traffic with policy Local only the node's
// own endpoints; the client address is not masqueraded (fault external-local-as-cluster).
describe('externalTrafficPolicy Local on a NodePort Service', () => {
  const np = { ...web, type: 'NodePort' as const, externalTrafficPolicy: 'Local' as const, ports: [{ port: 80, targetPort: 80, protocol: 'TCP' as const, nodePort: 30080 }] };
  const state = cluster({ pods: [ready, client], services: [np] });
  const nodePort = (from: string, nodeIP: string) => buildModel(state).predict({ ...probe(from, `ip:${nodeIP}`), port: 30080 });

  it('from another node: only the dialled node\'s endpoints, with the client\'s address kept (no masquerade)', () => {
    expect(nodePort('node:node-2', '172.18.0.2')).toMatchObject({ verdict: 'allow', deliveries: [{ backend: { name: 'ready' }, sourceSeen: '172.18.0.3' }] });
    expect(nodePort('node:node-1', '172.18.0.3')).toMatchObject({ verdict: 'deny', failure: { outcome: 'timeout' } });
  });

  it('from the dialled node itself: every endpoint (kube-proxy short-circuits local traffic to the Service chain)', () => {
    const s = cluster({ pods: [{ ...ready, nodeName: 'node-2' }, client], services: [np] });
    expect(buildModel(s).predict({ ...probe('node:node-1', 'ip:172.18.0.2'), port: 30080 }).verdict).toBe('allow');
  });

  it("from a pod of another node: kube-proxy's --detect-local-mode decides, so undefined when the two choices differ", () => {
    expect(nodePort('y/client', '172.18.0.2').verdict).toBe('allow');
    expect(buildModel(cluster({ pods: [{ ...ready, nodeName: 'node-2' }, pod('y/c1', { nodeName: 'node-2' })], services: [np] })).predict({ ...probe('y/c1', 'ip:172.18.0.2'), port: 30080 }).verdict).toBe('undefined');
  });
});

// NetworkPolicy API (networking/v1 NetworkPolicySpec.egress): a pod isolated for egress may send
// only what some egress rule allows, to any destination, the cluster's outside included (ipBlock
// peers name such addresses); the fault ignore-egress breaks it.
describe('egress from an egress-isolated pod to an address outside the cluster', () => {
  const dnsOnly = policy('y/dns-only', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ protocol: 'UDP', port: 53 }] }] });
  const predict = (state: ClusterState, port = 443) => buildModel(state).predict(probe('y/client', 'ip:93.184.216.34', port)).verdict;

  it('is denied when no rule admits it ("deny all egress except DNS" is assertable); left open otherwise', () => {
    expect(predict(cluster({ pods: [client], policies: [dnsOnly] }))).toBe('deny');
    expect(predict(cluster({ pods: [client] }))).toBe('undefined');
    expect(predict(cluster({ pods: [client], policies: [policy('y/out', { policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '93.184.216.0/24' } }] }] })] }))).toBe('undefined');
    expect(predict(cluster({ pods: [client], policies: [policy('y/out', { policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['93.184.216.0/24'] } }] }] })] }))).toBe('deny');
  });
});
