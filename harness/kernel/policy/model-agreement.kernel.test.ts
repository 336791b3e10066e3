// The compilers against the reference model, on generated cases: random labels, Services and
// NetworkPolicies over a fixed set of pods in two real node namespaces; every probe whose verdict
// the model decides must be delivered exactly when the model allows it, and then by a backend the
// model says may answer, seeing the source address the model predicts. The compilers were written
// independently of the model, so an agreement here is two implementations agreeing.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterState, Probe } from '../../../cluster/types.ts';
import { podKey } from '../../../cluster/types.ts';
import { clusterCase, type Universe } from '../../../generators/cluster.ts';
import { selectorMatches } from '../../../cluster/label-selector.ts';
import { buildModel } from '../../model/model.ts';
import { effectivePolicyTypes } from '../../model/policy-types.ts';
import { compileIptablesProxy } from '../kube-proxy/iptables.ts';
import { compileNftablesProxy } from '../kube-proxy/nftables.ts';
import { compilePolicyTable } from './nftables.ts';
import { kernelTestSkipReason, TestDataPlane, type Connection, type ConnectionResult, type TestPodSpec } from './test-namespaces.ts';

const skipReason = await kernelTestSkipReason();

const NODES = [
  { name: 'node-1', podCIDR: '10.244.1.0/24', internalIP: '192.168.77.1' },
  { name: 'node-2', podCIDR: '10.244.2.0/24', internalIP: '192.168.77.2' },
];
const tcp = (containerPort: number, name?: string) => ({ ...(name ? { name } : {}), containerPort, protocol: 'TCP' as const });
const udp = (containerPort: number, name?: string) => ({ ...(name ? { name } : {}), containerPort, protocol: 'UDP' as const });
// Named ports resolve to different numbers on different pods, and one name to a UDP port.
const PODS: TestPodSpec[] = [
  { namespace: 'x', name: 'a', nodeName: 'node-1', ip: '10.244.1.2', ports: [tcp(80, 'http'), tcp(9090, 'metrics')] },
  { namespace: 'x', name: 'b', nodeName: 'node-1', ip: '10.244.1.3', ports: [tcp(8080, 'http'), udp(81, 'serve')] },
  { namespace: 'y', name: 'a', nodeName: 'node-2', ip: '10.244.2.2', ports: [tcp(81, 'http'), tcp(8080, 'metrics')] },
  { namespace: 'y', name: 'b', nodeName: 'node-1', ip: '10.244.1.4', ports: [tcp(80, 'serve'), udp(9090)] },
  { namespace: 'z', name: 'a', nodeName: 'node-2', ip: '10.244.2.3', ports: [tcp(9090, 'http'), udp(80, 'metrics')] },
  // A hostNetwork pod: never isolated, its IP is its node's.
  { namespace: 'y', name: 'h', nodeName: 'node-2', ip: '192.168.77.2', hostNetwork: true, ports: [tcp(8443, 'http')] },
];
const RUNS = Number(process.env.NETPROPS_F2_RUNS ?? 10);

/**
 * Whether a NetworkPolicy decision on this probe names a hostNetwork pod as the peer: an isolated
 * pod's egress toward one, or one's traffic into an isolated pod. The NetworkPolicy docs leave that
 * to the plugin (it may apply policy to hostNetwork pods like to others, or ignore them in
 * selectors and treat their traffic as the node's; these compilers do the latter), so the two
 * implementations may legitimately differ there and such probes are not compared.
 */
function hostNetworkPeer(state: ClusterState, probe: Probe, backends: string[]): boolean {
  const byKey = new Map(state.pods.map((p) => [podKey(p), p]));
  const isolated = (key: string, direction: 'Ingress' | 'Egress') => {
    const pod = byKey.get(key);
    return (
      pod !== undefined &&
      !pod.hostNetwork &&
      state.policies.some(
        (pol) => pol.namespace === pod.namespace && selectorMatches(pol.podSelector, pod.labels) && effectivePolicyTypes(pol).includes(direction),
      )
    );
  };
  const hostNetwork = (key: string) => byKey.get(key)?.hostNetwork === true;
  const source = probe.from.kind === 'pod' ? podKey(probe.from) : undefined;
  const destinations = probe.to.kind === 'pod' ? [podKey(probe.to)] : backends;
  if (source !== undefined && isolated(source, 'Egress') && destinations.some(hostNetwork)) return true;
  return source !== undefined && hostNetwork(source) && destinations.some((d) => isolated(d, 'Ingress'));
}

interface Target {
  netns: { namespace: string; name: string } | { node: string };
  connection: Connection;
}

/** Where a probe connects, or undefined when it names a port that does not exist (nothing to dial). */
function target(state: ClusterState, probe: Probe): Target | undefined {
  const netns = probe.from.kind === 'pod' ? { namespace: probe.from.namespace, name: probe.from.name } : { node: probe.from.name };
  const protocol = probe.protocol;
  if (protocol === 'SCTP') return undefined;
  const to = probe.to;
  let ip: string;
  let port: number | undefined;
  if (to.kind === 'pod') {
    const pod = state.pods.find((p) => p.namespace === to.namespace && p.name === to.name)!;
    ip = pod.ip;
    port = typeof probe.port === 'number' ? probe.port : pod.ports.find((p) => p.name === probe.port && p.protocol === protocol)?.containerPort;
  } else if (to.kind === 'service') {
    const svc = state.services.find((s) => s.namespace === to.namespace && s.name === to.name)!;
    if (svc.clusterIP === 'None') return undefined;
    ip = svc.clusterIP;
    port = typeof probe.port === 'number' ? probe.port : svc.ports.find((p) => p.name === probe.port)?.port;
  } else {
    ip = to.ip;
    port = typeof probe.port === 'number' ? probe.port : undefined;
  }
  if (port === undefined) return undefined;
  return { netns, connection: { ip, port, protocol, timeoutMs: 800 } };
}

describe.skipIf(skipReason !== undefined).each(['nftables', 'iptables'] as const)('compiled rules agree with the reference model (kube-proxy %s mode)', (mode) => {
  const plane = new TestDataPlane(NODES, PODS);
  const previous = new Map<string, string>();
  const universe: Universe = {
    namespaces: ['x', 'y', 'z'].map((name) => ({ name, labels: {} })),
    nodes: NODES,
    pods: plane.state().pods,
  };

  async function load(state: ClusterState, faults: string[]): Promise<void> {
    await Promise.all(
      NODES.map(async (node) => {
        await plane.loadNft(node.name, compilePolicyTable(state, node.name, { faults }));
        if (mode === 'iptables') {
          const input = compileIptablesProxy(state, node.name, { faults, previous: previous.get(node.name) });
          await plane.loadIptables(node.name, input);
          previous.set(node.name, input);
        } else {
          await plane.loadNft(node.name, compileNftablesProxy(state, node.name, { faults }));
        }
        await plane.flushConntrack(node.name);
      }),
    );
  }

  /** Every probe of the case (Service probes six times) and a mesh of every pod to every served port of every other pod. */
  function probesOf(state: ClusterState, generated: Probe[]): Probe[] {
    const mesh: Probe[] = [];
    for (const from of state.pods) {
      for (const to of state.pods) {
        if (from === to) continue;
        for (const port of to.ports) {
          mesh.push({ from: { kind: 'pod', namespace: from.namespace, name: from.name }, to: { kind: 'pod', namespace: to.namespace, name: to.name }, port: port.containerPort, protocol: port.protocol });
        }
      }
    }
    // A Service probe lands on one random backend: repeat it so every backend tends to be seen.
    const repeated = generated.flatMap((p) => (p.to.kind === 'service' ? [p, p, p, p, p, p] : [p]));
    return [...repeated, ...mesh];
  }

  async function observe(state: ClusterState, probes: Probe[], timeoutMs = 800): Promise<(ConnectionResult | undefined)[]> {
    const targets = probes.map((p) => {
      const t = target(state, p);
      return t && { ...t, connection: { ...t.connection, timeoutMs } };
    });
    const bySource = new Map<string, number[]>();
    targets.forEach((t, i) => {
      if (t === undefined) return;
      const key = JSON.stringify(t.netns);
      bySource.set(key, [...(bySource.get(key) ?? []), i]);
    });
    const results: (ConnectionResult | undefined)[] = probes.map(() => undefined);
    await Promise.all(
      [...bySource].map(async ([key, indexes]) => {
        const rs = await plane.connect(JSON.parse(key), indexes.map((i) => targets[i]!.connection));
        indexes.forEach((i, j) => (results[i] = rs[j]));
      }),
    );
    return results;
  }

  beforeAll(() => plane.create(), 60_000);
  afterAll(() => plane.destroy(), 60_000);

  interface Tally {
    decided: number;
    allowed: number;
  }

  /** Loads one case and lists every decided probe the kernel got wrong. */
  async function mismatchesOf(state: ClusterState, generated: Probe[], faults: string[], tally: Tally): Promise<string[]> {
    await load(state, faults);
    const model = buildModel(state);
    const probes = probesOf(state, generated);
    const results = await observe(state, probes);
    // On a loaded machine a server may not get the CPU within the short timeout: a probe the model
    // allows that timed out is tried once more with a long one (a real drop still times out).
    const slow = probes.flatMap((p, i) => (results[i]?.outcome === 'timeout' && model.predict(p).verdict === 'allow' ? [i] : []));
    if (slow.length > 0) {
      const again = await observe(state, slow.map((i) => probes[i]), 5000);
      slow.forEach((i, j) => (results[i] = again[j]));
    }
    const mismatches: string[] = [];
    probes.forEach((probe, i) => {
      const r = results[i];
      const prediction = model.predict(probe);
      if (r === undefined || prediction.verdict === 'undefined') return;
      const backends = prediction.routes.flatMap((route) => (route.delivery.backend ? [podKey(route.delivery.backend)] : []));
      if (hostNetworkPeer(state, probe, backends)) return;
      tally.decided++;
      const delivered = r.outcome === 'delivered';
      if (prediction.verdict === 'allow') tally.allowed++;
      const label = `${JSON.stringify(probe)}: model ${prediction.verdict} (${prediction.reason}), kernel ${r.outcome}${r.backend ? ` by ${r.backend} seeing ${r.sourceSeen}` : ''}`;
      if (delivered !== (prediction.verdict === 'allow')) {
        mismatches.push(label);
        return;
      }
      if (!delivered) return;
      const fits = prediction.deliveries.some(
        (d) =>
          d.backend !== undefined &&
          podKey(d.backend) === r.backend &&
          d.backend.port === r.backendPort &&
          (d.sourceSeen === undefined || d.sourceSeen === r.sourceSeen),
      );
      if (!fits) mismatches.push(`${label}; model deliveries ${JSON.stringify(prediction.deliveries)}`);
    });
    return mismatches;
  }

  const cases = clusterCase({ universe, sctp: false, hostNetwork: false, nodePort: true, maxServices: 3, maxPolicies: 3, maxProbes: 8 });

  it(`agrees on every decided probe of ${RUNS} generated cases`, async () => {
    const tally: Tally = { decided: 0, allowed: 0 };
    await fc.assert(
      fc.asyncProperty(cases, async ({ state, probes }) => {
        const mismatches = await mismatchesOf(state, probes, [], tally);
        const context = { policies: state.policies, services: state.services, pods: state.pods.map((p) => ({ k: podKey(p), l: p.labels, r: p.ready })) };
        expect(mismatches, JSON.stringify(context)).toEqual([]);
      }),
      { numRuns: RUNS, seed: Number(process.env.NETPROPS_F2_SEED ?? 4242), endOnFailure: true },
    );
    console.info(`kube-proxy ${mode} mode: ${tally.decided} decided probes compared, ${tally.allowed} allowed, ${tally.decided - tally.allowed} denied`);
    // The comparison must have had something to compare, both ways.
    expect(tally.decided).toBeGreaterThan(RUNS * 20);
    expect(tally.allowed).toBeGreaterThan(0);
    expect(tally.allowed).toBeLessThan(tally.decided);
  }, 300_000);

  // The comparison can fail: with a fault compiled in, some generated case must disagree.
  // (not-ready-endpoints is left to proxy.kernel.test.ts: generated Service probes reach a
  // Service with a not-ready pod too rarely for a short sample.)
  it.each(mode === 'nftables' ? ['policy-skips-same-node'] : ['masquerade-pod-traffic'])(
    'finds a disagreement when the rules carry the fault %s',
    async (fault) => {
      const tally: Tally = { decided: 0, allowed: 0 };
      const samples = fc.sample(cases, { numRuns: 30, seed: 99 });
      let found: string | undefined;
      for (const { state, probes } of samples) {
        const mismatches = await mismatchesOf(state, probes, [fault], tally);
        if (mismatches.length > 0) {
          found = mismatches[0];
          break;
        }
      }
      expect(found).toBeDefined();
    },
    300_000,
  );
});

if (skipReason !== undefined) {
  describe('compiled rules agree with the reference model', () => {
    it.skip(`skipped: ${skipReason}`, () => {});
  });
}
