// no-nat-pod-to-pod: the receiver sees the sending pod's own IP, on one node and across nodes.
import { podKey } from '../cluster/types.ts';
import { clusterCase } from '../generators/cluster.ts';
import { generatorCapabilities } from './case-options.ts';
import { podOf, podPairProbes } from './pod-pairs.ts';
import { describeProbe } from '../cluster/probe-text.ts';
import type { Finding, Property } from './property.ts';
import { verdictFindings } from './verdict-agreement.ts';

export const noNatPodToPod: Property = {
  id: 'no-nat-pod-to-pod',
  statement: "A pod receiving a connection from another pod sees the sender's own pod IP, on one node and across nodes.",
  rule: 'Kubernetes network model (Cluster Networking docs): pods can communicate with all other pods on any node without NAT.',
  needs: ['pods', 'nodes'],
  cases: ({ capabilities, universe }) =>
    clusterCase({ ...generatorCapabilities(capabilities, universe), hostNetwork: false, policies: false, services: false }).map((c) => ({
      steps: [{ state: c.state, probes: podPairProbes(c.state) }],
    })),
  check(ctx) {
    const run = ctx.steps[0];
    const findings: Finding[] = verdictFindings(ctx, 0);
    run.probes.forEach((probe, i) => {
      const o = run.observations[i];
      const from = podOf(run.state, probe.from);
      if (o.outcome !== 'delivered' || !from || o.sourceSeen === undefined) return;
      if (o.sourceSeen !== from.ip) {
        findings.push({
          message: `${describeProbe(probe)}: the receiver saw source ${o.sourceSeen}, not ${podKey(from)}'s IP ${from.ip}`,
          probes: [{ step: 0, probe: i }],
        });
      }
    });
    return findings;
  },
  outcomes: ['same-node', 'cross-node'],
  classify({ steps: [run] }) {
    const labels = new Set<string>();
    for (const p of run.probes) {
      const from = podOf(run.state, p.from);
      const to = podOf(run.state, p.to);
      if (from && to) labels.add(from.nodeName === to.nodeName ? 'same-node' : 'cross-node');
    }
    return [...labels];
  },
};
