// The shared judgement: allow/deny against the model, never on undefined verdicts or on probes the
// target could not make; deliveries against the backends and addresses the model names.
import { describe, expect, it } from 'vitest';
import type { ClusterState, Observation, Probe } from '../cluster/types.ts';
import { nodeAt } from '../generators/node.ts';
import { buildModel } from '../harness/model/model.ts';
import { settledStep } from '../harness/record.ts';
import type { CheckContext } from './property.ts';
import { deliveryFindings, verdictFindings } from './verdict-agreement.ts';

const [n1, n2] = [nodeAt(0), nodeAt(1)];
const pod = (name: string, ip: string, labels: Record<string, string>) => ({
  namespace: 'x', name, labels, nodeName: n1.name, hostNetwork: false, ports: [{ containerPort: 80, protocol: 'TCP' as const }], ip, ready: true,
});
// x/b is isolated for ingress (deny-all); a Service svc selects x/a only.
const state: ClusterState = {
  namespaces: [{ name: 'x', labels: {} }],
  nodes: [n1, n2],
  pods: [pod('a', '10.244.1.2', { app: 'a' }), pod('b', '10.244.1.3', { app: 'b' })],
  services: [
    { namespace: 'x', name: 'svc', type: 'ClusterIP', clusterIP: '10.96.0.10', selector: { app: 'a' }, ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }], sessionAffinity: 'None', publishNotReadyAddresses: false, internalTrafficPolicy: 'Cluster' },
  ],
  policies: [{ namespace: 'x', name: 'deny-b', podSelector: { matchLabels: { app: 'b' } }, policyTypes: ['Ingress'] }],
};
const p = (from: Probe['from'], to: Probe['to']): Probe => ({ from, to, port: 80, protocol: 'TCP' });
const aToB = p({ kind: 'pod', namespace: 'x', name: 'a' }, { kind: 'pod', namespace: 'x', name: 'b' });
const node2ToB = p({ kind: 'node', name: 'node-2' }, { kind: 'pod', namespace: 'x', name: 'b' });
const bToSvc = p({ kind: 'pod', namespace: 'x', name: 'b' }, { kind: 'service', namespace: 'x', name: 'svc' });
const ctxOf = (probes: Probe[], observations: Observation[]): CheckContext => ({
  steps: [settledStep({ state, probes, observations })],
});

describe('verdictFindings', () => {
  it('finds a denied connection that was delivered, citing the model reason', () => {
    const [f] = verdictFindings(ctxOf([aToB], [{ outcome: 'delivered' }]), 0);
    expect(f.probes).toEqual([{ step: 0, probe: 0 }]);
    expect(f.message).toMatch(/^x\/a -> x\/b:80\/TCP: expected deny \(.+\), observed delivered/);
  });

  it('accepts a denied connection refused or timed out alike', () => {
    expect(verdictFindings(ctxOf([aToB, aToB], [{ outcome: 'timeout' }, { outcome: 'refused' }]), 0)).toEqual([]);
  });

  it('never judges a probe whose verdict upstream leaves undefined, whatever happened', () => {
    expect(buildModel(state).predict(node2ToB).verdict).toBe('undefined');
    expect(verdictFindings(ctxOf([node2ToB, node2ToB], [{ outcome: 'delivered' }, { outcome: 'timeout' }]), 0)).toEqual([]);
  });

  it('never judges a probe the target could not make', () => {
    expect(verdictFindings(ctxOf([aToB], [{ outcome: 'unsupported', detail: 'no SCTP' }]), 0)).toEqual([]);
  });
});

describe('deliveryFindings', () => {
  it('accepts the backend the model allows, with the reply from the ClusterIP', () => {
    const o: Observation = { outcome: 'delivered', backend: { namespace: 'x', name: 'a', port: 80 }, sourceSeen: '10.244.1.3', replyFrom: '10.96.0.10' };
    expect(deliveryFindings(ctxOf([bToSvc], [o]), 0)).toEqual([]);
  });

  it('finds a backend the Service does not select, and a reply from the pod instead of the ClusterIP', () => {
    const wrongBackend: Observation = { outcome: 'delivered', backend: { namespace: 'x', name: 'b', port: 80 }, replyFrom: '10.96.0.10' };
    const wrongReply: Observation = { outcome: 'delivered', backend: { namespace: 'x', name: 'a', port: 80 }, replyFrom: '10.244.1.2' };
    const findings = deliveryFindings(ctxOf([bToSvc, bToSvc], [wrongBackend, wrongReply]), 0);
    expect(findings.map((f) => f.message)).toEqual([
      expect.stringMatching(/answered by x\/b:80, which is not among x\/a:80/),
      expect.stringMatching(/the reply came from 10\.244\.1\.2, expected 10\.96\.0\.10/),
    ]);
  });
});
