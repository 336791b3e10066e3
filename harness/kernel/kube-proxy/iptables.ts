// Services in the shape of kube-proxy's iptables mode (pkg/proxy/iptables), as an
// `iptables-restore --noflush` input for one node. The chain layout is kube-proxy's:
//
//   nat:    PREROUTING, OUTPUT -> KUBE-SERVICES -> KUBE-SVC-<hash> (or KUBE-SVL- for Local)
//             -> -m statistic --mode random -> KUBE-SEP-<hash> -> DNAT ip:targetPort
//           KUBE-SERVICES (last rule, dst-type LOCAL) -> KUBE-NODEPORTS -> KUBE-EXT-<hash> -> KUBE-SVC-
//           POSTROUTING -> KUBE-POSTROUTING: MASQUERADE what KUBE-MARK-MASQ marked 0x4000
//   filter: INPUT/FORWARD/OUTPUT (ct NEW) -> KUBE-SERVICES / KUBE-EXTERNAL-SERVICES: REJECT for
//           Service ports without endpoints, DROP for Local ones without local endpoints
//
// A ClusterIP port that no Service defines gets no rule in this mode: the packet is routed to the
// ClusterIP as is (it times out on a real node; in a namespace without a default route it is
// unreachable). kube-proxy's nftables mode rejects it instead (see nftables.ts).
import type { ClusterState, Protocol } from '../../../cluster/types.ts';
import type { Endpoint } from '../../model/endpoints.ts';
import { iptablesEndpointChain, iptablesServicePortChains } from './chain-names.ts';
import {
  AFFINITY_TIMEOUT_SECONDS,
  MASQUERADE_MARK,
  nodePodCIDRs,
  proxiedServicePorts,
  type ProxiedServicePort,
} from './service-port.ts';

export interface IptablesProxyOptions {
  /** Kernel-harness faults; this compiler knows `masquerade-pod-traffic` and `not-ready-endpoints`. */
  faults?: string[];
  /**
   * kube-proxy's --cluster-cidr: ClusterIP traffic from outside it is marked for masquerade. Absent:
   * no such rule (kube-proxy without a local-traffic detector).
   */
  clusterCIDR?: string;
  /**
   * The input loaded before on this node, when reloading. Its chains that are gone are deleted, and
   * the jumps from the built-in chains are not written again (iptables-restore --noflush would
   * insert them twice).
   */
  previous?: string;
}

const MARK = `0x${MASQUERADE_MARK.toString(16)}`;

/** An iptables-restore --noflush input (filter and nat tables) with the Services of `nodeName`. */
export function compileIptablesProxy(state: ClusterState, nodeName: string, options: IptablesProxyOptions = {}): string {
  const faults = new Set(options.faults ?? []);
  const ports = proxiedServicePorts(state, nodeName, { includeNotReady: faults.has('not-ready-endpoints') });
  const firstLoad = options.previous === undefined;

  // ---- filter ----
  const filterChains = ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-FORWARD'];
  const filter: string[] = [];
  if (firstLoad) {
    // kube-proxy links its chains from the built-in ones with EnsureRule(Prepend, ...)
    // (pkg/proxy/iptables/proxier.go, syncProxyRules, over iptablesJumpChains), i.e. `iptables -I`:
    // its jumps come before whatever a CNI plugin or the host put there (a plugin's own ACCEPT
    // must not keep Service traffic from KUBE-FORWARD or KUBE-SERVICES). Each is inserted at the
    // head in list order, so the chain ends up holding them in reverse: written here in the order
    // upstream's list has them, the FORWARD chain reads KUBE-FORWARD, KUBE-SERVICES, KUBE-EXTERNAL-SERVICES.
    filter.push(
      '-I INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
      '-I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
      '-I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-I OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-I FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
    );
  }
  filter.push(
    '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
    `-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark ${MARK}/${MARK} -j ACCEPT`,
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  );

  // ---- nat ----
  const natChains = ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ'];
  const nat: string[] = [];
  if (firstLoad) {
    // Prepended too (see the filter jumps): a plugin's masquerade rules in POSTROUTING (the bridge
    // plugin's ipMasq) come after KUBE-POSTROUTING, as on a node where kube-proxy runs.
    nat.push(
      '-I OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-I PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-I POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    );
  }
  if (faults.has('masquerade-pod-traffic')) {
    // Fault: an over-broad masquerade (a misconfigured ip-masq-agent) that SNATs pod traffic to
    // other nodes' pods to this node's address, breaking "pods see each other's IPs".
    const { local, others } = nodePodCIDRs(state, nodeName);
    if (local !== undefined) {
      for (const other of others) {
        nat.push(`-A KUBE-POSTROUTING -s ${local} -d ${other} -m comment --comment "fault: masquerade-pod-traffic" -j MASQUERADE`);
      }
    }
  }
  nat.push(
    `-A KUBE-POSTROUTING -m mark ! --mark ${MARK}/${MARK} -j RETURN`,
    `-A KUBE-POSTROUTING -j MARK --xor-mark ${MARK}`,
    '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
    `-A KUBE-MARK-MASQ -j MARK --or-mark ${MARK}`,
  );

  for (const sp of ports) {
    writeServicePort(sp, options.clusterCIDR, { filter, nat, natChains });
  }
  // Must stay last: NodePorts are matched on any local address once no ClusterIP rule matched.
  nat.push(
    '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
  );

  // Chains of the previous load that no longer exist: declaring flushes them (and creates them if
  // they are already gone), so the delete cannot fail.
  const stale = (table: 'filter' | 'nat', current: string[]) =>
    previousChains(options.previous, table).filter((c) => !current.includes(c));
  const staleFilter = stale('filter', filterChains);
  const staleNat = stale('nat', natChains);

  return [
    `# kube-proxy (iptables mode) Services for node ${nodeName}; generated by netprops.`,
    '*filter',
    ...[...filterChains, ...staleFilter].map((c) => `:${c} - [0:0]`),
    ...filter,
    ...staleFilter.map((c) => `-X ${c}`),
    'COMMIT',
    '*nat',
    ...[...natChains, ...staleNat].map((c) => `:${c} - [0:0]`),
    ...nat,
    ...staleNat.map((c) => `-X ${c}`),
    'COMMIT',
    '',
  ].join('\n');
}

function writeServicePort(
  sp: ProxiedServicePort,
  clusterCIDR: string | undefined,
  out: { filter: string[]; nat: string[]; natChains: string[] },
): void {
  const { filter, nat, natChains } = out;
  const chains = iptablesServicePortChains(sp.name, sp.protocol);
  const proto = protoMatch(sp.protocol);
  const clusterIP = `-d ${sp.service.clusterIP}/32`;
  const nodePort = sp.port.nodePort;

  if (!sp.hasEndpoints) {
    // kube-proxy: "has no endpoints" -> REJECT (ICMP port unreachable: the client sees refused).
    filter.push(`-A KUBE-SERVICES -m comment --comment "${sp.name} has no endpoints" ${proto} ${clusterIP} --dport ${sp.port.port} -j REJECT`);
    if (nodePort !== undefined) {
      filter.push(
        `-A KUBE-EXTERNAL-SERVICES -m comment --comment "${sp.name} has no endpoints" -m addrtype --dst-type LOCAL ${proto} --dport ${nodePort} -j REJECT`,
      );
    }
    return;
  }

  // ClusterIP traffic goes to the cluster chain, or the local one under internalTrafficPolicy Local.
  const usesCluster = sp.clusterEndpoints.length > 0 && (!sp.internalLocal || nodePort !== undefined);
  const usesLocal = sp.internalLocal && sp.localEndpoints.length > 0;
  const internalChain = sp.internalLocal ? chains.local : chains.cluster;
  if (sp.internalEndpoints.length > 0) {
    nat.push(`-A KUBE-SERVICES -m comment --comment "${sp.name} cluster IP" ${proto} ${clusterIP} --dport ${sp.port.port} -j ${internalChain}`);
    if (clusterCIDR !== undefined) {
      // Traffic to a ClusterIP from outside the pod network is masqueraded so replies come back here.
      nat.push(
        `-A ${internalChain} -m comment --comment "${sp.name} cluster IP" ${proto} ${clusterIP} --dport ${sp.port.port} ! -s ${clusterCIDR} -j KUBE-MARK-MASQ`,
      );
    }
  } else {
    // internalTrafficPolicy Local and no endpoint on this node: dropped, even though other nodes have some.
    filter.push(
      `-A KUBE-SERVICES -m comment --comment "${sp.name} has no local endpoints" ${proto} ${clusterIP} --dport ${sp.port.port} -j DROP`,
    );
  }

  if (nodePort !== undefined) {
    // externalTrafficPolicy Cluster: NodePort traffic may leave for another node, so it is always
    // masqueraded (the client sees the node answer; the backend sees this node's address).
    natChains.push(chains.external);
    nat.push(`-A KUBE-NODEPORTS -m comment --comment ${sp.name} ${proto} --dport ${nodePort} -j ${chains.external}`);
    nat.push(`-A ${chains.external} -m comment --comment "masquerade traffic for ${sp.name} external destinations" -j KUBE-MARK-MASQ`);
    nat.push(`-A ${chains.external} -j ${chains.cluster}`);
  }

  const endpointChains = new Map<string, Endpoint>();
  if (usesCluster) {
    natChains.push(chains.cluster);
    writeServiceToEndpointRules(sp, chains.cluster, sp.clusterEndpoints, nat, endpointChains);
  }
  if (usesLocal) {
    natChains.push(chains.local);
    writeServiceToEndpointRules(sp, chains.local, sp.localEndpoints, nat, endpointChains);
  }

  for (const [chain, ep] of endpointChains) {
    natChains.push(chain);
    // Hairpin: a backend reaching its own Service gets its source masqueraded, or its reply would
    // go straight back to itself and never be un-DNATed.
    nat.push(`-A ${chain} -m comment --comment ${sp.name} -s ${ep.ip}/32 -j KUBE-MARK-MASQ`);
    const affinity = sp.service.sessionAffinity === 'ClientIP' ? ` -m recent --name ${chain} --set` : '';
    nat.push(`-A ${chain} -m comment --comment ${sp.name}${affinity} ${proto} -j DNAT --to-destination ${ep.ip}:${ep.port}`);
  }
}

/**
 * Spread over n endpoints: the i-th rule (0-based) takes 1/(n-i) of what reaches it, so each gets
 * 1/n; the last takes the rest. ClientIP affinity first sends a known client to its endpoint.
 */
function writeServiceToEndpointRules(
  sp: ProxiedServicePort,
  chain: string,
  endpoints: Endpoint[],
  nat: string[],
  endpointChains: Map<string, Endpoint>,
): void {
  const named = endpoints.map((ep) => ({ ep, chain: iptablesEndpointChain(sp.name, sp.protocol, `${ep.ip}:${ep.port}`) }));
  for (const { ep, chain: sep } of named) endpointChains.set(sep, ep);
  if (sp.service.sessionAffinity === 'ClientIP') {
    for (const { ep, chain: sep } of named) {
      nat.push(
        `-A ${chain} -m comment --comment "${sp.name} -> ${ep.ip}:${ep.port}" -m recent --name ${sep} --rcheck --seconds ${AFFINITY_TIMEOUT_SECONDS} --reap -j ${sep}`,
      );
    }
  }
  named.forEach(({ ep, chain: sep }, i) => {
    const remaining = named.length - i;
    const statistic = remaining > 1 ? ` -m statistic --mode random --probability ${probability(remaining)}` : '';
    nat.push(`-A ${chain} -m comment --comment "${sp.name} -> ${ep.ip}:${ep.port}"${statistic} -j ${sep}`);
  });
}

/** kube-proxy formats 1/n with ten decimals (computeProbability). */
export function probability(n: number): string {
  return (1 / n).toFixed(10);
}

function protoMatch(protocol: Protocol): string {
  const p = protocol.toLowerCase();
  return `-p ${p} -m ${p}`;
}

/** The chains a previous input declared in one table (`:NAME - [0:0]` lines). */
function previousChains(previous: string | undefined, table: 'filter' | 'nat'): string[] {
  if (previous === undefined) return [];
  const chains: string[] = [];
  let current = '';
  for (const line of previous.split('\n')) {
    if (line.startsWith('*')) current = line.slice(1);
    else if (current === table && line.startsWith(':')) chains.push(line.slice(1).split(' ')[0]);
  }
  return chains;
}
