// The pod universe of a run on a live cluster: creating a pod costs seconds there, relabelling it,
// toggling its readiness and applying Services and policies milliseconds. So a run draws its
// namespaces, nodes and pods once (from its seed), and every property draws its cases over them.
import fc from 'fast-check';
import type { Universe } from '../generators/cluster.ts';
import { namespaceName } from '../generators/namespace.ts';
import { nodeAt } from '../generators/node.ts';
import { containerPorts, placePods, type PodDraft } from '../generators/pod.ts';
import type { Capability } from '../harness/harness.ts';

/** The live-cluster shape: 3 namespaces of 3 pods on 3 nodes (two workers and a control plane suffice). */
export const UNIVERSE_SHAPE = { namespaces: 3, nodes: 3, podsPerNamespace: 3 } as const;

/**
 * Per namespace, two pods alike (one port list, on different nodes, as a Deployment's replicas) and
 * one of its own, so Services over the universe often have several endpoints. No hostNetwork pods:
 * they would share their node's ports across the whole run, and nodes are probed through agents.
 */
export function podUniverse(capabilities: ReadonlySet<Capability>, shape = UNIVERSE_SHAPE): fc.Arbitrary<Universe> {
  const ports = containerPorts({ udp: capabilities.has('udp'), sctp: capabilities.has('sctp') });
  return fc.array(fc.tuple(ports, ports), { minLength: shape.namespaces, maxLength: shape.namespaces }).map((perNamespace) => {
    const namespaces = perNamespace.map((_, i) => ({ name: namespaceName(i), labels: {} }));
    const nodes = Array.from({ length: shape.nodes }, (_, i) => nodeAt(i));
    const drafts: PodDraft[] = perNamespace.flatMap(([alike, own], ns) =>
      Array.from({ length: shape.podsPerNamespace }, (_, j) => ({
        namespace: ns,
        // Spread over the nodes: consecutive pods of a namespace, and the namespaces, start on different nodes.
        node: ns + j,
        replicas: 1,
        labels: {},
        ports: j === shape.podsPerNamespace - 1 ? own : alike,
        ready: true,
        hostNetwork: false,
      })),
    );
    return { namespaces, nodes, pods: placePods(drafts, namespaces, nodes) };
  });
}

/** The run's universe: the same seed draws the same pods, so a replayed run meets the pods it failed on. */
export function drawUniverse(capabilities: ReadonlySet<Capability>, seed: number): Universe {
  return fc.sample(podUniverse(capabilities), { seed, numRuns: 1 })[0];
}
