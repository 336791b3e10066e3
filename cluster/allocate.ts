// What the API server, the node IPAM controller and the CNI's IPAM do with the objects of a case
// file: turn a partial description (no node for a pod, no IP, no ClusterIP, no nodePort) into a
// complete ClusterState, and reject what a cluster could not hold (two pods with one IP, an object
// in a namespace that does not exist, a nodePort outside the range).
import ipaddr from 'ipaddr.js';
import { CaseFileError, type CaseFileLocation } from './errors.ts';
import type { ClusterState, EndpointSlice, Namespace, NetworkPolicy, Node, Pod, Service, ServicePort } from './types.ts';
import { podKey } from './types.ts';
import { cidrRange, cidrsOverlap, ipv4ToNumber, numberToIPv4 } from './ipv4-number.ts';
import { ipv4AddressProblem, ipv4CidrProblem } from './address-validation.ts';

export interface RawNode {
  name: string;
  podCIDR?: string;
  internalIP?: string;
}

export interface RawPod extends Omit<Pod, 'nodeName' | 'ip'> {
  nodeName?: string;
  /** status.podIP (or podIPs[0]), used as given (a CNI's IPAM may hand out any address); assigned from the node's podCIDR when absent. */
  ip?: string;
  /** status.phase, when written; Succeeded/Failed pods and Pending pods without an IP never reach allocation. */
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
  /** status.hostIP: the InternalIP of the pod's node. */
  hostIP?: string;
}

export interface RawService extends Omit<Service, 'clusterIP'> {
  /** Given, 'None' (headless), or absent: allocated from the service CIDR. */
  clusterIP?: string;
}

/** A cluster state as a case file writes it: everything the cluster would fill in may be missing. */
export interface RawClusterState {
  namespaces: Namespace[];
  nodes: RawNode[];
  pods: RawPod[];
  services: RawService[];
  policies: NetworkPolicy[];
  endpointSlices?: EndpointSlice[];
}

type RawObject = Namespace | RawNode | RawPod | RawService | NetworkPolicy;

/** Where an object came from, so an error names the file and document; the decoder supplies it. */
export type Locate = (kind: string, object: RawObject) => CaseFileLocation;

/** kubeadm's (and kind's) default service-cluster-ip-range; pod CIDRs as kube-controller-manager's --cluster-cidr 10.244.0.0/16 hands them out. */
export const SERVICE_CIDR = '10.96.0.0/12';
export const FIRST_ALLOCATED_CLUSTER_IP = '10.96.0.10';
export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

const describeObject = (kind: string, o: RawObject): string =>
  'namespace' in o ? `${kind} ${o.namespace}/${o.name}` : `${kind} ${o.name}`;

const inStateLocate: Locate = (kind, o) => ({ file: '<cluster state>', object: describeObject(kind, o) });

export interface AllocateOptions {
  /** The cluster's service-cluster-ip-range; SERVICE_CIDR when absent. */
  serviceCIDR?: string;
}

export function allocate(raw: RawClusterState, locate: Locate = inStateLocate, options: AllocateOptions = {}): ClusterState {
  const serviceCIDR = options.serviceCIDR ?? SERVICE_CIDR;
  const fail = (kind: string, o: RawObject, field: string | undefined, problem: string): never => {
    throw new CaseFileError({ ...locate(kind, o), ...(field ? { field } : {}) }, problem);
  };

  // ---- Namespaces: `default` exists in every cluster; any other one must be declared. ----
  const namespaces: Namespace[] = raw.namespaces.map((ns) => ({ name: ns.name, labels: { ...ns.labels } }));
  const declared = new Map<string, Namespace>();
  for (const ns of raw.namespaces) {
    if (declared.has(ns.name)) fail('Namespace', ns, 'metadata.name', `duplicate Namespace '${ns.name}'`);
    declared.set(ns.name, ns);
  }
  const namespaced: [string, RawPod | RawService | NetworkPolicy][] = [
    ...raw.pods.map((p): [string, RawPod] => ['Pod', p]),
    ...raw.services.map((s): [string, RawService] => ['Service', s]),
    ...raw.policies.map((p): [string, NetworkPolicy] => ['NetworkPolicy', p]),
  ];
  for (const [kind, o] of namespaced) {
    if (o.namespace === 'default' && !declared.has('default')) {
      namespaces.unshift({ name: 'default', labels: {} });
      declared.set('default', namespaces[0]!);
    }
    if (!declared.has(o.namespace)) {
      fail(kind, o, 'metadata.namespace', `namespace '${o.namespace}' is not declared: add a Namespace document for it`);
    }
  }
  for (const [kind, list] of [['Pod', raw.pods], ['Service', raw.services], ['NetworkPolicy', raw.policies]] as const) {
    const seen = new Set<string>();
    for (const o of list) {
      const key = podKey(o);
      if (seen.has(key)) fail(kind, o, 'metadata.name', `duplicate ${kind} '${key}'`);
      seen.add(key);
    }
  }

  const nodes = allocateNodes(raw, serviceCIDR, fail);
  const nodeByName = new Map(nodes.map((n) => [n.name, n]));
  const pods = allocatePods(raw.pods, nodes, nodeByName, serviceCIDR, fail);
  const services = allocateServices(raw.services, serviceCIDR, fail);
  const policies = raw.policies.map((p) => structuredClone(p));
  const state: ClusterState = { namespaces, nodes, pods, services, policies };
  if (raw.endpointSlices && raw.endpointSlices.length > 0) state.endpointSlices = structuredClone(raw.endpointSlices);
  return state;
}

type Fail = (kind: string, o: RawObject, field: string | undefined, problem: string) => never;

function allocateNodes(raw: RawClusterState, SERVICE_CIDR: string, fail: Fail): Node[] {
  const seen = new Set<string>();
  for (const n of raw.nodes) {
    if (seen.has(n.name)) fail('Node', n, 'metadata.name', `duplicate Node '${n.name}'`);
    seen.add(n.name);
  }
  // Nodes named only by pods exist too, in order of first appearance; with none at all, one node.
  // Such a node's InternalIP is the status.hostIP its pods report (a dump prints no Nodes).
  const wanted: RawNode[] = raw.nodes.map((n) => ({ ...n }));
  for (const p of raw.pods) {
    if (p.nodeName !== undefined && !seen.has(p.nodeName)) {
      seen.add(p.nodeName);
      wanted.push({ name: p.nodeName });
    }
  }
  if (wanted.length === 0) wanted.push({ name: 'node-1' });
  const hostIPs = new Map<string, { ip: string; pod: RawPod }>();
  for (const p of raw.pods) {
    if (p.nodeName === undefined || p.hostIP === undefined) continue;
    const other = hostIPs.get(p.nodeName);
    if (other && other.ip !== p.hostIP) fail('Pod', p, 'status.hostIP', `${p.hostIP} differs from ${other.ip}, the hostIP of Pod ${podKey(other.pod)} on the same node ${p.nodeName}`);
    hostIPs.set(p.nodeName, { ip: p.hostIP, pod: p });
  }
  const reportedBy = new Map<RawNode, RawPod>();
  for (const n of wanted) {
    const reported = hostIPs.get(n.name);
    if (!reported) continue;
    if (n.internalIP === undefined) {
      n.internalIP = reported.ip;
      reportedBy.set(n, reported.pod);
    } else if (n.internalIP !== reported.ip) fail('Pod', reported.pod, 'status.hostIP', `${reported.ip} is not node ${n.name}'s InternalIP ${n.internalIP}`);
  }

  const cidrOwner = new Map<string, RawNode>();
  const ipOwner = new Map<string, RawNode>();
  raw.nodes.forEach((n, i) => {
    if (n.podCIDR !== undefined) {
      const problem = ipv4CidrProblem(n.podCIDR);
      if (problem) fail('Node', n, 'spec.podCIDR', problem);
      const [address, prefix] = ipaddr.IPv4.parseCIDR(n.podCIDR);
      if (ipaddr.IPv4.networkAddressFromCIDR(n.podCIDR).toString() !== address.toString()) {
        fail('Node', n, 'spec.podCIDR', `'${n.podCIDR}' has host bits set: write its network address, ${ipaddr.IPv4.networkAddressFromCIDR(n.podCIDR).toString()}/${prefix}`);
      }
      if (prefix > 29) fail('Node', n, 'spec.podCIDR', `'${n.podCIDR}' is too small for pods: use a prefix of /29 or shorter`);
      if (cidrsOverlap(n.podCIDR, SERVICE_CIDR)) fail('Node', n, 'spec.podCIDR', `'${n.podCIDR}' overlaps the service CIDR ${SERVICE_CIDR}`);
      for (const [cidr, other] of cidrOwner) {
        if (cidrsOverlap(cidr, n.podCIDR)) fail('Node', n, 'spec.podCIDR', `'${n.podCIDR}' overlaps Node ${other.name}'s podCIDR ${cidr}`);
      }
      cidrOwner.set(n.podCIDR, raw.nodes[i]!);
    }
  });
  // Declared InternalIPs are checked on their Node; those told by pods' status.hostIP on that pod.
  const declaredIndex = new Map(raw.nodes.map((n, i) => [n.name, i]));
  for (const n of wanted) {
    if (n.internalIP === undefined) continue;
    const reporter = reportedBy.get(n);
    const declaredNode = declaredIndex.has(n.name) ? raw.nodes[declaredIndex.get(n.name)!]! : n;
    const bad = (problem: string): never => (reporter ? fail('Pod', reporter, 'status.hostIP', problem) : fail('Node', declaredNode, 'status.addresses[InternalIP]', problem));
    const problem = ipv4AddressProblem(n.internalIP);
    if (problem) bad(problem);
    const other = ipOwner.get(n.internalIP);
    if (other) bad(`InternalIP ${n.internalIP} is also Node ${other.name}'s`);
    if (ipaddr.IPv4.parse(n.internalIP).match(ipaddr.IPv4.parseCIDR(SERVICE_CIDR))) bad(`InternalIP ${n.internalIP} lies in the service CIDR ${SERVICE_CIDR}`);
    for (const [cidr, owner] of cidrOwner) {
      if (ipaddr.IPv4.parse(n.internalIP).match(ipaddr.IPv4.parseCIDR(cidr))) {
        bad(`InternalIP ${n.internalIP} lies in Node ${owner.name}'s podCIDR ${cidr}`);
      }
    }
    ipOwner.set(n.internalIP, n);
  }

  // A node without a podCIDR whose pods carry given IPs all in one free /24 gets that /24, so the
  // allocation agrees with the addresses the cluster chose (10.244.3.x pods on node-3: 10.244.3.0/24).
  for (const n of wanted) {
    if (n.podCIDR !== undefined) continue;
    const given = raw.pods.filter((p) => p.nodeName === n.name && !p.hostNetwork && p.ip !== undefined && ipv4AddressProblem(p.ip) === undefined);
    if (given.length === 0) continue;
    const blocks = new Set(given.map((p) => `${ipaddr.IPv4.networkAddressFromCIDR(`${p.ip}/24`).toString()}/24`));
    if (blocks.size !== 1) continue;
    const [cidr] = [...blocks] as [string];
    const free = !cidrsOverlap(cidr, SERVICE_CIDR) && [...cidrOwner.keys()].every((c) => !cidrsOverlap(c, cidr))
      && [...ipOwner.keys()].every((ip) => !ipaddr.IPv4.parse(ip).match(ipaddr.IPv4.parseCIDR(cidr)))
      && (n.internalIP === undefined || !ipaddr.IPv4.parse(n.internalIP).match(ipaddr.IPv4.parseCIDR(cidr)));
    if (!free) continue;
    n.podCIDR = cidr;
    cidrOwner.set(cidr, n);
  }

  // Nodes without a podCIDR or InternalIP get 10.244.<k>.0/24 and 172.18.0.<k+1> (kind's layout),
  // k = 1, 2, ... skipping what declared nodes already use.
  let k = 1;
  const nextK = (n: RawNode, needCidr: boolean, needIP: boolean): number => {
    for (; k <= 254; k++) {
      const cidr = `10.244.${k}.0/24`;
      const ip = `172.18.0.${k + 1}`;
      const cidrFree = !needCidr || [...cidrOwner.keys()].every((c) => !cidrsOverlap(c, cidr));
      const ipFree = !needIP || (!ipOwner.has(ip) && [...cidrOwner.keys()].every((c) => !ipaddr.IPv4.parse(ip).match(ipaddr.IPv4.parseCIDR(c))));
      if (cidrFree && ipFree) return k++;
    }
    return fail('Node', n, undefined, 'no free 10.244.<k>.0/24 podCIDR / 172.18.0.<k+1> InternalIP left: declare Nodes with their own podCIDR and InternalIP');
  };
  return wanted.map((n) => {
    if (n.podCIDR !== undefined && n.internalIP !== undefined) return { name: n.name, podCIDR: n.podCIDR, internalIP: n.internalIP };
    const j = nextK(n, n.podCIDR === undefined, n.internalIP === undefined);
    const node: Node = { name: n.name, podCIDR: n.podCIDR ?? `10.244.${j}.0/24`, internalIP: n.internalIP ?? `172.18.0.${j + 1}` };
    cidrOwner.set(node.podCIDR, n);
    ipOwner.set(node.internalIP, n);
    return node;
  });
}

function allocatePods(rawPods: RawPod[], nodes: Node[], nodeByName: Map<string, Node>, SERVICE_CIDR: string, fail: Fail): Pod[] {
  // The scheduler stand-in: pods without spec.nodeName go to the node whose podCIDR holds their
  // given IP, else round-robin over the nodes, in document order.
  let next = 0;
  const nodeHolding = (ip: string | undefined): Node | undefined =>
    ip === undefined || ipv4AddressProblem(ip) ? undefined : nodes.find((n) => ipaddr.IPv4.parse(ip).match(ipaddr.IPv4.parseCIDR(n.podCIDR)));
  const placed = rawPods.map((p) => ({
    raw: p,
    node: p.nodeName !== undefined ? nodeByName.get(p.nodeName)! : (!p.hostNetwork ? nodeHolding(p.ip) : undefined) ?? nodes[next++ % nodes.length]!,
  }));
  const nodeIPs = new Map(nodes.map((n) => [n.internalIP, n]));

  const owner = new Map<string, RawPod>();
  for (const { raw: p, node } of placed) {
    if (p.ip === undefined) continue;
    const problem = ipv4AddressProblem(p.ip);
    if (problem) fail('Pod', p, 'status.podIP', problem);
    if (p.hostNetwork) {
      if (p.ip !== node.internalIP) fail('Pod', p, 'status.podIP', `a hostNetwork pod has its node's IP: ${node.name} is ${node.internalIP}, not ${p.ip}`);
      continue;
    }
    // A given pod IP is used as given: the CNI's IPAM chose it, inside the node's podCIDR or not
    // (Calico hands out /26 blocks of its own pools). It may not be a node's or a ClusterIP.
    if (ipaddr.IPv4.parse(p.ip).match(ipaddr.IPv4.parseCIDR(SERVICE_CIDR))) fail('Pod', p, 'status.podIP', `${p.ip} lies in the service CIDR ${SERVICE_CIDR}`);
    const nodeOwner = nodeIPs.get(p.ip);
    if (nodeOwner) fail('Pod', p, 'status.podIP', `${p.ip} is node ${nodeOwner.name}'s InternalIP; only a hostNetwork pod has its node's IP`);
    const other = owner.get(p.ip);
    if (other) fail('Pod', p, 'status.podIP', `pod IP ${p.ip} is also pod ${podKey(other)}'s: two pods cannot share an IP`);
    owner.set(p.ip, p);
  }

  // Two hostNetwork pods on one node share its network namespace: one port, one server.
  const hostPorts = new Map<string, RawPod>();
  for (const { raw: p, node } of placed) {
    if (!p.hostNetwork) continue;
    for (const [i, port] of p.ports.entries()) {
      const key = `${node.name}/${port.containerPort}/${port.protocol}`;
      const other = hostPorts.get(key);
      if (other && other !== p) {
        fail('Pod', p, 'spec.containers', `port ${i + 1} of the pod: hostNetwork pod ${podKey(other)} already serves ${port.containerPort}/${port.protocol} on node ${node.name}`);
      }
      hostPorts.set(key, p);
    }
  }

  const cursor = new Map<string, number>();
  return placed.map(({ raw: p, node }) => {
    let ip = p.ip;
    if (p.hostNetwork) ip = node.internalIP;
    if (ip === undefined) {
      // host-local style: the lowest free address from .2 up (.1 is the node's gateway).
      const { first, last } = cidrRange(node.podCIDR);
      let n = cursor.get(node.name) ?? first + 2;
      while (n < last && owner.has(numberToIPv4(n))) n++;
      if (n >= last) fail('Pod', p, 'status.podIP', `node ${node.name}'s podCIDR ${node.podCIDR} has no free address left`);
      ip = numberToIPv4(n);
      cursor.set(node.name, n + 1);
      owner.set(ip, p);
    }
    return {
      namespace: p.namespace,
      name: p.name,
      labels: { ...p.labels },
      nodeName: node.name,
      hostNetwork: p.hostNetwork,
      ports: p.ports.map((port) => ({ ...port })),
      ip,
      ready: p.ready,
      ...(p.terminating ? { terminating: true } : {}),
    };
  });
}

function allocateServices(rawServices: RawService[], SERVICE_CIDR: string, fail: Fail): Service[] {
  const [serviceNet, servicePrefix] = ipaddr.IPv4.parseCIDR(SERVICE_CIDR);
  const { first, last } = cidrRange(SERVICE_CIDR);
  const ipOwner = new Map<string, RawService>();
  for (const s of rawServices) {
    if (s.clusterIP === undefined || s.clusterIP === 'None') {
      if (s.clusterIP === 'None' && s.type === 'NodePort') fail('Service', s, 'spec.clusterIP', `may not be 'None' for a NodePort Service`);
      continue;
    }
    const problem = ipv4AddressProblem(s.clusterIP);
    if (problem) fail('Service', s, 'spec.clusterIP', problem);
    const n = ipv4ToNumber(s.clusterIP);
    if (!ipaddr.IPv4.parse(s.clusterIP).match(serviceNet, servicePrefix) || n === first || n === last) {
      fail('Service', s, 'spec.clusterIP', `${s.clusterIP} is not in the valid range: the service CIDR is ${SERVICE_CIDR}`);
    }
    const other = ipOwner.get(s.clusterIP);
    if (other) fail('Service', s, 'spec.clusterIP', `ClusterIP ${s.clusterIP} is already allocated to Service ${podKey(other)}`);
    ipOwner.set(s.clusterIP, s);
  }

  // nodePorts: one number belongs to one Service; within it, a number may serve TCP and UDP alike.
  const portOwner = new Map<number, RawService>();
  for (const s of rawServices) {
    const own = new Set<string>();
    for (const [i, port] of s.ports.entries()) {
      if (port.nodePort === undefined) continue;
      const field = `spec.ports[${i}].nodePort`;
      if (s.type !== 'NodePort') fail('Service', s, field, `may not be used when type is '${s.type}'`);
      if (!Number.isInteger(port.nodePort) || port.nodePort < NODE_PORT_RANGE.min || port.nodePort > NODE_PORT_RANGE.max) {
        fail('Service', s, field, `${port.nodePort} is not in the valid range ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`);
      }
      const other = portOwner.get(port.nodePort);
      if (other && other !== s) fail('Service', s, field, `nodePort ${port.nodePort} is already allocated to Service ${podKey(other)}`);
      const key = `${port.nodePort}/${port.protocol}`;
      if (own.has(key)) fail('Service', s, field, `duplicate nodePort ${key}`);
      own.add(key);
      portOwner.set(port.nodePort, s);
    }
  }

  // From .10 up, as in kind; in another range, from its tenth address.
  let nextIP = ipaddr.IPv4.parse(FIRST_ALLOCATED_CLUSTER_IP).match(serviceNet, servicePrefix) ? ipv4ToNumber(FIRST_ALLOCATED_CLUSTER_IP) : first + 10;
  let nextPort: number = NODE_PORT_RANGE.min;
  return rawServices.map((s) => {
    let clusterIP = s.clusterIP;
    if (clusterIP === undefined) {
      while (nextIP < last && ipOwner.has(numberToIPv4(nextIP))) nextIP++;
      if (nextIP >= last) fail('Service', s, 'spec.clusterIP', `the service CIDR ${SERVICE_CIDR} has no free address left`);
      clusterIP = numberToIPv4(nextIP++);
      ipOwner.set(clusterIP, s);
    }
    const ports: ServicePort[] = s.ports.map((port) => {
      const { nodePort, ...rest } = port;
      if (s.type !== 'NodePort') return { ...rest };
      if (nodePort !== undefined) return { ...rest, nodePort };
      while (nextPort <= NODE_PORT_RANGE.max && portOwner.has(nextPort)) nextPort++;
      if (nextPort > NODE_PORT_RANGE.max) fail('Service', s, 'spec.ports', `no free nodePort left in ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`);
      portOwner.set(nextPort, s);
      return { ...rest, nodePort: nextPort++ };
    });
    const service: Service = {
      namespace: s.namespace,
      name: s.name,
      type: s.type,
      clusterIP,
      ports,
      sessionAffinity: s.sessionAffinity,
      publishNotReadyAddresses: s.publishNotReadyAddresses,
      internalTrafficPolicy: s.internalTrafficPolicy,
    };
    if (s.externalTrafficPolicy !== undefined) service.externalTrafficPolicy = s.externalTrafficPolicy;
    if (s.serviceProxyName !== undefined) service.serviceProxyName = s.serviceProxyName;
    if (s.selector !== undefined) service.selector = { ...s.selector };
    return service;
  });
}
