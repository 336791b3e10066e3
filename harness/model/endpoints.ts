// EndpointSlice semantics: which pods back each port of a Service, as the endpointslice controller
// publishes them (podToEndpoint), and which of those kube-proxy sends a client to
// (CategorizeEndpoints in pkg/proxy/topology.go).
import { hasServiceSelector, labelsMatch } from '../../cluster/label-selector.ts';
import type { ClusterState, Pod, Service, ServicePort } from '../../cluster/types.ts';

export interface Endpoint {
  /** The pod at this address; absent for an EndpointSlice address that is no pod of the state. */
  pod?: { namespace: string; name: string };
  /** The pod's IP (its node's IP for a hostNetwork pod). */
  ip: string;
  /** The targetPort resolved on this pod. */
  port: number;
  /** conditions.ready: the pod is ready and not terminating, or the Service publishes not-ready addresses. */
  ready: boolean;
  /** conditions.serving: the pod is ready, terminating or not. */
  serving: boolean;
  /** conditions.terminating: the pod has a deletionTimestamp. */
  terminating: boolean;
  nodeName?: string;
  hostNetwork: boolean;
}

export interface ServicePortEndpoints {
  servicePort: ServicePort;
  /** Every selected pod that has this port, ready or not (the slice lists both). */
  endpoints: Endpoint[];
}

/**
 * The controller's port lookup (FindPort): a numeric targetPort is used as is, with no declaration
 * needed on the pod; a named one is the pod's container port with that name AND the Service port's
 * protocol, and a pod without one is left out of this port's endpoints.
 */
export function resolveTargetPort(pod: Pod, servicePort: ServicePort): number | undefined {
  if (typeof servicePort.targetPort === 'number') return servicePort.targetPort;
  const named = pod.ports.find((p) => p.name === servicePort.targetPort && p.protocol === servicePort.protocol);
  return named?.containerPort;
}

/**
 * The endpoint of one pod (endpointslice controller podToEndpoint): serving is the pod's
 * readiness, terminating its deletionTimestamp, and ready "serving and not terminating" unless the
 * Service publishes not-ready addresses.
 */
export function podEndpointConditions(pod: Pod, svc: Service): Pick<Endpoint, 'ready' | 'serving' | 'terminating'> {
  const serving = pod.ready;
  const terminating = pod.terminating === true;
  return { ready: svc.publishNotReadyAddresses || (serving && !terminating), serving, terminating };
}

/**
 * Per Service port, the endpoints of `svc`. With a selector: the pods of the Service's namespace
 * it matches (the state holds only pods the controller lists: ShouldPodBeInEndpoints leaves out
 * terminal pods and pods without an IP, and the loader keeps those out of the state). Without a
 * selector: the EndpointSlices labelled with the Service's name, whose ports kube-proxy matches
 * to the Service's by name and protocol. hostNetwork pods are included with their node's IP.
 */
export function serviceEndpoints(state: ClusterState, svc: Service): ServicePortEndpoints[] {
  const selector = svc.selector;
  if (!hasServiceSelector(selector)) return sliceEndpoints(state, svc);
  const selected = state.pods.filter((p) => p.namespace === svc.namespace && labelsMatch(selector, p.labels));
  return svc.ports.map((servicePort) => {
    const endpoints: Endpoint[] = [];
    for (const pod of selected) {
      const port = resolveTargetPort(pod, servicePort);
      if (port === undefined) continue;
      endpoints.push({
        pod: { namespace: pod.namespace, name: pod.name },
        ip: pod.ip,
        port,
        ...podEndpointConditions(pod, svc),
        nodeName: pod.nodeName,
        hostNetwork: pod.hostNetwork,
      });
    }
    return { servicePort, endpoints };
  });
}

function sliceEndpoints(state: ClusterState, svc: Service): ServicePortEndpoints[] {
  const slices = (state.endpointSlices ?? []).filter((s) => s.namespace === svc.namespace && s.serviceName === svc.name);
  const podByIP = new Map(state.pods.filter((p) => !p.hostNetwork).map((p) => [p.ip, p]));
  return svc.ports.map((servicePort) => {
    const endpoints: Endpoint[] = [];
    const seen = new Set<string>();
    for (const slice of slices) {
      // kube-proxy's endpoint cache keys a slice port by its name and protocol (ServicePortName).
      const port = slice.ports.find((p) => (p.name ?? '') === (servicePort.name ?? '') && p.protocol === servicePort.protocol);
      if (port?.port === undefined) continue;
      for (const e of slice.endpoints) {
        // The same address in two slices is one endpoint (the cache merges them by IP:port).
        const key = `${e.address}:${port.port}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const pod = podByIP.get(e.address);
        endpoints.push({
          ...(pod ? { pod: { namespace: pod.namespace, name: pod.name } } : {}),
          ip: e.address,
          port: port.port,
          ready: e.ready,
          serving: e.serving,
          terminating: e.terminating,
          ...(e.nodeName !== undefined ? { nodeName: e.nodeName } : pod ? { nodeName: pod.nodeName } : {}),
          hostNetwork: false,
        });
      }
    }
    return { servicePort, endpoints };
  });
}

export interface EndpointChoice {
  /** The endpoints kube-proxy sends this client to. */
  endpoints: Endpoint[];
  /** False when the Service has no usable endpoint anywhere: kube-proxy rejects; true and none chosen: it drops. */
  hasAnyEndpoints: boolean;
}

/**
 * kube-proxy's CategorizeEndpoints for one client: with a Cluster traffic policy every ready
 * endpoint, with Local only those on `localNode`; in both, when that set has no ready endpoint,
 * the serving terminating ones (KEP-1669), so a rollout does not drop connections.
 * `includeNotReady` is the not-ready-endpoints fault (a proxy that ignores readiness),
 * `noTerminatingFallback` the no-terminating-fallback fault (kube-proxy before KEP-1669).
 */
export function chooseEndpoints(
  endpoints: Endpoint[],
  policy: { localNode?: string } = {},
  options: { includeNotReady?: boolean; noTerminatingFallback?: boolean } = {},
): EndpointChoice {
  const usable = (e: Endpoint) => e.ready || (e.serving && e.terminating);
  const hasAnyEndpoints = options.includeNotReady ? endpoints.length > 0 : endpoints.some(usable);
  const candidates = policy.localNode === undefined ? endpoints : endpoints.filter((e) => e.nodeName === policy.localNode);
  if (options.includeNotReady) return { endpoints: candidates, hasAnyEndpoints };
  const ready = candidates.filter((e) => e.ready);
  if (ready.length > 0 || options.noTerminatingFallback) return { endpoints: ready, hasAnyEndpoints };
  return { endpoints: candidates.filter((e) => e.serving && e.terminating), hasAnyEndpoints };
}

/** The endpoints a Cluster-policy client is sent to (see chooseEndpoints). */
export function programmedEndpoints(port: ServicePortEndpoints, options: { includeNotReady?: boolean } = {}): Endpoint[] {
  return chooseEndpoints(port.endpoints, {}, options).endpoints;
}

/**
 * internalTrafficPolicy Local: only endpoints on the client's node; none there means the
 * connection fails even when other nodes have endpoints (kube-proxy topology filtering).
 */
export function endpointsForClient(endpoints: Endpoint[], svc: Service, clientNode: string | undefined): Endpoint[] {
  if (svc.internalTrafficPolicy !== 'Local') return endpoints;
  return endpoints.filter((e) => e.nodeName === clientNode);
}
