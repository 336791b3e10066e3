// node-to-pod: a node reaches every pod, and the pod sees the node's IP.
import type { Probe } from '../cluster/types.ts';
import { isNodeAddress } from '../harness/model/source-seen.ts';
import { clusterCase } from '../generators/cluster.ts';
import { generatorCapabilities } from './case-options.ts';
import { podOf } from './pod-pairs.ts';
import { describeProbe } from '../cluster/probe-text.ts';
import type { Finding, Property } from './property.ts';
import { judgedVerdict, verdictFindings } from './verdict-agreement.ts';

export const nodeToPod: Property = {
  id: 'node-to-pod',
  statement: "Every node reaches every pod it may (its own pods always, policies notwithstanding), and the pod sees the node's IP.",
  rule:
    'Kubernetes network model (Cluster Networking docs): agents on a node can communicate with all pods on that node, without NAT; ' +
    'NetworkPolicy docs: traffic from the node a pod runs on is always allowed.',
  needs: ['pods', 'nodes'],
  cases: ({ capabilities, universe }) =>
    clusterCase({ ...generatorCapabilities(capabilities, universe), policies: capabilities.has('policies'), services: false }).map((c) => {
      const probes: Probe[] = [];
      for (const node of c.state.nodes) {
        for (const pod of c.state.pods) {
          for (const port of pod.ports) {
            probes.push({
              from: { kind: 'node', name: node.name },
              to: { kind: 'pod', namespace: pod.namespace, name: pod.name },
              port: port.containerPort,
              protocol: port.protocol,
            });
          }
        }
      }
      return { steps: [{ state: c.state, probes }] };
    }),
  check(ctx) {
    const run = ctx.steps[0];
    const findings: Finding[] = verdictFindings(ctx, 0);
    run.probes.forEach((probe, i) => {
      const o = run.observations[i];
      if (probe.from.kind !== 'node' || o.outcome !== 'delivered' || o.sourceSeen === undefined) return;
      const nodeName = probe.from.name;
      const node = run.state.nodes.find((n) => n.name === nodeName);
      if (node && judgedVerdict(ctx, 0, i) === 'allow' && !isNodeAddress(run.state, node, o.sourceSeen)) {
        findings.push({ message: `${describeProbe(probe)}: the pod saw source ${o.sourceSeen}, not an address of node ${node.name} (${node.internalIP})`, probes: [{ step: 0, probe: i }] });
      }
    });
    return findings;
  },
  outcomes: ['own-node', 'other-node', 'policies-present'],
  classify(ctx) {
    const run = ctx.steps[0];
    const labels = new Set<string>();
    run.probes.forEach((p) => {
      const pod = podOf(run.state, p.to);
      if (!pod || p.from.kind !== 'node') return;
      labels.add(pod.nodeName === p.from.name ? 'own-node' : 'other-node');
    });
    if (run.state.policies.length > 0) labels.add('policies-present');
    return [...labels];
  },
};
