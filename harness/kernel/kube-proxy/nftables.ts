// Services in the shape of kube-proxy's nftables mode (pkg/proxy/nftables), as an `nft -f` script
// for one node: one table, `ip kube-proxy`, with
//   - base chains nat-prerouting/nat-output (dstnat) jumping to `services`, which dispatches
//     `ip daddr . meta l4proto . th dport` through the `service-ips` verdict map, and NodePorts on
//     any local address through `service-nodeports`;
//   - per Service port a `service-<hash>-ns/name/proto/port` chain (or `local-` for
//     internalTrafficPolicy Local) choosing an endpoint with `numgen random mod N vmap`, per
//     endpoint an `endpoint-<hash>-...` chain that marks hairpin traffic and DNATs;
//   - masquerading of marked packets in nat-postrouting (srcnat);
//   - filter chains at dstnat-10 rejecting Service ports without endpoints (`no-endpoint-services`),
//     and, after DNAT, rejecting ports of a ClusterIP that no Service port defines (`cluster-ips`).
// The script is one transaction that replaces the table as a whole.
import type { ClusterState } from '../../../cluster/types.ts';
import type { Endpoint } from '../../model/endpoints.ts';
import { nftEndpointChainBase, nftServicePortChainBase } from './chain-names.ts';
import {
  AFFINITY_TIMEOUT_SECONDS,
  MASQUERADE_MARK,
  nodePodCIDRs,
  proxiedServicePorts,
  type ProxiedServicePort,
} from './service-port.ts';

export const PROXY_TABLE = 'kube-proxy';

export interface NftablesProxyOptions {
  /** Kernel-harness faults; this compiler knows `masquerade-pod-traffic` and `not-ready-endpoints`. */
  faults?: string[];
  /** kube-proxy's --cluster-cidr: ClusterIP traffic from outside it is marked for masquerade. */
  clusterCIDR?: string;
}

const MARK = `0x${MASQUERADE_MARK.toString(16).padStart(8, '0')}`;
const T = `ip ${PROXY_TABLE}`;

/** Base chains: filtering runs before DNAT (dstnat-10 = -110), as kube-proxy's do. */
const BASE_CHAINS: [name: string, spec: string][] = [
  ['filter-input', 'type filter hook input priority -110'],
  ['filter-forward', 'type filter hook forward priority -110'],
  ['filter-output', 'type filter hook output priority -110'],
  ['filter-output-post-dnat', 'type filter hook output priority -90'],
  ['nat-prerouting', 'type nat hook prerouting priority -100'],
  ['nat-output', 'type nat hook output priority -100'],
  ['nat-postrouting', 'type nat hook postrouting priority 100'],
];

/** An `nft -f` script that atomically replaces `table ip kube-proxy` with the Services of `nodeName`. */
export function compileNftablesProxy(state: ClusterState, nodeName: string, options: NftablesProxyOptions = {}): string {
  const faults = new Set(options.faults ?? []);
  const ports = proxiedServicePorts(state, nodeName, { includeNotReady: faults.has('not-ready-endpoints') });

  const chains: string[] = [];
  const sets: string[] = [];
  const rules: string[] = [];
  const elements: string[] = [];
  const chain = (name: string) => chains.push(`add chain ${T} ${name}`);
  const rule = (name: string, text: string) => rules.push(`add rule ${T} ${name} ${text}`);
  const element = (set: string, text: string) => elements.push(`add element ${T} ${set} { ${text} }`);

  for (const [name, spec] of BASE_CHAINS) chains.push(`add chain ${T} ${name} { ${spec} ; }`);
  for (const name of ['services', 'service-endpoints-check', 'nodeport-endpoints-check', 'cluster-ips-check', 'masquerading', 'mark-for-masquerade']) {
    chain(name);
  }
  chains.push(`add chain ${T} reject-chain { comment "helper for @no-endpoint-services / @no-endpoint-nodeports" ; }`);

  sets.push(
    `add set ${T} cluster-ips { type ipv4_addr ; comment "Active ClusterIPs" ; }`,
    `add map ${T} service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic" ; }`,
    `add map ${T} service-nodeports { type inet_proto . inet_service : verdict ; comment "NodePort traffic" ; }`,
    `add map ${T} no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to services with no endpoints" ; }`,
    `add map ${T} no-endpoint-nodeports { type inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to service nodeports with no endpoints" ; }`,
  );

  // Jumps from the hooks, as kube-proxy wires them.
  rule('filter-input', 'ct state new jump nodeport-endpoints-check');
  rule('filter-input', 'ct state new jump service-endpoints-check');
  rule('filter-forward', 'ct state new jump service-endpoints-check');
  rule('filter-forward', 'ct state new jump cluster-ips-check');
  rule('filter-output', 'ct state new jump service-endpoints-check');
  rule('filter-output-post-dnat', 'ct state new jump cluster-ips-check');
  rule('nat-prerouting', 'jump services');
  rule('nat-output', 'jump services');
  rule('nat-postrouting', 'jump masquerading');

  rule('mark-for-masquerade', `meta mark set meta mark or ${MARK}`);
  if (faults.has('masquerade-pod-traffic')) {
    // Fault: an over-broad masquerade that SNATs pod traffic to other nodes' pods.
    const { local, others } = nodePodCIDRs(state, nodeName);
    if (local !== undefined && others.length > 0) {
      rule('masquerading', `ip saddr ${local} ip daddr { ${others.join(', ')} } masquerade comment "fault: masquerade-pod-traffic"`);
    }
  }
  rule('masquerading', `meta mark & ${MARK} == 0 return`);
  rule('masquerading', `meta mark set meta mark xor ${MARK}`);
  rule('masquerading', 'masquerade fully-random');
  rule('reject-chain', 'reject');
  // Packets still addressed to a ClusterIP after DNAT hit a port no Service port defines.
  rule('cluster-ips-check', 'ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"');
  rule('service-endpoints-check', 'ip daddr . meta l4proto . th dport vmap @no-endpoint-services');
  rule('nodeport-endpoints-check', 'ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @no-endpoint-nodeports');
  rule('services', 'ip daddr . meta l4proto . th dport vmap @service-ips');
  rule('services', 'fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports');

  const clusterIPs = new Set<string>();
  for (const sp of ports) {
    clusterIPs.add(sp.service.clusterIP);
    writeServicePort(sp, options.clusterCIDR, { chain, rule, element, sets });
  }
  for (const ip of [...clusterIPs].sort()) element('cluster-ips', ip);

  return [
    `# kube-proxy (nftables mode) Services for node ${nodeName}; generated by netprops, replaced as a whole.`,
    `add table ${T}`,
    `delete table ${T}`,
    `add table ${T} { comment "rules for kube-proxy" ; }`,
    ...chains,
    ...sets,
    ...rules,
    ...elements,
    '',
  ].join('\n');
}

interface Writer {
  chain: (name: string) => void;
  rule: (chain: string, text: string) => void;
  element: (set: string, text: string) => void;
  sets: string[];
}

function writeServicePort(sp: ProxiedServicePort, clusterCIDR: string | undefined, w: Writer): void {
  const base = nftServicePortChainBase(sp.service.namespace, sp.service.name, sp.protocol, sp.port.name);
  const clusterChain = `service-${base}`;
  const localChain = `local-${base}`;
  const externalChain = `external-${base}`;
  const proto = sp.protocol.toLowerCase();
  const key = `${sp.service.clusterIP} . ${proto} . ${sp.port.port}`;
  const nodePort = sp.port.nodePort;

  if (!sp.hasEndpoints) {
    w.element('no-endpoint-services', `${key} comment "${sp.name}" : goto reject-chain`);
    if (nodePort !== undefined) w.element('no-endpoint-nodeports', `${proto} . ${nodePort} comment "${sp.name}" : goto reject-chain`);
    return;
  }

  const usesCluster = sp.clusterEndpoints.length > 0 && (!sp.internalLocal || nodePort !== undefined);
  const usesLocal = sp.internalLocal && sp.localEndpoints.length > 0;
  const internalChain = sp.internalLocal ? localChain : clusterChain;
  if (usesCluster) w.chain(clusterChain);
  if (usesLocal) w.chain(localChain);

  if (sp.internalEndpoints.length > 0) {
    w.element('service-ips', `${key} : goto ${internalChain}`);
    if (clusterCIDR !== undefined) {
      w.rule(internalChain, `ip daddr ${sp.service.clusterIP} ${proto} dport ${sp.port.port} ip saddr != ${clusterCIDR} jump mark-for-masquerade`);
    }
  } else {
    // internalTrafficPolicy Local with no endpoint on this node: dropped.
    w.element('no-endpoint-services', `${key} comment "${sp.name}" : drop`);
  }

  if (nodePort !== undefined) {
    // externalTrafficPolicy Cluster: always masqueraded, as the endpoint may be on another node.
    w.chain(externalChain);
    w.element('service-nodeports', `${proto} . ${nodePort} : goto ${externalChain}`);
    w.rule(externalChain, 'jump mark-for-masquerade');
    w.rule(externalChain, `goto ${clusterChain}`);
  }

  const endpointChains = new Map<string, { ep: Endpoint; affinitySet: string }>();
  const named = (eps: Endpoint[]) =>
    eps.map((ep) => {
      const epBase = nftEndpointChainBase(sp.service.namespace, sp.service.name, sp.protocol, sp.port.name, ep.ip, ep.port);
      const entry = { ep, chain: `endpoint-${epBase}`, affinitySet: `affinity-${epBase}` };
      endpointChains.set(entry.chain, entry);
      return entry;
    });
  const affinity = sp.service.sessionAffinity === 'ClientIP';
  const writeSpread = (svcChain: string, eps: Endpoint[]) => {
    const entries = named(eps);
    if (affinity) {
      // A client seen recently (by source IP) goes back to the same endpoint.
      for (const e of entries) w.rule(svcChain, `ip saddr @${e.affinitySet} goto ${e.chain}`);
    }
    const vmap = entries.map((e, i) => `${i} : goto ${e.chain}`).join(', ');
    w.rule(svcChain, `numgen random mod ${entries.length} vmap { ${vmap} }`);
  };
  if (usesCluster) writeSpread(clusterChain, sp.clusterEndpoints);
  if (usesLocal) writeSpread(localChain, sp.localEndpoints);

  for (const [chainName, { ep, affinitySet }] of endpointChains) {
    w.chain(chainName);
    if (affinity) {
      w.sets.push(`add set ip ${PROXY_TABLE} ${affinitySet} { type ipv4_addr ; flags dynamic,timeout ; timeout ${AFFINITY_TIMEOUT_SECONDS}s ; }`);
    }
    // Hairpin: a backend reaching its own Service is masqueraded so its reply is un-DNATed.
    w.rule(chainName, `ip saddr ${ep.ip} jump mark-for-masquerade`);
    if (affinity) w.rule(chainName, `update @${affinitySet} { ip saddr }`);
    w.rule(chainName, `meta l4proto ${proto} dnat to ${ep.ip}:${ep.port}`);
  }
}
