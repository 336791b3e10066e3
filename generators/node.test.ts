import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate } from '../cluster/allocate.ts';
import type { Node } from '../cluster/types.ts';
import { describeArbitraryContract } from './arbitrary-contract.ts';
import { nodeAt, nodes } from './node.ts';

/** Valid when allocation (A's IPAM and validation) keeps the nodes as they are. */
const problems = (all: Node[]) => {
  try {
    const state = allocate({ namespaces: [], nodes: all, pods: [], services: [], policies: [] });
    return JSON.stringify(state.nodes) === JSON.stringify(all) ? [] : ['allocate changed the nodes'];
  } catch (err) {
    return [(err as Error).message];
  }
};

describeArbitraryContract('nodes()', nodes({ maxLength: 5 }), problems);

describe('nodes', () => {
  it('gives each node its own pod CIDR and InternalIP, outside each other', () => {
    expect(problems(Array.from({ length: 50 }, (_, i) => nodeAt(i)))).toEqual([]);
  });

  it('is caught by the check when two nodes share a pod CIDR', () => {
    expect(problems([nodeAt(0), { ...nodeAt(1), podCIDR: nodeAt(0).podCIDR }])).not.toEqual([]);
  });

  it('draws between one and maxLength nodes', () => {
    const counts = new Set(fc.sample(nodes({ maxLength: 3 }), { seed: 2, numRuns: 100 }).map((n) => n.length));
    expect([...counts].sort()).toEqual([1, 2, 3]);
  });
});
