// allow-all-ingress-never-denies' findings: the relation itself needs no model, but its message
// says where the allow-all policy went and whether the state before already disagreed with the
// model (seen on kube-router: a named port resolved late made a delivery the model denies, and
// the next sync refused it, whatever the new policy said).
import { describe, expect, it } from 'vitest';
import type { ClusterState, Observation, Probe } from '../cluster/types.ts';
import { settledStep } from '../harness/record.ts';
import { allowAllIngressNeverDenies, withAllowAllIngress } from './allow-all-ingress-never-denies.ts';

const pod = (namespace: string, name: string, ip: string) => ({
  namespace,
  name,
  labels: {},
  nodeName: 'node-1',
  hostNetwork: false,
  ports: [{ containerPort: 80, protocol: 'TCP' as const }],
  ip,
  ready: true,
});

const base = (policies: ClusterState['policies']): ClusterState => ({
  namespaces: [{ name: 'x', labels: {} }, { name: 'y', labels: {} }, { name: 'z', labels: {} }],
  nodes: [{ name: 'node-1', podCIDR: '10.244.1.0/24', internalIP: '172.18.0.2' }],
  pods: [pod('x', 'a', '10.244.1.2'), pod('y', 'b', '10.244.1.3')],
  services: [],
  policies,
});

const probe: Probe = { from: { kind: 'pod', namespace: 'x', name: 'a' }, to: { kind: 'pod', namespace: 'y', name: 'b' }, port: 80, protocol: 'TCP' };
const delivered: Observation = { outcome: 'delivered', backend: { namespace: 'y', name: 'b', port: 80 }, sourceSeen: '10.244.1.2', replyFrom: '10.244.1.3' };
const refused: Observation = { outcome: 'refused', detail: 'connection refused' };

function ctx(before: ClusterState, namespace: string) {
  const after = withAllowAllIngress(before, namespace, 'empty-rule');
  return { steps: [settledStep({ state: before, probes: [probe], observations: [delivered] }), settledStep({ state: after, probes: [probe], observations: [refused] })] };
}

describe('allow-all-ingress-never-denies check', () => {
  it('a delivery the new policy turned into a refusal is a finding naming the namespace the policy went to', () => {
    const [finding, ...rest] = allowAllIngressNeverDenies.check(ctx(base([]), 'y'));
    expect(rest).toEqual([]);
    expect(finding.message).toContain('x/a -> y/b:80/TCP: delivered before an allow-all ingress policy was added to y, then refused');
    expect(finding.message).not.toContain('already disagreed');
  });

  it('says so when the model denies the delivery before the change (y isolates y/b and admits nothing)', () => {
    const denyAll = [{ namespace: 'y', name: 'deny', podSelector: {}, policyTypes: ['Ingress' as const] }];
    const [finding] = allowAllIngressNeverDenies.check(ctx(base(denyAll), 'z'));
    expect(finding.message).toContain('added to z, then refused');
    expect(finding.message).toContain('the model denies it before the change too: the state before already disagreed with the model');
  });

  it('no finding when the connection stays delivered', () => {
    const c = ctx(base([]), 'y');
    c.steps[1] = settledStep({ state: c.steps[1].state, probes: [probe], observations: [delivered] });
    expect(allowAllIngressNeverDenies.check(c)).toEqual([]);
  });
});
