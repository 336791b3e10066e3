// allow-all-ingress-never-denies: adding an allow-all ingress policy to a namespace, in any of its
// equivalent spellings, never denies a connection that was allowed.
import fc from 'fast-check';
import type { ClusterState, NetworkPolicy, NetworkPolicyIngressRule } from '../cluster/types.ts';
import { clusterCase } from '../generators/cluster.ts';
import { generatorCapabilities } from './case-options.ts';
import { comparableProbes, withPodMatrix } from './direct-probes.ts';
import { podOf } from './pod-pairs.ts';
import { describeObservation, describeProbe } from '../cluster/probe-text.ts';
import type { Finding, Property } from './property.ts';
import { judgedVerdict } from './verdict-agreement.ts';

/** Rules that each allow every ingress connection from every pod (NetworkPolicy API reference). */
export const ALLOW_ALL_INGRESS: Record<string, NetworkPolicyIngressRule[]> = {
  // A rule with neither from nor ports matches all sources on all ports.
  'empty-rule': [{}],
  // An empty namespaceSelector selects every namespace, hence every pod.
  'every-namespace': [{ from: [{ namespaceSelector: {} }] }],
  // Port ranges (endPort) covering every port of every protocol.
  'every-port': [{ ports: (['TCP', 'UDP', 'SCTP'] as const).map((protocol) => ({ protocol, port: 1, endPort: 65535 })) }],
};
const SPELLINGS = Object.keys(ALLOW_ALL_INGRESS);
const NAME = 'netprops-allow-all-ingress';

export function withAllowAllIngress(state: ClusterState, namespace: string, spelling: string): ClusterState {
  const policy: NetworkPolicy = { namespace, name: NAME, podSelector: {}, policyTypes: ['Ingress'], ingress: ALLOW_ALL_INGRESS[spelling] };
  return { ...state, policies: [...state.policies.filter((p) => !(p.namespace === namespace && p.name === NAME)), policy] };
}

export const allowAllIngressNeverDenies: Property = {
  id: 'allow-all-ingress-never-denies',
  statement: 'Adding an allow-all ingress policy to a namespace never denies a connection that was allowed.',
  rule:
    'NetworkPolicy API: policies are additive (a connection is allowed when any policy selecting the pod allows it), so a policy ' +
    'allowing all ingress can only widen what reaches the pods it selects.',
  needs: ['pods', 'policies', 'reapply'],
  cases: ({ capabilities, universe }) =>
    fc
      .tuple(
        clusterCase({ ...generatorCapabilities(capabilities, universe), policies: true, services: capabilities.has('services') }),
        fc.nat(),
        fc.constantFrom(...SPELLINGS),
      )
      .map(([c, n, spelling]) => {
        const probes = withPodMatrix(c);
        const namespace = c.state.namespaces[n % c.state.namespaces.length].name;
        return {
          steps: [
            { state: c.state, probes },
            { state: withAllowAllIngress(c.state, namespace, spelling), probes },
          ],
        };
      }),
  check(ctx) {
    const [before, after] = ctx.steps;
    const added = after.state.policies.find((p) => p.name === NAME)?.namespace;
    const findings: Finding[] = [];
    for (const i of comparableProbes(ctx)) {
      if (before.observations[i].outcome === 'delivered' && after.observations[i].outcome !== 'delivered') {
        // The relation needs no model, but a triager does: a delivery the model denies means the
        // state before already disagreed with the model, and the new policy may not be the cause.
        const note =
          judgedVerdict(ctx, 0, i) === 'deny' ? ' (the model denies it before the change too: the state before already disagreed with the model)' : '';
        findings.push({
          message: `${describeProbe(before.probes[i])}: delivered before an allow-all ingress policy was added to ${added}, then ${describeObservation(after.observations[i])}${note}`,
          probes: [{ step: 0, probe: i }, { step: 1, probe: i }],
        });
      }
    }
    return findings;
  },
  outcomes: ['denied-into-the-namespace-before', ...SPELLINGS.map((s) => `spelling:${s}`)],
  classify(ctx) {
    const [before, after] = ctx.steps;
    const added = after.state.policies.find((p) => p.name === NAME);
    if (!added) return [];
    const spelling = SPELLINGS.find((s) => JSON.stringify(ALLOW_ALL_INGRESS[s]) === JSON.stringify(added.ingress));
    // The interesting runs: the new policy had something to open up.
    const opened = before.probes.some((p, i) => podOf(before.state, p.to)?.namespace === added.namespace && judgedVerdict(ctx, 0, i) === 'deny');
    return [`spelling:${spelling}`, ...(opened ? ['denied-into-the-namespace-before'] : [])];
  },
};
