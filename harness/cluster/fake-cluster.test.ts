// The properties runner, the cluster harness and the fake API server together: a "cluster" whose
// network is the reference model itself (each exec'd `agnhost connect` is answered with the model's
// prediction for the applied state). The properties pass on it; with a network that ignores
// NetworkPolicy they fail, and the harness counts the stale allows.
import { describe, it, expect, afterEach } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ClusterState, Probe, ProbeSource } from '../../cluster/types.ts';
import type { Harness, HarnessOptions } from '../harness.ts';
import { buildModel } from '../model/model.ts';
import { runProperties } from '../../properties/runner.ts';
import { FakeApiServer, type ExecCall, type ExecReply } from './fake-apiserver.ts';
import { createClusterHarness, type ClusterHarness } from './harness.ts';
import { agnhostAnswer, probeTarget } from './agnhost-answer.fixture.ts';

let server: FakeApiServer | undefined;
let dir: string | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
});

const RUN = 'np-e2e';

/** Answers agnhost connect as the model says for `applied` (optionally with its policies dropped). */
function modelNetwork(applied: () => ClusterState | undefined, ignorePolicies: boolean) {
  return (call: ExecCall, s: FakeApiServer): ExecReply => {
    const state = applied();
    const script = call.command.join(' ');
    const m = probeTarget(call.command);
    if (!state || !m) return { exitCode: 126, stderr: `unexpected exec ${script}` };
    let from: ProbeSource;
    if (call.namespace === `netprops-nodes-${RUN}`) {
      const hostIP = (s.get('Pod', call.namespace, call.pod)!.status as { hostIP: string }).hostIP;
      from = { kind: 'node', name: state.nodes.find((n) => n.internalIP === hostIP)!.name };
    } else {
      from = { kind: 'pod', namespace: call.namespace.slice(0, -(RUN.length + 1)), name: call.pod };
    }
    const probe: Probe = { from, to: { kind: 'ip', ip: m.host }, port: m.port, protocol: m.protocol };
    const model = buildModel(ignorePolicies ? { ...state, policies: [] } : state);
    const prediction = model.predict(probe);
    return agnhostAnswer(prediction, call.command);
  };
}

async function suite(ignorePolicies: boolean, properties: string[], profileText: string) {
  let applied: ClusterState | undefined;
  let harness: ClusterHarness | undefined;
  server = await new FakeApiServer({ podStartMs: 1, exec: (call, s) => modelNetwork(() => applied, ignorePolicies)(call, s) }).start();
  dir = await mkdtemp(path.join(tmpdir(), 'netprops-e2e-'));
  await writeFile(path.join(dir, 'config'), server.kubeConfigYAML());
  await writeFile(path.join(dir, 'profile.yaml'), `kind: CNIProfile\nname: model\n${profileText}`);
  const factory = async (options: HarnessOptions): Promise<Harness> => {
    harness = await createClusterHarness({ ...options, runId: RUN }, { signals: false });
    const h = harness;
    return {
      target: h.target,
      capabilities: h.capabilities,
      apply: async (state) => {
        const a = await h.apply(state);
        applied = a.state;
        return a;
      },
      probe: (probes) => h.probe(probes),
      settling: h.settling,
      teardown: () => h.teardown(),
    };
  };
  const report = await runProperties({
    target: 'cluster',
    properties,
    runs: 3,
    seed: 7,
    settings: { kubeconfig: path.join(dir, 'config'), cniProfile: path.join(dir, 'profile.yaml') },
    harnessFactory: factory,
  });
  const connects = server.execCalls.filter((c) => c.command.join(' ').includes('/agnhost connect')).length;
  return { report, stats: report.settling!, namespacesLeft: server.list('Namespace').length, connects };
}

describe('the suite on a fake cluster whose network is the reference model', () => {
  it('passes, and leaves nothing behind', async () => {
    const { report, namespacesLeft, connects, stats } = await suite(false, ['policy-verdicts', 'no-nat-pod-to-pod', 'clusterip-reaches-ready-endpoint'], 'deniedAs: [refused, timeout, unreachable]\nenforcementDeadlineSeconds: 2\nretryIntervalMs: 50\n');
    expect(report.properties.map((p) => [p.id, p.status, p.runs])).toEqual([
      ['policy-verdicts', 'passed', 3],
      ['no-nat-pod-to-pod', 'passed', 3],
      ['clusterip-reaches-ready-endpoint', 'passed', 3],
    ]);
    expect(namespacesLeft).toBe(0);
    // Real work went through exec: probes were made, each matched at once, none was stale.
    expect(connects).toBeGreaterThan(20);
    // The reference network enforces at once: every probe agreed at its first attempt, none waited.
    expect(stats.agreedAtFirstAttemptMs?.count).toBeGreaterThan(20);
    expect(stats.timeToEnforceMs.count).toBe(0);
    expect(stats.staleAllow + stats.staleDeny + stats.staleEndpoint).toBe(0);
  }, 240_000);

  it('fails policy-verdicts when the network ignores NetworkPolicy, counting stale allows', async () => {
    const { report, stats } = await suite(true, ['policy-verdicts'], 'deniedAs: [refused, timeout, unreachable]\nenforcementDeadlineSeconds: 0.3\nretryIntervalMs: 100\n');
    expect(report.properties[0].status).toBe('failed');
    expect(report.properties[0].failure?.message).toBeTruthy();
    expect(stats.staleAllow).toBeGreaterThan(0);
  }, 240_000);
});
