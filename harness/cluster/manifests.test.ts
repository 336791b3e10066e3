import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClusterState, Pod, Service } from '../../cluster/types.ts';
import { clusterStateArbitrary } from './cluster-state.arbitrary.ts';
import { AGNHOST_IMAGE, NOT_READY_FILE, PLACEMENT_LABEL, clusterManifests, networkPolicyManifest, podManifest, serviceManifest } from './manifests.ts';
import { RUN_LABEL } from './run-names.ts';
import { schemaErrors } from './schema.ts';
import { loadCases } from '../../cluster/case-file.ts';
import { SHARED_CASES } from '../../cluster/shared-cases.fixture.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const web: Pod = {
  namespace: 'x', name: 'web', labels: { app: 'web' }, nodeName: 'node-1', hostNetwork: false,
  ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }], ip: '10.244.1.5', ready: true,
};

describe('clusterManifests: every object is valid against the Kubernetes OpenAPI schema', () => {
  it('for generated states, with and without a run id and node pinning', () => {
    fc.assert(
      fc.property(clusterStateArbitrary, fc.option(fc.constant('a1b2c3d4'), { nil: undefined }), fc.boolean(), (state, runId, pin) => {
        const objects = clusterManifests(state, { runId, nodeNames: pin ? { 'node-1': 'kind-worker', 'node-2': 'kind-worker2' } : undefined });
        expect(objects.flatMap(schemaErrors)).toEqual([]);
        expect(objects).toHaveLength(state.namespaces.length + state.pods.length + state.services.length + state.policies.length);
      }),
      { numRuns: 200 },
    );
  });

  it('for states drawn by the shared cluster generator (generators/cluster.ts)', async (ctx) => {
    const file = path.join(repoRoot, 'generators/cluster.ts');
    if (!existsSync(file)) return ctx.skip('generators/cluster.ts has not landed yet');
    const mod = (await import(file)) as { clusterCase: (o?: unknown) => fc.Arbitrary<{ state: ClusterState }> };
    fc.assert(
      fc.property(mod.clusterCase(), ({ state }) => {
        expect(clusterManifests(state, { runId: 'feedc0de' }).flatMap(schemaErrors)).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it('for the example cases (cluster/fixtures/cases)', async () => {
    const cases = await loadCases([SHARED_CASES]);
    expect(cases.length).toBeGreaterThan(0);
    for (const c of cases) expect(clusterManifests(c.case.state).flatMap(schemaErrors), c.file).toEqual([]);
  });
});

describe('clusterManifests: run namespaces', () => {
  const state: ClusterState = {
    namespaces: [{ name: 'x', labels: { ns: 'x', 'kubernetes.io/metadata.name': 'spoofed' } }, { name: 'y', labels: {} }],
    nodes: [], pods: [web], services: [], policies: [],
  };

  it('carry the run id in their names and a label marking them as the run\'s', () => {
    const [x] = clusterManifests(state, { runId: 'r1' });
    expect(x.metadata?.name).toBe('x-r1');
    expect(x.metadata?.labels).toEqual({ ns: 'x', [RUN_LABEL]: 'r1', 'app.kubernetes.io/managed-by': 'netprops', 'pod-security.kubernetes.io/enforce': 'privileged' });
  });

  it('never write kubernetes.io/metadata.name: the API server owns it', () => {
    const [x] = clusterManifests(state);
    expect(x.metadata?.labels).toEqual({ ns: 'x' });
  });

  it('keep the case\'s names without a run id (repro manifests)', () => {
    const objects = clusterManifests(state);
    expect(objects.map((o) => o.metadata?.namespace ?? o.metadata?.name)).toEqual(['x', 'y', 'x']);
  });
});

describe('podManifest', () => {
  it('runs the pinned agnhost image unless overridden', () => {
    expect(podManifest(web).spec?.containers[0].image).toBe(AGNHOST_IMAGE);
    expect(podManifest(web, { image: 'mirror.local/agnhost:2.53' }).spec?.containers[0].image).toBe('mirror.local/agnhost:2.53');
  });

  it('a ready pod starts serving at once; a not-ready one creates the readiness file first', () => {
    const ready = podManifest(web).spec!.containers[0];
    expect(ready.args).toEqual(['netexec', '--http-port=80', '--udp-port=-1']);
    expect(ready.command).toBeUndefined();
    const notReady = podManifest({ ...web, ready: false }).spec!.containers[0];
    expect(notReady.command?.[2]).toBe(`touch ${NOT_READY_FILE} && exec /agnhost netexec --http-port=80 --udp-port=-1`);
    for (const c of [ready, notReady]) expect(c.readinessProbe?.exec?.command?.[2]).toBe(`test ! -e ${NOT_READY_FILE}`);
  });

  it('pins to the real node when node names are known, else keeps placement with pod (anti-)affinity', () => {
    const pinned = podManifest(web, { nodeNames: { 'node-1': 'kind-worker' } }).spec;
    expect(pinned?.nodeName).toBe('kind-worker');
    expect(pinned?.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(pinned?.affinity).toBeUndefined();
    const floating = podManifest(web, { runId: 'r1' });
    expect(floating.spec?.nodeName).toBeUndefined();
    expect(floating.metadata?.labels).toEqual({ app: 'web', [PLACEMENT_LABEL]: 'node-1' });
    const aff = floating.spec?.affinity;
    expect(aff?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.[0].labelSelector?.matchExpressions?.[1]).toEqual({ key: PLACEMENT_LABEL, operator: 'In', values: ['node-1'] });
    expect(aff?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.[0].labelSelector?.matchExpressions?.[1]).toEqual({ key: PLACEMENT_LABEL, operator: 'NotIn', values: ['node-1'] });
    expect(aff?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.[0].namespaceSelector).toEqual({ matchLabels: { [RUN_LABEL]: 'r1' } });
  });

  it('hostNetwork pods declare hostPort = containerPort, as the API requires', () => {
    const m = podManifest({ ...web, hostNetwork: true });
    expect(m.spec?.hostNetwork).toBe(true);
    expect(m.spec?.dnsPolicy).toBe('ClusterFirstWithHostNet');
    expect(m.spec?.containers[0].ports).toEqual([{ name: 'http', containerPort: 80, protocol: 'TCP', hostPort: 80 }]);
  });
});

describe('serviceManifest', () => {
  it('leaves ClusterIP and nodePort to the cluster, but keeps headless', () => {
    const base = { namespace: 'x', name: 's', selector: { app: 'web' }, sessionAffinity: 'None', publishNotReadyAddresses: false, internalTrafficPolicy: 'Cluster' } as const;
    const m = serviceManifest({ ...base, type: 'NodePort', clusterIP: '10.96.0.10', ports: [{ port: 80, targetPort: 'http', protocol: 'TCP', nodePort: 30080 }] }, { runId: 'r' });
    expect(m.metadata?.namespace).toBe('x-r');
    expect(m.spec?.clusterIP).toBeUndefined();
    expect(m.spec?.ports).toEqual([{ port: 80, targetPort: 'http', protocol: 'TCP' }]);
    const headless = serviceManifest({ ...base, type: 'ClusterIP', clusterIP: 'None', ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }] });
    expect(headless.spec?.clusterIP).toBe('None');
  });

  it('externalTrafficPolicy Local reaches a NodePort Service; Cluster (the default) is left out, and a ClusterIP Service never carries it (API validation)', () => {
    const base: Omit<Service, 'type'> = { namespace: 'x', name: 's', clusterIP: '10.96.0.1', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }], sessionAffinity: 'None', publishNotReadyAddresses: false, internalTrafficPolicy: 'Cluster' };
    expect(serviceManifest({ ...base, type: 'NodePort', externalTrafficPolicy: 'Local' }).spec?.externalTrafficPolicy).toBe('Local');
    expect(serviceManifest({ ...base, type: 'NodePort', externalTrafficPolicy: 'Cluster' }).spec).not.toHaveProperty('externalTrafficPolicy');
    expect(serviceManifest({ ...base, type: 'ClusterIP', externalTrafficPolicy: 'Local' }).spec).not.toHaveProperty('externalTrafficPolicy');
  });

  it('a selector-less Service stays selector-less (no managed endpoints)', () => {
    const m = serviceManifest({ namespace: 'x', name: 's', type: 'ClusterIP', clusterIP: '10.96.0.1', ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }], sessionAffinity: 'None', publishNotReadyAddresses: false, internalTrafficPolicy: 'Cluster' });
    expect(m.spec).not.toHaveProperty('selector');
  });
});

describe('networkPolicyManifest', () => {
  it('renames namespaces by name consistently, in matchLabels and matchExpressions', () => {
    const m = networkPolicyManifest(
      {
        namespace: 'x', name: 'p', podSelector: {},
        ingress: [{ from: [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'y', team: 'y' } } },
          { namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['x', 'z'] }] }, podSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'y' } } },
        ] }],
      },
      { runId: 'r1' },
    );
    expect(m.metadata?.namespace).toBe('x-r1');
    const from = m.spec?.ingress?.[0].from;
    // Only namespace names are renamed: a team label and a pod label that happen to say "y" are not.
    expect(from?.[0].namespaceSelector).toEqual({ matchLabels: { 'kubernetes.io/metadata.name': 'y-r1', team: 'y' } });
    expect(from?.[1].namespaceSelector?.matchExpressions).toEqual([{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['x-r1', 'z-r1'] }]);
    expect(from?.[1].podSelector).toEqual({ matchLabels: { 'kubernetes.io/metadata.name': 'y' } });
  });

  it('keeps omitted policyTypes omitted and empty lists empty (both are semantics)', () => {
    const m = networkPolicyManifest({ namespace: 'x', name: 'p', podSelector: {}, ingress: [{}], egress: [] });
    expect(m.spec).not.toHaveProperty('policyTypes');
    expect(m.spec?.ingress).toEqual([{}]);
    expect(m.spec?.egress).toEqual([]);
    const withEmptyFrom = networkPolicyManifest({ namespace: 'x', name: 'p', podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [], ports: [{ port: 'http', protocol: 'UDP' }, { port: 80, endPort: 90 }] }] });
    expect(withEmptyFrom.spec?.ingress).toEqual([{ from: [], ports: [{ port: 'http', protocol: 'UDP' }, { port: 80, endPort: 90 }] }]);
  });
});
