// Cluster DNS for Services (the Kubernetes DNS-based service discovery specification): the name
// `<service>.<namespace>.svc.<zone>` has an A record with the ClusterIP; for a headless Service,
// one A record per ready endpoint address (not-ready ones too with publishNotReadyAddresses), and
// none for a selector-less or endpoint-less one. Looked up from inside a pod with dig (the agnhost
// image has bind-tools), through the pod's resolver search path, so no cluster domain is assumed.
import type { ClusterState, Service } from '../../cluster/types.ts';
import { serviceEndpoints } from '../model/endpoints.ts';

/** What the name must resolve to, from the state alone (sorted). */
export function expectedServiceRecords(state: ClusterState, svc: Service): string[] {
  if (svc.clusterIP !== 'None') return [svc.clusterIP];
  const ips = new Set<string>();
  for (const port of serviceEndpoints(state, svc)) for (const e of port.endpoints) if (e.ready) ips.add(e.ip);
  return [...ips].sort();
}

/** The lookup command; `+search` lets the pod's resolv.conf complete the cluster domain. */
export function digCommand(serviceName: string, clusterNamespace: string, timeoutSeconds: number): string[] {
  return ['dig', '+short', '+search', `+time=${timeoutSeconds}`, '+tries=1', 'A', `${serviceName}.${clusterNamespace}.svc`];
}

/** The IPv4 answers of `dig +short` (CNAME lines and comments skipped), sorted and unique. */
export function digAnswers(output: string): string[] {
  const ips = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^\d{1,3}(\.\d{1,3}){3}$/.test(l));
  return [...new Set(ips)].sort();
}
