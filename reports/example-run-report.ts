// A hand-made RunReport, the kind a run under the model fault `peers-or` produces: one policy
// failure (reachability), one intrinsic failure (source address), one pass, one skip. The
// reporters' and the repro writer's tests use it, and docs/reports.md describes its output.
import type { Case, ClusterState } from '../cluster/types.ts';
import type { RunReport } from '../properties/result.ts';

export function exampleState(): ClusterState {
  return {
    namespaces: [
      { name: 'x', labels: { ns: 'x' } },
      { name: 'y', labels: { ns: 'y' } },
    ],
    nodes: [
      { name: 'node-1', podCIDR: '10.244.1.0/24', internalIP: '172.18.0.2' },
      { name: 'node-2', podCIDR: '10.244.2.0/24', internalIP: '172.18.0.3' },
    ],
    pods: [
      {
        namespace: 'x', name: 'web', labels: { app: 'web' }, nodeName: 'node-1', hostNetwork: false,
        ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }, { name: 'dns', containerPort: 53, protocol: 'UDP' }],
        ip: '10.244.1.2', ready: true,
      },
      {
        namespace: 'x', name: 'local', labels: { app: 'client' }, nodeName: 'node-2', hostNetwork: false,
        ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }], ip: '10.244.2.2', ready: true,
      },
      {
        namespace: 'y', name: 'client', labels: { app: 'client' }, nodeName: 'node-2', hostNetwork: false,
        ports: [], ip: '10.244.2.3', ready: true,
      },
    ],
    services: [
      {
        namespace: 'x', name: 'web', type: 'ClusterIP', clusterIP: '10.96.0.10', selector: { app: 'web' },
        ports: [{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }],
        sessionAffinity: 'None', publishNotReadyAddresses: false, internalTrafficPolicy: 'Cluster',
      },
    ],
    policies: [
      {
        namespace: 'x', name: 'web-allow-client',
        podSelector: { matchLabels: { app: 'web' } },
        policyTypes: ['Ingress'],
        ingress: [{
          from: [{ namespaceSelector: { matchLabels: { ns: 'y' } }, podSelector: { matchLabels: { app: 'client' } } }],
          ports: [{ protocol: 'TCP', port: 'http' }],
        }],
      },
    ],
  };
}

/** Every probe of the failing step, with what the model says; the counterexample keeps the failing ones. */
export function exampleProbes(): Case {
  return {
    state: exampleState(),
    probes: [
      { from: { kind: 'pod', namespace: 'y', name: 'client' }, to: { kind: 'pod', namespace: 'x', name: 'web' }, port: 80, protocol: 'TCP', expect: 'allow' },
      { from: { kind: 'pod', namespace: 'x', name: 'local' }, to: { kind: 'pod', namespace: 'x', name: 'web' }, port: 80, protocol: 'TCP', expect: 'deny' },
      { from: { kind: 'pod', namespace: 'x', name: 'local' }, to: { kind: 'service', namespace: 'x', name: 'web' }, port: 'http', protocol: 'TCP', expect: 'deny' },
      { from: { kind: 'node', name: 'node-1' }, to: { kind: 'pod', namespace: 'x', name: 'web' }, port: 53, protocol: 'UDP', expect: 'allow' },
    ],
  };
}

export function exampleRunReport(): RunReport {
  const cx = exampleProbes();
  const [allowed, directDeny, serviceDeny, nodeUdp] = cx.probes;
  const web = { namespace: 'x', name: 'web', port: 80 };
  return {
    runId: 'r-example',
    target: 'model',
    fault: 'peers-or',
    seed: 42,
    startedAt: '2026-11-23T11:00:00.000Z',
    durationMs: 2345,
    properties: [
      {
        id: 'policy-verdicts',
        statement: "every probe's allow/deny equals the reference model's verdict",
        rule: 'NetworkPolicy: podSelector and namespaceSelector in one peer select pods matching both',
        status: 'failed', runs: 37, judged: 412, durationMs: 1234, seed: 42,
        failure: {
          message: 'x/local -> x/web:80/TCP: expected deny, observed delivered (peer "ns=y" & "app=client" <AND>)',
          // As properties/counterexample.ts writes it: the failing probes, with the correct expectation.
          counterexample: { state: cx.state, probes: [directDeny, serviceDeny] },
          path: '36:2:2:1',
          shrinks: 11,
          reproDir: 'netprops-report/repro/policy-verdicts',
          probes: [
            { probe: allowed, expected: 'allow', observation: { outcome: 'delivered', backend: web, sourceSeen: '10.244.2.3', replyFrom: '10.244.1.2' }, ok: true },
            { probe: directDeny, expected: 'deny', observation: { outcome: 'delivered', backend: web, sourceSeen: '10.244.2.2', replyFrom: '10.244.1.2' }, ok: false },
            { probe: serviceDeny, expected: 'deny', observation: { outcome: 'delivered', backend: web, sourceSeen: '10.244.2.2', replyFrom: '10.96.0.10' }, ok: false },
            { probe: nodeUdp, expected: 'allow', observation: { outcome: 'delivered', backend: { namespace: 'x', name: 'web', port: 53 }, sourceSeen: '172.18.0.2', replyFrom: '10.244.1.2' }, ok: true },
          ],
        },
      },
      {
        id: 'no-nat-pod-to-pod',
        statement: "a receiver sees the sending pod's own IP",
        rule: 'Kubernetes network model: pods communicate with all pods without NAT',
        status: 'failed', runs: 3, judged: 6, durationMs: 87, seed: 42,
        failure: {
          message: 'y/client -> x/web:80/TCP: the receiver saw 172.18.0.3, not 10.244.2.3',
          counterexample: { state: exampleState(), probes: [cx.probes[0]] },
          path: '2:0',
          shrinks: 4,
          probes: [
            { probe: allowed, expected: 'allow', observation: { outcome: 'delivered', backend: web, sourceSeen: '172.18.0.3', replyFrom: '10.244.1.2' }, ok: false },
          ],
        },
      },
      { id: 'pod-ip-unique', statement: 'no two pods share an IP', rule: 'Kubernetes network model: every pod gets its own IP', status: 'passed', runs: 100, judged: 540, durationMs: 310, seed: 42 },
      {
        id: 'sctp-reaches-pod', statement: 'an SCTP connection reaches a pod', rule: 'Services and pods support SCTP',
        status: 'skipped', runs: 0, judged: 0, durationMs: 0, seed: 42, skipReason: "target lacks 'sctp' <kernel without SCTP & co>",
      },
    ],
  };
}
