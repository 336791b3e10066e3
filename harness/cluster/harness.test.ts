// The cluster harness driven end to end against the in-process fake API server: ordering, the pod
// universe, readiness toggles, enforcement waiting, stale classification, the concurrency limit and
// cleanup. The fake's "network" is scripted per test; the reference model supplies the verdicts.
import { describe, it, expect, afterEach } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ClusterState, NetworkPolicy, Probe } from '../../cluster/types.ts';
import { EnvironmentError, PrerequisiteError, UsageError } from '../../cluster/errors.ts';
import { FakeApiServer, tunnelAddress, type ExecCall, type ExecReply } from './fake-apiserver.ts';
import { createClusterHarness, type ClusterHarness } from './harness.ts';
import { execute } from '../execute.ts';
import { RUN_LABEL } from './run-names.ts';
import { deliveredReply, failedReply, probeTarget } from './agnhost-answer.fixture.ts';
import { gcCluster } from './gc.ts';
import { createApiClient } from './api-client.ts';
import { RENEW_TIME_ANNOTATION, leaseVerdict } from './run-lease.ts';

let server: FakeApiServer | undefined;
let harness: ClusterHarness | undefined;
let dir: string | undefined;
afterEach(async () => {
  await harness?.teardown();
  harness = undefined;
  await server?.stop();
  server = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

const state = (over: Partial<ClusterState> = {}): ClusterState => ({
  namespaces: [{ name: 'x', labels: { ns: 'x' } }, { name: 'y', labels: { ns: 'y' } }],
  nodes: [
    { name: 'node-1', podCIDR: '10.244.1.0/24', internalIP: '192.168.0.1' },
    { name: 'node-2', podCIDR: '10.244.2.0/24', internalIP: '192.168.0.2' },
  ],
  pods: [
    { namespace: 'x', name: 'web', labels: { app: 'web' }, nodeName: 'node-1', hostNetwork: false, ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }], ip: '10.244.1.5', ready: true },
    { namespace: 'y', name: 'client', labels: { app: 'client' }, nodeName: 'node-2', hostNetwork: false, ports: [{ containerPort: 80, protocol: 'TCP' }], ip: '10.244.2.5', ready: true },
  ],
  services: [{ namespace: 'x', name: 'web', type: 'ClusterIP', clusterIP: '10.96.0.99', selector: { app: 'web' }, ports: [{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }], sessionAffinity: 'None', publishNotReadyAddresses: false, internalTrafficPolicy: 'Cluster' }],
  policies: [],
  ...over,
});

const denyAllIngressToWeb: NetworkPolicy = { namespace: 'x', name: 'deny-web', podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] };
const toWeb: Probe = { from: { kind: 'pod', namespace: 'y', name: 'client' }, to: { kind: 'pod', namespace: 'x', name: 'web' }, port: 80, protocol: 'TCP' };
const toWebService: Probe = { from: { kind: 'pod', namespace: 'y', name: 'client' }, to: { kind: 'service', namespace: 'x', name: 'web' }, port: 8080, protocol: 'TCP' };

/** A scripted network: `allowed(call)` decides; a delivered connect answers the HTTP follow-up like agnhost. */
function network(server: () => FakeApiServer, allowed: (call: ExecCall, dest: string) => boolean, delayMs = 0) {
  return (call: ExecCall): ExecReply => {
    const m = probeTarget(call.command);
    if (!m) return { exitCode: 126, stderr: `unexpected ${call.command.join(' ')}` };
    const dest = `${m.host}:${m.port}`;
    if (!allowed(call, dest)) return failedReply(m, 'timeout', delayMs);
    const client = server().get('Pod', call.namespace, call.pod);
    const clientIP = (client?.status as { podIP: string } | undefined)?.podIP ?? '';
    return deliveredReply(m, { hostname: 'web', clientIP }, delayMs);
  };
}

async function profile(text: string): Promise<string> {
  dir ??= await mkdtemp(path.join(tmpdir(), 'netprops-profile-'));
  const file = path.join(dir, 'profile.yaml');
  await writeFile(file, `kind: CNIProfile\nname: test\n${text}`);
  return file;
}

async function start(options: ConstructorParameters<typeof FakeApiServer>[0] = {}, settings: Record<string, unknown> = {}) {
  server = await new FakeApiServer(options).start();
  dir ??= await mkdtemp(path.join(tmpdir(), 'netprops-kc-'));
  const kubeconfig = path.join(dir, 'config');
  await writeFile(kubeconfig, server.kubeConfigYAML());
  harness = await createClusterHarness({ runId: 'np-test1', settings: { kubeconfig, ...settings } }, { signals: false });
  return harness;
}

describe('createClusterHarness', () => {
  it('with no reachable cluster: one EnvironmentError line (exit 3)', async () => {
    const s = await new FakeApiServer().start();
    dir = await mkdtemp(path.join(tmpdir(), 'netprops-kc-'));
    const kubeconfig = path.join(dir, 'config');
    await writeFile(kubeconfig, s.kubeConfigYAML());
    await s.stop();
    const err = await createClusterHarness({ settings: { kubeconfig } }, { signals: false }).catch((e) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect(err.message).toMatch(/^cannot reach the cluster at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    expect(err.message).not.toContain('\n');
  });

  it('refuses --fault (a real cluster brings its own faults)', async () => {
    await expect(createClusterHarness({ fault: 'no-hairpin' }, { signals: false })).rejects.toBeInstanceOf(UsageError);
  });
});

describe('cluster harness apply', () => {
  it('creates the run\'s namespaces, node agents and pods, and returns the addresses the cluster assigned', async () => {
    const h = await start();
    const applied = await h.apply(state());
    const nss = server!.list('Namespace').map((n) => n.metadata.name).sort();
    expect(nss).toEqual(['netprops-nodes-np-test1', 'x-np-test1', 'y-np-test1']);
    for (const n of server!.list('Namespace')) expect(n.metadata.labels?.[RUN_LABEL]).toBe('np-test1');
    // Case nodes map onto the untainted workers; each gets a hostNetwork agent.
    const agents = server!.list('Pod', 'netprops-nodes-np-test1');
    expect(agents.map((a) => (a.spec as { nodeName: string }).nodeName).sort()).toEqual(['kind-worker', 'kind-worker2']);
    expect(agents.every((a) => (a.spec as { hostNetwork: boolean }).hostNetwork)).toBe(true);
    // Pod IPs, node addresses and the ClusterIP are the cluster's, not the case's.
    const web = applied.state.pods.find((p) => p.name === 'web')!;
    expect(web.ip).toBe((server!.get('Pod', 'x-np-test1', 'web')!.status as { podIP: string }).podIP);
    expect(web.ip).not.toBe('10.244.1.5');
    expect(applied.state.nodes.map((n) => n.internalIP)).toEqual(['172.18.0.3', '172.18.0.4']);
    expect(applied.state.services[0].clusterIP).toBe((server!.get('Service', 'x-np-test1', 'web')!.spec as { clusterIP: string }).clusterIP);
    // Each pod's own address, read inside it (ip addr on eth0), is reported for self-ip-is-seen-ip.
    expect(applied.interfaceIPs).toEqual(Object.fromEntries(applied.state.pods.map((p) => [`${p.namespace}/${p.name}`, p.ip])));
    // Every write was a server-side apply by the netprops field manager, namespaces before their contents.
    const patches = server!.requests.filter((r) => r.method === 'PATCH');
    expect(patches.every((r) => r.contentType === 'application/apply-patch+yaml' && r.fieldManager === 'netprops')).toBe(true);
    const firstPod = patches.findIndex((r) => r.path === '/api/v1/namespaces/x-np-test1/pods/web');
    const nsX = patches.findIndex((r) => r.path === '/api/v1/namespaces/x-np-test1');
    expect(nsX).toBeGreaterThanOrEqual(0);
    expect(nsX).toBeLessThan(firstPod);
  });

  it('a second case over the same pods only relabels, toggles readiness and swaps policies: no pod is recreated', async () => {
    const h = await start();
    await h.apply(state({ policies: [denyAllIngressToWeb] }));
    const before = server!.requests.length;
    const next = state();
    next.pods[0] = { ...next.pods[0], labels: { app: 'web', tier: 'front' }, ready: false };
    await h.apply(next);
    const later = server!.requests.slice(before);
    expect(later.filter((r) => r.method === 'DELETE' && r.path.includes('/pods/'))).toEqual([]);
    expect(later.some((r) => r.method === 'DELETE' && r.path === '/apis/networking.k8s.io/v1/namespaces/x-np-test1/networkpolicies/deny-web')).toBe(true);
    expect(server!.get('Pod', 'x-np-test1', 'web')!.metadata.labels).toEqual({ app: 'web', tier: 'front' });
    expect(server!.execCalls.map((c) => c.command.join(' '))).toContain('/bin/sh -c touch /tmp/netprops-not-ready');
    // Interfaces were read when the pods were created, not again for a relabel.
    expect(server!.execCalls.filter((c) => c.command.join(' ') === 'ip -4 -o addr show dev eth0')).toHaveLength(2);
    // And each node's addresses once, by its agent.
    expect(server!.execCalls.filter((c) => c.command.join(' ') === 'ip -4 -o addr show')).toHaveLength(2);
    expect(server!.isReady('x-np-test1', 'web')).toBe(false);
  });

  it('tells how the case\'s addresses map onto the cluster\'s (readdress)', async () => {
    const h = await start();
    const wanted = state({ services: [{ ...state().services[0], type: 'NodePort', ports: [{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP', nodePort: 30007 }] }] });
    const applied = await h.apply(wanted);
    const real = server!.get('Service', 'x-np-test1', 'web')!.spec as { clusterIP: string; ports: { nodePort: number }[] };
    expect(applied.readdress).toEqual({
      podIPs: { '10.244.1.5': applied.state.pods[0].ip, '10.244.2.5': applied.state.pods[1].ip },
      nodeIPs: { '192.168.0.1': '172.18.0.3', '192.168.0.2': '172.18.0.4' },
      clusterIPs: { '10.96.0.99': real.clusterIP },
      nodePorts: { 'TCP/30007': real.ports[0].nodePort },
    });
    expect(applied.state.services[0].ports[0].nodePort).toBe(real.ports[0].nodePort);
  });

  it('turning a headless Service into a ClusterIP one deletes it first (clusterIP is immutable)', async () => {
    const h = await start();
    await h.apply(state({ services: [{ ...state().services[0], clusterIP: 'None' }] }));
    expect((server!.get('Service', 'x-np-test1', 'web')!.spec as { clusterIP: string }).clusterIP).toBe('None');
    const before = server!.requests.length;
    await h.apply(state());
    const later = server!.requests.slice(before).map((r) => `${r.method} ${r.path}`);
    const del = later.indexOf('DELETE /api/v1/namespaces/x-np-test1/services/web');
    expect(del).toBeGreaterThanOrEqual(0);
    expect(later.indexOf('PATCH /api/v1/namespaces/x-np-test1/services/web')).toBeGreaterThan(del);
    expect((server!.get('Service', 'x-np-test1', 'web')!.spec as { clusterIP: string }).clusterIP).not.toBe('None');
  });

  it('a policy that leaves policyTypes to defaulting is created anew when the default changes (the server keeps a defaulted value on update)', async () => {
    const h = await start();
    const egressTo80: NetworkPolicy = { namespace: 'x', name: 'p', podSelector: {}, egress: [{ ports: [{ port: 80, protocol: 'TCP' }] }] };
    const types = () => (server!.get('NetworkPolicy', 'x-np-test1', 'p')!.spec as { policyTypes: string[] }).policyTypes;
    await h.apply(state({ policies: [egressTo80] }));
    expect(types()).toEqual(['Ingress', 'Egress']);
    // egress: [] defaults to [Ingress] on a new object; applied over the old one it would stay isolated for egress.
    const before = server!.requests.length;
    await h.apply(state({ policies: [{ ...egressTo80, ingress: [], egress: [] }] }));
    const later = server!.requests.slice(before).map((r) => `${r.method} ${r.path}`);
    const path = '/apis/networking.k8s.io/v1/namespaces/x-np-test1/networkpolicies/p';
    expect(later.indexOf(`PATCH ${path}`)).toBeGreaterThan(later.indexOf(`DELETE ${path}`));
    expect(later.indexOf(`DELETE ${path}`)).toBeGreaterThanOrEqual(0);
    expect(types()).toEqual(['Ingress']);
    // A change that keeps the default is an update in place.
    const again = server!.requests.length;
    await h.apply(state({ policies: [{ ...egressTo80, ingress: [{}], egress: [] }] }));
    expect(server!.requests.slice(again).some((r) => r.method === 'DELETE' && r.path === path)).toBe(false);
    expect(types()).toEqual(['Ingress']);
  });

  it('a namespace a case drops is emptied but kept until teardown (a Terminating one could not come back)', async () => {
    const h = await start();
    await h.apply(state());
    const onlyX = state();
    onlyX.namespaces = onlyX.namespaces.filter((n) => n.name === 'x');
    onlyX.pods = onlyX.pods.filter((p) => p.namespace === 'x');
    await h.apply(onlyX);
    expect(server!.get('Namespace', undefined, 'y-np-test1')).toBeDefined();
    // Deleted: gone, or terminating (a graceful delete), none left running.
    expect(server!.list('Pod', 'y-np-test1').filter((p) => !p.metadata.deletionTimestamp)).toEqual([]);
    await h.apply(state());
    expect(server!.list('Pod', 'y-np-test1').map((p) => p.metadata.deletionTimestamp)).toEqual([undefined]);
  });

  it('a pod dropped by one case and drawn again by the next is created only once the old one is gone', async () => {
    const h = await start();
    await h.apply(state());
    const without = state();
    without.pods = without.pods.filter((p) => p.name !== 'web');
    await h.apply(without);
    const before = server!.requests.length;
    await h.apply(state());
    const later = server!.requests.slice(before).map((r) => `${r.method} ${r.path}`);
    const listed = later.indexOf('GET /api/v1/namespaces/x-np-test1/pods');
    expect(listed).toBeGreaterThanOrEqual(0);
    expect(later.indexOf('PATCH /api/v1/namespaces/x-np-test1/pods/web')).toBeGreaterThan(listed);
  });

  it('a pod whose ports changed is deleted and created again', async () => {
    const h = await start();
    await h.apply(state());
    const next = state();
    next.pods[0] = { ...next.pods[0], ports: [{ containerPort: 81, protocol: 'TCP' }] };
    const before = server!.requests.length;
    await h.apply(next);
    const later = server!.requests.slice(before);
    const del = later.findIndex((r) => r.method === 'DELETE' && r.path === '/api/v1/namespaces/x-np-test1/pods/web');
    const create = later.findIndex((r) => r.method === 'PATCH' && r.path === '/api/v1/namespaces/x-np-test1/pods/web');
    expect(del).toBeGreaterThanOrEqual(0);
    expect(create).toBeGreaterThan(del);
  });

  it('a recreated pod is created only once the old one has terminated, and the new one is not removed with it', async () => {
    const h = await start({ podStopMs: 400 });
    await h.apply(state());
    const oldUid = server!.get('Pod', 'x-np-test1', 'web')!.metadata.uid;
    const next = state();
    next.pods[0] = { ...next.pods[0], ports: [{ containerPort: 81, protocol: 'TCP' }] };
    const startedAt = performance.now();
    await h.apply(next);
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(350);
    await new Promise((r) => setTimeout(r, 500));
    const now = server!.get('Pod', 'x-np-test1', 'web')!;
    expect(now.metadata.uid).not.toBe(oldUid);
    expect(now.metadata.deletionTimestamp).toBeUndefined();
    expect((now.spec as { containers: { ports: { containerPort: number }[] }[] }).containers[0].ports[0].containerPort).toBe(81);
  });

  it('pods that never start fail the apply with one line naming them, and teardown still removes everything', async () => {
    const h = await start({ podStartMs: 60_000 }, { podTimeoutSeconds: 1 });
    const err = await h.apply(state()).catch((e) => e);
    expect(err).toBeInstanceOf(PrerequisiteError);
    expect(err.message).toMatch(/^pods not running as the case needs after 1s: .*\(Pending\)/);
    await h.teardown();
    expect(server!.list('Namespace')).toEqual([]);
  });

  it('a case with more nodes than the cluster has is a PrerequisiteError', async () => {
    const h = await start({ nodes: [{ name: 'solo', internalIP: '172.18.0.2' }] });
    await expect(h.apply(state())).rejects.toThrow(/the case needs 2 nodes but the cluster .* has 1 Ready nodes/);
  });

  it('a Service that loses its selector is created anew, once the controllers have removed its Endpoints and EndpointSlices', async () => {
    // Upstream's controllers leave what they made when the selector goes (kubernetes#91072): an
    // update in place would leave kube-proxy routing to the old selector's pods.
    const h = await start({ endpointsCleanupMs: 300 });
    await h.apply(state());
    const uid = server!.get('Service', 'x-np-test1', 'web')!.metadata.uid;
    expect(server!.get('Endpoints', 'x-np-test1', 'web')).toBeDefined();
    expect(server!.list('EndpointSlice', 'x-np-test1')).toHaveLength(1);
    const before = server!.requests.length;
    const selectorless = state();
    selectorless.services = [{ ...selectorless.services[0], selector: undefined }];
    await h.apply(selectorless);
    expect(server!.get('Service', 'x-np-test1', 'web')!.metadata.uid).not.toBe(uid);
    expect(server!.get('Endpoints', 'x-np-test1', 'web')).toBeUndefined();
    expect(server!.list('EndpointSlice', 'x-np-test1')).toEqual([]);
    const later = server!.requests.slice(before);
    const deleted = later.find((r) => r.method === 'DELETE' && r.path === '/api/v1/namespaces/x-np-test1/services/web')!;
    const created = later.find((r) => r.method === 'PATCH' && r.path === '/api/v1/namespaces/x-np-test1/services/web')!;
    expect(created.at - deleted.at).toBeGreaterThanOrEqual(300);
    // A selector-less Service kept as it is is not recreated.
    const uid2 = server!.get('Service', 'x-np-test1', 'web')!.metadata.uid;
    await h.apply(selectorless);
    expect(server!.get('Service', 'x-np-test1', 'web')!.metadata.uid).toBe(uid2);
  });

  it('a headless Service without a selector that gains one is created anew: the stored RequireDualStack default refuses an update on a single-stack cluster', async () => {
    // Upstream defaults a headless, selector-less Service to RequireDualStack with both families on
    // any cluster (kubernetes#104986); nothing owns that default, so adding a selector in place is
    // refused (422) by a single-stack API server, as the fake is.
    const h = await start();
    const headless = (selector: Record<string, string> | undefined) => state({ services: [{ ...state().services[0], clusterIP: 'None', selector }] });
    await h.apply(headless(undefined));
    const stored = server!.get('Service', 'x-np-test1', 'web')!;
    expect(stored.spec).toMatchObject({ ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'] });
    await h.apply(headless({ app: 'web' }));
    const recreated = server!.get('Service', 'x-np-test1', 'web')!;
    expect(recreated.metadata.uid).not.toBe(stored.metadata.uid);
    expect(recreated.spec).toMatchObject({ selector: { app: 'web' }, ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'] });
    // The fake refuses the in-place update as the real server does.
    const client = createApiClient(server!.kubeConfig());
    const inPlace = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'other', namespace: 'x-np-test1' }, spec: { clusterIP: 'None', ports: [{ port: 80, protocol: 'TCP' }] } };
    await client.apply(inPlace);
    const err = await client.apply({ ...inPlace, spec: { ...inPlace.spec, selector: { app: 'web' } } }).catch((e) => e);
    expect(String(err.message)).toContain('(422): Service "other" is invalid: [spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services');
  });

  it('endpoints the controllers never remove: one EnvironmentError line naming them', async () => {
    let t = 0;
    const clock = { now: () => t, sleep: async (ms: number) => { t += ms; await new Promise((r) => setImmediate(r)); } };
    server = await new FakeApiServer({ endpointsCleanupMs: 600_000 }).start();
    dir ??= await mkdtemp(path.join(tmpdir(), 'netprops-kc-'));
    const kubeconfig = path.join(dir, 'config');
    await writeFile(kubeconfig, server.kubeConfigYAML());
    harness = await createClusterHarness({ runId: 'np-test1', settings: { kubeconfig } }, { signals: false, clock });
    await harness.apply(state());
    const selectorless = state();
    selectorless.services = [{ ...selectorless.services[0], selector: undefined }];
    const err = await harness.apply(selectorless).catch((e) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect(err.message).toBe('Endpoints web, EndpointSlice web-fake in namespace x-np-test1 still exist 60 s after Service web was deleted: is kube-controller-manager running?');
  });
});

describe('cluster harness probes', () => {
  it('reports a delivered connection with the source IP netexec saw and the reply address', async () => {
    const h = await start({ exec: (call, s) => network(() => s, () => true)(call) });
    const srv: FakeApiServer = server!;
    const applied = await h.apply(state());
    const [obs] = await h.probe([toWeb]);
    const client = applied.state.pods.find((p) => p.name === 'client')!;
    const web = applied.state.pods.find((p) => p.name === 'web')!;
    expect(obs).toEqual({ outcome: 'delivered', replyFrom: web.ip, sourceSeen: client.ip, backend: { namespace: 'x', name: 'web', port: 80 } });
    const call = srv.execCalls.at(-1)!;
    expect(call).toMatchObject({ namespace: 'y-np-test1', pod: 'client', container: 'agnhost' });
  });

  it('a Service probe names the backend that answered, on its resolved targetPort', async () => {
    const h = await start({ exec: (call, s) => network(() => s, () => true)(call) });
    const applied = await h.apply(state());
    const [obs] = await h.probe([toWebService]);
    const client = applied.state.pods.find((p) => p.name === 'client')!;
    expect(obs).toEqual({ outcome: 'delivered', replyFrom: applied.state.services[0].clusterIP, sourceSeen: client.ip, backend: { namespace: 'x', name: 'web', port: 80 } });
  });

  it('offers no SCTP where the CNI profile says the nodes have no SCTP sockets, so no case draws an SCTP port', async () => {
    const without = await start({}, { cniProfile: await profile('deniedAs: [timeout]\nsctp: false\n') });
    expect(without.capabilities.has('sctp')).toBe(false);
    expect(without.capabilities.has('udp')).toBe(true);
    await without.teardown();
    const withSctp = await start({}, { cniProfile: await profile('deniedAs: [timeout]\n') });
    expect(withSctp.capabilities.has('sctp')).toBe(true);
  });

  it('declares the CNI profile\'s deadline as its settling, and probes each probe once', async () => {
    const h = await start({ exec: (call, s) => network(() => s, () => true)(call) }, { cniProfile: await profile('deniedAs: [timeout]\nenforcementDeadlineSeconds: 5\nretryIntervalMs: 50\n') });
    expect(h.settling).toMatchObject({ deadlineMs: 5000, retryIntervalMs: 50, deniedAs: ['timeout'], profile: 'test' });
    await h.apply(state({ policies: [denyAllIngressToWeb] }));
    const before = server!.execCalls.length;
    const [obs] = await h.probe([toWeb]);
    // Not enforced, and not waited for here: execute() does the waiting.
    expect(obs.outcome).toBe('delivered');
    expect(server!.execCalls.length - before).toBe(1);
  });

  it('execute() waits until a new deny policy is enforced, keeping every attempt, and records the time it took', async () => {
    let enforcedAt = Infinity;
    const h = await start(
      {
        exec: (call, s) => {
          // The CNI takes 400 ms from the first probe to program the policy.
          if (probeTarget(call.command) && enforcedAt === Infinity) enforcedAt = performance.now() + 400;
          return network(() => s, () => performance.now() < enforcedAt)(call);
        },
      },
      { cniProfile: await profile('deniedAs: [timeout]\nenforcementDeadlineSeconds: 5\nretryIntervalMs: 50\n') },
    );
    const { steps: [run] } = await execute(h, { steps: [{ state: state({ policies: [denyAllIngressToWeb] }), probes: [toWeb] }] });
    expect(run.observations[0].outcome).toBe('timeout');
    expect(run.attempts[0].length).toBeGreaterThan(2);
    expect(run.attempts[0][0].observation.outcome).toBe('delivered');
    expect(run.attempts[0].at(-1)!.observation.outcome).toBe('timeout');
    expect(run.attempts[0].map((a) => a.atMs)).toEqual([...run.attempts[0].map((a) => a.atMs)].sort((a, b) => a - b));
    expect(run.timeToEnforceMs[0]).toBeGreaterThanOrEqual(400);
    expect(run.timeToEnforceMs[0]).toBeLessThan(3000);
    expect(run.stale).toEqual([null]);
  });

  it('a policy never enforced is a stale allow at the deadline (a record field)', async () => {
    const h = await start(
      { exec: (call, s) => network(() => s, () => true)(call) },
      { cniProfile: await profile('deniedAs: [timeout]\nenforcementDeadlineSeconds: 1\nretryIntervalMs: 100\n') },
    );
    const t0 = performance.now();
    const { steps: [run] } = await execute(h, { steps: [{ state: state({ policies: [denyAllIngressToWeb] }), probes: [toWeb] }] });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(500);
    expect(run.observations[0].outcome).toBe('delivered');
    expect(run.observations[0].detail).toMatch(/stale allow: still delivered 1\.0s after the change/);
    expect(run.stale).toEqual(['stale-allow']);
    expect(run.timeToEnforceMs).toEqual([null]);
  });

  it('an allowed connection still blocked at the deadline is a stale deny', async () => {
    const h = await start(
      { exec: (call, s) => network(() => s, () => false)(call) },
      { cniProfile: await profile('deniedAs: [timeout]\nenforcementDeadlineSeconds: 1\nretryIntervalMs: 100\n') },
    );
    const { steps: [run] } = await execute(h, { steps: [{ state: state(), probes: [toWeb] }] });
    expect(run.observations[0].outcome).toBe('timeout');
    expect(run.stale).toEqual(['stale-deny']);
  });

  it('a denial shown as REFUSED where the profile declares TIMEOUT is flagged', async () => {
    const h = await start(
      { exec: (call) => failedReply(probeTarget(call.command)!, 'refused') },
      { cniProfile: await profile('deniedAs: [timeout]\nenforcementDeadlineSeconds: 1\nretryIntervalMs: 100\n') },
    );
    const { steps: [run] } = await execute(h, { steps: [{ state: state({ policies: [denyAllIngressToWeb] }), probes: [toWeb] }] });
    expect(run.observations[0].outcome).toBe('refused');
    expect(run.observations[0].detail).toMatch(/CNI profile test declares denials as timeout/);
    expect(run.profileViolations).toEqual([0]);
  });

  it('one source\'s probes share an exec (at most 16 each), never more than --concurrency execs in flight', async () => {
    const h = await start({ exec: (call, s) => network(() => s, () => true, 30)(call) }, { concurrency: 3 });
    await h.apply(state());
    const sources: Probe['from'][] = [{ kind: 'pod', namespace: 'y', name: 'client' }, { kind: 'pod', namespace: 'x', name: 'web' }, { kind: 'node', name: 'node-1' }, { kind: 'node', name: 'node-2' }];
    const probes = sources.flatMap((from) => Array.from({ length: 6 }, () => ({ ...toWeb, from })));
    const sockets = server!.execProtocols.length;
    const t0 = performance.now();
    const observed: number[] = [];
    const obs = await h.probe(probes, (i) => observed.push(i));
    expect(obs).toHaveLength(24);
    expect(observed.sort((a, b) => a - b)).toEqual(probes.map((_, i) => i));
    expect(obs.every((o) => o.outcome === 'delivered')).toBe(true);
    // Each observation is its own probe's: the source the target saw is the prober's address.
    const client = obs[0].sourceSeen;
    expect(obs.slice(0, 6).every((o) => o.sourceSeen === client)).toBe(true);
    expect(obs[6].sourceSeen).not.toBe(client);
    expect(server!.execProtocols.length - sockets).toBe(4);
    expect(server!.peakExecs).toBe(3);
    // 4 execs of >= 30 ms, 3 at a time: at least 2 rounds.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(2 * 30);
    const many = await h.probe(Array.from({ length: 40 }, () => toWeb));
    expect(many.every((o) => o.outcome === 'delivered')).toBe(true);
    expect(server!.execProtocols.length - sockets).toBe(4 + 3);
  });

  it('a probe to a port the target does not name is unreachable without an exec', async () => {
    const h = await start({ exec: (call, s) => network(() => s, () => true)(call) });
    await h.apply(state());
    const before = server!.execCalls.length;
    const [obs] = await h.probe([{ ...toWeb, port: 'metrics' }]);
    expect(obs.outcome).toBe('unreachable');
    expect(server!.execCalls.length).toBe(before);
  });
});

describe('cluster harness: the source address of node traffic (CNI profile nodeSourceAddress)', () => {
  const fromNode: Probe = { from: { kind: 'node', name: 'node-2' }, to: { kind: 'pod', namespace: 'x', name: 'web' }, port: 80, protocol: 'TCP' };
  /** A network where node traffic leaves from the node's tunnel address (as an overlay CNI's may). */
  const tunnelled = (call: ExecCall, s: FakeApiServer): ExecReply => {
    const host = (s.get('Pod', call.namespace, call.pod)!.status as { hostIP: string; podIP: string });
    const src = call.namespace.startsWith('netprops-nodes') ? tunnelAddress(host.hostIP) : host.podIP;
    return deliveredReply(probeTarget(call.command)!, { hostname: 'web', clientIP: src });
  };

  it('any-node-address: a node\'s tunnel address counts as the node, and says so', async () => {
    const h = await start({ exec: tunnelled }, { cniProfile: await profile('deniedAs: [timeout]\nnodeSourceAddress: any-node-address\n') });
    const applied = await h.apply(state());
    const [obs] = await h.probe([fromNode]);
    expect(obs.sourceSeen).toBe(applied.state.nodes[1].internalIP);
    expect(obs.detail).toBe(`source seen as ${tunnelAddress('172.18.0.4')}, an address of node node-2 (CNI profile test: any node address)`);
  });

  it('internal-ip: the tunnel address is reported as seen', async () => {
    const h = await start({ exec: tunnelled }, { cniProfile: await profile('deniedAs: [timeout]\nnodeSourceAddress: internal-ip\n') });
    await h.apply(state());
    const [obs] = await h.probe([fromNode]);
    expect(obs.sourceSeen).toBe(tunnelAddress('172.18.0.4'));
  });

  it('a pod\'s traffic is never re-mapped, even to an address of its node (SNAT must show)', async () => {
    const snat = (call: ExecCall, s: FakeApiServer): ExecReply => {
      const hostIP = (s.get('Pod', call.namespace, call.pod)!.status as { hostIP: string }).hostIP;
      return deliveredReply(probeTarget(call.command)!, { hostname: 'web', clientIP: tunnelAddress(hostIP) });
    };
    const h = await start({ exec: snat }, { cniProfile: await profile('deniedAs: [timeout]\nnodeSourceAddress: any-node-address\n') });
    await h.apply(state());
    const [obs] = await h.probe([toWeb]);
    expect(obs.sourceSeen).toBe(tunnelAddress('172.18.0.4'));
  });
});

describe('cluster harness DNS', () => {
  it('resolves a Service name from a pod, again until cluster DNS has caught up with the Service', async () => {
    let lookups = 0;
    const h = await start(
      {
        exec: (call, s) => {
          if (call.command[0] !== 'dig') return { exitCode: 126 };
          lookups++;
          expect(call.command.at(-1)).toBe('web.x-np-test1.svc');
          expect(call).toMatchObject({ namespace: 'y-np-test1', pod: 'client' });
          // CoreDNS answers NXDOMAIN (empty) for the first two lookups, then the ClusterIP.
          const ip = (s.get('Service', 'x-np-test1', 'web')!.spec as { clusterIP: string }).clusterIP;
          return { exitCode: 0, stdout: lookups > 2 ? `web.x-np-test1.svc.cluster.local. 30 IN A ${ip}\n` : '' };
        },
      },
      { cniProfile: await profile('deniedAs: [timeout]\nenforcementDeadlineSeconds: 5\nretryIntervalMs: 20\n') },
    );
    const applied = await h.apply(state());
    expect(await h.resolveService!({ kind: 'pod', namespace: 'y', name: 'client' }, { namespace: 'x', name: 'web' })).toEqual({ ips: [applied.state.services[0].clusterIP] });
    expect(lookups).toBe(3);
  });

  it('a lookup that got no address says why, in dig\'s words: no answer at all, or the response code', async () => {
    let nx = false;
    const h = await start(
      {
        exec: (call) =>
          call.command[0] !== 'dig'
            ? { exitCode: 126 }
            : nx
              ? { exitCode: 0, stdout: ';; Got answer:\n;; ->>HEADER<<- opcode: QUERY, status: NXDOMAIN, id: 7\ncluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 5\n' }
              : { exitCode: 9, stdout: ';; connection timed out; no servers could be reached\n' },
      },
      { cniProfile: await profile('deniedAs: [timeout]\nenforcementDeadlineSeconds: 1\nretryIntervalMs: 100\n') },
    );
    await h.apply(state());
    const from = { kind: 'pod', namespace: 'y', name: 'client' } as const;
    expect(await h.resolveService!(from, { namespace: 'x', name: 'web' })).toEqual({ ips: [], unanswered: 'dig exited 9: ;; connection timed out; no servers could be reached' });
    nx = true;
    expect(await h.resolveService!(from, { namespace: 'x', name: 'web' })).toEqual({ ips: [], unanswered: 'NXDOMAIN, TTL 5 s' });
  });

  it('returns what DNS says at the deadline when it never matches', async () => {
    const h = await start(
      { exec: (call) => (call.command[0] === 'dig' ? { exitCode: 0, stdout: 'web.x-np-test1.svc.cluster.local. 0 IN A 10.1.2.3\n' } : { exitCode: 126 }) },
      { cniProfile: await profile('deniedAs: [timeout]\nenforcementDeadlineSeconds: 1\nretryIntervalMs: 100\n') },
    );
    await h.apply(state());
    expect(await h.resolveService!({ kind: 'node', name: 'node-1' }, { namespace: 'x', name: 'web' })).toEqual({ ips: ['10.1.2.3'] });
    expect(server!.execCalls.filter((c) => c.command[0] === 'dig').every((c) => c.namespace === 'netprops-nodes-np-test1' && c.pod === 'node-agent-kind-worker')).toBe(true);
  });

  it('keeps asking past the enforcement deadline while a stale cached answer still has TTL left', async () => {
    // A cache holds the Service's ClusterIP (full TTL 3 s); the Service becomes headless. The
    // cache serves the old address, its TTL counting down, past the 1 s deadline; then the fresh
    // answer. The DNS specification allows that; an answer that is still wrong at full TTL is not.
    let cachedAt: number | undefined;
    let oldIP = '';
    const h = await start(
      {
        exec: (call, s) => {
          if (call.command[0] !== 'dig') return { exitCode: 126 };
          const svc = s.get('Service', 'x-np-test1', 'web')!.spec as { clusterIP: string };
          if (cachedAt === undefined) {
            cachedAt = Date.now();
            oldIP = svc.clusterIP;
          }
          const left = Math.ceil(3 - (Date.now() - cachedAt) / 1000);
          const fresh = svc.clusterIP === 'None' ? (s.get('Pod', 'x-np-test1', 'web')!.status as { podIP: string }).podIP : svc.clusterIP;
          return { exitCode: 0, stdout: `web.x-np-test1.svc.cluster.local. ${left > 0 ? `${left} IN A ${oldIP}` : `3 IN A ${fresh}`}\n` };
        },
      },
      { cniProfile: await profile('deniedAs: [timeout]\nenforcementDeadlineSeconds: 1\nretryIntervalMs: 100\n') },
    );
    const first = await h.apply(state());
    const from = { kind: 'pod', namespace: 'y', name: 'client' } as const;
    expect(await h.resolveService!(from, { namespace: 'x', name: 'web' })).toEqual({ ips: [first.state.services[0].clusterIP] });
    const headless = state();
    headless.services = [{ ...headless.services[0], clusterIP: 'None' }];
    const applied = await h.apply(headless);
    expect(await h.resolveService!(from, { namespace: 'x', name: 'web' })).toEqual({ ips: [applied.state.pods.find((p) => p.name === 'web')!.ip] });
  });

  it('waits out a negative answer a cache took before the Service was known: the NXDOMAIN for the name in the cluster zone, read through the search list', async () => {
    // Like CoreDNS with a cache (docs/findings.md, 2026-12-07): the first lookup caches NXDOMAIN for
    // web.x-np-test1.svc.cluster.local (SOA TTL 3 s) and serves it, counting down, past the 1 s
    // deadline; then the address. dig prints every response of the search list only with
    // +showsearch; without it, only the last, for the name as given, which CoreDNS answers SERVFAIL.
    let cachedAt: number | undefined;
    const response = (question: string, status: string, records: string) =>
      `;; Got answer:\n;; ->>HEADER<<- opcode: QUERY, status: ${status}, id: 1\n;; QUESTION SECTION:\n;${question}\t\tIN\tA\n\n${records}\n`;
    const h = await start(
      {
        exec: (call, s) => {
          if (call.command[0] !== 'dig') return { exitCode: 126 };
          cachedAt ??= Date.now();
          const left = Math.ceil(3 - (Date.now() - cachedAt) / 1000);
          const soa = (ttl: number) => `;; AUTHORITY SECTION:\ncluster.local.\t\t${ttl}\tIN\tSOA\tns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 3`;
          const ip = (s.get('Service', 'x-np-test1', 'web')!.spec as { clusterIP: string }).clusterIP;
          const searched = [
            response('web.x-np-test1.svc.y-np-test1.svc.cluster.local.', 'NXDOMAIN', soa(3)),
            response('web.x-np-test1.svc.svc.cluster.local.', 'NXDOMAIN', soa(3)),
            left > 0 ? response('web.x-np-test1.svc.cluster.local.', 'NXDOMAIN', soa(left)) : response('web.x-np-test1.svc.cluster.local.', 'NOERROR', `;; ANSWER SECTION:\nweb.x-np-test1.svc.cluster.local. 3 IN A ${ip}`),
          ];
          if (left > 0) searched.push(response('web.x-np-test1.svc.', 'SERVFAIL', ''));
          return { exitCode: 0, stdout: (call.command.includes('+showsearch') ? searched : searched.slice(-1)).join('') };
        },
      },
      { cniProfile: await profile('deniedAs: [timeout]\nenforcementDeadlineSeconds: 1\nretryIntervalMs: 100\n') },
    );
    const applied = await h.apply(state());
    expect(await h.resolveService!({ kind: 'pod', namespace: 'y', name: 'client' }, { namespace: 'x', name: 'web' })).toEqual({ ips: [applied.state.services[0].clusterIP] });
  });

  it('does not wait out a wrong answer that carries the full TTL: it was taken after the change', async () => {
    const h = await start(
      { exec: (call) => (call.command[0] === 'dig' ? { exitCode: 0, stdout: 'web.x-np-test1.svc.cluster.local. 30 IN A 10.1.2.3\n' } : { exitCode: 126 }) },
      { cniProfile: await profile('deniedAs: [timeout]\nenforcementDeadlineSeconds: 2\nretryIntervalMs: 100\n') },
    );
    await h.apply(state());
    await new Promise((r) => setTimeout(r, 1100));
    const started = Date.now();
    expect(await h.resolveService!({ kind: 'pod', namespace: 'y', name: 'client' }, { namespace: 'x', name: 'web' })).toEqual({ ips: ['10.1.2.3'] });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('cluster harness teardown', () => {
  it('during an apply (Ctrl-C mid-case): everything is removed and nothing is created afterwards', async () => {
    // A slow API server: the case is still being written when teardown begins.
    const h = await start({ latencyMs: 40 }, { podTimeoutSeconds: 2 });
    const applying = h.apply(state()).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 150));
    await h.teardown();
    expect(await applying).toBeInstanceOf(Error);
    expect(server!.list('Namespace')).toEqual([]);
    await expect(h.apply(state())).rejects.toThrow(/apply after teardown/);
    expect(server!.list('Namespace')).toEqual([]);
  });

  it('deletes exactly the run\'s namespaces, and is safe to call twice', async () => {
    const h = await start({ exec: (call, s) => network(() => s, () => true)(call) });
    // Someone else's namespace must survive.
    await fetch(`${server!.url}/api/v1/namespaces/kube-system?fieldManager=kubectl`, {
      method: 'PATCH',
      headers: { authorization: 'Bearer secret', 'content-type': 'application/apply-patch+yaml' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } }),
    });
    await h.apply(state());
    await h.teardown();
    await h.teardown();
    expect(server!.list('Namespace').map((n) => n.metadata.name)).toEqual(['kube-system']);
  });
});

describe('long namespace names', () => {
  it('a case namespace of 63 characters is applied under a valid name that still carries the run id', async () => {
    const long = `n${'a'.repeat(61)}z`;
    const h = await start({ exec: (call, s) => network(() => s, () => true)(call) });
    const st = state();
    st.namespaces[0] = { name: long, labels: { ns: 'x' } };
    for (const p of st.pods) if (p.namespace === 'x') p.namespace = long;
    for (const svc of st.services) if (svc.namespace === 'x') svc.namespace = long;
    await h.apply(st);
    const names = server!.list('Namespace').map((n) => n.metadata.name);
    const mapped = names.find((n) => n.startsWith('naaa'))!;
    expect(mapped).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(mapped.length).toBe(63);
    expect(mapped.endsWith('-np-test1')).toBe(true);
    expect(server!.list('Pod', mapped).map((p) => p.metadata.name)).toEqual(['web']);
  });
});

describe('the lease a run holds on its namespaces', () => {
  it('every namespace of a live run carries a lease gc reads as held, renewed while the run goes on', async () => {
    server = await new FakeApiServer({ exec: (call, s) => network(() => s, () => true)(call) }).start();
    harness = await createClusterHarness({ runId: 'np-lease1', settings: { kubeconfig: await kubeconfigOf(server) } }, { signals: false, leaseRenewIntervalMs: 50 });
    await harness.apply(state());
    const first = new Map(server.list('Namespace').map((n) => [n.metadata.name, n.metadata.annotations![RENEW_TIME_ANNOTATION]]));
    expect([...first.keys()].sort()).toEqual(['netprops-nodes-np-lease1', 'x-np-lease1', 'y-np-lease1']);
    for (const n of server.list('Namespace')) expect(leaseVerdict(n as never, new Date()).kind).toBe('held');
    await new Promise((r) => setTimeout(r, 200));
    for (const n of server.list('Namespace')) {
      expect(Date.parse(n.metadata.annotations![RENEW_TIME_ANNOTATION])).toBeGreaterThan(Date.parse(first.get(n.metadata.name)!));
      // Renewing keeps the run's labels (the whole namespace is re-applied).
      expect(n.metadata.labels?.[RUN_LABEL]).toBe('np-lease1');
    }
    expect((await gcCluster({}, createApiClient(server.kubeConfig()))).removed).toEqual([]);
  });
});

async function kubeconfigOf(s: FakeApiServer): Promise<string> {
  dir ??= await mkdtemp(path.join(tmpdir(), 'netprops-kc-'));
  const file = path.join(dir, 'config');
  await writeFile(file, s.kubeConfigYAML());
  return file;
}

describe('two cluster runs at once on one cluster', () => {
  it('each works in its own namespaces; one tearing down, or gc, leaves the other running', async () => {
    server = await new FakeApiServer({ exec: (call, s) => network(() => s, () => true)(call) }).start();
    const kubeconfig = await kubeconfigOf(server);
    const a = await createClusterHarness({ runId: 'np-aaaa01', settings: { kubeconfig } }, { signals: false });
    const b = await createClusterHarness({ runId: 'np-bbbb02', settings: { kubeconfig } }, { signals: false });
    try {
      // The same case at the same time: the same case names, different cluster objects.
      const [appliedA, appliedB] = await Promise.all([a.apply(state()), b.apply(state())]);
      expect(appliedA.state.pods.map((p) => p.ip)).not.toEqual(appliedB.state.pods.map((p) => p.ip));
      const nsOf = (run: string) => server!.list('Namespace').filter((n) => n.metadata.labels?.[RUN_LABEL] === run).map((n) => n.metadata.name).sort();
      expect(nsOf('np-aaaa01')).toEqual(['netprops-nodes-np-aaaa01', 'x-np-aaaa01', 'y-np-aaaa01']);
      expect(nsOf('np-bbbb02')).toEqual(['netprops-nodes-np-bbbb02', 'x-np-bbbb02', 'y-np-bbbb02']);
      // A probe of one run execs only in its own pods.
      server.execCalls.length = 0;
      await a.probe([toWeb]);
      expect(server.execCalls.length).toBeGreaterThan(0);
      expect(server.execCalls.every((c) => c.namespace.endsWith('-np-aaaa01'))).toBe(true);
      // gc while both run removes neither; a's teardown removes only a's.
      expect((await gcCluster({}, createApiClient(server.kubeConfig()))).removed).toEqual([]);
      await a.teardown();
      expect(nsOf('np-aaaa01')).toEqual([]);
      expect(nsOf('np-bbbb02')).toEqual(['netprops-nodes-np-bbbb02', 'x-np-bbbb02', 'y-np-bbbb02']);
      expect(server.list('Pod').every((p) => p.metadata.namespace!.endsWith('-np-bbbb02'))).toBe(true);
      expect((await b.probe([toWeb]))[0].outcome).toBe('delivered');
    } finally {
      await a.teardown();
      await b.teardown();
    }
  });
});
