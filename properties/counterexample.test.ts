// The case file written for a failure: which step, which probes, and which expectation they carry.
import { describe, expect, it } from 'vitest';
import type { ClusterState, Observation, Probe } from '../cluster/types.ts';
import { nodeAt } from '../generators/node.ts';
import { buildModel } from '../harness/model/model.ts';
import { settledStep } from '../harness/record.ts';
import { counterexampleOf } from './counterexample.ts';
import type { CheckContext, StepRun } from './property.ts';

// x/b is isolated for ingress by a deny-all policy; x/a is not isolated. Two nodes.
const n1 = nodeAt(0);
const n2 = nodeAt(1);
const pod = (name: string, node: typeof n1, ip: string) => ({
  namespace: 'x', name, labels: { app: name }, nodeName: node.name, hostNetwork: false, ports: [{ containerPort: 80, protocol: 'TCP' as const }], ip, ready: true,
});
const isolated: ClusterState = {
  namespaces: [{ name: 'x', labels: {} }],
  nodes: [n1, n2],
  pods: [pod('a', n1, '10.244.1.2'), pod('b', n1, '10.244.1.3')],
  services: [],
  policies: [{ namespace: 'x', name: 'deny-b', podSelector: { matchLabels: { app: 'b' } }, policyTypes: ['Ingress'] }],
};
const open: ClusterState = { ...isolated, policies: [] };

const probe = (from: string, to: string): Probe => ({
  from: from.startsWith('node:') ? { kind: 'node', name: from.slice(5) } : { kind: 'pod', namespace: 'x', name: from },
  to: { kind: 'pod', namespace: 'x', name: to },
  port: 80,
  protocol: 'TCP',
});
const aToB = probe('a', 'b'); // deny while b is isolated
const bToA = probe('b', 'a'); // allow
const otherNodeToB = probe('node:node-2', 'b'); // undefined upstream while b is isolated

const delivered: Observation = { outcome: 'delivered' };
const timeout: Observation = { outcome: 'timeout' };
const run = (state: ClusterState, probes: Probe[], observations: Observation[]): StepRun => settledStep({ state, probes, observations });

describe('counterexampleOf', () => {
  it('writes the probes a finding names, expecting what the reference model says, not what was observed', () => {
    const ctx: CheckContext = { steps: [run(isolated, [bToA, aToB], [delivered, delivered])] };
    const ce = counterexampleOf(ctx, [{ message: 'a reached b', probes: [{ step: 0, probe: 1 }] }]);
    expect(ce.case.probes).toEqual([{ ...aToB, expect: 'deny' }]);
    expect(ce.case.state).toBe(isolated);
    expect(ce.records.map((r) => [r.expected, r.ok])).toEqual([['allow', true], ['deny', false]]);
  });

  it('never writes a probe whose verdict upstream leaves undefined', () => {
    const ctx: CheckContext = { steps: [run(isolated, [otherNodeToB, aToB], [delivered, delivered])] };
    expect(buildModel(isolated).predict(otherNodeToB).verdict).toBe('undefined');
    const ce = counterexampleOf(ctx, [{ message: 'both', probes: [{ step: 0, probe: 0 }, { step: 0, probe: 1 }] }]);
    expect(ce.case.probes).toEqual([{ ...aToB, expect: 'deny' }]);
  });

  it('of a metamorphic finding over two steps, writes the step whose observation contradicts the model', () => {
    // Before: a -> b allowed (no policy) and delivered; after: b isolated, yet delivered. Step 1 is wrong.
    const ctx: CheckContext = { steps: [run(open, [aToB], [delivered]), run(isolated, [aToB], [delivered])] };
    const ce = counterexampleOf(ctx, [{ message: 'changed', probes: [{ step: 0, probe: 0 }, { step: 1, probe: 0 }] }]);
    expect(ce.step).toBe(1);
    expect(ce.case.state).toBe(isolated);
    expect(ce.case.probes).toEqual([{ ...aToB, expect: 'deny' }]);
    // The earlier step is replayed first, expecting the model's verdict.
    expect(ce.case.before).toEqual([{ state: open, probes: [{ ...aToB, expect: 'allow' }] }]);
  });

  it('writes the earlier steps as `before` in order (requested states, defined verdicts only), and none for step 0', () => {
    // A history the target may remember: step 0 isolated (with an undefined probe), step 1 open, step 2 isolated again and wrongly delivered.
    const ctx: CheckContext = {
      steps: [run(isolated, [otherNodeToB, aToB, bToA], [delivered, timeout, delivered]), run(open, [aToB], [delivered]), run(isolated, [aToB], [delivered])],
    };
    const ce = counterexampleOf(ctx, [{ message: 'x', probes: [{ step: 2, probe: 0 }] }]);
    expect(ce.step).toBe(2);
    expect(ce.case.before).toEqual([
      { state: isolated, probes: [{ ...aToB, expect: 'deny' }, { ...bToA, expect: 'allow' }] },
      { state: open, probes: [{ ...aToB, expect: 'allow' }] },
    ]);
    const first = counterexampleOf(ctx, [{ message: 'x', probes: [{ step: 0, probe: 1 }] }]);
    expect(first.step).toBe(0);
    expect('before' in first.case).toBe(false);
  });

  it('adds the step probes that contradict the model when the named ones do not (an intrinsic finding)', () => {
    // The finding is about the source address of an allowed, delivered probe; a -> b was wrongly delivered too.
    const ctx: CheckContext = { steps: [run(isolated, [bToA, aToB], [{ ...delivered, sourceSeen: '172.18.0.2' }, delivered])] };
    const ce = counterexampleOf(ctx, [{ message: 'NAT', probes: [{ step: 0, probe: 0 }] }]);
    expect(ce.case.probes).toEqual([{ ...bToA, expect: 'allow' }, { ...aToB, expect: 'deny' }]);
  });

  it('writes a repeated probe once', () => {
    const ctx: CheckContext = { steps: [run(isolated, [aToB, aToB, aToB], [timeout, delivered, delivered])] };
    const ce = counterexampleOf(ctx, [{ message: 'x', probes: [1, 2].map((i) => ({ step: 0, probe: i })) }]);
    expect(ce.case.probes).toEqual([{ ...aToB, expect: 'deny' }]);
    expect(ce.records).toHaveLength(3);
  });

  it('writes a Service probe once per backend it may reach, but a probe from a chosen source port once (one flow, one backend)', () => {
    const served: ClusterState = {
      ...open,
      pods: open.pods.map((p) => ({ ...p, labels: { app: 'web' } })),
      services: [{ namespace: 'x', name: 'web', type: 'ClusterIP', clusterIP: '10.96.0.20', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }], sessionAffinity: 'None', publishNotReadyAddresses: false, internalTrafficPolicy: 'Cluster' }],
    };
    const toService: Probe = { from: { kind: 'node', name: 'node-1' }, to: { kind: 'service', namespace: 'x', name: 'web' }, port: 80, protocol: 'TCP' };
    const spread = counterexampleOf({ steps: [run(served, [toService], [timeout])] }, [{ message: 'x', probes: [{ step: 0, probe: 0 }] }]);
    expect(spread.case.probes).toEqual([{ ...toService, expect: 'allow' }, { ...toService, expect: 'allow' }]);
    const flow = { ...toService, sourcePort: 40000 };
    const once = counterexampleOf({ steps: [run(served, [flow], [timeout])] }, [{ message: 'x', probes: [{ step: 0, probe: 0 }] }]);
    expect(once.case.probes).toEqual([{ ...flow, expect: 'allow' }]);
  });

  it('writes the state as asked for, not as the target realized it (a broken IPAM would make it undecodable)', () => {
    const realized = { ...isolated, pods: isolated.pods.map((p) => ({ ...p, ip: '10.244.1.2' })) };
    const ctx: CheckContext = { steps: [{ ...run(realized, [aToB], [delivered]), requested: isolated }] };
    const ce = counterexampleOf(ctx, [{ message: 'x', probes: [{ step: 0, probe: 0 }] }]);
    expect(ce.case.state).toBe(isolated);
  });
});
