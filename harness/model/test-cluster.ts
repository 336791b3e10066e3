// Hand-built cluster states for the model's tests: two nodes, short constructors with Kubernetes'
// defaults, so each test states only the objects and fields its rule is about.
import type { ClusterState, ContainerPort, NetworkPolicy, Pod, Probe, Protocol, Service } from '../../cluster/types.ts';

export const NODES = [
  { name: 'node-1', podCIDR: '10.244.1.0/24', internalIP: '172.18.0.2' },
  { name: 'node-2', podCIDR: '10.244.2.0/24', internalIP: '172.18.0.3' },
];

let nextHost = 10;

/** A pod `ns/name` on node-1 serving TCP 80 named http, unless told otherwise. */
export function pod(key: string, fields: Partial<Pod> = {}): Pod {
  const [namespace, name] = key.split('/');
  const nodeName = fields.nodeName ?? 'node-1';
  const node = NODES.find((n) => n.name === nodeName)!;
  const ip = fields.hostNetwork ? node.internalIP : `${node.podCIDR.split('.').slice(0, 3).join('.')}.${nextHost++}`;
  return {
    namespace,
    name,
    labels: {},
    nodeName,
    hostNetwork: false,
    ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
    ip,
    ready: true,
    ...fields,
  };
}

export function ports(...list: [number, Protocol?, string?][]): ContainerPort[] {
  return list.map(([containerPort, protocol, name]) => ({ containerPort, protocol: protocol ?? 'TCP', ...(name ? { name } : {}) }));
}

let nextClusterIP = 10;

export function service(key: string, fields: Partial<Service> = {}): Service {
  const [namespace, name] = key.split('/');
  return {
    namespace,
    name,
    type: 'ClusterIP',
    clusterIP: `10.96.0.${nextClusterIP++}`,
    ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }],
    sessionAffinity: 'None',
    publishNotReadyAddresses: false,
    internalTrafficPolicy: 'Cluster',
    ...fields,
  };
}

export function policy(key: string, fields: Partial<NetworkPolicy> = {}): NetworkPolicy {
  const [namespace, name] = key.split('/');
  return { namespace, name, podSelector: {}, ...fields };
}

export function cluster(parts: Partial<ClusterState>): ClusterState {
  const namespaces = new Set([...(parts.pods ?? []), ...(parts.services ?? []), ...(parts.policies ?? [])].map((o) => o.namespace));
  return {
    namespaces: parts.namespaces ?? [...namespaces].map((name) => ({ name, labels: { ns: name } })),
    nodes: parts.nodes ?? NODES,
    pods: parts.pods ?? [],
    services: parts.services ?? [],
    policies: parts.policies ?? [],
  };
}

/** `ns/name`, `node:N`, `svc:ns/name` or `ip:A.B.C.D`, as case files write them. */
export function probe(from: string, to: string, port: number | string = 80, protocol: Protocol = 'TCP'): Probe {
  const source = from.startsWith('node:')
    ? { kind: 'node' as const, name: from.slice(5) }
    : { kind: 'pod' as const, namespace: from.split('/')[0], name: from.split('/')[1] };
  let target: Probe['to'];
  if (to.startsWith('svc:')) target = { kind: 'service', namespace: to.slice(4).split('/')[0], name: to.slice(4).split('/')[1] };
  else if (to.startsWith('ip:')) target = { kind: 'ip', ip: to.slice(3) };
  else target = { kind: 'pod', namespace: to.split('/')[0], name: to.split('/')[1] };
  return { from: source, to: target, port, protocol };
}
