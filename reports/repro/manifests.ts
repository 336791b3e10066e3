// What a repro applies to a real cluster: the counterexample's objects as the cluster harness writes
// them (harness/cluster/manifests.ts, with the case's own names and no node names, so placement is
// kept by pod affinity: same case node, same real node), plus one hostNetwork "prober" pod per case
// node that a probe comes from, since `kubectl exec` needs a pod to run in and a hostNetwork pod's
// traffic leaves with its node's address, as node traffic does.
import type { ClusterState, ExpectedProbe, Pod } from '../../cluster/types.ts';
import { clusterManifests, namespaceManifest, podManifest, type Manifest } from '../../harness/cluster/manifests.ts';

export interface ReproManifests {
  objects: Manifest[];
  /** The namespace of the node probers; absent when no probe comes from a node. */
  proberNamespace?: string;
  /** Case node name -> prober pod name in proberNamespace, for every node a probe comes from or goes to. */
  probers: Record<string, string>;
}

/** A namespace name the case does not use, for the probers. */
function proberNamespaceFor(state: ClusterState): string {
  const taken = new Set(state.namespaces.map((n) => n.name));
  let name = 'netprops-node-probers';
  for (let i = 2; taken.has(name); i++) name = `netprops-node-probers-${i}`;
  return name;
}

export function reproManifests(state: ClusterState, probes: readonly ExpectedProbe[]): ReproManifests {
  const objects = clusterManifests(state);
  // Nodes a probe comes from, and nodes whose address a probe goes to (repro.sh finds a case node's
  // real node through the pods placed there, and a node may hold none of the case's pods).
  const targetIPs = new Set(probes.flatMap((p) => (p.to.kind === 'ip' ? [p.to.ip] : [])));
  const nodes = [
    ...new Set([
      ...probes.flatMap((p) => (p.from.kind === 'node' ? [p.from.name] : [])),
      ...state.nodes.filter((n) => targetIPs.has(n.internalIP)).map((n) => n.name),
    ]),
  ].sort();
  if (nodes.length === 0) return { objects, probers: {} };
  const namespace = proberNamespaceFor(state);
  objects.push(namespaceManifest(namespace, {}));
  const probers: Record<string, string> = {};
  for (const node of nodes) {
    // A prober serves nothing (agnhost pause) and carries the case node's placement label, so the
    // affinity that groups the case's pods puts it beside the pods of that node.
    const name = `prober-${node}`.slice(0, 63).replace(/[.-]+$/, '');
    const prober: Pod = { namespace, name, labels: {}, nodeName: node, hostNetwork: true, ports: [], ip: '', ready: true };
    objects.push(podManifest(prober));
    probers[node] = name;
  }
  return { objects, proberNamespace: namespace, probers };
}
