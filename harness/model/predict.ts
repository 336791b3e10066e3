// predict(): a probe's route(s) through the cluster and what policy makes of each.
import type { Observation, Pod, Probe, Protocol, Service, ServicePort, Verdict, Node } from '../../cluster/types.ts';
import { podKey } from '../../cluster/types.ts';
import { chooseEndpoints } from './endpoints.ts';
import { ipBlockMatcher } from './ip-block.ts';
import { rulePortsMatch } from './policy-port.ts';
import ipaddr from 'ipaddr.js';
import type { ModelIndex, Prediction, Route } from './model.ts';
import type { Delivery } from './source-seen.ts';
import { ALLOW, DENY, UNDEFINED, VERDICTS, combine, connectionVerdict, type Party, type VerdictCode } from './policy-verdict.ts';

function partyOfPod(ix: ModelIndex, i: number): Party {
  const pod = ix.state.pods[i];
  return pod.hostNetwork ? { pod: -1, node: pod.nodeName, ip: pod.ip, hostPod: i } : { pod: i, node: pod.nodeName, ip: pod.ip };
}

function podIndexOf(ix: ModelIndex, ref: { namespace: string; name: string }): number | undefined {
  return ix.podByName.get(ref.namespace)?.get(ref.name);
}

function sourceParty(ix: ModelIndex, probe: Probe): Party {
  const from = probe.from;
  if (from.kind === 'node') {
    const node = ix.nodeByName.get(from.name);
    if (!node) throw new Error(`probe source node:${from.name} is not a node of the state`);
    return { pod: -1, node: node.name, ip: node.internalIP };
  }
  const i = podIndexOf(ix, from);
  if (i === undefined) throw new Error(`probe source ${podKey(from)} is not a pod of the state`);
  return partyOfPod(ix, i);
}

function partyName(ix: ModelIndex, party: Party): string {
  if (party.pod >= 0) return ix.policies.keys[party.pod];
  if (party.hostPod !== undefined) return ix.policies.keys[party.hostPod];
  return `node:${party.node}`;
}

function serves(pod: Pod, port: number, protocol: Protocol): boolean {
  return pod.ports.some((p) => p.containerPort === port && p.protocol === protocol);
}

/**
 * The source address the receiver sees without any NAT: the sending pod's own IP, or the node's IP
 * for a node or hostNetwork sender (the usual one: any address of the node will do, see source-seen.ts). The snat-pod-to-pod fault rewrites a pod sender to its node's IP.
 */
function seenSource(ix: ModelIndex, src: Party): string {
  if (src.pod >= 0 && ix.fault === 'snat-pod-to-pod') return ix.nodeByName.get(src.node)?.internalIP ?? src.ip;
  return src.ip;
}

function noRoute(verdict: Verdict, reason: string, failure: Observation): Prediction {
  return { verdict, reason, deliveries: [], routes: [], failure };
}

/**
 * Who answers a connection to a pod's IP on a port. hostNetwork pods share their node's network
 * stack, so at the node's IP the first hostNetwork pod of that node serving the port answers (a
 * second one declaring it could not bind it), whichever of them the probe named.
 */
function receiver(ix: ModelIndex, dstIndex: number, port: number, protocol: Protocol): number {
  const pod = ix.state.pods[dstIndex];
  if (!pod.hostNetwork) return dstIndex;
  const first = ix.state.pods.findIndex((p) => p.hostNetwork && p.nodeName === pod.nodeName && serves(p, port, protocol));
  return first >= 0 ? first : dstIndex;
}

/** A connection to one pod on one port, with no Service in between (policy judges it as is). */
function directRoute(ix: ModelIndex, src: Party, named: number, port: number, protocol: Protocol): Route {
  const dstIndex = receiver(ix, named, port, protocol);
  const pod = ix.state.pods[dstIndex];
  const dst = partyOfPod(ix, dstIndex);
  const trace: string[] = [];
  const code = connectionVerdict(ix.policies, src, dst, port, protocol, trace);
  const delivery: Delivery = {
    outcome: 'delivered',
    backend: { namespace: pod.namespace, name: pod.name, port },
    sourceSeen: seenSource(ix, src),
    replyFrom: pod.ip,
  };
  // A node (or hostNetwork) sender may use any address of its node (source-seen.ts).
  if (src.pod < 0) delivery.sourceNode = src.node;
  return finishRoute(ix, dstIndex, port, protocol, code, trace, delivery);
}

/** A pod serves exactly its declared ports: anything else is refused, whatever policy says. */
function finishRoute(ix: ModelIndex, i: number, port: number, protocol: Protocol, code: VerdictCode, trace: string[], delivery: Observation): Route {
  if (!serves(ix.state.pods[i], port, protocol)) {
    const reason = `${ix.policies.keys[i]} serves no ${protocol} port ${port}: the connection is refused`;
    return {
      verdict: 'deny',
      reason,
      delivery,
      failure: code === DENY ? { outcome: 'timeout', detail: `${trace.join('; ')}; and ${reason}` } : { outcome: 'refused', detail: reason },
    };
  }
  const reason = trace.join('; ');
  return { verdict: VERDICTS[code], reason, delivery, failure: { outcome: 'timeout', detail: `denied by policy: ${reason}` } };
}

function fromRoutes(routes: Route[], head: string, affinity?: string): Prediction {
  let allow = 0;
  let deny = 0;
  for (const r of routes) {
    if (r.verdict === 'allow') allow++;
    else if (r.verdict === 'deny') deny++;
  }
  const verdict: Verdict = allow === routes.length ? 'allow' : deny === routes.length ? 'deny' : 'undefined';
  let reason = routes.length === 1 ? `${head}: ${routes[0].reason}` : `${head}: ${routes.map((r, i) => `[${i + 1}] ${r.reason}`).join(' ')}`;
  if (verdict === 'undefined' && routes.length > 1 && allow + deny === routes.length) {
    reason = `${head}: which endpoint kube-proxy picks decides (${allow} allowed, ${deny} denied): ${routes.map((r, i) => `[${i + 1}] ${r.reason}`).join(' ')}`;
  }
  return {
    verdict,
    reason,
    deliveries: routes.filter((r) => r.verdict !== 'deny').map((r) => r.delivery),
    routes,
    affinity,
    failure: routes.find((r) => r.verdict !== 'allow')?.failure ?? { outcome: 'timeout' },
  };
}

type Access = { kind: 'clusterIP' } | { kind: 'nodePort'; node: Node };

/**
 * Through a Service port: kube-proxy DNATs to one programmed endpoint (ready ones; on the client's
 * node only with internalTrafficPolicy Local), and policy judges the connection to that backend on
 * its resolved targetPort. The reply comes from the address the client dialled.
 */
function viaService(ix: ModelIndex, src: Party, svc: Service, sp: ServicePort, protocol: Protocol, access: Access): Prediction {
  const addr = access.kind === 'clusterIP' ? `${svc.clusterIP}:${sp.port}` : `${access.node.internalIP}:${sp.nodePort}`;
  const head = `svc:${podKey(svc)} ${access.kind === 'clusterIP' ? 'ClusterIP' : 'NodePort'} ${addr}/${protocol}`;
  if (svc.serviceProxyName !== undefined) {
    // kube-proxy watches only Services without service.kubernetes.io/service-proxy-name
    // (pkg/proxy/config: the label selector of its informer); another proxy, if any, programs these.
    return noRoute('undefined', `${head}: labelled service.kubernetes.io/service-proxy-name=${svc.serviceProxyName}, so kube-proxy programs nothing for it: what answers is up to that proxy`, {
      outcome: 'unreachable',
      detail: `svc:${podKey(svc)} is left to the service proxy ${svc.serviceProxyName}`,
    });
  }
  const slice = ix.endpoints.get(svc)!.find((e) => e.servicePort === sp)!;
  const includeNotReady = ix.fault === 'not-ready-endpoints';
  const noTerminatingFallback = ix.fault === 'no-terminating-fallback';
  // internalTrafficPolicy applies to ClusterIP traffic, externalTrafficPolicy to NodePort traffic.
  // With externalTrafficPolicy Local, kube-proxy sends traffic from the dialled node itself and its
  // own pods to every endpoint (the short-circuit to the Service chain); traffic from elsewhere
  // only to the dialled node's endpoints, unmasqueraded. A pod of another node counts as one or
  // the other depending on kube-proxy's --detect-local-mode (ClusterCIDR: the whole pod network).
  let local: string | undefined;
  let policyName = '';
  let externalLocal = false;
  if (access.kind === 'clusterIP' && svc.internalTrafficPolicy === 'Local') {
    local = src.node;
    policyName = 'internalTrafficPolicy Local';
  } else if (access.kind === 'nodePort' && svc.externalTrafficPolicy === 'Local' && src.node !== access.node.name && ix.fault !== 'external-local-as-cluster') {
    local = access.node.name;
    policyName = 'externalTrafficPolicy Local';
    externalLocal = true;
  }
  const choice = chooseEndpoints(slice.endpoints, local !== undefined ? { localNode: local } : {}, { includeNotReady, noTerminatingFallback });
  let endpoints = choice.endpoints;
  if (externalLocal && src.pod >= 0) {
    const cluster = chooseEndpoints(slice.endpoints, {}, { includeNotReady, noTerminatingFallback }).endpoints;
    const key = (eps: typeof endpoints) => eps.map((e) => `${e.ip}:${e.port}`).sort().join(',');
    if (key(cluster) !== key(endpoints)) {
      return noRoute('undefined', `${head}: externalTrafficPolicy Local and the client is a pod of another node: kube-proxy's --detect-local-mode decides whether it goes to node ${local}'s endpoints only or to every endpoint`, {
        outcome: 'timeout',
        detail: 'externalTrafficPolicy Local: depends on --detect-local-mode',
      });
    }
  }
  if (endpoints.length === 0 && choice.hasAnyEndpoints) {
    // kube-proxy drops (not rejects) traffic for a Service that has endpoints, none of them local.
    return noRoute('deny', `${head}: ${policyName} and no ready endpoint on node ${local}`, {
      outcome: 'timeout',
      detail: `no endpoint of svc:${podKey(svc)} on node ${local} (${policyName})`,
    });
  }
  if (endpoints.length === 0) {
    const reason = svc.selector && Object.keys(svc.selector).length > 0 ? 'no ready endpoints' : 'no selector and no EndpointSlice endpoints';
    return noRoute('deny', `${head}: ${reason}; kube-proxy rejects the connection`, { outcome: 'refused', detail: `svc:${podKey(svc)} has ${reason}` });
  }
  // kube-proxy keys endpoints by IP:port, so two hostNetwork pods of one node backing the same
  // targetPort are one endpoint.
  const seen = new Set<string>();
  endpoints = endpoints.filter((ep) => {
    const key = `${ep.ip}:${ep.port}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const routes = endpoints.map((ep): Route => {
    if (ep.pod === undefined) return outsideEndpointRoute(ix, src, ep.ip, ep.port, protocol);
    const dstIndex = receiver(ix, podIndexOf(ix, ep.pod)!, ep.port, protocol);
    const pod = ix.state.pods[dstIndex];
    const dst = partyOfPod(ix, dstIndex);
    const hairpin = src.pod >= 0 && src.pod === dst.pod;
    const trace: string[] = [`to ${ix.policies.keys[dstIndex]}:${ep.port}`];
    if (hairpin && ix.fault === 'no-hairpin') {
      return {
        verdict: 'deny',
        reason: `${trace[0]}: hairpin to the client itself is dropped (no-hairpin fault)`,
        delivery: { outcome: 'delivered', backend: { ...ep.pod, port: ep.port } },
        failure: { outcome: 'timeout', detail: 'hairpin traffic dropped' },
      };
    }
    let code = connectionVerdict(ix.policies, src, dst, ep.port, protocol, trace);
    if (access.kind === 'nodePort') code = nodePortVerdict(ix, src, dst, access.node, ep.port, protocol, code, trace);
    const delivery: Observation = {
      outcome: 'delivered',
      backend: { namespace: pod.namespace, name: pod.name, port: ep.port },
      replyFrom: access.kind === 'clusterIP' ? svc.clusterIP : access.node.internalIP,
    };
    // Which source the backend sees is fixed only for an ordinary pod client of a ClusterIP that is
    // not its own backend: kube-proxy masquerades hairpin traffic, NodePort traffic (externalTrafficPolicy
    // Cluster) and, depending on its settings, traffic from outside the pod network (nodes).
    if (access.kind === 'clusterIP' && src.pod >= 0 && !hairpin) delivery.sourceSeen = seenSource(ix, src);
    // externalTrafficPolicy Local keeps the client's address: kube-proxy does not masquerade it.
    if (externalLocal && !hairpin) delivery.sourceSeen = seenSource(ix, src);
    const route = finishRoute(ix, dstIndex, ep.port, protocol, code, trace, delivery);
    if (delivery.sourceSeen === undefined) {
      // Masquerade picks the SNATing node's address: the dialled node for NodePort, else the client's.
      route.typicalSourceSeen = access.kind === 'nodePort' ? access.node.internalIP : (ix.nodeByName.get(src.node)?.internalIP ?? src.ip);
    }
    return route;
  });
  return fromRoutes(routes, head, svc.sessionAffinity === 'ClientIP' ? `${podKey(svc)}:${sp.port}/${protocol}` : undefined);
}

/**
 * NodePort traffic is DNATed on the dialled node (possibly another node than the client's, so the
 * client's egress may see the node's address) and, with externalTrafficPolicy Cluster, SNATed to
 * that node's address. The NetworkPolicy docs leave open whether such rewriting happens before or
 * after policy, so the verdict is fixed only when both readings agree: as if policy saw the client
 * and the backend (`afterNat`), and as if it saw the dialled node at both ends.
 */
function nodePortVerdict(
  ix: ModelIndex,
  src: Party,
  dst: Party,
  node: Node,
  port: number,
  protocol: Protocol,
  afterNat: VerdictCode,
  trace: string[],
): VerdictCode {
  const nodeParty: Party = { pod: -1, node: node.name, ip: node.internalIP };
  const other: string[] = [];
  const egress = src.pod >= 0 ? connectionVerdict(ix.policies, src, nodeParty, port, protocol, other) : ALLOW;
  const ingress = dst.pod >= 0 ? connectionVerdict(ix.policies, nodeParty, dst, port, protocol, other) : ALLOW;
  const beforeNat = combine(egress, ingress);
  if (beforeNat === afterNat) return afterNat;
  trace.push(`but NodePort NAT may happen before policy (${other.join('; ')}): upstream leaves this open`);
  return UNDEFINED;
}

function findServicePort(svc: Service, port: number | string, protocol: Protocol): ServicePort | undefined {
  return svc.ports.find((sp) => (typeof port === 'number' ? sp.port === port : sp.name === port) && sp.protocol === protocol);
}

function toService(ix: ModelIndex, src: Party, svc: Service, probe: Probe): Prediction {
  if (svc.clusterIP === 'None') {
    return noRoute('deny', `svc:${podKey(svc)} is headless: it has no ClusterIP for kube-proxy to program, so nothing to connect to`, {
      outcome: 'unreachable',
      detail: 'headless Service: no ClusterIP',
    });
  }
  const sp = findServicePort(svc, probe.port, probe.protocol);
  if (!sp) {
    return noRoute('deny', `svc:${podKey(svc)} has no ${probe.protocol} port ${probe.port}`, {
      outcome: 'unreachable',
      detail: `no Service port ${probe.port}/${probe.protocol}`,
    });
  }
  return viaService(ix, src, svc, sp, probe.protocol, { kind: 'clusterIP' });
}

function toPod(ix: ModelIndex, src: Party, dstIndex: number, probe: Probe): Prediction {
  const pod = ix.state.pods[dstIndex];
  let port: number;
  if (typeof probe.port === 'number') port = probe.port;
  else {
    const named = pod.ports.find((p) => p.name === probe.port && p.protocol === probe.protocol);
    if (!named) {
      return noRoute('deny', `${podKey(pod)} has no ${probe.protocol} container port named ${probe.port}`, {
        outcome: 'unreachable',
        detail: `no port named ${probe.port}`,
      });
    }
    port = named.containerPort;
  }
  const route = directRoute(ix, src, dstIndex, port, probe.protocol);
  return fromRoutes([route], `${partyName(ix, src)} -> ${ix.policies.keys[dstIndex]} ${probe.protocol} ${port}`);
}

function toAddress(ix: ModelIndex, src: Party, ip: string, probe: Probe): Prediction {
  const pod = ix.podByIP.get(ip);
  if (pod !== undefined) return toPod(ix, src, pod, probe);
  const svc = ix.serviceByClusterIP.get(ip);
  if (svc) return toService(ix, src, svc, probe);
  const node = ix.nodeByIP.get(ip);
  if (node) {
    if (typeof probe.port !== 'number') {
      return noRoute('deny', `ip:${ip} is node ${node.name}: a named port means nothing there`, { outcome: 'unreachable' });
    }
    // NodePort: every node's IP, from pods and nodes alike.
    for (const s of ix.state.services) {
      if (s.type !== 'NodePort') continue;
      const sp = s.ports.find((p) => p.nodePort === probe.port && p.protocol === probe.protocol);
      if (sp) return viaService(ix, src, s, sp, probe.protocol, { kind: 'nodePort', node });
    }
    const host = ix.state.pods.findIndex(
      (p) => p.hostNetwork && p.nodeName === node.name && serves(p, probe.port as number, probe.protocol),
    );
    if (host >= 0) return toPod(ix, src, host, probe);
    return noRoute('deny', `node ${node.name} has no NodePort and no hostNetwork pod on ${probe.protocol} ${probe.port}`, {
      outcome: 'refused',
      detail: `nothing listens on ${ip}:${probe.port}`,
    });
  }
  if (typeof probe.port === 'number') {
    const route = outsideEndpointRoute(ix, src, ip, probe.port, probe.protocol);
    if (route.verdict === 'deny') return { ...fromRoutes([route], `${partyName(ix, src)} -> ip:${ip} ${probe.protocol} ${probe.port}`), deliveries: [], routes: [] };
  }
  return noRoute('undefined', `ip:${ip} is no pod, node or ClusterIP of the cluster: what answers is up to the network outside it`, {
    outcome: 'unreachable',
    detail: `ip:${ip} belongs to nothing in the cluster`,
  });
}

/**
 * A connection to an address that is no pod or node of the state (outside the cluster, or an
 * EndpointSlice address of a selector-less Service). What answers is outside the model, except
 * that a pod isolated for egress reaches it only through an egress rule whose peers (an ipBlock,
 * or every destination) and ports admit it: otherwise it is denied, so "deny all egress but DNS"
 * is a verdict (NetworkPolicy docs: an isolated pod's egress is what some policy allows).
 */
function outsideEndpointRoute(ix: ModelIndex, src: Party, ip: string, port: number, protocol: Protocol): Route {
  const what = `${ip}:${port}`;
  const open: Route = {
    verdict: 'undefined',
    reason: `to ${what}, no pod or node of the state: what answers is up to the network outside the model`,
    delivery: { outcome: 'delivered' },
    failure: { outcome: 'unreachable', detail: `${what} belongs to nothing in the cluster` },
  };
  if (src.pod < 0) return open;
  const policies = ix.policies.egressOf[src.pod] ?? [];
  if (policies.length === 0 || ix.fault === 'ignore-egress') return open;
  const address = ipaddr.IPv4.isValid(ip) ? ipaddr.IPv4.parse(ip) : undefined;
  for (const k of policies) {
    const compiled = ix.policies.policies[k]!;
    for (const rule of compiled.egressRules) {
      if (rule.ports !== undefined && !rulePortsMatch(rule.ports, port, protocol, undefined, ix.policies.portOptions)) continue;
      const peers = compiled.policy.egress?.[rule.number - 1]?.to ?? [];
      const admits = rule.allPeers || (address !== undefined && peers.some((peer) => peer.ipBlock && ipBlockMatcher(peer.ipBlock, { ignoreExcept: ix.fault === 'ignore-except' })(address)));
      if (admits) return { ...open, reason: `${open.reason} (egress allowed by ${compiled.key} egress rule ${rule.number})` };
    }
  }
  const reason = `egress of ${partyName(ix, src)} is isolated and no egress rule admits ${what}/${protocol}`;
  return { verdict: 'deny', reason, delivery: { outcome: 'delivered' }, failure: { outcome: 'timeout', detail: `denied by policy: ${reason}` } };
}

export function predictProbe(ix: ModelIndex, probe: Probe): Prediction {
  const src = sourceParty(ix, probe);
  const to = probe.to;
  switch (to.kind) {
    case 'pod': {
      const i = podIndexOf(ix, to);
      if (i === undefined) throw new Error(`probe target ${podKey(to)} is not a pod of the state`);
      return toPod(ix, src, i, probe);
    }
    case 'service': {
      const svc = ix.serviceByKey.get(podKey(to));
      if (!svc) throw new Error(`probe target svc:${podKey(to)} is not a Service of the state`);
      return toService(ix, src, svc, probe);
    }
    case 'ip':
      return toAddress(ix, src, to.ip, probe);
  }
}


