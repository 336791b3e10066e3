// hairpin: a backend reaches its own Service, even when the connection is DNATed back to itself.
import type { Probe } from '../cluster/types.ts';
import { buildModel } from '../harness/model/model.ts';
import { serviceStates } from './replicas.ts';
import type { Property } from './property.ts';
import { hasClusterIP, podSource, serviceOf, serviceProbe } from './service-probes.ts';
import { deliveryFindings, verdictFindings } from './verdict-agreement.ts';
import { modelOf } from '../harness/record.ts';

export const hairpin: Property = {
  id: 'hairpin',
  statement: 'A pod that backs a Service reaches that Service, including when the connection comes back to itself.',
  rule:
    "kube-proxy docs and the Service model: a Service's backends are clients like any other; kube-proxy masquerades " +
    'hairpin connections (the kubelet sets hairpin mode on the bridge port) so a pod reaches its own Service.',
  needs: ['pods', 'services'],
  cases: ({ capabilities, universe }) =>
    serviceStates(capabilities, universe)
      .map((state) => ({ state }))
      .map((c) => {
      const model = buildModel(c.state);
      const probes: Probe[] = [];
      for (const svc of c.state.services.filter(hasClusterIP)) {
        for (const port of svc.ports) {
          for (const pod of c.state.pods) {
            const probe = serviceProbe(podSource(pod), svc, port);
            const backends = model.predict(probe).deliveries.flatMap((d) => (d.backend ? [d.backend] : []));
            if (backends.some((b) => b.namespace === pod.namespace && b.name === pod.name)) probes.push(probe);
          }
        }
      }
      return { steps: [{ state: c.state, probes }] };
    })
      // Over a universe (a live cluster, a few runs) a case where no pod backs a Service it can reach
      // has no probe and would judge nothing: it is not drawn. Without a universe every case is kept.
      .filter((c) => !universe || c.steps[0].probes.length > 0),
  check: (ctx) => [...verdictFindings(ctx, 0), ...deliveryFindings(ctx, 0)],
  outcomes: ['only-endpoint', 'one-of-several'],
  classify({ steps: [run] }) {
    const labels = new Set<string>();
    for (const p of run.probes) {
      if (!serviceOf(run.state, p.to)) continue;
      const backends = new Set(modelOf(run).predict(p).deliveries.flatMap((d) => (d.backend ? [`${d.backend.namespace}/${d.backend.name}`] : [])));
      if (backends.size === 1) labels.add('only-endpoint');
      if (backends.size > 1) labels.add('one-of-several');
    }
    return [...labels];
  },
};
