import { describe, it, expect, afterEach } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { parseAllDocuments } from 'yaml';
import fc from 'fast-check';
import type { ClusterState, Probe } from '../../cluster/types.ts';
import { clusterStateArbitrary } from './cluster-state.arbitrary.ts';
import { createDryRunHarness, planClusterRun } from './plan.ts';
import { schemaErrors } from './schema.ts';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

const probesOf = (state: ClusterState): Probe[] =>
  state.pods.flatMap((from) => state.pods.map((to) => ({ from: { kind: 'pod' as const, namespace: from.namespace, name: from.name }, to: { kind: 'pod' as const, namespace: to.namespace, name: to.name }, port: to.ports[0]?.containerPort ?? 80, protocol: to.ports[0]?.protocol ?? ('TCP' as const) })));

describe('planClusterRun (--dry-run)', () => {
  it('writes schema-valid, kubectl-readable manifests and a probe plan for every case', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'netprops-plan-'));
    const states = fc.sample(clusterStateArbitrary, { numRuns: 5, seed: 7 });
    const plan = await planClusterRun({ cases: states.map((state) => ({ state, probes: probesOf(state) })), runId: 'np-plan1', outDir: dir });
    expect(plan.files).toHaveLength(10);
    for (const [i, state] of states.entries()) {
      const docs = parseAllDocuments(await readFile(path.join(dir, `case-${i + 1}`, 'manifests.yaml'), 'utf8')).map((d) => d.toJS());
      expect(docs.flatMap(schemaErrors)).toEqual([]);
      expect(docs.filter((d) => d.kind === 'Pod')).toHaveLength(state.pods.length);
      const text = await readFile(path.join(dir, `case-${i + 1}`, 'plan.txt'), 'utf8');
      expect(text.trim().split('\n')).toHaveLength(1 + state.pods.length ** 2);
    }
    expect(plan.text).toMatch(/exec x-np-plan1\/pod-0: \/agnhost connect --timeout=2s --protocol=\w+ [\d.]+:\d+/);
  });

  it('the dry-run harness plans each applied case and observes nothing, so no property can pass on it', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'netprops-plan-'));
    let printed = '';
    const out = new Writable({ write: (c, _e, done) => ((printed += c), done()) });
    const h = createDryRunHarness('np-dry1', { out: dir }, out);
    const [s1, s2] = fc.sample(clusterStateArbitrary, { numRuns: 2, seed: 3 });
    await h.apply(s1);
    const obs = await h.probe(probesOf(s1));
    expect(obs.every((o) => o.outcome === 'unsupported' && o.detail === 'dry run: planned, not probed')).toBe(true);
    await h.apply(s2);
    await h.teardown();
    expect(printed).toContain(`${path.join(dir, 'cluster-plan', 'case-1')}: `);
    expect(printed).toContain('dry run: 2 case(s) planned');
    const docs = parseAllDocuments(await readFile(path.join(dir, 'cluster-plan', 'case-2', 'manifests.yaml'), 'utf8')).map((d) => d.toJS());
    expect(docs.filter((d) => d.kind === 'Namespace').map((d) => d.metadata.name)).toEqual(s2.namespaces.map((n) => `${n.name}-np-dry1`));
  });

  it('a run on the dry-run harness reports every property skipped, even one judged from the applied state alone (pod-ip-unique)', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'netprops-plan-'));
    const { runProperties } = await import('../../properties/runner.ts');
    const outDir = dir;
    const quiet = new Writable({ write: (_c, _e, done) => done() });
    const report = await runProperties({
      target: 'cluster',
      properties: ['pod-ip-unique', 'no-nat-pod-to-pod'],
      runs: 2,
      seed: 1,
      harnessFactory: async () => createDryRunHarness('np-dry2', { out: outDir }, quiet),
    });
    expect(report.properties.map((p) => [p.id, p.status])).toEqual([
      ['pod-ip-unique', 'skipped'],
      ['no-nat-pod-to-pod', 'skipped'],
    ]);
    expect(report.properties[0].skipReason).toMatch(/dry run/);
  });
});
