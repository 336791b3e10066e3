import { describe, expect, it } from 'vitest';
import { FakeApiServer } from './fake-apiserver.ts';
import { createApiClient } from './api-client.ts';
import { clientNodeForm } from './client-node-form.ts';

const policy = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'same-namespace', namespace: 'x' },
  spec: {
    podSelector: {},
    ingress: [{ from: [{ podSelector: {} }] }, { from: [{ namespaceSelector: { matchLabels: { team: 'a' } } }], ports: [{ port: 'http', protocol: 'TCP' }] }],
    egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }] }],
  },
};

describe('objects as client-node sends them', () => {
  it('an ingress rule keeps its `from` peers on the wire (client-node reads them as `_from`)', async () => {
    const server = await new FakeApiServer({}).start();
    try {
      const api = createApiClient(server.kubeConfig());
      await api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } });
      await api.apply(policy);
      expect((server.get('NetworkPolicy', 'x', 'same-namespace')!.spec as typeof policy.spec).ingress).toEqual(policy.spec.ingress);
    } finally {
      await server.stop();
    }
  });

  it('a field client-node has no model for is refused, not dropped', () => {
    expect(() => clientNodeForm({ ...policy, spec: { ...policy.spec, podSelektor: {} } } as never)).toThrow(/client-node would not send NetworkPolicy x\/same-namespace as written/);
  });
});
