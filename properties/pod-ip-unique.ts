// pod-ip-unique: IPAM hands every pod its own address from its node's pod CIDR.
import ipaddr from 'ipaddr.js';
import { podKey } from '../cluster/types.ts';
import { clusterCase } from '../generators/cluster.ts';
import { generatorCapabilities } from './case-options.ts';
import type { Finding, Property } from './property.ts';

function inCIDR(ip: string, cidr: string): boolean {
  if (!ipaddr.IPv4.isValid(ip)) return false;
  return ipaddr.IPv4.parse(ip).match(ipaddr.IPv4.parseCIDR(cidr));
}

export const podIpUnique: Property = {
  id: 'pod-ip-unique',
  statement: "No two pods share an IP, and each pod's IP lies in its node's pod CIDR.",
  rule:
    'Kubernetes network model (Cluster Networking docs): every pod gets its own cluster-wide unique IP; ' +
    "node IPAM (Node.spec.podCIDR) is the range a node's pods take theirs from; a hostNetwork pod uses its node's IP.",
  needs: ['pods', 'nodes'],
  cases: ({ capabilities, universe }) =>
    clusterCase({ ...generatorCapabilities(capabilities, universe), policies: false, services: false }).map((c) => ({
      steps: [{ state: c.state, probes: [] }],
    })),
  check({ steps: [run] }) {
    const findings: Finding[] = [];
    const owner = new Map<string, string>();
    const nodes = new Map(run.state.nodes.map((n) => [n.name, n]));
    for (const pod of run.state.pods) {
      const node = nodes.get(pod.nodeName);
      if (pod.hostNetwork) {
        if (node && pod.ip !== node.internalIP) {
          findings.push({ message: `hostNetwork pod ${podKey(pod)} has IP ${pod.ip}, not its node ${node.name}'s ${node.internalIP}`, probes: [] });
        }
        continue;
      }
      const other = owner.get(pod.ip);
      if (other) findings.push({ message: `pods ${other} and ${podKey(pod)} share the IP ${pod.ip}`, probes: [] });
      owner.set(pod.ip, podKey(pod));
      if (!node) findings.push({ message: `pod ${podKey(pod)} runs on unknown node ${pod.nodeName}`, probes: [] });
      else if (!inCIDR(pod.ip, node.podCIDR)) {
        findings.push({ message: `pod ${podKey(pod)} has IP ${pod.ip}, outside its node ${node.name}'s pod CIDR ${node.podCIDR}`, probes: [] });
      }
    }
    return findings;
  },
  // Judged from the applied state: each pod's address is one observation.
  judged: ({ steps: [run] }) => run.state.pods.length,
  outcomes: ['two-pods-on-one-node', 'pods-on-two-nodes', 'host-network-pod'],
  classify({ steps: [run] }) {
    const perNode = new Map<string, number>();
    for (const p of run.state.pods) if (!p.hostNetwork) perNode.set(p.nodeName, (perNode.get(p.nodeName) ?? 0) + 1);
    const labels: string[] = [];
    if ([...perNode.values()].some((n) => n >= 2)) labels.push('two-pods-on-one-node');
    if (perNode.size >= 2) labels.push('pods-on-two-nodes');
    if (run.state.pods.some((p) => p.hostNetwork)) labels.push('host-network-pod');
    return labels;
  },
};
