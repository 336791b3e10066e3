// Probes to Services, derived from a state: to each port of each Service that has a ClusterIP.
import type { ClusterState, Pod, Probe, ProbeSource, Service, ServicePort } from '../cluster/types.ts';

export const hasClusterIP = (svc: Service): boolean => svc.clusterIP !== 'None';

export function serviceProbe(from: ProbeSource, svc: Service, port: ServicePort, extra: Partial<Probe> = {}): Probe {
  return {
    from,
    to: { kind: 'service', namespace: svc.namespace, name: svc.name },
    port: port.port,
    protocol: port.protocol,
    ...extra,
  };
}

export const podSource = (pod: Pod): ProbeSource => ({ kind: 'pod', namespace: pod.namespace, name: pod.name });

/** From every pod to every port of every Service with a ClusterIP. */
export function serviceProbes(state: ClusterState): Probe[] {
  const probes: Probe[] = [];
  for (const svc of state.services.filter(hasClusterIP)) {
    for (const port of svc.ports) for (const pod of state.pods) probes.push(serviceProbe(podSource(pod), svc, port));
  }
  return probes;
}

export function serviceOf(state: ClusterState, ref: { kind: string; namespace?: string; name?: string }): Service | undefined {
  if (ref.kind !== 'service') return undefined;
  return state.services.find((s) => s.namespace === ref.namespace && s.name === ref.name);
}
