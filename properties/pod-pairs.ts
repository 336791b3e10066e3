// Probes between pods, derived from a state: every ordered pair of distinct pods, to every port the
// destination serves on its protocol. Derived (not drawn), so shrinking the state shrinks them.
import type { ClusterState, Pod, Probe } from '../cluster/types.ts';

export interface PodPairOptions {
  /** Keep only pairs this accepts (e.g. across nodes). */
  pair?: (from: Pod, to: Pod) => boolean;
  /** Senders may be hostNetwork pods (their traffic leaves with the node's IP). */
  hostNetworkSenders?: boolean;
  payloadBytes?: (to: Pod, port: Pod['ports'][number]) => number | undefined;
}

export function podPairProbes(state: ClusterState, options: PodPairOptions = {}): Probe[] {
  const probes: Probe[] = [];
  for (const from of state.pods) {
    if (from.hostNetwork && !options.hostNetworkSenders) continue;
    for (const to of state.pods) {
      if (from === to || (options.pair && !options.pair(from, to))) continue;
      for (const port of to.ports) {
        const payloadBytes = options.payloadBytes?.(to, port);
        probes.push({
          from: { kind: 'pod', namespace: from.namespace, name: from.name },
          to: { kind: 'pod', namespace: to.namespace, name: to.name },
          port: port.containerPort,
          protocol: port.protocol,
          ...(payloadBytes !== undefined ? { payloadBytes } : {}),
        });
      }
    }
  }
  return probes;
}

/** The pod a probe end names, in the given state. */
export function podOf(state: ClusterState, ref: { kind: string; namespace?: string; name?: string }): Pod | undefined {
  if (ref.kind !== 'pod') return undefined;
  return state.pods.find((p) => p.namespace === ref.namespace && p.name === ref.name);
}
