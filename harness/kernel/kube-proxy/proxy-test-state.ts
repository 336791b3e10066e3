// The cluster state the proxy compilers' tests share: two nodes, backends with a named targetPort
// that resolves to a different number on each pod, a not-ready pod, a pod without the named port,
// and one Service of each shape (plain, no endpoints + NodePort, ClientIP affinity + NodePort,
// internalTrafficPolicy Local, headless).
import type { ClusterState, Pod, Service } from '../../../cluster/types.ts';

function pod(name: string, ip: string, nodeName: string, httpPort: number | undefined, ready = true): Pod {
  return {
    namespace: 'x',
    name,
    ip,
    labels: { app: 'web' },
    nodeName,
    hostNetwork: false,
    ports: httpPort === undefined ? [{ containerPort: 9000, protocol: 'TCP' }] : [{ name: 'http', containerPort: httpPort, protocol: 'TCP' }],
    ready,
  };
}

function service(name: string, clusterIP: string, extra: Partial<Service> = {}): Service {
  return {
    namespace: 'x',
    name,
    type: 'ClusterIP',
    clusterIP,
    selector: { app: 'web' },
    ports: [{ name: 'web', port: 80, targetPort: 'http', protocol: 'TCP' }],
    sessionAffinity: 'None',
    publishNotReadyAddresses: false,
    internalTrafficPolicy: 'Cluster',
    ...extra,
  };
}

export function proxyTestState(): ClusterState {
  return {
    namespaces: [{ name: 'x', labels: {} }],
    nodes: [
      { name: 'node-1', podCIDR: '10.244.1.0/24', internalIP: '192.168.0.1' },
      { name: 'node-2', podCIDR: '10.244.2.0/24', internalIP: '192.168.0.2' },
    ],
    pods: [
      pod('a', '10.244.1.2', 'node-1', 8080),
      pod('b', '10.244.1.3', 'node-1', 8081),
      pod('c', '10.244.2.2', 'node-2', 8082),
      pod('d', '10.244.2.3', 'node-2', 8083, false),
      pod('e', '10.244.1.4', 'node-1', undefined),
    ],
    services: [
      service('web', '10.96.0.10'),
      service('empty', '10.96.0.11', {
        type: 'NodePort',
        selector: { app: 'nothing' },
        ports: [{ port: 81, targetPort: 81, protocol: 'UDP', nodePort: 30001 }],
      }),
      service('sticky', '10.96.0.12', {
        type: 'NodePort',
        sessionAffinity: 'ClientIP',
        ports: [{ name: 'web', port: 80, targetPort: 'http', protocol: 'TCP', nodePort: 30002 }],
      }),
      service('local', '10.96.0.13', { internalTrafficPolicy: 'Local', ports: [{ port: 80, targetPort: 9000, protocol: 'TCP' }] }),
      service('headless', 'None'),
    ],
    policies: [],
  };
}
