// Small cluster states for the kernel target's tests and benchmark, written out by hand so each
// test reads as the situation it builds.
import type { ClusterState, ContainerPort, Pod, Probe, Protocol, Service } from '../../cluster/types.ts';

export const NODES = [
  { name: 'node-1', podCIDR: '10.244.1.0/24', internalIP: '172.18.0.2' },
  { name: 'node-2', podCIDR: '10.244.2.0/24', internalIP: '172.18.0.3' },
  { name: 'node-3', podCIDR: '10.244.3.0/24', internalIP: '172.18.0.4' },
];

export function pod(name: string, node: number, host: number, labels: Record<string, string> = {}, extra: Partial<Pod> = {}): Pod {
  const ports: ContainerPort[] = [
    { name: 'http', containerPort: 80, protocol: 'TCP' },
    { name: 'dns', containerPort: 53, protocol: 'UDP' },
  ];
  return {
    namespace: 'x',
    name,
    labels,
    nodeName: NODES[node - 1].name,
    hostNetwork: false,
    ports,
    ip: `10.244.${node}.${host}`,
    ready: true,
    ...extra,
  };
}

export function service(name: string, selector: Record<string, string>, clusterIP: string, extra: Partial<Service> = {}): Service {
  return {
    namespace: 'x',
    name,
    type: 'ClusterIP',
    clusterIP,
    selector,
    ports: [
      { name: 'web', port: 80, targetPort: 'http', protocol: 'TCP' },
      { name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' },
    ],
    sessionAffinity: 'None',
    publishNotReadyAddresses: false,
    internalTrafficPolicy: 'Cluster',
    ...extra,
  };
}

export function state(parts: Partial<ClusterState> & { pods: Pod[] }, nodes = 2): ClusterState {
  return {
    namespaces: [{ name: 'x', labels: {} }],
    nodes: NODES.slice(0, nodes),
    services: [],
    policies: [],
    ...parts,
  };
}

export function toPod(from: string, to: string, port: number | string = 80, protocol: Protocol = 'TCP', extra: Partial<Probe> = {}): Probe {
  return { from: { kind: 'pod', namespace: 'x', name: from }, to: { kind: 'pod', namespace: 'x', name: to }, port, protocol, ...extra };
}

export function toService(from: string, svc: string, port: number | string = 80, protocol: Protocol = 'TCP', extra: Partial<Probe> = {}): Probe {
  return { from: { kind: 'pod', namespace: 'x', name: from }, to: { kind: 'service', namespace: 'x', name: svc }, port, protocol, ...extra };
}

/** A mesh of `perNode` pods on each of `nodes` nodes, all serving TCP 80 and UDP 53. */
export function mesh(nodes: number, perNode: number): ClusterState {
  const pods: Pod[] = [];
  for (let n = 1; n <= nodes; n++) for (let i = 0; i < perNode; i++) pods.push(pod(`p${n}-${i}`, n, 10 + i, { app: `a${i % 3}` }));
  return state({ pods }, nodes);
}
