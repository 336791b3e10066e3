// Replicas: copies of a pod (same namespace, labels and ports; another name, node and IP), as a
// Deployment makes them. Services usually front several identical pods; drawing replica counts
// next to a generated state gives the Service properties cases with several endpoints, which
// independently drawn pods rarely are. Counts shrink to 0, back to the generated state.
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import type { ClusterState, Pod } from '../cluster/types.ts';
import { clusterCase, type Universe } from '../generators/cluster.ts';
import type { Capability } from '../harness/harness.ts';
import { generatorCapabilities } from './case-options.ts';
import { addressInCIDR } from '../generators/pod.ts';

/**
 * Extra copies per pod, by the pod's position; missing entries mean none. Over a fixed pod universe
 * (a live cluster) there are none: a copy would be a pod to create.
 */
export const replicaCounts = (maxPods: number, universe?: Universe): fc.Arbitrary<number[]> =>
  universe ? fc.constant([]) : fc.array(fc.nat({ max: 2 }), { maxLength: maxPods });

/**
 * The Service properties' states: a generated cluster with Services and no policies, with replicas
 * of its pods so Services often have several endpoints. Over a universe the replicas are already
 * there (they take their original's labels), and every case has a Service: a case without one
 * judges nothing.
 */
export const serviceStates = (capabilities: ReadonlySet<Capability>, universe?: Universe): fc.Arbitrary<ClusterState> =>
  fc
    .tuple(clusterCase({ ...generatorCapabilities(capabilities, universe), policies: false, services: true, minServices: universe ? 1 : 0 }), replicaCounts(6, universe))
    .map(([drawn, counts]) => withReplicas(drawn.state, counts));

export function withReplicas(state: ClusterState, counts: number[]): ClusterState {
  const used = new Map<string, number>();
  for (const node of state.nodes) {
    const [net, prefix] = ipaddr.IPv4.parseCIDR(node.podCIDR);
    const base = ipaddr.IPv4.networkAddressFromCIDR(`${net.toString()}/${prefix}`).toByteArray();
    let highest = 1;
    for (const p of state.pods) {
      if (p.hostNetwork || p.nodeName !== node.name) continue;
      const b = ipaddr.IPv4.parse(p.ip).toByteArray();
      highest = Math.max(highest, (b[2] - base[2]) * 256 + (b[3] - base[3]));
    }
    used.set(node.name, highest);
  }
  const copies: Pod[] = [];
  state.pods.forEach((pod, i) => {
    if (pod.hostNetwork) return; // a hostNetwork copy would clash on the node's ports
    const nodeIndex = state.nodes.findIndex((n) => n.name === pod.nodeName);
    for (let k = 1; k <= (counts[i] ?? 0); k++) {
      const node = state.nodes[(nodeIndex + k) % state.nodes.length];
      const host = (used.get(node.name) ?? 1) + 1;
      used.set(node.name, host);
      copies.push({ ...pod, name: `${pod.name}-${k}`, nodeName: node.name, ip: addressInCIDR(node.podCIDR, host) });
    }
  });
  return { ...state, pods: [...state.pods, ...copies] };
}
