// EndpointSlice semantics: which pods back each port of a Service, as the endpointslice controller
// publishes them and kube-proxy programs them.
import { hasServiceSelector, labelsMatch } from '../../cluster/label-selector.ts';
import type { ClusterState, Pod, Service, ServicePort } from '../../cluster/types.ts';

export interface Endpoint {
  pod: { namespace: string; name: string };
  /** The pod's IP (its node's IP for a hostNetwork pod). */
  ip: string;
  /** The targetPort resolved on this pod. */
  port: number;
  /** EndpointSlice conditions.ready: the pod is ready, or the Service publishes not-ready addresses. */
  ready: boolean;
  nodeName: string;
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
 * Per Service port, the endpoints of `svc`: pods of the Service's namespace its selector matches.
 * A Service without a selector (absent or empty map) gets no endpoints from Kubernetes.
 * hostNetwork pods are included with their node's IP, as the controller uses status.podIP.
 */
export function serviceEndpoints(state: ClusterState, svc: Service): ServicePortEndpoints[] {
  const selector = svc.selector;
  const selected = hasServiceSelector(selector)
    ? state.pods.filter((p) => p.namespace === svc.namespace && labelsMatch(selector, p.labels))
    : [];
  return svc.ports.map((servicePort) => {
    const endpoints: Endpoint[] = [];
    for (const pod of selected) {
      const port = resolveTargetPort(pod, servicePort);
      if (port === undefined) continue;
      endpoints.push({
        pod: { namespace: pod.namespace, name: pod.name },
        ip: pod.ip,
        port,
        ready: pod.ready || svc.publishNotReadyAddresses,
        nodeName: pod.nodeName,
        hostNetwork: pod.hostNetwork,
      });
    }
    return { servicePort, endpoints };
  });
}

/**
 * The endpoints kube-proxy sends traffic to: only ready ones. `includeNotReady` is the
 * not-ready-endpoints fault (a proxy that ignores readiness).
 */
export function programmedEndpoints(port: ServicePortEndpoints, options: { includeNotReady?: boolean } = {}): Endpoint[] {
  return options.includeNotReady ? port.endpoints : port.endpoints.filter((e) => e.ready);
}

/**
 * internalTrafficPolicy Local: only endpoints on the client's node; none there means the
 * connection fails even when other nodes have endpoints (kube-proxy topology filtering).
 */
export function endpointsForClient(endpoints: Endpoint[], svc: Service, clientNode: string | undefined): Endpoint[] {
  if (svc.internalTrafficPolicy !== 'Local') return endpoints;
  return endpoints.filter((e) => e.nodeName === clientNode);
}
