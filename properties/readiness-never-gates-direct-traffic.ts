// readiness-never-gates-direct-traffic: a pod that is not ready still receives connections made to
// its own IP; readiness only takes it out of Service endpoints.
import type { Probe, ProbeSource } from '../cluster/types.ts';
import { clusterCase } from '../generators/cluster.ts';
import { generatorCapabilities } from './case-options.ts';
import { podOf } from './pod-pairs.ts';
import type { Property } from './property.ts';
import { podSource } from './service-probes.ts';
import { judgedVerdict, verdictFindings } from './verdict-agreement.ts';

export const readinessNeverGatesDirectTraffic: Property = {
  id: 'readiness-never-gates-direct-traffic',
  statement: 'A pod that is not ready is still reached on its own IP, from pods and from nodes; only Services leave it out.',
  rule:
    'Pod lifecycle docs (container probes): a failing readiness probe removes the pod\'s IP from the endpoints of every ' +
    'Service that matches it; nothing else changes for the pod, whose IP stays routable.',
  needs: ['pods', 'readiness'],
  cases: ({ capabilities, universe }) =>
    clusterCase({ ...generatorCapabilities(capabilities, universe), policies: false, services: false, notReady: true }).map((c) => {
      const sources: ProbeSource[] = [
        ...c.state.pods.filter((p) => !p.hostNetwork).map(podSource),
        ...(capabilities.has('nodes') ? c.state.nodes.map((n): ProbeSource => ({ kind: 'node', name: n.name })) : []),
      ];
      const probes: Probe[] = [];
      for (const to of c.state.pods.filter((p) => !p.ready)) {
        for (const from of sources) {
          if (from.kind === 'pod' && from.namespace === to.namespace && from.name === to.name) continue;
          for (const port of to.ports) {
            probes.push({ from, to: { kind: 'pod', namespace: to.namespace, name: to.name }, port: port.containerPort, protocol: port.protocol });
          }
        }
      }
      return { steps: [{ state: c.state, probes }] };
    }),
  check: (ctx) => verdictFindings(ctx, 0),
  outcomes: ['not-ready-pod-reached'],
  classify(ctx) {
    const run = ctx.steps[0];
    const reached = run.probes.some((p, i) => podOf(run.state, p.to)?.ready === false && judgedVerdict(ctx, 0, i) === 'allow');
    return reached ? ['not-ready-pod-reached'] : [];
  },
};
