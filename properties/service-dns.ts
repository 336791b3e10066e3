// service-dns: a Service's name resolves, from any pod, to its ClusterIP; a headless Service's name to
// the addresses of its ready endpoints (not-ready ones too with publishNotReadyAddresses).
import fc from 'fast-check';
import { formatProbeRef } from '../cluster/probe-ref.ts';
import { hasServiceSelector, labelsMatch } from '../cluster/label-selector.ts';
import { podKey, type ClusterState, type Service } from '../cluster/types.ts';
import { clusterCase } from '../generators/cluster.ts';
import { serviceEndpoints } from '../harness/model/endpoints.ts';
import { generatorCapabilities } from './case-options.ts';
import type { Finding, Property, ServiceLookup, StepRun } from './property.ts';
import { replicaCounts, withReplicas } from './replicas.ts';
import { podSource } from './service-probes.ts';

/** The A records a name must have, and the addresses it may have besides (a corner upstream leaves open). */
export interface ServiceRecords {
  must: string[];
  may: string[];
}

/**
 * What the DNS specification says `<service>.<namespace>.svc` resolves to in `state`. A headless
 * Service's records are its ready endpoints; a selected pod that resolves none of the Service's
 * ports is in an EndpointSlice without ports, and whether that yields a record is the DNS server's
 * choice (CoreDNS gives none), so its address may appear but need not.
 */
export function serviceRecords(state: ClusterState, svc: Service): ServiceRecords {
  if (svc.clusterIP !== 'None') return { must: [svc.clusterIP], may: [] };
  const must = new Set<string>();
  const withPort = new Set<string>();
  for (const port of serviceEndpoints(state, svc)) {
    for (const e of port.endpoints) {
      if (e.pod) withPort.add(podKey(e.pod));
      if (e.ready) must.add(e.ip);
    }
  }
  const selector = svc.selector;
  const may = new Set<string>();
  if (hasServiceSelector(selector)) {
    for (const pod of state.pods) {
      const published = pod.ready || svc.publishNotReadyAddresses;
      if (pod.namespace === svc.namespace && labelsMatch(selector, pod.labels) && published && !withPort.has(podKey(pod)) && !must.has(pod.ip)) {
        may.add(pod.ip);
      }
    }
  }
  return { must: [...must].sort(), may: [...may].sort() };
}

const list = (ips: string[]): string => (ips.length === 0 ? 'no address' : ips.join(', '));

/** Why an address that must not be answered is wrong, when a pod of the state has it. */
function whose(state: ClusterState, svc: Service, ip: string): string {
  const pod = state.pods.find((p) => p.ip === ip && p.namespace === svc.namespace);
  if (!pod) return ip;
  const selected = hasServiceSelector(svc.selector) && labelsMatch(svc.selector, pod.labels);
  if (selected && !pod.ready) return `${ip} (not-ready pod ${podKey(pod)})`;
  return `${ip} (pod ${podKey(pod)}${selected ? '' : ', not selected'})`;
}

function lookupFindings(run: StepRun, step: number): Finding[] {
  const findings: Finding[] = [];
  run.lookups.forEach((lookup, i) => {
    const svc = run.state.services.find((s) => s.namespace === lookup.service.namespace && s.name === lookup.service.name);
    if (!svc) throw new Error(`service-dns looked up ${podKey(lookup.service)}, which step ${step} does not have`);
    const { must, may } = serviceRecords(run.state, svc);
    const answers = new Set(run.answers[i]);
    const missing = must.filter((ip) => !answers.has(ip));
    const extra = [...answers].filter((ip) => !must.includes(ip) && !may.includes(ip));
    if (missing.length === 0 && extra.length === 0) return;
    const says = svc.clusterIP === 'None' ? `its ready endpoints (${list(must)})` : `its ClusterIP ${svc.clusterIP}`;
    const details = [
      ...(missing.length > 0 ? [`missing ${missing.join(', ')}`] : []),
      ...(extra.length > 0 ? [`extra ${extra.map((ip) => whose(run.state, svc, ip)).join(', ')}`] : []),
    ];
    findings.push({
      message: `${formatProbeRef(lookup.from)} resolved ${lookup.service.name}.${lookup.service.namespace}.svc to ${list([...answers].sort())}${answers.size === 0 && run.unanswered?.[i] ? ` (${run.unanswered[i]})` : ''}; the name must resolve to ${says}: ${details.join('; ')}`,
      probes: [],
    });
  });
  return findings;
}

/** One lookup per Service, from a pod the draw picks (shrinks toward the first pod). */
function lookupsOf(state: ClusterState, sources: number[]): ServiceLookup[] {
  return state.services.map((svc, i) => ({
    from: podSource(state.pods[(sources[i] ?? 0) % state.pods.length]),
    service: { namespace: svc.namespace, name: svc.name },
  }));
}

/**
 * Skews a drawn state toward what DNS tells apart: the Services flagged become headless, and the pods
 * flagged (where the target can toggle readiness) not ready, so a headless Service often selects a
 * not-ready pod. Flags shrink to false, back to the drawn state.
 */
function skewed(state: ClusterState, headless: boolean[], notReady: boolean[], readiness: boolean): ClusterState {
  return {
    ...state,
    services: state.services.map((svc, i) =>
      headless[i] && svc.clusterIP !== 'None'
        ? { ...svc, type: 'ClusterIP', clusterIP: 'None', sessionAffinity: 'None', ports: svc.ports.map(({ nodePort: _, ...port }) => port) }
        : svc,
    ),
    pods: state.pods.map((pod, i) => (readiness && notReady[i] ? { ...pod, ready: false } : pod)),
  };
}

export const serviceDns: Property = {
  id: 'service-dns',
  statement:
    "A Service's name resolves from a pod to its ClusterIP; a headless Service's name to its ready endpoints' addresses (not-ready ones too with publishNotReadyAddresses).",
  rule:
    'Kubernetes DNS-Based Service Discovery specification: <service>.<namespace>.svc.<zone> has an A record with the ClusterIP of a ' +
    'Service that has one; a headless Service has one A record per ready endpoint address, and none for endpoints that are not ready, ' +
    'unless publishNotReadyAddresses, which publishes them as ready (EndpointSlice conditions).',
  needs: ['pods', 'services', 'dns'],
  cases: ({ capabilities, universe }) =>
    fc
      .tuple(
        // Over a universe (a live cluster, a few runs) at least one Service, so every case looks one up.
        clusterCase({ ...generatorCapabilities(capabilities, universe), policies: false, services: true, nodePort: capabilities.has('nodeport'), minServices: universe ? 1 : 0 }),
        replicaCounts(6, universe),
        fc.array(fc.nat({ max: 20 }), { maxLength: 3 }),
        fc.array(fc.boolean(), { maxLength: 3 }),
        fc.array(fc.boolean(), { maxLength: 18 }),
      )
      .map(([drawn, counts, sources, headless, notReady]) => {
        const state = skewed(withReplicas(drawn.state, counts), headless, notReady, capabilities.has('readiness'));
        return { steps: [{ state, probes: [], lookups: lookupsOf(state, sources) }] };
      }),
  check: ({ steps }) => steps.flatMap((run, step) => lookupFindings(run, step)),
  outcomes: ['clusterip', 'headless', 'headless-leaves-out-not-ready'],
  classify({ steps: [run] }) {
    const labels = new Set<string>();
    for (const lookup of run.lookups) {
      const svc = run.state.services.find((s) => s.namespace === lookup.service.namespace && s.name === lookup.service.name);
      if (!svc) continue;
      if (svc.clusterIP !== 'None') {
        labels.add('clusterip');
        continue;
      }
      labels.add('headless');
      if (serviceEndpoints(run.state, svc).some((port) => port.endpoints.some((e) => !e.ready))) labels.add('headless-leaves-out-not-ready');
    }
    return [...labels];
  },
};
