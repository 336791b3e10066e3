// policy-order-irrelevant: the order of policies, of their rules and of their peers never matters.
import type { ClusterState, NetworkPolicy } from '../cluster/types.ts';
import { clusterCase } from '../generators/cluster.ts';
import { generatorCapabilities } from './case-options.ts';
import { reachabilityUnchanged, withPodMatrix } from './direct-probes.ts';
import type { Property } from './property.ts';

function reversedPolicy(p: NetworkPolicy): NetworkPolicy {
  return {
    ...p,
    ...(p.ingress ? { ingress: [...p.ingress].reverse().map((r) => ({ ...r, ...(r.from ? { from: [...r.from].reverse() } : {}) })) } : {}),
    ...(p.egress ? { egress: [...p.egress].reverse().map((r) => ({ ...r, ...(r.to ? { to: [...r.to].reverse() } : {}) })) } : {}),
  };
}

/** The same policies, last first, each with its rules and peers in reverse order. */
export const reversedPolicies = (state: ClusterState): ClusterState => ({ ...state, policies: [...state.policies].reverse().map(reversedPolicy) });

export const policyOrderIrrelevant: Property = {
  id: 'policy-order-irrelevant',
  statement: 'Reversing the order of the policies, their rules and their peers changes no verdict.',
  rule: 'NetworkPolicy API: policies and rules combine as a union (additive, no precedence), so order carries no meaning.',
  needs: ['pods', 'policies', 'reapply'],
  cases: ({ capabilities, universe }) =>
    clusterCase({ ...generatorCapabilities(capabilities, universe), policies: true, services: false }).map((c) => {
      const probes = withPodMatrix(c);
      return {
      steps: [
        { state: c.state, probes },
        { state: reversedPolicies(c.state), probes },
      ],
      };
    }),
  check: (ctx) => reachabilityUnchanged(ctx, 'with the policies in reverse order'),
  outcomes: ['two-policies'],
  classify: ({ steps: [run] }) => (run.state.policies.length >= 2 ? ['two-policies'] : []),
};
