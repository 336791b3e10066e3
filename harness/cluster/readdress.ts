// Re-expressing a probe written against a case's addresses in the addresses a target realized (a
// live cluster allocates its own pod IPs, ClusterIPs and nodePorts, and its nodes have their own).
// Only `ip:` targets carry addresses; pod and Service targets are by name and need nothing.
import type { ClusterState, Probe } from '../../cluster/types.ts';
import { podKey } from '../../cluster/types.ts';
import type { Readdress } from '../harness.ts';

export function readdressProbe(probe: Probe, readdress: Readdress | undefined): Probe {
  if (!readdress || probe.to.kind !== 'ip') return probe;
  const caseIP = probe.to.ip;
  const nodeIP = readdress.nodeIPs[caseIP];
  if (nodeIP !== undefined) {
    // A nodePort is the node's port of a Service: it moves with the Service's allocation.
    const port = typeof probe.port === 'number' ? (readdress.nodePorts[`${probe.protocol}/${probe.port}`] ?? probe.port) : probe.port;
    return { ...probe, to: { kind: 'ip', ip: nodeIP }, port };
  }
  const ip = readdress.podIPs[caseIP] ?? readdress.clusterIPs[caseIP];
  return ip === undefined ? probe : { ...probe, to: { kind: 'ip', ip } };
}

/**
 * The readdressing implied by a realized state, object by object (pods and Services by namespace and
 * name, nodes by name): for a target that realizes addresses of its own (a CNI's IPAM) without saying
 * how they map. Identity where the target kept the case's addresses.
 */
export function readdressOf(wanted: ClusterState, applied: ClusterState): Readdress {
  const readdress: Readdress = { podIPs: {}, nodeIPs: {}, clusterIPs: {}, nodePorts: {} };
  for (const pod of wanted.pods) {
    const real = applied.pods.find((p) => podKey(p) === podKey(pod));
    if (real && !pod.hostNetwork) readdress.podIPs[pod.ip] = real.ip;
  }
  for (const node of wanted.nodes) {
    const real = applied.nodes.find((n) => n.name === node.name);
    if (real) readdress.nodeIPs[node.internalIP] = real.internalIP;
  }
  for (const svc of wanted.services) {
    const real = applied.services.find((s) => podKey(s) === podKey(svc));
    if (!real) continue;
    if (svc.clusterIP !== 'None') readdress.clusterIPs[svc.clusterIP] = real.clusterIP;
    for (const port of svc.ports) {
      const realPort = real.ports.find((p) => p.port === port.port && p.protocol === port.protocol);
      if (port.nodePort !== undefined && realPort?.nodePort !== undefined) readdress.nodePorts[`${port.protocol}/${port.nodePort}`] = realPort.nodePort;
    }
  }
  return readdress;
}
