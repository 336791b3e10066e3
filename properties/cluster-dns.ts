// A cluster DNS server added to another harness (the reference model has none), for the tests of
// service-dns: it answers Service names from the state the harness applied, as CoreDNS answers them
// from Services and EndpointSlices, or broken in one way. Test support only: `netprops run` never
// reaches it.
import type { ClusterState, ProbeSource } from '../cluster/types.ts';
import type { AppliedState, Harness, HarnessOptions, ServiceAnswer } from '../harness/harness.ts';
import { serviceEndpoints } from '../harness/model/endpoints.ts';
import { createHarness } from '../harness/targets.ts';
import type { Property } from './property.ts';

export type ClusterDNSBehaviour =
  /** ClusterIP, or the ready endpoints of a headless Service. */
  | 'conformant'
  /** A headless Service answers every endpoint, ready or not (a server that ignores EndpointSlice conditions). */
  | 'publishes-not-ready'
  /** A ClusterIP Service answers the address of one of its endpoints instead (as if it were headless). */
  | 'clusterip-as-endpoint';

export function withClusterDNS(inner: Harness, behaviour: ClusterDNSBehaviour = 'conformant'): Harness {
  let applied: ClusterState | undefined;
  return {
    target: inner.target,
    capabilities: new Set([...inner.capabilities, 'dns']),
    async apply(state: ClusterState): Promise<AppliedState> {
      const result = await inner.apply(state);
      applied = result.state;
      return result;
    },
    probe: (probes, observed) => inner.probe(probes, observed),
    async resolveService(_from: ProbeSource, service: { namespace: string; name: string }): Promise<ServiceAnswer> {
      if (!applied) throw new Error('resolveService before apply');
      const svc = applied.services.find((s) => s.namespace === service.namespace && s.name === service.name);
      if (!svc) return { ips: [], unanswered: 'NXDOMAIN' };
      const endpoints = serviceEndpoints(applied, svc).flatMap((port) => port.endpoints);
      const ips = (ready: boolean) => [...new Set(endpoints.filter((e) => !ready || e.ready).map((e) => e.ip))].sort();
      const answer = (found: string[]): ServiceAnswer => (found.length > 0 ? { ips: found } : { ips: [], unanswered: 'NOERROR' });
      if (svc.clusterIP !== 'None') return answer(behaviour === 'clusterip-as-endpoint' && endpoints.length > 0 ? ips(false).slice(0, 1) : [svc.clusterIP]);
      return answer(ips(behaviour !== 'publishes-not-ready'));
    },
    teardown: () => inner.teardown(),
  };
}

/**
 * The model harness for a property's tests: with a DNS server (conformant unless told) when it needs
 * one. A property comparing a target with the model (skipped on the model itself) sees the model's
 * observations as another target's, so its tests show it does not accuse a conformant target.
 */
export const modelHarnessFor =
  (property: Property, behaviour: ClusterDNSBehaviour = 'conformant') =>
  async (options: HarnessOptions): Promise<Harness> => {
    const model = await createHarness('model', options);
    const harness = property.comparesWithModel ? { ...model, target: 'model-as-target', referenceModel: false } : model;
    return property.needs.includes('dns') ? withClusterDNS(harness, behaviour) : harness;
  };
