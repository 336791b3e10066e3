// The runner on a small local property and a scripted harness: runs, shrinking, replay, skipping,
// teardown, time limits and repro writing, each shown with a case that would fail if it broke.
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrerequisiteError, UsageError } from '../cluster/errors.ts';
import type { ClusterState, Observation, Probe } from '../cluster/types.ts';
import type { Capability, Harness } from '../harness/harness.ts';
import { nodeAt } from '../generators/node.ts';
import { probesNamed } from './focus.ts';
import type { Property } from './property.ts';
import { verdictFindings } from './verdict-agreement.ts';
import { runProperties } from './runner.ts';
import { writeRunOutput } from '../reports/run-output.ts';

const ALL: Capability[] = ['pods', 'nodes', 'services', 'policies', 'udp', 'readiness', 'reapply'];

function onePod(port: number): ClusterState {
  const node = nodeAt(0);
  return {
    namespaces: [{ name: 'x', labels: {} }],
    nodes: [node],
    pods: [{ namespace: 'x', name: 'a', labels: {}, nodeName: node.name, hostNetwork: false, ports: [{ containerPort: port, protocol: 'TCP' }], ip: '10.244.1.2', ready: true }],
    services: [],
    policies: [],
  };
}

const probeTo = (port: number): Probe => ({ from: { kind: 'node', name: 'node-1' }, to: { kind: 'pod', namespace: 'x', name: 'a' }, port, protocol: 'TCP' });

/** A pod serving one port between 1 and 1000; the node must reach it. */
const reachServedPort: Property = {
  id: 'reach-served-port',
  statement: 'A node reaches the port its pod serves.',
  rule: 'Cluster Networking docs: a node reaches its pods.',
  needs: ['pods'],
  cases: () => fc.integer({ min: 1, max: 1000 }).map((port) => ({ steps: [{ state: onePod(port), probes: [probeTo(port)] }] })),
  check: (ctx) => verdictFindings(ctx, 0),
  outcomes: ['low-port'],
  classify: (ctx) => (Number(ctx.steps[0].probes[0].port) < 500 ? ['low-port'] : []),
};

/** A harness that drops connections to ports at or above `dropFrom`, and counts what it is asked. */
function scripted(options: { dropFrom?: number; capabilities?: Capability[]; applyError?: Error; applyDelayMs?: number } = {}) {
  const calls = { apply: 0, probe: 0, teardown: 0, created: 0 };
  const make = async (): Promise<Harness> => {
    calls.created++;
    return {
      target: 'scripted',
      capabilities: new Set(options.capabilities ?? ALL),
      async apply(state) {
        calls.apply++;
        if (options.applyError) throw options.applyError;
        if (options.applyDelayMs) await new Promise((r) => setTimeout(r, options.applyDelayMs));
        return { state, interfaceIPs: Object.fromEntries(state.pods.map((p) => [`${p.namespace}/${p.name}`, p.ip])) };
      },
      async probe(probes) {
        calls.probe++;
        return probes.map((p): Observation =>
          Number(p.port) >= (options.dropFrom ?? Infinity) ? { outcome: 'timeout' } : { outcome: 'delivered', backend: { namespace: 'x', name: 'a', port: Number(p.port) } },
        );
      },
      async teardown() {
        calls.teardown++;
      },
    };
  };
  return { calls, make };
}

const base = { target: 'model', catalog: [reachServedPort], runs: 50, seed: 7 } as const;

describe('runProperties', () => {
  it('passes a property that holds, after exactly the runs asked for, and tears the harness down once', async () => {
    const h = scripted();
    const report = await runProperties({ ...base, harnessFactory: h.make });
    expect(report.properties[0]).toMatchObject({ id: 'reach-served-port', status: 'passed', runs: 50, seed: 7 });
    expect(h.calls).toMatchObject({ created: 1, apply: 50, teardown: 1 });
  });

  it('shrinks a failure to the smallest failing case and records it with the model verdict as expectation', async () => {
    const h = scripted({ dropFrom: 300 });
    const report = await runProperties({ ...base, harnessFactory: h.make });
    const result = report.properties[0];
    expect(result.status).toBe('failed');
    const ce = result.failure!.counterexample;
    // fast-check shrinks integers to the boundary: the smallest dropped port.
    expect(ce.probes).toEqual([{ ...probeTo(300), expect: 'allow' }]);
    expect(ce.state.pods[0].ports[0].containerPort).toBe(300);
    expect(result.failure!.probes).toEqual([expect.objectContaining({ expected: 'allow', ok: false, observation: { outcome: 'timeout' } })]);
    expect(result.failure!.message).toMatch(/expected allow.*observed timeout/);
    expect(h.calls.teardown).toBe(1);
  });

  it('replays a failure from its seed and path straight to the shrunk case', async () => {
    const first = await runProperties({ ...base, harnessFactory: scripted({ dropFrom: 300 }).make });
    const failurePath = first.properties[0].failure!.path!;
    expect(failurePath).toMatch(/^\d+(:\d+)*$/);
    const h = scripted({ dropFrom: 300 });
    const replay = await runProperties({ ...base, path: failurePath, harnessFactory: h.make });
    expect(replay.properties[0].failure!.counterexample).toEqual(first.properties[0].failure!.counterexample);
    expect(replay.properties[0].runs).toBeLessThanOrEqual(1);
  });

  it('skips a property whose needs the target lacks, saying which', async () => {
    const h = scripted({ capabilities: ['nodes'] });
    const report = await runProperties({ ...base, harnessFactory: h.make });
    expect(report.properties[0]).toMatchObject({ status: 'skipped', runs: 0, skipReason: 'target scripted lacks pods' });
    expect(h.calls.apply).toBe(0);
  });

  it('tears the harness down when it fails, and passes its prerequisite error on', async () => {
    const h = scripted({ applyError: new PrerequisiteError('nft is not installed: apt-get install nftables') });
    await expect(runProperties({ ...base, harnessFactory: h.make })).rejects.toThrow(PrerequisiteError);
    expect(h.calls.teardown).toBe(1);
  });

  it('uses a fresh harness per case when the target cannot re-apply', async () => {
    const h = scripted({ capabilities: ['pods'] });
    await runProperties({ ...base, runs: 5, harnessFactory: h.make });
    expect(h.calls.created).toBe(6);
    expect(h.calls.teardown).toBe(6);
  });

  it('stops drawing cases at the time limit and reports the runs done', async () => {
    const h = scripted({ applyDelayMs: 20 });
    const report = await runProperties({ ...base, runs: 10_000, timeLimitMs: 300, harnessFactory: h.make });
    expect(report.properties[0].status).toBe('passed');
    expect(report.properties[0].runs).toBeGreaterThan(0);
    expect(report.properties[0].runs).toBeLessThan(100);
    // The record says the search was cut short, with what was asked: a short pass is not a full one.
    expect(report.properties[0].timeLimit).toEqual({ limitMs: 300, runsAsked: 10_000 });
  });

  it('records no time limit when every asked run finished within it', async () => {
    const report = await runProperties({ ...base, runs: 5, timeLimitMs: 60_000, harnessFactory: scripted().make });
    expect(report.properties[0].runs).toBe(5);
    expect(report.properties[0].timeLimit).toBeUndefined();
  });

  it('reports the share of runs that saw each outcome', async () => {
    const report = await runProperties({ ...base, runs: 200, stats: true, harnessFactory: scripted().make });
    const share = report.properties[0].stats!['low-port'];
    expect(share).toBeGreaterThan(0.3);
    expect(share).toBeLessThan(0.7);
  });

  it('rejects an unknown property id and a non-positive run count as usage mistakes', async () => {
    await expect(runProperties({ ...base, properties: ['no-such-thing'] })).rejects.toThrow(UsageError);
    await expect(runProperties({ ...base, runs: 0 })).rejects.toThrow(UsageError);
  });

  it("returns data: the failure carries the shrunk case's whole record, plain (a JSON round trip keeps it), and writes nothing", async () => {
    const report = await runProperties({ ...base, harnessFactory: scripted({ dropFrom: 300 }).make });
    const failure = report.properties[0].failure!;
    expect(failure.reproDir).toBeUndefined();
    const [step] = failure.record!.steps;
    expect(step.requestedProbes).toEqual([probeTo(300)]);
    expect(step.attempts).toEqual([[{ observation: { outcome: 'timeout' }, atMs: expect.any(Number) }]]);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('writeRunOutput writes the repro, the record beside it and the reports under the output directory', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'netprops-runner-'));
    const report = await runProperties({ ...base, harnessFactory: scripted({ dropFrom: 300 }).make });
    await writeRunOutput(report, out, ['console', 'json', 'junit']);
    const dir = path.join(out, 'repro', 'reach-served-port');
    expect(report.properties[0].failure!.reproDir).toBe(dir);
    expect((await readdir(dir)).sort()).toEqual(['README.md', 'case.yaml', 'manifests.yaml', 'record.json', 'repro.sh']);
    expect(await readFile(path.join(dir, 'case.yaml'), 'utf8')).toContain('expect: allow');
    const saved = JSON.parse(await readFile(path.join(dir, 'record.json'), 'utf8'));
    expect(saved).toMatchObject({ property: 'reach-served-port', target: 'scripted', seed: 7, record: report.properties[0].failure!.record });
    expect((await readdir(out)).sort()).toEqual(['junit.xml', 'report.json', 'repro']);
  });

  it('writes the reports of the properties finished so far before the next one starts (a Ctrl-C keeps them)', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'netprops-runner-'));
    const second: Property = { ...reachServedPort, id: 'second' };
    const seenAtStart: unknown[] = [];
    const report = await runProperties({
      ...base,
      catalog: [reachServedPort, second],
      runs: 5,
      // The runner hands over the report so far; the CLI writes it (reports/run-output.ts).
      onPropertyDone: (partial) => writeRunOutput(partial, out, ['json']),
      harnessFactory: scripted().make,
      onProgress: (e) => {
        if (e.kind === 'start' && e.property === 'second') {
          const json = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as { properties: { id: string; status: string }[] };
          seenAtStart.push(json.properties.map((p) => [p.id, p.status]));
        }
      },
    });
    expect(seenAtStart).toEqual([[['reach-served-port', 'passed']]]);
    await writeRunOutput(report, out, ['json']);
    const final = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as { properties: unknown[] };
    expect(final.properties).toHaveLength(2);
  });
});

describe('runProperties on a crash', () => {
  it('lets a bug in the harness crash with its own error, after touching the target once', async () => {
    const h = scripted({ applyError: new TypeError('cannot read properties of undefined') });
    await expect(runProperties({ ...base, harnessFactory: h.make })).rejects.toThrow(TypeError);
    expect(h.calls.apply).toBe(1);
    expect(h.calls.teardown).toBe(1);
  });
});

describe('runProperties re-running a shrunk failure', () => {
  it('tries a fresh harness when the shared one no longer shows the failure (a target that learns, like a path-MTU cache)', async () => {
    // This harness drops port 300 and up only until it has dropped one: it "learns", as a kernel does.
    let created = 0;
    const runIds: string[] = [];
    const make = async (o: { runId?: string }): Promise<Harness> => {
      created++;
      runIds.push(String(o.runId));
      let dropped = false;
      return {
        target: 'learning',
        capabilities: new Set(ALL),
        async apply(state) {
          return { state, interfaceIPs: {} };
        },
        async probe(probes) {
          return probes.map((p): Observation => {
            if (Number(p.port) >= 300 && !dropped) {
              dropped = true;
              return { outcome: 'timeout' };
            }
            return { outcome: 'delivered' };
          });
        },
        async teardown() {},
      };
    };
    const report = await runProperties({ ...base, harnessFactory: make });
    const failure = report.properties[0].failure!;
    expect(failure.message).toMatch(/expected allow.*observed timeout/);
    expect(failure.counterexample.probes).toHaveLength(1);
    expect(created).toBeGreaterThan(1);
    // each fresh harness is a run of its own: on the shared run's id it would write into (and its
    // teardown delete) the shared harness's objects, as a live cluster showed (a pod spec refused)
    expect(new Set(runIds).size).toBe(runIds.length);
    expect(runIds[0]).toBe(report.runId);
  });
});

describe('runProperties on a target whose failure does not recur', () => {
  it('reports the failure the search saw, with its record, and says the re-runs passed', async () => {
    // Drops the first 3 connections to port 300 and up, then never again (a flaky data plane).
    let drops = 3;
    const make = async (): Promise<Harness> => ({
      target: 'flaky',
      capabilities: new Set(ALL),
      async apply(state) {
        return { state, interfaceIPs: {} };
      },
      async probe(probes) {
        return probes.map((p): Observation => {
          if (Number(p.port) >= 300 && drops > 0) {
            drops--;
            return { outcome: 'timeout' };
          }
          return { outcome: 'delivered', backend: { namespace: 'x', name: 'a', port: Number(p.port) } };
        });
      },
      async teardown() {},
    });
    const report = await runProperties({ ...base, harnessFactory: make });
    const failure = report.properties[0].failure!;
    expect(report.properties[0].status).toBe('failed');
    expect(failure.message).toMatch(/expected allow.*observed timeout.*seen during the search; \d+ re-runs of the shrunk case passed: the target is not deterministic/);
    // The record is the failing try's: its observation is the timeout the message names.
    expect(failure.record!.steps[0].observations[0].outcome).toBe('timeout');
    expect(failure.probes.some((r) => !r.ok)).toBe(true);
  });
});

describe('runProperties when the target can make none of the probes', () => {
  it('reports the property vacuous with the target reason, not passed', async () => {
    const make = async (): Promise<Harness> => ({
      target: 'limited',
      capabilities: new Set(ALL),
      apply: async (state) => ({ state, interfaceIPs: {} }),
      probe: async (probes) => probes.map((): Observation => ({ outcome: 'unsupported', detail: 'no SCTP sockets in this kernel' })),
      teardown: async () => {},
    });
    const report = await runProperties({ ...base, harnessFactory: make });
    expect(report.properties[0]).toMatchObject({ status: 'vacuous', judged: 0, vacuousReason: 'target limited could make none of its probes (no SCTP sockets in this kernel)' });
  });
});

describe('runProperties summing what settling found', () => {
  it('counts an allowed probe still answered by a pod that is no backend at the deadline as a stale endpoint, per property and for the run', async () => {
    const make = async (): Promise<Harness> => {
      const inner = await scripted().make();
      return {
        ...inner,
        settling: { deadlineMs: 20, retryIntervalMs: 5, deniedAs: ['timeout'], profile: 'test', concurrency: 4 },
        // The probe goes to x/a, yet x/impostor answers it.
        probe: async (probes) => probes.map((p): Observation => ({ outcome: 'delivered', backend: { namespace: 'x', name: 'impostor', port: Number(p.port) } })),
      };
    };
    const report = await runProperties({ ...base, runs: 3, harnessFactory: make });
    expect(report.properties[0].settling).toMatchObject({ staleAllow: 0, staleDeny: 0, staleEndpoint: 3 });
    expect(report.settling).toMatchObject({ staleEndpoint: 3 });
    // Each stale probe is named, where to replay it and what it still saw, to triage the count from.
    const examples = report.properties[0].settling!.staleExamples!;
    expect(examples).toHaveLength(3);
    expect(examples[0]).toMatch(/^run 1 \(--path 0\), step 1: \S+ -> \S+: stale-endpoint, observed delivered, backend x\/impostor:/);
    expect(examples[2]).toMatch(/^run 3 \(--path 2\), step 1: /);
  });
});

describe('runProperties naming profile violations', () => {
  it('names each denied probe the target answered in a way the CNI profile does not declare, where to replay it and what it saw', async () => {
    // Pod x/b isolated for ingress by a policy that allows nothing: x/a -> x/b is denied by policy.
    const denied = (): ClusterState => {
      const s = onePod(80);
      s.pods.push({ ...s.pods[0], name: 'b', ip: '10.244.1.3' });
      s.policies = [{ namespace: 'x', name: 'deny-b', podSelector: { matchLabels: {} }, policyTypes: ['Ingress'] }];
      return s;
    };
    const probeAB: Probe = { from: { kind: 'pod', namespace: 'x', name: 'a' }, to: { kind: 'pod', namespace: 'x', name: 'b' }, port: 80, protocol: 'TCP' };
    const deniedProperty: Property = { ...reachServedPort, id: 'denied', cases: () => fc.constant({ steps: [{ state: denied(), probes: [probeAB] }] }), check: () => [] };
    const make = async (): Promise<Harness> => ({
      ...(await scripted().make()),
      settling: { deadlineMs: 20, retryIntervalMs: 5, deniedAs: ['timeout'], profile: 'test', concurrency: 4 },
      probe: async (probes) => probes.map((): Observation => ({ outcome: 'refused' })),
    });
    const report = await runProperties({ ...base, catalog: [deniedProperty], runs: 2, harnessFactory: make });
    expect(report.properties[0].settling).toMatchObject({ profileViolations: 2, staleAllow: 0 });
    const examples = report.properties[0].settling!.profileViolationExamples!;
    expect(examples).toHaveLength(2);
    expect(examples[0]).toMatch(/^run 1 \(--path 0\), step 1: x\/a -> x\/b:80\/TCP: denied by policy, observed refused \(CNI profile test declares denials as timeout\)$/);
    expect(examples[1]).toMatch(/^run 2 \(--path 1\), step 1: /);
  });
});

describe('runProperties splitting time-to-enforce by the kind of change', () => {
  it('reports each step\'s samples under what its apply changed: the first pods, then a relabelling', async () => {
    const relabelled = (port: number): ClusterState => {
      const s = onePod(port);
      s.pods[0].labels = { app: 'web' };
      return s;
    };
    const twoSteps: Property = {
      ...reachServedPort,
      cases: () => fc.constant({ steps: [{ state: onePod(80), probes: [probeTo(80)] }, { state: relabelled(80), probes: [probeTo(80)] }] }),
    };
    // Each step's first attempt is refused (not enforced yet), the retry delivered: every probe waits.
    const make = async (): Promise<Harness> => {
      const inner = await scripted().make();
      let fresh = false;
      return {
        ...inner,
        settling: { deadlineMs: 200, retryIntervalMs: 5, deniedAs: ['timeout'], profile: 'test', concurrency: 4 },
        apply: async (state) => {
          fresh = true;
          return inner.apply(state);
        },
        probe: async (probes) => {
          if (!fresh) return inner.probe(probes);
          fresh = false;
          return probes.map((): Observation => ({ outcome: 'refused' }));
        },
      };
    };
    const report = await runProperties({ ...base, catalog: [twoSteps], runs: 3, harnessFactory: make });
    const byChange = report.properties[0].settling!.timeToEnforceByChangeMs!;
    // Run 1 step 1 creates the pod; every later step relabels it one way or back.
    expect(byChange.pods?.count).toBe(1);
    expect(byChange['pod-labels']?.count).toBe(5);
    expect(Object.keys(byChange).sort()).toEqual(['pod-labels', 'pods']);
    expect(report.settling!.timeToEnforceByChangeMs).toEqual(byChange);
  });
});

describe('runProperties keeping probes that agreed at once out of time-to-enforce', () => {
  // A probe whose first attempt already agrees says only when the harness got to it, not how long
  // the implementation took: counting it would make the figure the harness's probing pace.
  it('samples only probes whose first attempt disagreed, and reports the others apart', async () => {
    const make = async (): Promise<Harness> => {
      const inner = await scripted().make();
      let calls = 0;
      return {
        ...inner,
        settling: { deadlineMs: 200, retryIntervalMs: 5, deniedAs: ['timeout'], profile: 'test', concurrency: 4 },
        // Runs 1 and 2: agreed at the first attempt. Run 3: refused first, then delivered.
        probe: async (probes) => (++calls === 3 ? probes.map((): Observation => ({ outcome: 'refused' })) : inner.probe(probes)),
      };
    };
    const report = await runProperties({ ...base, runs: 3, harnessFactory: make });
    const s = report.properties[0].settling!;
    expect(s.timeToEnforceMs.count).toBe(1);
    expect(s.agreedAtFirstAttemptMs?.count).toBe(2);
    expect(s.attempts).toBe(4);
    expect(report.settling!.agreedAtFirstAttemptMs?.count).toBe(2);
    expect(report.settling!.timeToEnforceMs.count).toBe(1);
  });
});

describe('runProperties counting what a property judged', () => {
  it('counts one judged probe per run of a one-probe property', async () => {
    const report = await runProperties({ ...base, harnessFactory: scripted().make });
    expect(report.properties[0]).toMatchObject({ status: 'passed', runs: 50, judged: 50 });
  });

  it('reports a property whose cases draw no probe vacuous, with the reason, never passed', async () => {
    const probeless: Property = { ...reachServedPort, id: 'probeless', classify: () => [], cases: () => fc.integer({ min: 1, max: 1000 }).map((port) => ({ steps: [{ state: onePod(port), probes: [] }] })) };
    const report = await runProperties({ ...base, catalog: [probeless], harnessFactory: scripted().make });
    expect(report.properties[0]).toMatchObject({ status: 'vacuous', runs: 50, judged: 0 });
    expect(report.properties[0].vacuousReason).toMatch(/^no probe in 50 runs/);
  });

  it('reports vacuous a property whose probes all have verdicts upstream leaves undefined', async () => {
    // Another node's connection to a pod isolated for ingress: NetworkPolicy leaves it to the implementation.
    const isolated = (port: number): ClusterState => ({
      ...onePod(port),
      nodes: [nodeAt(0), nodeAt(1)],
      policies: [{ namespace: 'x', name: 'deny-all', podSelector: {}, policyTypes: ['Ingress'] }],
    });
    const fromOtherNode = (port: number): Probe => ({ ...probeTo(port), from: { kind: 'node', name: 'node-2' } });
    const undefinedOnly: Property = { ...reachServedPort, id: 'undefined-only', cases: () => fc.integer({ min: 1, max: 1000 }).map((port) => ({ steps: [{ state: isolated(port), probes: [fromOtherNode(port)] }] })) };
    const report = await runProperties({ ...base, catalog: [undefinedOnly], harnessFactory: scripted().make });
    expect(report.properties[0]).toMatchObject({ status: 'vacuous', judged: 0, vacuousReason: 'none of the 50 probes of 50 runs has a verdict upstream defines' });
  });

  it("reports vacuous, saying so, a property whose own count judged none of its probes though their verdicts are defined", async () => {
    const ownCount: Property = { ...reachServedPort, id: 'own-count', judged: () => 0 };
    const report = await runProperties({ ...base, catalog: [ownCount], harnessFactory: scripted().make });
    expect(report.properties[0]).toMatchObject({ status: 'vacuous', judged: 0 });
    expect(report.properties[0].vacuousReason).toMatch(/^its 50 probes of 50 runs had verdicts upstream defines, but none gave it anything to judge/);
  });

  it('skips a property that compares with the model on the conformant reference model, and runs it on a faulty one', async () => {
    const differential: Property = { ...reachServedPort, id: 'differential', comparesWithModel: true };
    const onModel = await runProperties({ ...base, catalog: [differential] });
    expect(onModel.properties[0]).toMatchObject({ status: 'skipped', runs: 0, skipReason: 'target model is the reference model: comparing it with itself judges nothing' });
    const onFaulty = await runProperties({ ...base, catalog: [differential], fault: 'no-hairpin' });
    expect(onFaulty.properties[0]).toMatchObject({ status: 'passed', runs: 50, judged: 50 });
  });
});

describe('runProperties on a target that chooses its own addresses (a live cluster)', () => {
  // The case says pod 10.244.1.2 on node 172.18.0.2 and a NodePort 30080; the "cluster" gave the pod
  // 10.244.7.9, the node is 172.18.0.5 and the nodePort 31234. A probe is only answered on the real
  // addresses, as a real cluster answers.
  const withNodePort = (): ClusterState => {
    const s = onePod(8080);
    s.pods[0].labels = { app: 'a' };
    s.services = [
      { namespace: 'x', name: 's', type: 'NodePort', clusterIP: '10.96.0.10', selector: { app: 'a' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP', nodePort: 30080 }], sessionAffinity: 'None', publishNotReadyAddresses: false, internalTrafficPolicy: 'Cluster' },
    ];
    return s;
  };
  const realized = (s: ClusterState): ClusterState => ({
    ...s,
    nodes: s.nodes.map((n) => ({ ...n, internalIP: '172.18.0.5', podCIDR: '10.244.7.0/24' })),
    pods: s.pods.map((p) => ({ ...p, ip: '10.244.7.9' })),
    services: s.services.map((v) => ({ ...v, clusterIP: '10.96.44.1', ports: v.ports.map((p) => ({ ...p, nodePort: 31234 })) })),
  });
  const probes: Probe[] = [
    { from: { kind: 'node', name: 'node-1' }, to: { kind: 'ip', ip: '10.244.1.2' }, port: 8080, protocol: 'TCP' },
    { from: { kind: 'node', name: 'node-1' }, to: { kind: 'ip', ip: '172.18.0.2' }, port: 30080, protocol: 'TCP' },
    { from: { kind: 'node', name: 'node-1' }, to: { kind: 'ip', ip: '10.96.0.10' }, port: 80, protocol: 'TCP' },
  ];
  const byAddress: Property = {
    id: 'reach-by-address',
    statement: 'A node reaches its pod by pod IP, and the Service by nodePort and ClusterIP.',
    rule: 'Cluster Networking and Service docs.',
    needs: ['pods'],
    cases: () => fc.constant({ steps: [{ state: withNodePort(), probes }] }),
    check: (ctx) => verdictFindings(ctx, 0),
    outcomes: [],
    classify: () => [],
  };
  function readdressing(options: { dropNodePort?: boolean } = {}) {
    const sent: string[] = [];
    const make = async (): Promise<Harness> => ({
      target: 'readdressing',
      capabilities: new Set(ALL),
      async apply(state) {
        return {
          state: realized(state),
          interfaceIPs: {},
          readdress: { podIPs: { '10.244.1.2': '10.244.7.9' }, nodeIPs: { '172.18.0.2': '172.18.0.5' }, clusterIPs: { '10.96.0.10': '10.96.44.1' }, nodePorts: { 'TCP/30080': 31234 } },
        };
      },
      async probe(ps) {
        return ps.map((p): Observation => {
          const to = p.to.kind === 'ip' ? `${p.to.ip}:${p.port}` : '?';
          sent.push(to);
          const real = ['10.244.7.9:8080', '10.96.44.1:80', ...(options.dropNodePort ? [] : ['172.18.0.5:31234'])];
          return real.includes(to) ? { outcome: 'delivered', backend: { namespace: 'x', name: 'a', port: 8080 } } : { outcome: 'timeout' };
        });
      },
      async teardown() {},
    });
    return { sent, make };
  }

  it('sends and predicts ip: probes at the realized pod IP, node IP with its nodePort, and ClusterIP', async () => {
    const h = readdressing();
    const report = await runProperties({ ...base, runs: 1, catalog: [byAddress], harnessFactory: h.make });
    expect(report.properties[0].status).toBe('passed');
    expect(h.sent).toEqual(['10.244.7.9:8080', '172.18.0.5:31234', '10.96.44.1:80']);
  });

  it('writes a failure in the case addresses, which its requested state holds', async () => {
    const h = readdressing({ dropNodePort: true });
    const report = await runProperties({ ...base, runs: 1, catalog: [byAddress], harnessFactory: h.make });
    const failure = report.properties[0].failure!;
    expect(report.properties[0].status).toBe('failed');
    expect(failure.counterexample.probes).toEqual([{ ...probes[1], expect: 'allow' }]);
    expect(failure.counterexample.state.nodes[0].internalIP).toBe('172.18.0.2');
    expect(failure.probes.map((r) => [r.probe, r.expected, r.ok])).toEqual([
      [probes[0], 'allow', true],
      [probes[1], 'allow', false],
      [probes[2], 'allow', true],
    ]);
  });
});

describe('runProperties shrinking on a settling target', () => {
  /** A virtual clock: sleeping advances it at once, so a 20 s deadline costs the test nothing. */
  function virtualClock() {
    let t = 0;
    return { now: () => t, sleep: async (ms: number) => void (t += ms) };
  }
  /**
   * A target on the virtual clock: a probe to a port in `never` is never delivered; one to a port in
   * `slow` only from `slowMs` after the apply; every other port at once. It notes each apply's time.
   */
  function settlingTarget(options: { never: (port: number) => boolean; slow?: (port: number) => boolean; slowMs?: number }) {
    const clock = virtualClock();
    const applies: { at: number; port: number }[] = [];
    const make = async (): Promise<Harness> => {
      const inner = await scripted().make();
      let appliedAt = 0;
      return {
        ...inner,
        settling: { deadlineMs: 20_000, retryIntervalMs: 500, deniedAs: ['timeout'], profile: 'test', concurrency: 4, clock },
        apply: async (state) => {
          appliedAt = clock.now();
          applies.push({ at: appliedAt, port: state.pods[0].ports[0].containerPort });
          return inner.apply(state);
        },
        probe: async (probes) =>
          probes.map((p): Observation => {
            const port = Number(p.port);
            const late = options.slow?.(port) && clock.now() - appliedAt < (options.slowMs ?? 0);
            return options.never(port) || late ? { outcome: 'timeout' } : { outcome: 'delivered', backend: { namespace: 'x', name: 'a', port } };
          }),
      };
    };
    return { make, applies, clock };
  }

  it('a shrink candidate that still fails waits the shortened deadline, not the full one; the reported case was re-run at the full deadline', async () => {
    const target = settlingTarget({ never: (port) => port >= 300 });
    const report = await runProperties({ ...base, harnessFactory: target.make });
    const failure = report.properties[0].failure!;
    expect(failure.counterexample.probes).toEqual([{ ...probeTo(300), expect: 'allow' }]);
    // No probe had to wait and agree, and the virtual rounds take no time: the floor.
    expect(failure.shrinkDeadlineMs).toBe(5000);
    // Between two applies: the time the first one's case took. The search's failing case and the final
    // re-run waited the full 20 s; every failing candidate in between at most the shortened 5 s.
    const spans = target.applies.slice(1).map((a, i) => ({ port: target.applies[i].port, ms: a.at - target.applies[i].at }));
    const failingSpans = spans.filter((s) => s.port >= 300);
    expect(failingSpans[0].ms).toBeGreaterThanOrEqual(19_500);
    expect(failingSpans.length).toBeGreaterThan(2);
    for (const s of failingSpans.slice(1)) expect(s.ms).toBeLessThanOrEqual(5000);
    expect(failure.probes[0].observation.detail).toMatch(/stale deny: still not delivered 20\.0s after the change/);
    expect(failure.message).not.toMatch(/unshrunk/);
  });

  it('a case shrunk at the shortened deadline that passes at the full one is not reported: the search\'s own failure is, unshrunk, with its path', async () => {
    // Every port but 1 is never delivered; port 1 only 8 s after its apply: within the full deadline,
    // past the shortened one, so shrinking wrongly keeps it and its re-runs at the full deadline pass.
    const target = settlingTarget({ never: (port) => port > 1, slow: (port) => port === 1, slowMs: 8000 });
    const report = await runProperties({ ...base, harnessFactory: target.make });
    const result = report.properties[0];
    expect(result.status).toBe('failed');
    const failure = result.failure!;
    expect(failure.message).toMatch(/\(reported unshrunk: shrinking waited 5\.0 s per candidate, and the case it shrank to passed 10 re-runs at the full deadline/);
    const port = failure.counterexample.state.pods[0].ports[0].containerPort;
    expect(port).toBeGreaterThan(1);
    expect(port).toBe(target.applies[0].port);
    expect(failure).toMatchObject({ path: '0', shrinks: 0, shrinkDeadlineMs: 5000 });
    // Its record is the search's, at the full deadline.
    expect(failure.probes[0].observation.detail).toMatch(/20\.0s after the change/);
  });

  describe('a property with a focus (the probes its findings need)', () => {
    // The pod serves 100 and 300 and is probed on both; port 300 is never delivered. What shrinks
    // (a count of labels) leaves the probes as they are, as a live cluster's fixed pod universe does.
    const twoPorts = (labels: number): ClusterState => {
      const state = onePod(100);
      const pod = state.pods[0];
      return { ...state, pods: [{ ...pod, labels: Object.fromEntries(Array.from({ length: labels }, (_, i) => [`l${i}`, 'v'])), ports: [...pod.ports, { containerPort: 300, protocol: 'TCP' }] }] };
    };
    const reachBoth = (focused: boolean): Property => ({
      ...reachServedPort,
      id: 'reach-both-ports',
      cases: () => fc.integer({ min: 3, max: 40 }).map((n) => ({ steps: [{ state: twoPorts(n), probes: [probeTo(100), probeTo(300)] }] })),
      classify: () => [],
      ...(focused ? { focus: probesNamed } : {}),
    });
    /** A case of n has n / 4 labels: shrinking n meets the same pod again and again. */
    const quarter: Property = {
      ...reachBoth(true),
      cases: () => fc.integer({ min: 0, max: 400 }).map((n) => ({ steps: [{ state: twoPorts(Math.floor(n / 4)), probes: [probeTo(100), probeTo(300)] }] })),
    };
    function recording() {
      const clock = virtualClock();
      /** The ports of each case's first round (later rounds re-make only the probes still disagreeing). */
      const rounds: number[][] = [];
      let applied = false;
      const make = async (): Promise<Harness> => {
        const inner = await scripted().make();
        return {
          ...inner,
          settling: { deadlineMs: 20_000, retryIntervalMs: 500, deniedAs: ['timeout'], profile: 'test', concurrency: 4, clock },
          apply: async (state) => {
            applied = true;
            return inner.apply(state);
          },
          probe: async (probes) => {
            if (applied) rounds.push(probes.map((p) => Number(p.port)));
            applied = false;
            return probes.map((p): Observation => (Number(p.port) >= 300 ? { outcome: 'timeout' } : { outcome: 'delivered', backend: { namespace: 'x', name: 'a', port: Number(p.port) } }));
          },
        };
      };
      return { make, rounds };
    }

    it('shrink candidates make only the probe that failed; the shrunk case is re-run with every probe and reported with both', async () => {
      const target = recording();
      const report = await runProperties({ ...base, catalog: [reachBoth(true)], harnessFactory: target.make });
      const failure = report.properties[0].failure!;
      expect(failure.shrinks).toBeGreaterThan(0);
      expect(Object.keys(failure.counterexample.state.pods[0].labels)).toHaveLength(3);
      // The search's case made both probes; then candidates only port 300, until the final re-run made both.
      expect(target.rounds[0]).toEqual([100, 300]);
      expect(target.rounds.at(-1)).toEqual([100, 300]);
      const candidates = target.rounds.slice(1, -1);
      expect(candidates.length).toBeGreaterThanOrEqual(failure.shrinks ?? 0);
      for (const r of candidates) expect(r).toEqual([300]);
      expect(failure.record!.steps[0].requestedProbes.map((p) => p.port)).toEqual([100, 300]);
      expect(failure.record!.steps[0].observations.map((o) => o.outcome)).toEqual(['delivered', 'timeout']);
    });

    it('a case shrunk with only the failing probes that passes with every probe is not reported: the search\'s own failure is, unshrunk, with its path', async () => {
      // Port 300 fails throughout the search's case, and later only when probed alone (as a focused
      // candidate probes it): shrinking keeps failing, the re-runs with both probes pass. The
      // deadline is no longer than the floor, so only the focus, not a shorter wait, is in play.
      const clock = virtualClock();
      let applies = 0;
      const make = async (): Promise<Harness> => {
        const inner = await scripted().make();
        return {
          ...inner,
          settling: { deadlineMs: 4000, retryIntervalMs: 500, deniedAs: ['timeout'], profile: 'test', concurrency: 4, clock },
          apply: async (state) => {
            applies++;
            return inner.apply(state);
          },
          probe: async (probes) =>
            probes.map((p): Observation => {
              const fails = Number(p.port) >= 300 && (applies === 1 || probes.length === 1);
              return fails ? { outcome: 'timeout' } : { outcome: 'delivered', backend: { namespace: 'x', name: 'a', port: Number(p.port) } };
            }),
        };
      };
      const report = await runProperties({ ...base, catalog: [reachBoth(true)], harnessFactory: make });
      const failure = report.properties[0].failure!;
      expect(failure.shrinkDeadlineMs).toBeUndefined();
      expect(failure.message).toMatch(/\(reported unshrunk: shrinking made only the probes that had failed, and the case it shrank to passed 10 re-runs with every probe/);
      expect(failure).toMatchObject({ path: '0', shrinks: 0 });
      expect(failure.record!.steps[0].requestedProbes.map((p) => p.port)).toEqual([100, 300]);
      expect(Object.keys(failure.counterexample.state.pods[0].labels).length).toBeGreaterThan(3);
    });

    /**
     * Port 300 fails while the pod has at least 3 labels; every other probe is delivered. Each
     * probe of a round takes `msPerProbe` of the virtual clock, and the first round after an apply
     * `firstRoundExtraMs` more. It notes each apply: its state, when it began and its last probe
     * ended, and the most probes a round of it made.
     */
    function labelGated(options: { deadlineMs: number; msPerProbe: number; firstRoundExtraMs?: number }) {
      const clock = virtualClock();
      const applies: { state: string; from: number; to: number; probes: number }[] = [];
      let labelCount = 0;
      const make = async (): Promise<Harness> => {
        const inner = await scripted().make();
        return {
          ...inner,
          settling: { deadlineMs: options.deadlineMs, retryIntervalMs: 500, deniedAs: ['timeout'], profile: 'test', concurrency: 4, clock },
          apply: async (state) => {
            applies.push({ state: JSON.stringify(state), from: clock.now(), to: clock.now(), probes: 0 });
            labelCount = Object.keys(state.pods[0].labels).length;
            return inner.apply(state);
          },
          probe: async (probes) => {
            const last = applies.at(-1)!;
            await clock.sleep(options.msPerProbe * probes.length + (last.probes === 0 ? (options.firstRoundExtraMs ?? 0) : 0));
            last.to = clock.now();
            last.probes = Math.max(last.probes, probes.length);
            return probes.map((p): Observation => (Number(p.port) >= 300 && labelCount >= 3 ? { outcome: 'timeout' } : { outcome: 'delivered', backend: { namespace: 'x', name: 'a', port: Number(p.port) } }));
          },
        };
      };
      return { make, applies };
    }

    it('a shrink candidate that would make the same experiment as an earlier one (same states, same probes made) is not made again', async () => {
      // A case of n draws n / 4 labels, so shrinking n meets the same pod again and again (12 to 15 all give 3 labels).
      const target = labelGated({ deadlineMs: 4000, msPerProbe: 0 });
      const report = await runProperties({ ...base, catalog: [quarter], harnessFactory: target.make });
      const failure = report.properties[0].failure!;
      expect(Object.keys(failure.counterexample.state.pods[0].labels)).toHaveLength(3);
      expect(failure.shrinks).toBeGreaterThan(1);
      // From the failing search case to the re-run of the shrunk case: no state applied twice.
      const states = target.applies.map((a) => a.state);
      const failedAt = states.findIndex((st) => Object.keys(JSON.parse(st).pods[0].labels).length >= 3);
      const candidates = states.slice(failedAt + 1, -1);
      expect(candidates.length).toBeGreaterThan(2);
      expect(new Set(candidates).size).toBe(candidates.length);
    });

    it('candidates wait the floor plus the slowest round of only the failing probes (the failing run\'s retries of them), not the search\'s rounds of every probe', async () => {
      // Each probe takes 1 s of a round: the search's first rounds of two probes 2 s; its retries of
      // the failing probe alone, and a focused candidate's rounds, 1 s.
      const target = labelGated({ deadlineMs: 20_000, msPerProbe: 1000 });
      const report = await runProperties({ ...base, catalog: [quarter], harnessFactory: target.make });
      const failure = report.properties[0].failure!;
      // Nothing converged late in the search: the floor (5 s) plus a round of the failing probe (1 s),
      // from the first candidate on; the search's slowest first round would give 7 s.
      expect(failure.shrinkDeadlineMs).toBe(6000);
      expect(Object.keys(failure.counterexample.state.pods[0].labels)).toHaveLength(3);
      // The failing candidates (a passing one agrees at its first round, 1 s).
      const waited = target.applies.slice(1, -1).filter((x) => x.probes === 1 && x.to - x.from > 1000).map((x) => x.to - x.from);
      expect(waited.length).toBeGreaterThan(1);
      // At 6 s (the floor and a focused round of 1 s) rounds end at 1, 2.5, 4 and 5.5 s; at the
      // search's 7 s there would be one more, at 7 s.
      for (const w of waited) expect(w).toBe(5500);
    });

    it('a focused candidate\'s first round slower than the failing run\'s retries raises the deadline of the candidates after it', async () => {
      // A round right after an apply takes 1 s more: the failing run's retries of port 300 take 1 s,
      // a focused candidate's first round 2 s. The first candidate waits 5 + 1 s, later ones 5 + 2 s.
      const target = labelGated({ deadlineMs: 20_000, msPerProbe: 1000, firstRoundExtraMs: 1000 });
      const report = await runProperties({ ...base, catalog: [quarter], harnessFactory: target.make });
      const failure = report.properties[0].failure!;
      expect(Object.keys(failure.counterexample.state.pods[0].labels)).toHaveLength(3);
      expect(failure.shrinks).toBeGreaterThan(1);
      expect(failure.shrinkDeadlineMs).toBe(7000);
    });

    it('without the declaration every candidate makes every probe', async () => {
      const target = recording();
      const report = await runProperties({ ...base, catalog: [reachBoth(false)], harnessFactory: target.make });
      expect(report.properties[0].failure!.shrinks).toBeGreaterThan(0);
      expect(target.rounds.length).toBeGreaterThan(2);
      for (const r of target.rounds) expect(r).toEqual([100, 300]);
    });
  });

  it('a target whose probes converged slowly during the search shrinks with twice that wait', async () => {
    // Ports below 700 agree 6 s after the apply (a slow CNI); ports from 700 never. Run 1 is below 700 on this seed, or the wait could not have been measured.
    const target = settlingTarget({ never: (port) => port >= 700, slow: (port) => port < 700, slowMs: 6000 });
    const report = await runProperties({ ...base, harnessFactory: target.make });
    const failure = report.properties[0].failure!;
    expect(target.applies[0].port).toBeLessThan(700);
    // The slowest waited probe agreed at the first attempt at or after 6 s: 6 s rounded up to the retry interval.
    expect(failure.shrinkDeadlineMs).toBe(12_000);
    expect(failure.counterexample.probes).toEqual([{ ...probeTo(700), expect: 'allow' }]);
  });
});
