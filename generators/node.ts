// Nodes: nothing about a node varies but how many there are. Node i (1-based) has the pod CIDR
// 10.244.i.0/24 (kubeadm/flannel's default cluster CIDR, split per node as the node IPAM controller
// does) and the InternalIP 172.18.0.(i+1) (kind's docker network).
import fc from 'fast-check';
import type { Node } from '../cluster/types.ts';

export const MAX_NODES = 200;

/** The i-th node (0-based). */
export function nodeAt(index: number): Node {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_NODES) throw new Error(`node index ${index} out of range`);
  const n = index + 1;
  return { name: `node-${n}`, podCIDR: `10.244.${n}.0/24`, internalIP: `172.18.0.${n + 1}` };
}

/** Between 1 and maxLength nodes; shrinks toward one node. */
export function nodes(options: { maxLength?: number } = {}): fc.Arbitrary<Node[]> {
  const max = options.maxLength ?? 3;
  // Mostly several nodes (cross-node traffic is where CNIs differ), shrinking to one.
  const count =
    max === 1
      ? fc.constant(1)
      : fc.oneof({ withCrossShrink: true }, { arbitrary: fc.constant(1), weight: 1 }, { arbitrary: fc.integer({ min: 2, max }), weight: 4 });
  return count.map(
    (count) => Array.from({ length: count }, (_, i) => nodeAt(i)),
    (value) => {
      if (!Array.isArray(value)) throw new Error('not a node list');
      return value.length;
    },
  );
}
