// clusterip-reaches-ready-endpoint: a connection to a ClusterIP lands on a ready endpoint, on its
// resolved targetPort, and the reply comes from the ClusterIP; no endpoints means no connection.
import { serviceStates } from './replicas.ts';
import type { Property } from './property.ts';
import { serviceProbes } from './service-probes.ts';
import { deliveryFindings, verdictFindings } from './verdict-agreement.ts';
import { modelOf } from '../harness/record.ts';

export const clusteripReachesReadyEndpoint: Property = {
  id: 'clusterip-reaches-ready-endpoint',
  statement:
    'A connection to a ClusterIP:port lands on a ready pod the Service selects, on the resolved targetPort, with the reply from the ClusterIP; with no endpoints it fails.',
  rule:
    'Service docs and EndpointSlice semantics: only ready pods matching the selector are endpoints (unless publishNotReadyAddresses), ' +
    'a named targetPort resolves per pod; kube-proxy DNATs to one endpoint and un-NATs the reply, and rejects a Service without endpoints.',
  needs: ['pods', 'services', 'readiness'],
  cases: ({ capabilities, universe }) =>
    serviceStates(capabilities, universe)
      .map((state) => ({ state }))
      .map((c) => ({
      steps: [{ state: c.state, probes: serviceProbes(c.state) }],
    })),
  check: (ctx) => [...verdictFindings(ctx, 0), ...deliveryFindings(ctx, 0)],
  outcomes: ['no-endpoints', 'one-endpoint', 'several-endpoints'],
  classify({ steps: [run] }) {
    const labels = new Set<string>();
    for (const p of run.probes) {
      const prediction = modelOf(run).predict(p);
      if (prediction.verdict === 'undefined') continue;
      const backends = new Set(prediction.deliveries.flatMap((d) => (d.backend ? [`${d.backend.namespace}/${d.backend.name}`] : [])));
      labels.add(backends.size === 0 ? 'no-endpoints' : backends.size === 1 ? 'one-endpoint' : 'several-endpoints');
    }
    return [...labels];
  },
};
