// What kube-proxy on one node programs for each Service port: the EndpointSlice data (API side,
// from the reference model's endpoint controller) filtered the way kube-proxy itself filters it
// (pkg/proxy CategorizeEndpoints): ready endpoints only, and for internalTrafficPolicy Local only
// the endpoints on this node. Shared by the iptables and nftables compilers.
import type { ClusterState, Protocol, Service, ServicePort } from '../../../cluster/types.ts';
import { chooseEndpoints, serviceEndpoints, type Endpoint } from '../../model/endpoints.ts';
import { servicePortName } from './chain-names.ts';

/** Default of sessionAffinityConfig.clientIP.timeoutSeconds (3 hours). */
export const AFFINITY_TIMEOUT_SECONDS = 10800;

/** The 0x4000 bit kube-proxy marks packets with that need masquerading (--masquerade-bit=14). */
export const MASQUERADE_MARK = 0x4000;

export interface ProxiedServicePort {
  service: Service;
  port: ServicePort;
  /** kube-proxy's ServicePortName: `namespace/name:port`. */
  name: string;
  protocol: Protocol;
  /** Endpoints that traffic under policy Cluster uses: ready ones of every node. */
  clusterEndpoints: Endpoint[];
  /** The subset on this node, used under policy Local. */
  localEndpoints: Endpoint[];
  /** True when the Service has usable endpoints anywhere: false means REJECT. */
  hasEndpoints: boolean;
  /** The endpoints ClusterIP traffic from this node goes to (cluster or local ones). */
  internalEndpoints: Endpoint[];
  /** Whether ClusterIP traffic uses the local-policy chain. */
  internalLocal: boolean;
}

export interface ServicePortOptions {
  /** The not-ready-endpoints fault: a proxy that ignores the EndpointSlice's ready condition. */
  includeNotReady?: boolean;
}

/**
 * Every Service port kube-proxy programs on `nodeName`, in a stable order. Headless Services have no
 * ClusterIP and get no rules (kube-proxy skips them).
 */
export function proxiedServicePorts(state: ClusterState, nodeName: string, options: ServicePortOptions = {}): ProxiedServicePort[] {
  const out: ProxiedServicePort[] = [];
  const services = [...state.services].sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  for (const service of services) {
    if (service.clusterIP === 'None') continue;
    for (const { servicePort, endpoints } of serviceEndpoints(state, service)) {
      // The endpoint slice cache orders endpoints by "ip:port"; kube-proxy writes them in that order.
      // CategorizeEndpoints: ready endpoints, else the serving terminating ones (cluster-wide and per node alike).
      const byAddress = (a: Endpoint, b: Endpoint) => `${a.ip}:${a.port}`.localeCompare(`${b.ip}:${b.port}`);
      const cluster = chooseEndpoints(endpoints, {}, { includeNotReady: options.includeNotReady === true });
      const usable = cluster.endpoints.sort(byAddress);
      const local = chooseEndpoints(endpoints, { localNode: nodeName }, { includeNotReady: options.includeNotReady === true }).endpoints.sort(byAddress);
      const internalLocal = service.internalTrafficPolicy === 'Local';
      out.push({
        service,
        port: servicePort,
        name: servicePortName(service.namespace, service.name, servicePort.name),
        protocol: servicePort.protocol,
        clusterEndpoints: usable,
        localEndpoints: local,
        hasEndpoints: cluster.hasAnyEndpoints,
        internalEndpoints: internalLocal ? local : usable,
        internalLocal,
      });
    }
  }
  return out;
}

/** This node's pod CIDR, and the other nodes' (where pod-to-pod traffic leaving this node goes). */
export function nodePodCIDRs(state: ClusterState, nodeName: string): { local?: string; others: string[] } {
  const local = state.nodes.find((n) => n.name === nodeName)?.podCIDR;
  return { local, others: state.nodes.filter((n) => n.name !== nodeName).map((n) => n.podCIDR).sort() };
}
