// Which source addresses a receiver may see, written once for the model, the properties and `check`.
// A pod sender is seen with its own IP (Kubernetes network model: no NAT between pods). A node (or a
// hostNetwork pod, which uses its node's stack) is not bound to one address: no upstream rule says
// which of its addresses its connections carry, and the kernel picks the source by route, so a node
// reaching its own pods through a CNI bridge or a ptp veth uses the address it holds there (the
// gateway of its podCIDR), and its InternalIP elsewhere. Either is "an address of that node".
import ipaddr from 'ipaddr.js';
import type { ClusterState, Node, Observation } from '../../cluster/types.ts';

/** What the model predicts a delivered connection shows. */
export interface Delivery extends Observation {
  /**
   * Set for a node or hostNetwork sender: the receiver sees some address of this node. `sourceSeen`
   * then holds the usual one (the InternalIP), which the model harness reports.
   */
  sourceNode?: string;
}

/**
 * An address `node` owns: its InternalIP, or an address inside its podCIDR that no pod holds (the
 * gateway or host-side veth address a CNI plugin gives the node on its pod network).
 */
export function isNodeAddress(state: ClusterState, node: Node, ip: string): boolean {
  if (ip === node.internalIP) return true;
  if (!ipaddr.IPv4.isValid(ip) || !ipaddr.IPv4.parse(ip).match(ipaddr.IPv4.parseCIDR(node.podCIDR))) return false;
  return !state.pods.some((p) => !p.hostNetwork && p.ip === ip);
}

/**
 * Whether a receiver seeing `seen` agrees with the predicted delivery. An open source (masquerade:
 * `sourceSeen` absent) agrees with anything.
 */
export function sourceAgrees(state: ClusterState, delivery: Delivery, seen: string): boolean {
  if (delivery.sourceNode !== undefined) {
    const node = state.nodes.find((n) => n.name === delivery.sourceNode);
    return node !== undefined && isNodeAddress(state, node, seen);
  }
  return delivery.sourceSeen === undefined || delivery.sourceSeen === seen;
}

/** The predicted source in words, for a finding: an address, or "an address of node N (...)". */
export function expectedSource(state: ClusterState, delivery: Delivery): string {
  if (delivery.sourceNode === undefined) return delivery.sourceSeen ?? 'any address';
  const node = state.nodes.find((n) => n.name === delivery.sourceNode);
  return node ? `an address of node ${node.name} (${node.internalIP}, or one it holds in ${node.podCIDR})` : `an address of node ${delivery.sourceNode}`;
}
