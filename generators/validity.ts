// What makes a generated case valid, as the API server and the cluster would judge it: names and
// labels in their syntax, selectors well formed, Service and policy ports as validation requires,
// addresses as IPAM hands them out (A's allocate() must leave a complete state unchanged), and
// probes that name objects of the state. Each problem is one line; none means valid.
import ipaddr from 'ipaddr.js';
import { isDeepStrictEqual } from 'node:util';
import { allocate } from '../cluster/allocate.ts';
import { decodeCase, encodeCase } from '../cluster/case-file.ts';
import { NetpropsError } from '../cluster/errors.ts';
import {
  dns1035LabelProblem,
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  ianaSvcNameProblem,
  labelKeyProblem,
  labelValueProblem,
} from '../cluster/name-validation.ts';
import { requirementProblem } from '../cluster/selector-validation.ts';
import type {
  ClusterState,
  IPBlock,
  LabelSelector,
  Labels,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  Probe,
  Service,
} from '../cluster/types.ts';
import { PROTOCOLS, podKey } from '../cluster/types.ts';

const isPort = (n: unknown): boolean => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 65535;

export function labelsProblems(labels: Labels, where: string): string[] {
  return Object.entries(labels).flatMap(([key, value]) =>
    [labelKeyProblem(key), labelValueProblem(value)].filter((p) => p !== undefined).map((p) => `${where}: ${p}`),
  );
}

export function labelSelectorProblems(selector: LabelSelector, where: string): string[] {
  const problems = labelsProblems(selector.matchLabels ?? {}, `${where}.matchLabels`);
  for (const [i, req] of (selector.matchExpressions ?? []).entries()) {
    const p = requirementProblem(req);
    if (p) problems.push(`${where}.matchExpressions[${i}].${p.field}: ${p.problem}`);
  }
  return problems;
}

export function ipBlockProblems(block: IPBlock, where: string): string[] {
  if (!ipaddr.IPv4.isValidCIDR(block.cidr)) return [`${where}.cidr: '${block.cidr}' is not an IPv4 CIDR`];
  const [address, prefix] = ipaddr.IPv4.parseCIDR(block.cidr);
  const problems: string[] = [];
  if (ipaddr.IPv4.networkAddressFromCIDR(block.cidr).toString() !== address.toString()) {
    problems.push(`${where}.cidr: '${block.cidr}' has host bits set`);
  }
  for (const [i, e] of (block.except ?? []).entries()) {
    // NetworkPolicy validation: every except entry must be a strict subset of cidr.
    if (!ipaddr.IPv4.isValidCIDR(e)) {
      problems.push(`${where}.except[${i}]: '${e}' is not an IPv4 CIDR`);
      continue;
    }
    const [ea, ep] = ipaddr.IPv4.parseCIDR(e);
    if (!ea.match(address, prefix) || ep <= prefix) problems.push(`${where}.except[${i}]: '${e}' is not a strict subset of ${block.cidr}`);
  }
  return problems;
}

export function networkPolicyPortProblems(port: NetworkPolicyPort, where: string): string[] {
  const problems: string[] = [];
  if (port.protocol !== undefined && !PROTOCOLS.includes(port.protocol)) problems.push(`${where}.protocol: '${port.protocol}'`);
  if (typeof port.port === 'string') {
    const p = ianaSvcNameProblem(port.port);
    if (p) problems.push(`${where}.port: ${p}`);
  } else if (port.port !== undefined && !isPort(port.port)) problems.push(`${where}.port: ${port.port} is not a port number`);
  if (port.endPort !== undefined) {
    // NetworkPolicy validation: endPort needs a numeric port and may not be below it.
    if (typeof port.port !== 'number') problems.push(`${where}.endPort: needs a numeric port`);
    else if (!isPort(port.endPort) || port.endPort < port.port) problems.push(`${where}.endPort: ${port.endPort} is below port ${port.port}`);
  }
  return problems;
}

function peerProblems(peer: NetworkPolicyPeer, where: string): string[] {
  const problems: string[] = [];
  const parts = [peer.podSelector, peer.namespaceSelector, peer.ipBlock].filter((p) => p !== undefined).length;
  // NetworkPolicy validation: a peer has exactly one of ipBlock and the selectors.
  if (parts === 0) problems.push(`${where}: a peer needs a selector or an ipBlock`);
  if (peer.ipBlock && parts > 1) problems.push(`${where}: ipBlock may not be combined with selectors`);
  if (peer.podSelector) problems.push(...labelSelectorProblems(peer.podSelector, `${where}.podSelector`));
  if (peer.namespaceSelector) problems.push(...labelSelectorProblems(peer.namespaceSelector, `${where}.namespaceSelector`));
  if (peer.ipBlock) problems.push(...ipBlockProblems(peer.ipBlock, `${where}.ipBlock`));
  return problems;
}

export function networkPolicyProblems(policy: NetworkPolicy): string[] {
  const where = `NetworkPolicy ${podKey(policy)}`;
  const problems: string[] = [];
  const nameProblem = dns1123SubdomainProblem(policy.name);
  if (nameProblem) problems.push(`${where}: ${nameProblem}`);
  problems.push(...labelSelectorProblems(policy.podSelector, `${where}: podSelector`));
  if (policy.policyTypes && new Set(policy.policyTypes).size !== policy.policyTypes.length) problems.push(`${where}: policyTypes repeats a type`);
  for (const [direction, rules] of [['ingress', policy.ingress], ['egress', policy.egress]] as const) {
    for (const [i, rule] of (rules ?? []).entries()) {
      const peers = 'from' in rule ? rule.from : 'to' in rule ? (rule as { to?: NetworkPolicyPeer[] }).to : undefined;
      const field = direction === 'ingress' ? 'from' : 'to';
      for (const [j, peer] of (peers ?? []).entries()) problems.push(...peerProblems(peer, `${where}: ${direction}[${i}].${field}[${j}]`));
      for (const [j, port] of (rule.ports ?? []).entries()) problems.push(...networkPolicyPortProblems(port, `${where}: ${direction}[${i}].ports[${j}]`));
    }
  }
  return problems;
}

export function serviceProblems(service: Service): string[] {
  const where = `Service ${podKey(service)}`;
  const problems: string[] = [];
  const nameProblem = dns1035LabelProblem(service.name);
  if (nameProblem) problems.push(`${where}: ${nameProblem}`);
  if (service.selector !== undefined) {
    // `selector: {}` does not survive the API server (omitempty) and then means no selector.
    if (Object.keys(service.selector).length === 0) problems.push(`${where}: selector is an empty map`);
    problems.push(...labelsProblems(service.selector, `${where}: selector`));
  }
  if (service.ports.length === 0) problems.push(`${where}: no ports`);
  const seen = new Set<string>();
  const names = new Set<string>();
  for (const [i, p] of service.ports.entries()) {
    const at = `${where}: ports[${i}]`;
    if (!isPort(p.port)) problems.push(`${at}.port: ${p.port}`);
    if (seen.has(`${p.port}/${p.protocol}`)) problems.push(`${at}: duplicate port ${p.port}/${p.protocol}`);
    seen.add(`${p.port}/${p.protocol}`);
    if (service.ports.length > 1 && p.name === undefined) problems.push(`${at}.name: required when a Service has more than one port`);
    if (p.name !== undefined) {
      const n = dns1123LabelProblem(p.name);
      if (n) problems.push(`${at}.name: ${n}`);
      if (names.has(p.name)) problems.push(`${at}.name: duplicate '${p.name}'`);
      names.add(p.name);
    }
    if (typeof p.targetPort === 'string') {
      const t = ianaSvcNameProblem(p.targetPort);
      if (t) problems.push(`${at}.targetPort: ${t}`);
    } else if (!isPort(p.targetPort)) problems.push(`${at}.targetPort: ${p.targetPort}`);
    if ((p.nodePort !== undefined) !== (service.type === 'NodePort')) problems.push(`${at}.nodePort: present exactly when type is NodePort`);
  }
  if (service.clusterIP === 'None' && service.type !== 'ClusterIP') problems.push(`${where}: a headless Service must be of type ClusterIP`);
  return problems;
}

function probeProblems(probe: Probe, state: ClusterState, i: number): string[] {
  const where = `probes[${i}]`;
  const problems: string[] = [];
  const pods = new Map(state.pods.map((p) => [podKey(p), p]));
  if (probe.from.kind === 'pod' && !pods.has(podKey(probe.from))) problems.push(`${where}.from: no pod ${podKey(probe.from)}`);
  if (probe.from.kind === 'node' && !state.nodes.some((n) => n.name === probe.from.name)) problems.push(`${where}.from: no node ${probe.from.name}`);
  if (!PROTOCOLS.includes(probe.protocol)) problems.push(`${where}.protocol: '${probe.protocol}'`);
  const to = probe.to;
  if (typeof probe.port === 'number' && !isPort(probe.port)) problems.push(`${where}.port: ${probe.port}`);
  if (to.kind === 'pod') {
    const pod = pods.get(podKey(to));
    if (!pod) problems.push(`${where}.to: no pod ${podKey(to)}`);
    else if (typeof probe.port === 'string' && !pod.ports.some((p) => p.name === probe.port)) problems.push(`${where}.port: pod ${podKey(to)} has no port named '${probe.port}'`);
  } else if (to.kind === 'service') {
    const service = state.services.find((s) => podKey(s) === podKey(to));
    if (!service) problems.push(`${where}.to: no Service ${podKey(to)}`);
    else if (typeof probe.port === 'string' && !service.ports.some((p) => p.name === probe.port)) problems.push(`${where}.port: Service ${podKey(to)} has no port named '${probe.port}'`);
  } else {
    const known = state.pods.some((p) => p.ip === to.ip) || state.nodes.some((n) => n.internalIP === to.ip);
    if (!known) problems.push(`${where}.to: ${to.ip} is neither a pod's nor a node's address`);
    if (typeof probe.port === 'string') problems.push(`${where}.port: a port name needs a pod or Service target`);
  }
  return problems;
}

/** Every problem of a cluster state; [] when a cluster could hold it exactly as written. */
export function clusterStateProblems(state: ClusterState): string[] {
  return clusterCaseProblems({ state, probes: [] }, { probes: false });
}

/** Every problem of a generated case; [] when a cluster could hold it exactly as written. */
export function clusterCaseProblems(c: { state: ClusterState; probes: Probe[] }, options: { probes?: boolean } = {}): string[] {
  const { state } = c;
  const problems: string[] = [];
  try {
    // A complete state is a fixed point of allocation: nothing to fill in, nothing rejected.
    const allocated = allocate(state);
    if (!isDeepStrictEqual(allocated, state)) problems.push('allocate() changed the state: it was not complete');
  } catch (err) {
    if (!(err instanceof NetpropsError)) throw err;
    problems.push(`allocate(): ${err.message}`);
  }
  try {
    // What a case file can carry: written by the codec and read back, the case is unchanged.
    const written = { state, probes: c.probes.map((probe) => ({ ...probe, expect: 'allow' as const })) };
    const read = decodeCase(encodeCase(written), '<generated case>');
    if (!isDeepStrictEqual(read.state, state)) problems.push('decodeCase(encodeCase(case)) changed the state');
    if (!isDeepStrictEqual(read.probes, written.probes)) problems.push('decodeCase(encodeCase(case)) changed the probes');
  } catch (err) {
    if (!(err instanceof NetpropsError)) throw err;
    problems.push(`decodeCase(encodeCase(case)): ${err.message}`);
  }
  // The case-file loader takes any pod IP a CNI's IPAM gave; generated pods take theirs as host-local
  // IPAM does, from their node's podCIDR, which the kernel target's routes rely on.
  const nodes = new Map(state.nodes.map((n) => [n.name, n]));
  for (const pod of state.pods) {
    const node = nodes.get(pod.nodeName);
    if (pod.hostNetwork || !node || !ipaddr.IPv4.isValid(pod.ip) || ipaddr.IPv4.parse(pod.ip).match(ipaddr.IPv4.parseCIDR(node.podCIDR))) continue;
    problems.push(`pod ${podKey(pod)}: IP ${pod.ip} is not in node ${node.name}'s podCIDR ${node.podCIDR}`);
  }
  for (const ns of state.namespaces) {
    const p = dns1123LabelProblem(ns.name);
    if (p) problems.push(`Namespace ${ns.name}: ${p}`);
    problems.push(...labelsProblems(ns.labels, `Namespace ${ns.name}: labels`));
  }
  for (const pod of state.pods) {
    const where = `Pod ${podKey(pod)}`;
    const p = dns1123SubdomainProblem(pod.name);
    if (p) problems.push(`${where}: ${p}`);
    problems.push(...labelsProblems(pod.labels, `${where}: labels`));
    const names = new Set<string>();
    const served = new Set<string>();
    for (const [i, port] of pod.ports.entries()) {
      if (!isPort(port.containerPort)) problems.push(`${where}: ports[${i}].containerPort ${port.containerPort}`);
      const key = `${port.containerPort}/${port.protocol}`;
      if (served.has(key)) problems.push(`${where}: ports[${i}] serves ${key} twice`);
      served.add(key);
      if (port.name !== undefined) {
        const n = ianaSvcNameProblem(port.name);
        if (n) problems.push(`${where}: ports[${i}].name: ${n}`);
        if (names.has(port.name)) problems.push(`${where}: ports[${i}].name '${port.name}' is used twice`);
        names.add(port.name);
      }
    }
  }
  for (const service of state.services) problems.push(...serviceProblems(service));
  for (const policy of state.policies) problems.push(...networkPolicyProblems(policy));
  if (c.probes.length === 0 && options.probes !== false) problems.push('no probes');
  c.probes.forEach((probe, i) => problems.push(...probeProblems(probe, state, i)));
  return problems;
}
