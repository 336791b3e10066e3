// self-ip-is-seen-ip: the address a pod has on its own interface is its status.podIP and the source
// address every other pod sees from it.
import { podKey } from '../cluster/types.ts';
import { clusterCase } from '../generators/cluster.ts';
import { generatorCapabilities } from './case-options.ts';
import { podOf, podPairProbes } from './pod-pairs.ts';
import { describeProbe } from '../cluster/probe-text.ts';
import type { Finding, Property } from './property.ts';

export const selfIpIsSeenIp: Property = {
  id: 'self-ip-is-seen-ip',
  statement: 'The IP a pod has on its own interface equals its status.podIP and the source IP other pods see from it.',
  rule:
    'Kubernetes network model (Cluster Networking docs): the IP a pod sees itself as is the same IP others see it as; ' +
    'status.podIP is that address (Pod API reference).',
  needs: ['pods', 'interface-ips'],
  cases: ({ capabilities, universe }) =>
    clusterCase({ ...generatorCapabilities(capabilities, universe), hostNetwork: false, policies: false, services: false }).map((c) => ({
      steps: [{ state: c.state, probes: podPairProbes(c.state) }],
    })),
  check({ steps: [run] }) {
    const findings: Finding[] = [];
    for (const pod of run.state.pods) {
      if (pod.hostNetwork) continue;
      const own = run.interfaceIPs[podKey(pod)];
      if (own === undefined) findings.push({ message: `pod ${podKey(pod)}: its interface address could not be read`, probes: [] });
      else if (own !== pod.ip) findings.push({ message: `pod ${podKey(pod)} has ${own} on its interface but status.podIP ${pod.ip}`, probes: [] });
    }
    run.probes.forEach((probe, i) => {
      const o = run.observations[i];
      const from = podOf(run.state, probe.from);
      if (!from || o.outcome !== 'delivered' || o.sourceSeen === undefined) return;
      const own = run.interfaceIPs[podKey(from)];
      if (own !== undefined && o.sourceSeen !== own) {
        findings.push({ message: `${describeProbe(probe)}: the receiver saw ${o.sourceSeen}, but ${podKey(from)} has ${own} on its interface`, probes: [{ step: 0, probe: i }] });
      }
    });
    return findings;
  },
  outcomes: ['pod-seen-by-another'],
  classify({ steps: [run] }) {
    return run.observations.some((o) => o.outcome === 'delivered' && o.sourceSeen !== undefined) ? ['pod-seen-by-another'] : [];
  },
};
