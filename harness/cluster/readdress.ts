// Re-expressing a probe written against a case's addresses in the addresses a target realized (a
// live cluster allocates its own pod IPs, ClusterIPs and nodePorts, and its nodes have their own).
// Only `ip:` targets carry addresses; pod and Service targets are by name and need nothing.
import type { Probe } from '../../cluster/types.ts';
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
