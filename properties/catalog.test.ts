// Every property passes on the conformant reference model and fails under a fault that breaks what
// it checks: a named fault of the model target (its evaluator's, or a breakage wrapping it: harness/breakages.ts).
// The model has no DNS: a property that needs it runs on the model with a DNS server added (cluster-dns.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { execute } from '../harness/execute.ts';
import { createHarness } from '../harness/targets.ts';
import { PROPERTIES } from './catalog.ts';
import { focusFilter } from './focus.ts';
import { modelHarnessFor, type ClusterDNSBehaviour } from './cluster-dns.ts';
import { runProperties } from './runner.ts';

const FAULT_OF: Record<string, { fault: string } | { dns: ClusterDNSBehaviour }> = {
  'pod-ip-unique': { fault: 'duplicate-pod-ip' },
  'no-nat-pod-to-pod': { fault: 'snat-pod-to-pod' },
  'self-ip-is-seen-ip': { fault: 'snat-pod-to-pod' },
  'node-to-pod': { fault: 'node-traffic-masqueraded' },
  'clusterip-reaches-ready-endpoint': { fault: 'not-ready-endpoints' },
  'service-spreads': { fault: 'not-ready-endpoints' },
  hairpin: { fault: 'no-hairpin' },
  'nodeport-reachable': { fault: 'not-ready-endpoints' },
  'service-port-not-exposed': { fault: 'clusterip-all-ports' },
  'service-dns': { dns: 'publishes-not-ready' },
  'policy-verdicts': { fault: 'ignore-egress' },
  'policy-replies': { fault: 'ignore-egress' },
  'allow-all-ingress-never-denies': { fault: 'ignore-endport' },
  'policy-order-irrelevant': { fault: 'first-policy-wins' },
  'policy-selecting-no-pod': { fault: 'policy-ignores-pod-selector' },
  'deleting-policies-restores-reachability': { fault: 'no-hairpin' },
  'large-payload-across-nodes': { fault: 'ignore-egress' },
  'udp-endpoint-change': { fault: 'not-ready-endpoints' },
  'model-matches-kernel': { fault: 'peers-or' },
  'readiness-never-gates-direct-traffic': { fault: 'not-ready-pods-unreachable' },
};

describe('every property', () => {
  it('has a fault listed here that it must catch', () => {
    expect(Object.keys(FAULT_OF).sort()).toEqual(PROPERTIES.map((p) => p.id).sort());
  });

  it('has a unique id, a one-line statement and the upstream rule', () => {
    expect(new Set(PROPERTIES.map((p) => p.id)).size).toBe(PROPERTIES.length);
    for (const p of PROPERTIES) {
      expect(p.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(p.statement).not.toContain('\n');
      expect(p.rule.length).toBeGreaterThan(20);
      expect(p.outcomes.length).toBeGreaterThan(0);
    }
  });
});

describe.each(PROPERTIES.map((p) => [p.id, p] as const))('%s', (id, property) => {
  // A property comparing a target with the model is skipped on the model itself; modelHarnessFor
  // presents the model's observations as another target's, to show it does not accuse a conformant one.
  const conformant = modelHarnessFor(property);
  it('holds on the conformant reference model, judging something in its runs', async () => {
    const report = await runProperties({ target: 'model', properties: [id], runs: 200, seed: 1, harnessFactory: conformant });
    const [result] = report.properties;
    expect(result.failure?.message).toBeUndefined();
    expect(result.status).toBe('passed');
    expect(result.runs).toBe(200);
    expect(result.judged).toBeGreaterThan(0);
  });

  if (property.comparesWithModel) {
    it('is skipped on the reference model itself, which it would compare with itself', async () => {
      const report = await runProperties({ target: 'model', properties: [id], runs: 200, seed: 1 });
      expect(report.properties[0]).toMatchObject({ status: 'skipped', runs: 0 });
    });
  }

  const how = FAULT_OF[id];
  const name = 'fault' in how ? `model fault ${how.fault}` : `a DNS server that ${how.dns}`;
  it(`fails under ${name}, with a shrunk counterexample`, async () => {
    const report = await runProperties({
      target: 'model',
      properties: [id],
      runs: 200,
      seed: 1,
      harnessFactory: modelHarnessFor(property),
      ...('fault' in how ? { fault: how.fault } : {}),
      ...('dns' in how ? { harnessFactory: modelHarnessFor(property, how.dns) } : {}),
    });
    const [result] = report.properties;
    expect(result.status).toBe('failed');
    expect(result.failure!.message.length).toBeGreaterThan(0);
    expect(result.failure!.probes.some((r) => !r.ok) || result.failure!.probes.length === 0).toBe(true);
  });
});

// Shrinking on a settling target makes only a property's focus of the last failing case: that must
// be enough for its check to find the same again, or shrinking would stop at the first candidate.
describe.each(PROPERTIES.filter((p) => p.focus).map((p) => [p.id, p] as const))('%s, made with only its focus', (id, property) => {
  it('a failing case finds the same again when only the probes its focus names are made', async () => {
    const harness = await createHarness('model', { fault: (FAULT_OF[id] as { fault: string }).fault });
    let compared = 0;
    let fewer = 0;
    try {
      for (const pc of fc.sample(property.cases({ capabilities: harness.capabilities }), { numRuns: 300, seed: 7 })) {
        const ctx = await execute(harness, pc);
        const findings = property.check(ctx);
        if (findings.length === 0) continue;
        // The filter the runner gives its shrink candidates.
        const focused = await execute(harness, pc, { onlyProbes: focusFilter(ctx, property.focus!(ctx, findings)) });
        if (focused.steps.flatMap((st) => st.probes).length < ctx.steps.flatMap((st) => st.probes).length) fewer++;
        expect(property.check(focused).map((f) => f.message).sort()).toEqual(findings.map((f) => f.message).sort());
        if (++compared === 10) break;
      }
    } finally {
      await harness.teardown();
    }
    // Some of them with fewer probes than the case: the comparison is not of a case with itself.
    expect(fewer).toBeGreaterThan(0);
  });
});
