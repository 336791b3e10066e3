// The runner on the cluster target, end to end through G's cluster harness and its in-process fake
// API server, whose "network" answers each exec'd probe and DNS lookup from the reference model on
// the state the harness applied. Shows: the run's pod universe is created once and later cases only
// relabel; nodePort and ip: probes reach the cluster's real addresses (readdressed); service-dns runs
// through the harness's resolveService.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterState, Probe, ProbeSource } from '../cluster/types.ts';
import { createApiClient } from '../harness/cluster/api-client.ts';
import { FakeApiServer, type ExecCall, type ExecReply } from '../harness/cluster/fake-apiserver.ts';
import { createClusterHarness } from '../harness/cluster/harness.ts';
import type { Harness, HarnessOptions } from '../harness/harness.ts';
import { serviceEndpoints } from '../harness/model/endpoints.ts';
import { buildModel } from '../harness/model/model.ts';
import { runProperties } from './runner.ts';
import { agnhostAnswer, probeTarget } from '../harness/cluster/agnhost-answer.fixture.ts';

const RUN = 'np-univ';
const NODE_AGENTS = `netprops-nodes-${RUN}`;
const UNIVERSE_NAMESPACES = new Set(['x', 'y', 'z'].map((ns) => `${ns}-${RUN}`));

let server: FakeApiServer | undefined;
let dir: string | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
});

const caseNamespace = (clusterNamespace: string) => clusterNamespace.slice(0, -(RUN.length + 1));

/** The source of an exec: a run pod, or a node's agent (found by the node address it runs on). */
function sourceOf(call: ExecCall, s: FakeApiServer, state: ClusterState): ProbeSource {
  if (call.namespace !== NODE_AGENTS) return { kind: 'pod', namespace: caseNamespace(call.namespace), name: call.pod };
  const hostIP = (s.get('Pod', call.namespace, call.pod)!.status as { hostIP: string }).hostIP;
  return { kind: 'node', name: state.nodes.find((n) => n.internalIP === hostIP)!.name };
}

/** agnhost connect and dig (a DNS without a cache: TTL 0), answered as the reference model says for the applied state. */
function modelNetwork(applied: () => ClusterState | undefined, strayDials: string[], nodePortDials: string[], dnsPublishesNotReady: boolean) {
  return (call: ExecCall, s: FakeApiServer): ExecReply => {
    const state = applied();
    const script = call.command.join(' ');
    if (!state) return { exitCode: 126, stderr: `exec before apply: ${script}` };
    if (call.command[0] === 'dig') {
      const [svcName, clusterNs] = call.command[call.command.length - 1].split('.');
      const svc = state.services.find((v) => v.namespace === caseNamespace(clusterNs) && v.name === svcName);
      if (!svc) return { exitCode: 0, stdout: '' };
      const ips = svc.clusterIP !== 'None' ? [svc.clusterIP] : [...new Set(serviceEndpoints(state, svc).flatMap((p) => p.endpoints.filter((e) => dnsPublishesNotReady || e.ready).map((e) => e.ip)))];
      return { exitCode: 0, stdout: ips.map((ip) => `${svcName}.${clusterNs}.svc.cluster.local. 0 IN A ${ip}\n`).join('') };
    }
    const m = probeTarget(call.command);
    if (!m) return { exitCode: 126, stderr: `unexpected exec ${script}` };
    // A dial to a node must be on a nodePort the cluster allocated for the state applied now.
    if (state.nodes.some((n) => n.internalIP === m.host)) {
      nodePortDials.push(`${m.host}:${m.port}`);
      if (!state.services.some((v) => v.ports.some((p) => p.nodePort === m.port))) strayDials.push(`${m.host}:${m.port}`);
    }
    const probe: Probe = { from: sourceOf(call, s, state), to: { kind: "ip", ip: m.host }, port: m.port, protocol: m.protocol };
    const prediction = buildModel(state).predict(probe);
    return agnhostAnswer(prediction, call.command);
  };
}

async function runOnFakeCluster(properties: string[], runs: number, options: { dnsPublishesNotReady?: boolean; deadlineSeconds?: number } = {}) {
  let applied: ClusterState | undefined;
  const strayDials: string[] = [];
  const nodePortDials: string[] = [];
  server = await new FakeApiServer({ podStartMs: 1, exec: (call, s) => modelNetwork(() => applied, strayDials, nodePortDials, options.dnsPublishesNotReady ?? false)(call, s) }).start();
  // The cluster already has NodePort Services of its own: the nodePorts it allocates to the run's are
  // not the ones the cases wrote (from 30000).
  const api = createApiClient(server.kubeConfig());
  await api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
  await api.apply({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'other', name: 'taken' }, spec: { type: 'NodePort', selector: { app: 'other' }, ports: Array.from({ length: 20 }, (_, i) => ({ name: `p${i}`, port: 1000 + i, protocol: 'TCP' })) } });
  dir = await mkdtemp(path.join(tmpdir(), 'netprops-universe-'));
  await writeFile(path.join(dir, 'config'), server.kubeConfigYAML());
  await writeFile(path.join(dir, 'profile.yaml'), `kind: CNIProfile\nname: model\ndeniedAs: [refused, timeout, unreachable]\nenforcementDeadlineSeconds: ${options.deadlineSeconds ?? 2}\nretryIntervalMs: 50\n`);
  const s = server;
  const podUIDs = new Set<string>();
  const factory = async (options: HarnessOptions): Promise<Harness> => {
    const h = await createClusterHarness({ ...options, runId: RUN }, { signals: false });
    return {
      target: h.target,
      capabilities: h.capabilities,
      apply: async (state) => {
        const a = await h.apply(state);
        applied = a.state;
        // Every case pod as it runs now: a pod created anew gets a new uid.
        for (const p of s.list('Pod')) if (UNIVERSE_NAMESPACES.has(p.metadata.namespace!)) podUIDs.add(p.metadata.uid!);
        return a;
      },
      probe: (probes) => h.probe(probes),
      settling: h.settling,
      resolveService: h.resolveService?.bind(h),
      teardown: () => h.teardown(),
    };
  };
  const report = await runProperties({
    target: 'cluster',
    properties,
    runs,
    seed: 7,
    settings: { kubeconfig: path.join(dir, 'config'), cniProfile: path.join(dir, 'profile.yaml') },
    harnessFactory: factory,
  });
  const podDeletes = s.requests.filter((r) => r.method === 'DELETE' && [...UNIVERSE_NAMESPACES].some((ns) => r.path.includes(`/namespaces/${ns}/pods/`))).length;
  return { report, podUIDs, podDeletes, nodePortDials, strayDials };
}

describe('the runner on the cluster target (fake API server, model network)', () => {
  it('creates the pod universe once: later cases of every property only relabel; the properties pass', async () => {
    const { report, podUIDs, podDeletes, nodePortDials, strayDials } = await runOnFakeCluster(['policy-verdicts', 'udp-endpoint-change', 'clusterip-reaches-ready-endpoint', 'nodeport-reachable', 'service-dns'], 4);
    expect(report.properties.map((p) => [p.id, p.status, p.runs, p.failure?.message])).toEqual([
      ['policy-verdicts', 'passed', 4, undefined],
      // Its pods sit beside the universe; its probe from a fixed source port is udp-probe binding
      // it (the local cluster's agnhost image has it), so it judges its runs.
      ['udp-endpoint-change', 'passed', 4, undefined],
      ['clusterip-reaches-ready-endpoint', 'passed', 4, undefined],
      // Its probes go to node IPs on nodePorts: they pass only if re-expressed in the cluster's own.
      ['nodeport-reachable', 'passed', 4, undefined],
      ['service-dns', 'passed', 4, undefined],
    ]);
    for (const p of report.properties) expect({ id: p.id, judged: p.judged > 0 }).toEqual({ id: p.id, judged: p.status === 'passed' });
    // 20 cases, one universe of 9 pods: each created once, none deleted before teardown.
    expect(podUIDs.size).toBe(9);
    expect(podDeletes).toBe(0);
    // The cluster allocated its own nodePorts: every dial to a node went to one of them.
    expect(nodePortDials.length).toBeGreaterThan(0);
    expect(strayDials).toEqual([]);
  }, 240_000);

  it('fails service-dns when the cluster DNS answers not-ready endpoints of a headless Service', async () => {
    const { report, podUIDs } = await runOnFakeCluster(['service-dns'], 30, { dnsPublishesNotReady: true, deadlineSeconds: 0.2 });
    const [result] = report.properties;
    expect(result.status).toBe('failed');
    expect(result.failure!.message).toMatch(/\.svc to .*extra [\d.]+ \(not-ready pod [xyz]\/[a-c]\)/);
    // Shrinking relabels and toggles readiness over the same pods too.
    expect(podUIDs.size).toBe(9);
  }, 240_000);
});
