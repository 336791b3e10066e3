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

/** The VXLAN device's address: the podCIDR's network address, as flannel assigns it. */
export function vtepAddress(node: Node): string {
  return ipaddr.IPv4.networkAddressFromCIDR(node.podCIDR).toString();
}

export interface NodeScripts {
  /** `ip -batch` lines run in the underlay namespace. */
  underlay: string[];
  /** Per node index: `ip -batch` lines run in that node's namespace. */
  ip: string[][];
  /** Per node index: `bridge -batch` lines (VXLAN forwarding entries). */
  bridge: string[][];
}

export function nodeScripts(run: KernelRun, nodes: Node[], overlay: Overlay): NodeScripts {
  const underlay = [`link add ${run.underlayBridge} type bridge`, `link set ${run.underlayBridge} up`];
  const ip: string[][] = [];
  const bridge: string[][] = [];
  nodes.forEach((node, i) => {
    underlay.push(
      `link add ${run.underlayPort(i)} type veth peer name ${run.nodeUplink} netns ${run.nodeNetns(i)}`,
      `link set ${run.underlayPort(i)} master ${run.underlayBridge} up`,
    );
    const up = run.nodeUplink;
    const lines = ['link set lo up', `link set ${up} up`, `addr add ${node.internalIP}/32 dev ${up}`];
    const fdb: string[] = [];
    if (overlay === 'vxlan') {
      lines.push(
        `link add ${run.vxlan} type vxlan id 1 dstport 8472 local ${node.internalIP} dev ${up} nolearning`,
        `link set ${run.vxlan} address ${vtepMac(i)} mtu ${VXLAN_MTU} up`,
        `addr add ${vtepAddress(node)}/32 dev ${run.vxlan}`,
      );
    }
    nodes.forEach((other, j) => {
      if (j === i) return;
      lines.push(`route add ${other.internalIP}/32 dev ${up}`);
      if (overlay === 'host-gw') {
        lines.push(`route add ${other.podCIDR} via ${other.internalIP} dev ${up} onlink`);
      } else {
        // `src`: a node's own traffic to remote pods carries its InternalIP, as on host-gw.
        lines.push(
          `route add ${other.podCIDR} via ${vtepAddress(other)} dev ${run.vxlan} onlink src ${node.internalIP}`,
          `neigh add ${vtepAddress(other)} lladdr ${vtepMac(j)} dev ${run.vxlan} nud permanent`,
        );
        fdb.push(`fdb append ${vtepMac(j)} dev ${run.vxlan} dst ${other.internalIP}`);
      }
    });
    // Like a real node's default route: a connection to a ClusterIP needs some route before the
    // nat OUTPUT hook rewrites it; anything else goes to the underlay, where nothing answers.
    lines.push(`route add default dev ${up}`);
    ip.push(lines);
    bridge.push(fdb);
  });
  return { underlay, ip, bridge };
}

/** Wires the nodes; their namespaces (and the underlay's) must already exist. */
export async function createNodes(run: KernelRun, nodes: Node[], overlay: Overlay): Promise<void> {
  const s = nodeScripts(run, nodes, overlay);
  await mustRun(['ip', '-n', run.underlayNetns, '-batch', '-'], { input: s.underlay.join('\n') + '\n' });
  await Promise.all(
    nodes.map(async (_, i) => {
      await mustRun(['ip', '-n', run.nodeNetns(i), '-batch', '-'], { input: s.ip[i].join('\n') + '\n' });
      if (s.bridge[i].length > 0) {
        await mustRun(['bridge', '-n', run.nodeNetns(i), '-batch', '-'], { input: s.bridge[i].join('\n') + '\n' });
      }
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
