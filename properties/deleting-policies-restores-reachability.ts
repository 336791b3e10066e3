// deleting-policies-restores-reachability: with every policy deleted, everything the model allows
// without policies is delivered, and nothing delivered before is lost.
import { clusterCase } from '../generators/cluster.ts';
import { generatorCapabilities } from './case-options.ts';
import { comparableProbes, withPodMatrix } from './direct-probes.ts';
import { describeObservation, describeProbe } from '../cluster/probe-text.ts';
import type { Finding, Property } from './property.ts';
import { judgedVerdict, verdictFindings } from './verdict-agreement.ts';

export const deletingPoliciesRestoresReachability: Property = {
  id: 'deleting-policies-restores-reachability',
  statement: 'After every NetworkPolicy is deleted, every connection to a served port of a pod or a Service with endpoints is delivered again.',
  rule: 'NetworkPolicy docs: by default (no policy selecting them) pods are non-isolated and accept all traffic; isolation ends with the last policy selecting the pod.',
  needs: ['pods', 'policies', 'reapply'],
  cases: ({ capabilities, universe }) =>
    clusterCase({ ...generatorCapabilities(capabilities, universe), policies: true, services: capabilities.has('services') }).map((c) => {
      const probes = withPodMatrix(c);
      return {
      steps: [
        { state: c.state, probes },
        { state: { ...c.state, policies: [] }, probes },
      ],
      };
    }),
  check(ctx) {
    const [before, after] = ctx.steps;
    const findings: Finding[] = verdictFindings(ctx, 1, (i) => judgedVerdict(ctx, 1, i) === 'allow');
    for (const i of comparableProbes(ctx)) {
      if (before.observations[i].outcome === 'delivered' && after.observations[i].outcome !== 'delivered') {
        findings.push({
          message: `${describeProbe(before.probes[i])}: delivered with the policies, ${describeObservation(after.observations[i])} without them`,
          probes: [{ step: 1, probe: i }],
        });
      }
    }
    return findings;
  },
  outcomes: ['denied-before'],
  classify: (ctx) => (ctx.steps[0].probes.some((_, i) => judgedVerdict(ctx, 0, i) === 'deny' && judgedVerdict(ctx, 1, i) === 'allow') ? ['denied-before'] : []),
};
