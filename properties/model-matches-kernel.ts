// model-matches-kernel: the differential check. Every probe of a generated case, observed on the
// target (the kernel data plane, which it is named for, or any other), is what the reference model
// predicts: allowed or denied alike, and when delivered, by a backend the model allows, with the
// source address and reply address it names.
import type { Probe } from '../cluster/types.ts';
import { clusterCase } from '../generators/cluster.ts';
import { generatorCapabilities } from './case-options.ts';
import { withPodMatrix } from './direct-probes.ts';
import type { Property } from './property.ts';
import { serviceProbes } from './service-probes.ts';
import { deliveryFindings, judgedVerdict, verdictFindings } from './verdict-agreement.ts';

export const modelMatchesKernel: Property = {
  id: 'model-matches-kernel',
  statement: 'Every probe of every generated case observes what the reference model predicts: verdict, backend, source seen and reply address.',
  rule:
    'All of the network model at once (Cluster Networking, Services, NetworkPolicy docs), as the reference model encodes it: ' +
    'a data plane that disagrees with it on any probe it defines breaks one of those rules.',
  needs: ['pods'],
  comparesWithModel: true,
  cases: ({ capabilities, universe }) =>
    clusterCase({
      ...generatorCapabilities(capabilities, universe),
      policies: capabilities.has('policies'),
      services: capabilities.has('services'),
      nodePort: capabilities.has('nodeport'),
    }).map((c) => {
      const nodeProbes: Probe[] = capabilities.has('nodes')
        ? c.state.nodes.flatMap((n) =>
            c.state.pods.flatMap((p) =>
              p.ports.map((port): Probe => ({ from: { kind: 'node', name: n.name }, to: { kind: 'pod', namespace: p.namespace, name: p.name }, port: port.containerPort, protocol: port.protocol })),
            ),
          )
        : [];
      return { steps: [{ state: c.state, probes: [...withPodMatrix(c), ...nodeProbes, ...serviceProbes(c.state)] }] };
    }),
  check: (ctx) => [...verdictFindings(ctx, 0), ...deliveryFindings(ctx, 0)],
  outcomes: ['allowed', 'denied', 'through-a-service'],
  classify(ctx) {
    const run = ctx.steps[0];
    const labels = new Set<string>();
    run.probes.forEach((p, i) => {
      const v = judgedVerdict(ctx, 0, i);
      if (v === 'allow') labels.add('allowed');
      if (v === 'deny') labels.add('denied');
      if (v === 'allow' && p.to.kind === 'service') labels.add('through-a-service');
    });
    return [...labels];
  },
};
