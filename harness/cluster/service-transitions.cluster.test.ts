// Every change of one Service between the forms the generators draw, applied by the cluster harness
// to a real kube-apiserver (a 1-node local cluster; root, about two minutes). Consecutive cases of a
// run reuse Service names, so any form may follow any other; the API server's defaulting and
// validation (clusterIP immutable, ipFamilyPolicy defaulted per form, nodePorts released with the
// type) decide which changes may be made in place. The fake API server models what this found; this
// test is where the real one has the last word. `npm run test:local-cluster` runs it.
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { V1Service } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterState, Service, ServicePort } from '../../cluster/types.ts';
import { down } from '../../local-cluster/down.ts';
import { up, type UpResult } from '../../local-cluster/up.ts';
import { createApiClient, type ApiClient } from './api-client.ts';
import { loadKubeConfig } from './connection.ts';
import { createClusterHarness, type ClusterHarness } from './harness.ts';

const isRoot = process.getuid?.() === 0;
const hasKubectl = existsSync('/usr/bin/kubectl') || existsSync('/usr/local/bin/kubectl');

type Kind = 'ClusterIP' | 'NodePort' | 'NodePort-Local' | 'headless';
const KINDS: Kind[] = ['ClusterIP', 'NodePort', 'NodePort-Local', 'headless'];
const PORT_SETS: Record<string, ServicePort[]> = {
  'one TCP': [{ port: 80, targetPort: 80, protocol: 'TCP' }],
  'TCP and UDP, named': [
    { name: 'web', port: 80, targetPort: 80, protocol: 'TCP' },
    { name: 'api', port: 80, targetPort: 80, protocol: 'UDP' },
  ],
};

interface Form {
  label: string;
  service: (step: number) => Service;
}

const forms: Form[] = KINDS.flatMap((kind) =>
  [true, false].flatMap((selected) =>
    Object.entries(PORT_SETS).map(([portsLabel, ports]) => ({
      label: `${kind}, ${selected ? 'selector' : 'no selector'}, ${portsLabel}`,
      // The fields every form may have vary with the step, so they change along the way too.
      service: (step: number): Service => ({
        namespace: 'x',
        name: 'svc-a',
        type: kind.startsWith('NodePort') ? 'NodePort' : 'ClusterIP',
        clusterIP: kind === 'headless' ? 'None' : '10.96.0.50',
        ...(selected ? { selector: { app: 'web' } } : {}),
        ...(kind === 'NodePort-Local' ? { externalTrafficPolicy: 'Local' as const } : {}),
        ports,
        sessionAffinity: step % 2 === 0 ? 'None' : 'ClientIP',
        publishNotReadyAddresses: step % 3 === 0,
        internalTrafficPolicy: step % 5 === 0 ? 'Local' : 'Cluster',
      }),
    })),
  ),
);

/** A walk through the complete directed graph of forms (self-loops included) using every edge once (Hierholzer). */
function everyOrderedPair(n: number): number[] {
  const next = Array.from({ length: n }, () => 0);
  const stack = [0];
  const walk: number[] = [];
  while (stack.length > 0) {
    const v = stack[stack.length - 1];
    if (next[v] < n) stack.push(next[v]++);
    else walk.push(stack.pop()!);
  }
  return walk.reverse();
}

describe('everyOrderedPair', () => {
  it('visits each ordered pair of 5 forms exactly once', () => {
    const walk = everyOrderedPair(5);
    const pairs = walk.slice(1).map((to, i) => `${walk[i]}>${to}`);
    expect(pairs).toHaveLength(25);
    expect(new Set(pairs).size).toBe(25);
  });
});

describe.skipIf(!isRoot || !hasKubectl)('Service changes on a real API server (routes, kube-proxy nftables, 1 node)', () => {
  let dir: string;
  let cluster: UpResult;
  let harness: ClusterHarness;
  let api: ApiClient;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'netprops-svc-transitions-'));
    cluster = await up({ dir, nodes: 1, network: 'routes', proxyMode: 'nftables', policy: 'kube-router' });
    harness = await createClusterHarness({ runId: 'np-svctr', settings: { kubeconfig: cluster.kubeconfig, cniProfile: 'local-routes' } }, { signals: false });
    api = createApiClient(loadKubeConfig({ kubeconfig: cluster.kubeconfig }));
  }, 50 * 60_000);

  afterAll(async () => {
    await harness?.teardown();
    if (cluster) await down({ dir, quiet: true });
  }, 5 * 60_000);

  const state = (service: Service): ClusterState => ({
    namespaces: [{ name: 'x', labels: {} }],
    nodes: [{ name: 'node-1', podCIDR: '10.244.1.0/24', internalIP: '192.168.0.1' }],
    pods: [{ namespace: 'x', name: 'web', labels: { app: 'web' }, nodeName: 'node-1', hostNetwork: false, ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 80, protocol: 'UDP' }], ip: '10.244.1.5', ready: true }],
    services: [service],
    policies: [],
  });

  it(`applies every change between ${forms.length} Service forms, each read back as the case asks`, async () => {
    const walk = everyOrderedPair(forms.length);
    const refused: string[] = [];
    for (const [step, i] of walk.entries()) {
      const wanted = forms[i].service(step);
      const from = step > 0 ? forms[walk[step - 1]].label : 'nothing';
      const applied = await harness.apply(state(wanted)).catch((e: Error) => {
        refused.push(`${from} -> ${forms[i].label}: ${e.message.split('\n')[0]}`);
        return undefined;
      });
      if (!applied) continue;
      const svc = applied.state.services[0];
      // The real cluster allocated a ClusterIP (or none, headless) and a nodePort per NodePort port.
      if (wanted.clusterIP === 'None') expect(svc.clusterIP, forms[i].label).toBe('None');
      else expect(svc.clusterIP, forms[i].label).toMatch(/^10\.96\./);
      expect(svc.ports.every((p) => (wanted.type === 'NodePort') === (p.nodePort !== undefined)), forms[i].label).toBe(true);
      // What the API server stored: the case's selector, policies and affinity, whatever came before.
      const [stored] = await api.list<V1Service>('v1', 'Service', { namespace: 'x-np-svctr' });
      const spec = stored.spec!;
      expect({
        selector: spec.selector ?? null,
        sessionAffinity: spec.sessionAffinity,
        internalTrafficPolicy: spec.internalTrafficPolicy,
        externalTrafficPolicy: spec.externalTrafficPolicy ?? null,
      }, `${from} -> ${forms[i].label}`).toEqual({
        selector: wanted.selector ?? null,
        sessionAffinity: wanted.sessionAffinity,
        internalTrafficPolicy: wanted.internalTrafficPolicy,
        externalTrafficPolicy: wanted.type === 'NodePort' ? (wanted.externalTrafficPolicy ?? 'Cluster') : null,
      });
      expect(stored.spec?.publishNotReadyAddresses ?? false).toBe(wanted.publishNotReadyAddresses);
    }
    expect(refused).toEqual([]);
    expect(walk.length).toBe(forms.length ** 2 + 1);
  });
});
