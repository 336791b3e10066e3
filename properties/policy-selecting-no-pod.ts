// policy-selecting-no-pod: a policy whose podSelector selects no pod changes nothing, however strict its rules.
import fc from 'fast-check';
import type { ClusterState, LabelSelector } from '../cluster/types.ts';
import { clusterCase } from '../generators/cluster.ts';
import { generatorCapabilities } from './case-options.ts';
import { reachabilityUnchanged, withPodMatrix } from './direct-probes.ts';
import type { Property } from './property.ts';

/** A label key no generated pod carries (netprops' own prefix), so these selectors select nothing. */
const ABSENT_KEY = 'netprops.dev/selects-nothing';
export const SELECTS_NOTHING: Record<string, LabelSelector> = {
  'match-labels': { matchLabels: { [ABSENT_KEY]: 'true' } },
  exists: { matchExpressions: [{ key: ABSENT_KEY, operator: 'Exists' }] },
  in: { matchExpressions: [{ key: ABSENT_KEY, operator: 'In', values: ['a', 'b'] }] },
};
const SPELLINGS = Object.keys(SELECTS_NOTHING);
const NAME = 'netprops-selects-nothing';

/** Adds a deny-all (ingress and egress) policy that selects no pod. */
export function withPolicySelectingNothing(state: ClusterState, namespace: string, spelling: string): ClusterState {
  return {
    ...state,
    policies: [...state.policies, { namespace, name: NAME, podSelector: SELECTS_NOTHING[spelling], policyTypes: ['Ingress', 'Egress'] }],
  };
}

export const policySelectingNoPod: Property = {
  id: 'policy-selecting-no-pod',
  statement: 'Adding a deny-all policy whose podSelector selects no pod changes no verdict.',
  rule: 'NetworkPolicy API: a policy applies only to the pods its podSelector selects in its namespace; a pod no policy selects is not isolated.',
  needs: ['pods', 'policies', 'reapply'],
  cases: ({ capabilities, universe }) =>
    fc
      .tuple(clusterCase({ ...generatorCapabilities(capabilities, universe), policies: true, services: false }), fc.nat(), fc.constantFrom(...SPELLINGS))
      .map(([c, n, spelling]) => {
        const probes = withPodMatrix(c);
        return {
        steps: [
          { state: c.state, probes },
          { state: withPolicySelectingNothing(c.state, c.state.namespaces[n % c.state.namespaces.length].name, spelling), probes },
        ],
        };
      }),
  check: (ctx) => reachabilityUnchanged(ctx, 'after adding a policy that selects no pod'),
  outcomes: ['allowed-before', 'namespace-has-pods'],
  classify({ steps: [before, after] }) {
    const labels: string[] = [];
    if (before.observations.some((o) => o.outcome === 'delivered')) labels.push('allowed-before');
    const added = after.state.policies.find((p) => p.name === NAME);
    if (added && after.state.pods.some((p) => p.namespace === added.namespace)) labels.push('namespace-has-pods');
    return labels;
  },
};
