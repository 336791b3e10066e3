// service-port-not-exposed: a ClusterIP answers only on the Service's ports.
import type { Probe } from '../cluster/types.ts';
import { serviceStates } from './replicas.ts';
import { describeObservation, describeProbe } from '../cluster/probe-text.ts';
import type { Finding, Property } from './property.ts';
import { hasClusterIP, podSource } from './service-probes.ts';

/** Port numbers a Service does not expose but a careless proxy might: its backends' target ports. */
function unexposedPorts(svcPorts: number[], targetPorts: number[]): number[] {
  return [...new Set([...targetPorts, 1])].filter((p) => !svcPorts.includes(p)).sort((a, b) => a - b);
}

export const servicePortNotExposed: Property = {
  id: 'service-port-not-exposed',
  statement: 'A connection to a ClusterIP on a port the Service does not declare is never delivered, even where a backend serves that port.',
  rule: "Service docs: a Service exposes exactly its spec.ports; kube-proxy's rules match the ClusterIP together with each declared port and protocol.",
  needs: ['pods', 'services'],
  cases: ({ capabilities, universe }) =>
    serviceStates(capabilities, universe)
      .map((state) => ({ state }))
      .map((c) => {
      const probes: Probe[] = [];
      const client = c.state.pods.find((p) => !p.hostNetwork);
      if (client) {
        for (const svc of c.state.services.filter(hasClusterIP)) {
          const targets = svc.ports.flatMap((sp) => (typeof sp.targetPort === 'number' ? [sp.targetPort] : []));
          const served = c.state.pods.filter((p) => p.namespace === svc.namespace).flatMap((p) => p.ports.map((cp) => cp.containerPort));
          for (const port of unexposedPorts(svc.ports.map((sp) => sp.port), [...targets, ...served])) {
            const protocol = svc.ports[0]?.protocol ?? 'TCP';
            probes.push({ from: podSource(client), to: { kind: 'service', namespace: svc.namespace, name: svc.name }, port, protocol });
            probes.push({ from: podSource(client), to: { kind: 'ip', ip: svc.clusterIP }, port, protocol });
          }
        }
      }
      return { steps: [{ state: c.state, probes }] };
    }),
  check({ steps: [run] }) {
    const findings: Finding[] = [];
    run.probes.forEach((probe, i) => {
      const o = run.observations[i];
      if (o.outcome === 'delivered') {
        findings.push({ message: `${describeProbe(probe)}: not a port of the Service, yet ${describeObservation(o)}`, probes: [{ step: 0, probe: i }] });
      }
    });
    return findings;
  },
  outcomes: ['port-a-backend-serves'],
  classify({ steps: [run] }) {
    const served = new Set(run.state.pods.flatMap((p) => p.ports.map((cp) => cp.containerPort)));
    return run.probes.some((p) => typeof p.port === 'number' && served.has(p.port)) ? ['port-a-backend-serves'] : [];
  },
};
