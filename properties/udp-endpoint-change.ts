// udp-endpoint-change: after a Service's endpoint goes away, a UDP flow with the same source port
// no longer reaches it (kube-proxy clears the flow's conntrack entry).
import fc from 'fast-check';
import type { ClusterState, Pod, Probe, Service } from '../cluster/types.ts';
import { nodeAt } from '../generators/node.ts';
import { addressInCIDR } from '../generators/pod.ts';
import { describeObservation, describeProbe } from './probe-text.ts';
import type { Finding, Property } from './property.ts';
import { deliveryFindings, verdictFindings } from './verdict-agreement.ts';

const PORT = 5353;
const SOURCE_PORT = 40053;

interface Shape {
  /** How the first backend leaves the endpoints: it turns not ready, or loses the selected label. */
  removal: 'not-ready' | 'relabel';
  /** Whether a second backend takes over. */
  replacement: boolean;
  /** Nodes of the client, the first backend and the second (0-based). */
  nodes: [number, number, number];
  targetPort: 'number' | 'name';
}

function pod(name: string, node: number, host: number, labels: Pod['labels'], ready: boolean, serves: boolean): Pod {
  const n = nodeAt(node);
  return {
    namespace: 'x',
    name,
    labels,
    nodeName: n.name,
    hostNetwork: false,
    ports: serves ? [{ name: 'dns', containerPort: PORT, protocol: 'UDP' }] : [],
    ip: addressInCIDR(n.podCIDR, host),
    ready,
  };
}

/** The state before (phase 0) and after (phase 1) the endpoint change. */
export function udpEndpointState(shape: Shape, phase: 0 | 1): ClusterState {
  const nodeCount = Math.max(...shape.nodes) + 1;
  const backend = { app: 'backend' };
  const firstGone = phase === 1;
  const pods = [
    pod('client', shape.nodes[0], 2, { app: 'client' }, true, false),
    pod('a', shape.nodes[1], 3, firstGone && shape.removal === 'relabel' ? { app: 'retired' } : backend, !(firstGone && shape.removal === 'not-ready'), true),
  ];
  // The replacement is selected from the start but becomes ready only with the change.
  if (shape.replacement) pods.push(pod('b', shape.nodes[2], 4, backend, phase === 1, true));
  const service: Service = {
    namespace: 'x',
    name: 'dns',
    type: 'ClusterIP',
    clusterIP: '10.96.0.10',
    selector: backend,
    ports: [{ name: 'dns', port: 53, targetPort: shape.targetPort === 'name' ? 'dns' : PORT, protocol: 'UDP' }],
    sessionAffinity: 'None',
    publishNotReadyAddresses: false,
    internalTrafficPolicy: 'Cluster',
  };
  return {
    namespaces: [{ name: 'x', labels: {} }],
    nodes: Array.from({ length: nodeCount }, (_, i) => nodeAt(i)),
    pods,
    services: [service],
    policies: [],
  };
}

const PROBE: Probe = {
  from: { kind: 'pod', namespace: 'x', name: 'client' },
  to: { kind: 'service', namespace: 'x', name: 'dns' },
  port: 53,
  protocol: 'UDP',
  sourcePort: SOURCE_PORT,
};

const shapeArbitrary: fc.Arbitrary<Shape> = fc.record({
  removal: fc.constantFrom('not-ready' as const, 'relabel' as const),
  replacement: fc.boolean(),
  nodes: fc.tuple(fc.nat({ max: 1 }), fc.nat({ max: 1 }), fc.nat({ max: 1 })),
  targetPort: fc.constantFrom('number' as const, 'name' as const),
});

export const udpEndpointChange: Property = {
  id: 'udp-endpoint-change',
  statement: 'Once a UDP Service endpoint is removed, a flow from the same client source port no longer reaches it.',
  rule:
    'kube-proxy (Service docs, virtual IPs): when an endpoint is removed, kube-proxy deletes the UDP conntrack entries that DNAT ' +
    'to it, since UDP has no connection end that would retire them.',
  needs: ['pods', 'services', 'udp', 'readiness', 'reapply'],
  cases: () =>
    shapeArbitrary.map((shape) => ({
      steps: [
        { state: udpEndpointState(shape, 0), probes: [PROBE] },
        { state: udpEndpointState(shape, 1), probes: [PROBE] },
      ],
    })),
  check(ctx) {
    const findings: Finding[] = [...verdictFindings(ctx, 0), ...verdictFindings(ctx, 1), ...deliveryFindings(ctx, 1)];
    const after = ctx.steps[1];
    const o = after.observations[0];
    if (o.outcome === 'delivered' && o.backend?.name === 'a' && !findings.length) {
      findings.push({ message: `${describeProbe(PROBE)}: ${describeObservation(o)} after x/a left the endpoints`, probes: [{ step: 1, probe: 0 }] });
    }
    return findings;
  },
  outcomes: ['not-ready', 'relabel', 'replacement', 'no-replacement'],
  classify({ steps: [, after] }) {
    const a = after.state.pods.find((p) => p.name === 'a');
    return [a?.ready === false ? 'not-ready' : 'relabel', after.state.pods.some((p) => p.name === 'b') ? 'replacement' : 'no-replacement'];
  },
};
