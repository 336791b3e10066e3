// policy-verdicts: every probe's allow/deny is the reference model's verdict.
import { clusterCase } from '../generators/cluster.ts';
import { generatorCapabilities } from './case-options.ts';
import { podPairProbes } from './pod-pairs.ts';
import { probesNamed } from './focus.ts';
import type { Property } from './property.ts';
import { judgedVerdict, verdictFindings } from './verdict-agreement.ts';

export const policyVerdicts: Property = {
  id: 'policy-verdicts',
  statement: "Every probe is allowed or denied exactly as the reference model of NetworkPolicy, Services and readiness says.",
  rule:
    'NetworkPolicy API (networking.k8s.io/v1): a pod is isolated per direction by the policies selecting it, rules are a union, ' +
    "a connection needs the source's egress and the destination's ingress; Services are judged after DNAT.",
  needs: ['pods', 'policies'],
  cases: ({ capabilities, universe }) =>
    clusterCase({ ...generatorCapabilities(capabilities, universe), policies: true, services: capabilities.has('services') }).map((c) => ({
      // The drawn probes (Services, NodePorts, nodes, unserved ports) plus the whole pod matrix, so
      // every rule of every policy meets the pods it selects.
      steps: [{ state: c.state, probes: [...c.probes, ...podPairProbes(c.state, { hostNetworkSenders: true })] }],
    })),
  check: (ctx) => verdictFindings(ctx, 0),
  focus: probesNamed,
  outcomes: ['allowed', 'denied'],
  classify(ctx) {
    const labels = new Set<string>();
    ctx.steps[0].probes.forEach((_, i) => {
      const v = judgedVerdict(ctx, 0, i);
      if (v === 'allow') labels.add('allowed');
      if (v === 'deny') labels.add('denied');
    });
    return [...labels];
  },
};
