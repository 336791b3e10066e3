// The distribution of generated cases, as the issue asks to watch it: how many policies select a
// pod at all (a policy that selects nothing tests nothing), how many probes the reference model
// allows, denies or leaves undefined, and how many Service probes meet 0, 1 or several endpoints.
// Pure: the model is passed in, so this file depends on nothing but the model's interface.
import { selectorMatches } from '../cluster/label-selector.ts';
import type { ClusterState, Probe, Service, Verdict } from '../cluster/types.ts';
import { podKey } from '../cluster/types.ts';
import { endpointsForClient, programmedEndpoints, serviceEndpoints } from '../harness/model/endpoints.ts';

/** What classifyCase needs of the reference model (harness/model/model.ts ReferenceModel). */
export interface Predictor {
  predict(probe: Probe): { verdict: Verdict };
}

export type EndpointClass = '0 endpoints' | '1 endpoint' | 'several endpoints';

export interface CaseStatistics {
  policies: number;
  /** Policies whose podSelector selects at least one pod (that is not hostNetwork) of their namespace. */
  policiesSelectingAPod: number;
  probes: Record<Verdict, number>;
  /** Probes to a Service (by name, or to a NodePort on a node's IP), by the endpoints they can reach. */
  serviceProbes: Record<EndpointClass, number>;
}

export const VERDICT_CLASSES: readonly Verdict[] = ['allow', 'deny', 'undefined'];
export const ENDPOINT_CLASSES: readonly EndpointClass[] = ['0 endpoints', '1 endpoint', 'several endpoints'];

/** The Service and Service port a probe goes to, if it goes to one (undefined port: no such port). */
function serviceOf(state: ClusterState, probe: Probe): { service: Service; port: number } | undefined {
  const to = probe.to;
  if (to.kind === 'service') {
    const service = state.services.find((s) => podKey(s) === podKey(to));
    if (!service) return undefined;
    const port = service.ports.findIndex((p) => (p.name === probe.port || p.port === probe.port) && p.protocol === probe.protocol);
    return { service, port };
  }
  if (to.kind === 'ip' && state.nodes.some((n) => n.internalIP === to.ip)) {
    for (const service of state.services) {
      const port = service.ports.findIndex((p) => p.nodePort === probe.port && p.protocol === probe.protocol);
      if (port >= 0) return { service, port };
    }
  }
  return undefined;
}

function clientNode(state: ClusterState, probe: Probe): string | undefined {
  if (probe.from.kind === 'node') return probe.from.name;
  const from = probe.from;
  return state.pods.find((p) => podKey(p) === podKey(from))?.nodeName;
}

/**
 * The endpoints a Service probe can reach, as kube-proxy programs them for the client's node
 * (ready only, internalTrafficPolicy Local honoured); a port the Service does not have reaches none.
 */
export function reachableEndpoints(state: ClusterState, probe: Probe): number | undefined {
  const target = serviceOf(state, probe);
  if (!target) return undefined;
  if (target.port < 0 || target.service.clusterIP === 'None' && probe.to.kind === 'service') return 0;
  const perPort = serviceEndpoints(state, target.service)[target.port];
  return endpointsForClient(programmedEndpoints(perPort), target.service, clientNode(state, probe)).length;
}

export function caseStatistics(c: { state: ClusterState; probes: Probe[] }, model: Predictor): CaseStatistics {
  const { state } = c;
  const stats: CaseStatistics = {
    policies: state.policies.length,
    policiesSelectingAPod: 0,
    probes: { allow: 0, deny: 0, undefined: 0 },
    serviceProbes: { '0 endpoints': 0, '1 endpoint': 0, 'several endpoints': 0 },
  };
  for (const policy of state.policies) {
    const selects = state.pods.some(
      (p) => p.namespace === policy.namespace && !p.hostNetwork && selectorMatches(policy.podSelector, p.labels),
    );
    if (selects) stats.policiesSelectingAPod++;
  }
  for (const probe of c.probes) {
    stats.probes[model.predict(probe).verdict]++;
    const n = reachableEndpoints(state, probe);
    if (n !== undefined) stats.serviceProbes[n === 0 ? '0 endpoints' : n === 1 ? '1 endpoint' : 'several endpoints']++;
  }
  return stats;
}

/**
 * Labels for fast-check's statistics (fc.statistics / classify): one per class this case shows,
 * so a label's share is the share of cases that show it.
 */
export function classifyCase(c: { state: ClusterState; probes: Probe[] }, model: Predictor): string[] {
  const s = caseStatistics(c, model);
  const labels: string[] = [];
  if (s.policies > 0) labels.push(s.policiesSelectingAPod > 0 ? 'a policy selects a pod' : 'no policy selects a pod');
  for (const v of VERDICT_CLASSES) if (s.probes[v] > 0) labels.push(`probe ${v}`);
  for (const e of ENDPOINT_CLASSES) if (s.serviceProbes[e] > 0) labels.push(`Service probe, ${e}`);
  return labels;
}

/** Sums statistics over many cases. */
export function addStatistics(total: CaseStatistics, s: CaseStatistics): CaseStatistics {
  return {
    policies: total.policies + s.policies,
    policiesSelectingAPod: total.policiesSelectingAPod + s.policiesSelectingAPod,
    probes: { allow: total.probes.allow + s.probes.allow, deny: total.probes.deny + s.probes.deny, undefined: total.probes.undefined + s.probes.undefined },
    serviceProbes: {
      '0 endpoints': total.serviceProbes['0 endpoints'] + s.serviceProbes['0 endpoints'],
      '1 endpoint': total.serviceProbes['1 endpoint'] + s.serviceProbes['1 endpoint'],
      'several endpoints': total.serviceProbes['several endpoints'] + s.serviceProbes['several endpoints'],
    },
  };
}

export const EMPTY_STATISTICS: CaseStatistics = {
  policies: 0,
  policiesSelectingAPod: 0,
  probes: { allow: 0, deny: 0, undefined: 0 },
  serviceProbes: { '0 endpoints': 0, '1 endpoint': 0, 'several endpoints': 0 },
};
