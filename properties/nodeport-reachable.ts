// nodeport-reachable: a NodePort Service answers on every node's IP, from pods and from nodes.
import type { ClusterState, Probe, ProbeSource } from '../cluster/types.ts';
import fc from 'fast-check';
import { clusterCase } from '../generators/cluster.ts';
import { generatorCapabilities } from './case-options.ts';
import { replicaCounts, withReplicas } from './replicas.ts';
import type { Property } from './property.ts';
import { podSource } from './service-probes.ts';
import { deliveryFindings, verdictFindings } from './verdict-agreement.ts';
import { modelOf } from '../harness/record.ts';

/**
 * The case's Services with a ClusterIP all made type NodePort (a nodePort per port, allocated past
 * those in use, as the API server allocates them), so every case exercises NodePorts.
 */
export function asNodePorts(state: ClusterState): ClusterState {
  let next = Math.max(29999, ...state.services.flatMap((s) => s.ports.map((p) => p.nodePort ?? 0))) + 1;
  return {
    ...state,
    services: state.services.map((svc) =>
      svc.clusterIP === 'None' || svc.type === 'NodePort'
        ? svc
        : { ...svc, type: 'NodePort', ports: svc.ports.map((p) => ({ ...p, nodePort: next++ })) },
    ),
  };
}

export const nodeportReachable: Property = {
  id: 'nodeport-reachable',
  statement: "A NodePort Service is reachable on every node's IP at its nodePort and lands on one of its endpoints; without endpoints it is not.",
  rule: 'Service docs (type NodePort): every node proxies the allocated nodePort on its addresses to the Service, as for its ClusterIP.',
  needs: ['pods', 'nodes', 'services', 'nodeport'],
  cases: ({ capabilities, universe }) =>
    fc
      .tuple(clusterCase({ ...generatorCapabilities(capabilities, universe), policies: false, services: true, minServices: universe ? 1 : 0 }), replicaCounts(6, universe))
      .map(([drawn, counts]) => ({ state: asNodePorts(withReplicas(drawn.state, counts)) }))
      .map((c) => {
      const probes: Probe[] = [];
      const sources: ProbeSource[] = [
        ...c.state.nodes.map((n): ProbeSource => ({ kind: 'node', name: n.name })),
        ...c.state.pods.filter((p) => !p.hostNetwork).slice(0, 1).map(podSource),
      ];
      for (const svc of c.state.services) {
        for (const port of svc.ports) {
          if (port.nodePort === undefined) continue;
          for (const node of c.state.nodes) {
            for (const from of sources) probes.push({ from, to: { kind: 'ip', ip: node.internalIP }, port: port.nodePort, protocol: port.protocol });
          }
        }
      }
      return { steps: [{ state: c.state, probes }] };
    })
      // Over a universe (a live cluster, a few runs) a case with no nodePort (no Service, or only
      // headless ones) would judge nothing: it is not drawn. Without a universe every case is kept.
      .filter((c) => !universe || c.steps[0].probes.length > 0),
  check: (ctx) => [...verdictFindings(ctx, 0), ...deliveryFindings(ctx, 0)],
  outcomes: ['nodeport-with-endpoints', 'nodeport-without-endpoints'],
  classify({ steps: [run] }) {
    const labels = new Set<string>();
    for (const p of run.probes) {
      const v = modelOf(run).predict(p).verdict;
      if (v === 'allow') labels.add('nodeport-with-endpoints');
      if (v === 'deny') labels.add('nodeport-without-endpoints');
    }
    return [...labels];
  },
};
