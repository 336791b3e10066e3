// deploy/rbac.yaml grants exactly what the harness uses: the preflight's list (connection.ts), which
// is what a whole run (apply, probe, change, teardown) and gc ask of the API server.
import { describe, it, expect } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ClusterState } from '../../cluster/types.ts';
import { deliveredReply, probeTarget } from './agnhost-answer.fixture.ts';
import { createApiClient } from './api-client.ts';
import { FakeApiServer } from './fake-apiserver.ts';
import { gcCluster } from './gc.ts';
import { createClusterHarness } from './harness.ts';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { REQUIRED_PERMISSIONS, permissionText } from './connection.ts';
import { schemaErrors } from './schema.ts';

const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../deploy/rbac.yaml');

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

async function docs(): Promise<{ kind: string; rules?: Rule[] }[]> {
  return parseAllDocuments(await readFile(file, 'utf8')).map((d) => d.toJS());
}

describe('deploy/rbac.yaml', () => {
  it('is valid against the Kubernetes schema', async () => {
    const all = await docs();
    expect(all.map((d) => d.kind)).toEqual(['ClusterRole', 'ServiceAccount', 'ClusterRoleBinding']);
    expect(all.flatMap(schemaErrors)).toEqual([]);
  });

  it('grants every permission the harness checks for, and nothing else', async () => {
    const role = (await docs()).find((d) => d.kind === 'ClusterRole')!;
    const granted = new Set<string>();
    for (const rule of role.rules!) {
      for (const group of rule.apiGroups) for (const res of rule.resources) for (const verb of rule.verbs) {
        const [resource, subresource] = res.split('/');
        granted.add(permissionText({ verb, resource, group, ...(subresource ? { subresource } : {}) }));
      }
    }
    const required = new Set(REQUIRED_PERMISSIONS.map(permissionText));
    expect([...required].filter((p) => !granted.has(p))).toEqual([]);
    expect([...granted].filter((p) => !required.has(p))).toEqual([]);
    expect(granted.has('*')).toBe(false);
  });
});

const caseState = (over: Partial<ClusterState> = {}): ClusterState => ({
  namespaces: [{ name: 'x', labels: { ns: 'x' } }],
  nodes: [{ name: 'node-1', podCIDR: '10.244.1.0/24', internalIP: '192.168.0.1' }],
  pods: [
    { namespace: 'x', name: 'web', labels: { app: 'web' }, nodeName: 'node-1', hostNetwork: false, ports: [{ containerPort: 80, protocol: 'TCP' }], ip: '10.244.1.5', ready: true },
    { namespace: 'x', name: 'client', labels: { app: 'client' }, nodeName: 'node-1', hostNetwork: false, ports: [{ containerPort: 80, protocol: 'TCP' }], ip: '10.244.1.6', ready: true },
  ],
  services: [{ namespace: 'x', name: 'web', type: 'ClusterIP', clusterIP: '10.96.0.99', selector: { app: 'web' }, ports: [{ port: 8080, targetPort: 80, protocol: 'TCP' }], sessionAffinity: 'None', publishNotReadyAddresses: false, internalTrafficPolicy: 'Cluster' }],
  policies: [{ namespace: 'x', name: 'deny-web', podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] }],
  ...over,
});

describe('what a run and gc ask of the API server', () => {
  it('is the preflight\'s list: every permission is used, none is missing (get pods/exec only for API servers before 1.30)', async () => {
    const server = await new FakeApiServer({
      exec: (call) => {
        const t = probeTarget(call.command);
        return t ? deliveredReply(t, { hostname: 'web', clientIP: '10.244.1.6' }) : { exitCode: 126 };
      },
    }).start();
    const dir = await mkdtemp(path.join(tmpdir(), 'netprops-rbac-'));
    try {
      const kubeconfig = path.join(dir, 'config');
      await writeFile(kubeconfig, server.kubeConfigYAML());
      const harness = await createClusterHarness({ runId: 'np-rbac1', settings: { kubeconfig } }, { signals: false });
      await harness.apply(caseState());
      await harness.probe([{ from: { kind: 'pod', namespace: 'x', name: 'client' }, to: { kind: 'pod', namespace: 'x', name: 'web' }, port: 80, protocol: 'TCP' }]);
      // A change: one pod goes, the other changes its ports (a new pod), the Service and policy go,
      // a Service without a selector comes (created once no endpoints of its name are left).
      const web = caseState().services[0];
      const changed = caseState({ services: [{ ...web, name: 'ext', clusterIP: '10.96.0.98', selector: undefined }], policies: [] });
      changed.pods = [{ ...changed.pods[0], ports: [{ containerPort: 81, protocol: 'TCP' }] }];
      await harness.apply(changed);
      await harness.teardown();
      await gcCluster({}, createApiClient(server.kubeConfig()));
      const used = [...server.permissionsUsed];
      const required = REQUIRED_PERMISSIONS.map(permissionText);
      expect(used.filter((p) => !required.includes(p))).toEqual([]);
      expect(required.filter((p) => !used.includes(p))).toEqual(['get pods/exec']);
    } finally {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
