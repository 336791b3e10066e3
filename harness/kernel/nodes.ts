// Nodes: a network namespace per node, each with one leg on the run's underlay (a bridge in the
// run's own namespace) carrying the node's InternalIP, and routes to every other node's podCIDR:
// host-gw (`podCIDR via nodeIP`) or a flannel-style VXLAN overlay (VNI 1, port 8472, no learning,
// static neighbour and FDB entries per remote node, MTU 1450).
import ipaddr from 'ipaddr.js';
import type { Node } from '../../cluster/types.ts';
import { mustRun } from './command.ts';
import { inNetns } from './namespaces.ts';
import type { KernelRun } from './run.ts';

export type Overlay = 'host-gw' | 'vxlan';
export const OVERLAYS: readonly Overlay[] = ['host-gw', 'vxlan'];

/** VXLAN adds 50 bytes of headers to a 1500-byte underlay. */
export const VXLAN_MTU = 1450;

/** A fixed MAC per node index for its VXLAN device, so remote nodes can hold static entries. */
export function vtepMac(index: number): string {
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  return `02:6e:70:00:${hex((index >> 8) & 0xff)}:${hex(index & 0xff)}`;
}

/** The node's underlay MAC: 0a:5a + its InternalIP's four bytes. */
export function uplinkMac(node: Node): string {
  return ['0a', '5a', ...node.internalIP.split('.').map((b) => Number(b).toString(16).padStart(2, '0'))].join(':');
}

/** The VXLAN device's address: the podCIDR's network address, as flannel assigns it. */
export function vtepAddress(node: Node): string {
  return ipaddr.IPv4.networkAddressFromCIDR(node.podCIDR).toString();
}

/** A node as placed in a run: its serial names its namespace, underlay port and VTEP MAC. */
export interface PlacedNode {
  node: Node;
  serial: number;
}

export interface NodeScripts {
  /** `ip -batch` lines run in the underlay namespace. */
  underlay: string[];
  /** Per node serial: `ip -batch` lines run in that node's namespace. */
  ip: Record<number, string[]>;
  /** Per node serial: `bridge -batch` lines (VXLAN forwarding entries). */
  bridge: Record<number, string[]>;
}

/** The run's underlay: one bridge in the run's own namespace. */
export function underlayScript(run: KernelRun): string[] {
  return [`link add ${run.underlayBridge} type bridge`, `link set ${run.underlayBridge} up`];
}

/** What `local` needs to reach `peer` (its InternalIP and its podCIDR), or to forget it. */
function peerLines(run: KernelRun, local: PlacedNode, peer: PlacedNode, overlay: Overlay, verb: 'add' | 'del'): { ip: string[]; bridge: string[] } {
  const up = run.nodeUplink;
  const p = peer.node;
  if (verb === 'add') {
    const ip = [`route add ${p.internalIP}/32 dev ${up}`];
    if (overlay === 'host-gw') return { ip: [...ip, `route add ${p.podCIDR} via ${p.internalIP} dev ${up} onlink`], bridge: [] };
    return {
      ip: [
        ...ip,
        // `src`: a node's own traffic to remote pods carries its InternalIP, as on host-gw.
        `route add ${p.podCIDR} via ${vtepAddress(p)} dev ${run.vxlan} onlink src ${local.node.internalIP}`,
        `neigh add ${vtepAddress(p)} lladdr ${vtepMac(peer.serial)} dev ${run.vxlan} nud permanent`,
      ],
      bridge: [`fdb append ${vtepMac(peer.serial)} dev ${run.vxlan} dst ${p.internalIP}`],
    };
  }
  const ip = [`route del ${p.podCIDR}`, `route del ${p.internalIP}/32 dev ${up}`];
  if (overlay === 'host-gw') return { ip, bridge: [] };
  return { ip: [`neigh del ${vtepAddress(p)} dev ${run.vxlan}`, ...ip], bridge: [`fdb del ${vtepMac(peer.serial)} dev ${run.vxlan} dst ${p.internalIP}`] };
}

/**
 * Scripts that take the nodes from `kept` + `removed` to `kept` + `added`: new nodes get their leg
 * on the underlay, their devices and routes to every other node; kept nodes learn the new nodes and
 * forget the removed ones (whose namespaces are deleted, taking their veths along).
 */
export function nodeChangeScripts(run: KernelRun, kept: PlacedNode[], added: PlacedNode[], removed: PlacedNode[], overlay: Overlay): NodeScripts {
  const underlay: string[] = [];
  const ip: Record<number, string[]> = {};
  const bridge: Record<number, string[]> = {};
  const all = [...kept, ...added];
  // A removed node leaves the underlay now, not when the kernel gets round to freeing its namespace
  // (that cleanup is asynchronous and, with many namespaces going at once, can lag by seconds).
  // Until then its uplink, with the MAC its replacement at the same InternalIP also gets, stays on
  // the bridge and keeps announcing itself (IPv6 multicast), so the bridge forwards frames meant
  // for the new node into the dying namespace: the first connections to it time out.
  for (const r of removed) underlay.push(`link del ${run.underlayPort(r.serial)}`);
  for (const a of added) {
    underlay.push(
      `link add ${run.underlayPort(a.serial)} type veth peer name ${run.nodeUplink} netns ${run.nodeNetns(a.serial)}`,
      `link set ${run.underlayPort(a.serial)} master ${run.underlayBridge} up`,
    );
    const up = run.nodeUplink;
    // A MAC derived from the InternalIP: a node replaced on re-apply is not cut off by the ARP
    // entries the other nodes kept for its address.
    const lines = ['link set lo up', `link set ${up} address ${uplinkMac(a.node)} up`, `addr add ${a.node.internalIP}/32 dev ${up}`];
    if (overlay === 'vxlan') {
      lines.push(
        `link add ${run.vxlan} type vxlan id 1 dstport 8472 local ${a.node.internalIP} dev ${up} nolearning`,
        `link set ${run.vxlan} address ${vtepMac(a.serial)} mtu ${VXLAN_MTU} up`,
        `addr add ${vtepAddress(a.node)}/32 dev ${run.vxlan}`,
      );
    }
    const fdb: string[] = [];
    for (const peer of all) {
      if (peer === a) continue;
      const l = peerLines(run, a, peer, overlay, 'add');
      lines.push(...l.ip);
      fdb.push(...l.bridge);
    }
    // Like a real node's default route: a connection to a ClusterIP needs some route before the
    // nat OUTPUT hook rewrites it; anything else goes to the underlay, where nothing answers.
    lines.push(`route add default dev ${up}`);
    ip[a.serial] = lines;
    bridge[a.serial] = fdb;
  }
  for (const k of kept) {
    const lines: string[] = [];
    const fdb: string[] = [];
    for (const r of removed) {
      const l = peerLines(run, k, r, overlay, 'del');
      lines.push(...l.ip);
      fdb.push(...l.bridge);
    }
    for (const a of added) {
      const l = peerLines(run, k, a, overlay, 'add');
      lines.push(...l.ip);
      fdb.push(...l.bridge);
    }
    ip[k.serial] = lines;
    bridge[k.serial] = fdb;
  }
  return { underlay, ip, bridge };
}

/** Every node of a fresh run, numbered in order (what a first apply does). */
export function nodeScripts(run: KernelRun, nodes: Node[], overlay: Overlay): NodeScripts {
  const scripts = nodeChangeScripts(run, [], nodes.map((node, serial) => ({ node, serial })), [], overlay);
  return { ...scripts, underlay: [...underlayScript(run), ...scripts.underlay] };
}

/** Creates the underlay bridge; the run's namespace must exist. */
export async function createUnderlay(run: KernelRun): Promise<void> {
  await mustRun(['ip', '-n', run.underlayNetns, '-batch', '-'], { input: underlayScript(run).join('\n') + '\n' });
}

/**
 * Applies a node change. The added nodes' namespaces must exist, and so must the removed nodes'
 * (their underlay ports are deleted here); the caller deletes those namespaces afterwards.
 */
export async function changeNodes(run: KernelRun, kept: PlacedNode[], added: PlacedNode[], removed: PlacedNode[], overlay: Overlay): Promise<void> {
  const s = nodeChangeScripts(run, kept, added, removed, overlay);
  if (s.underlay.length > 0) {
    await mustRun(['ip', '-n', run.underlayNetns, '-batch', '-'], { input: s.underlay.join('\n') + '\n' });
  }
  await Promise.all(
    [...kept, ...added].map(async ({ serial }) => {
      const netns = run.nodeNetns(serial);
      // Routes and neighbours first, then the VXLAN forwarding entries.
      if (s.ip[serial].length > 0) await mustRun(['ip', '-n', netns, '-batch', '-'], { input: s.ip[serial].join('\n') + '\n' });
      if (s.bridge[serial].length > 0) await mustRun(['bridge', '-n', netns, '-batch', '-'], { input: s.bridge[serial].join('\n') + '\n' });
    }),
  );
}

/**
 * Makes the node's own connections to its pods carry its InternalIP, as they do on a node whose
 * pod network is reached through its main interface: the CNI bridge's connected route would pick
 * the bridge's gateway address instead. Call once the plugin has made the route (after the first pod).
 */
export async function useNodeIPTowardsPods(netns: string, node: Node): Promise<void> {
  const route = (await mustRun(inNetns(netns, ['ip', '-o', 'route', 'show', 'exact', node.podCIDR]))).trim().split('\n')[0];
  const dev = /\bdev (\S+)/.exec(route ?? '')?.[1];
  if (!dev) return; // a plugin that routes pods otherwise (no connected route) is left as it is
  await mustRun(['ip', '-n', netns, 'route', 'replace', node.podCIDR, 'dev', dev, 'proto', 'kernel', 'scope', 'link', 'src', node.internalIP]);
}
