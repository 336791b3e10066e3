// service-spreads: repeated connections to a Service reach every ready endpoint, unless
// sessionAffinity ClientIP pins a client to one.
import type { Probe } from '../cluster/types.ts';
import { buildModel } from '../harness/model/model.ts';
import { serviceStates } from './replicas.ts';
import { describeProbe } from '../cluster/probe-text.ts';
import type { CheckContext, Finding, Property } from './property.ts';
import { hasClusterIP, podSource, serviceOf, serviceProbe } from './service-probes.ts';
import { judgedVerdict, verdictFindings } from './verdict-agreement.ts';
import { modelOf } from '../harness/record.ts';

const backendsOf = (deliveries: { backend?: { namespace: string; name: string; port: number } }[]): Set<string> =>
  new Set(deliveries.flatMap((d) => (d.backend ? [`${d.backend.namespace}/${d.backend.name}:${d.backend.port}`] : [])));

/**
 * Enough tries that uniform random picks (kube-proxy's, and the model harness's seeded ones) miss
 * one of k endpoints with probability below k((k-1)/k)^n < 1e-9: a default run has hundreds of
 * such groups, and a false failure must stay out of reach (2 endpoints: 31 tries; 6: 125).
 */
export function triesFor(k: number): number {
  let n = 10;
  while (k > 1 && k * ((k - 1) / k) ** n >= 1e-9) n++;
  return n;
}

interface SpreadGroup {
  probe: Probe;
  /** The repeats of one probe. */
  indices: number[];
  predicted: Set<string>;
  reached: Set<string>;
}

/**
 * The repeated probes whose spread can be judged: allowed, and every delivered connection says
 * which endpoint answered. A target that observes a delivery but not its backend (upstream's
 * agnhost image has no UDP client that prints the answer; a hostNetwork backend answers with its
 * node's name) leaves the group unjudged: an unnamed delivery is no evidence of a missed endpoint.
 */
function spreadGroups(ctx: CheckContext): SpreadGroup[] {
  const run = ctx.steps[0];
  const byProbe = new Map<string, number[]>();
  run.probes.forEach((p, i) => {
    const key = JSON.stringify(p);
    byProbe.set(key, [...(byProbe.get(key) ?? []), i]);
  });
  const groups: SpreadGroup[] = [];
  for (const indices of byProbe.values()) {
    const probe = run.probes[indices[0]];
    if (judgedVerdict(ctx, 0, indices[0]) !== 'allow') continue;
    const delivered = indices.map((i) => run.observations[i]).filter((o) => o.outcome === 'delivered');
    if (delivered.some((o) => !o.backend)) continue;
    groups.push({ probe, indices, predicted: backendsOf(modelOf(run).predict(probe).deliveries), reached: backendsOf(delivered) });
  }
  return groups;
}

export const serviceSpreads: Property = {
  id: 'service-spreads',
  statement: 'Over repeated connections from one client every ready endpoint is reached, unless sessionAffinity ClientIP keeps the client on one.',
  rule:
    'Service docs (virtual IPs and service proxies): kube-proxy picks a backend at random per connection; with sessionAffinity ClientIP, ' +
    "connections from one client IP go to the same backend.",
  needs: ['pods', 'services'],
  cases: ({ capabilities, universe }) =>
    serviceStates(capabilities, universe)
      .map((state) => ({ state }))
      .map((c) => {
      const model = buildModel(c.state);
      const probes: Probe[] = [];
      const client = c.state.pods.find((p) => !p.hostNetwork);
      if (client) {
        for (const svc of c.state.services.filter(hasClusterIP)) {
          for (const port of svc.ports) {
            const probe = serviceProbe(podSource(client), svc, port);
            const k = backendsOf(model.predict(probe).deliveries).size;
            for (let n = triesFor(k); n > 0; n--) probes.push(probe);
          }
        }
      }
      return { steps: [{ state: c.state, probes }] };
    })
      // Over a universe (a live cluster, a few runs) a case whose every probe the model refuses, or
      // that reaches its backends only over UDP (whose answers name no endpoint on a cluster), would
      // judge nothing: it is not drawn. Without a universe every case is kept, as seeds replay.
      .filter((c) => !universe || c.steps[0].probes.some((p) => p.protocol === 'TCP' && buildModel(c.steps[0].state).predict(p).verdict === 'allow')),
  check(ctx) {
    const run = ctx.steps[0];
    const findings: Finding[] = verdictFindings(ctx, 0);
    for (const group of spreadGroups(ctx)) {
      const { probe, indices, predicted, reached } = group;
      const at = indices.map((i) => ({ step: 0, probe: i }));
      const stray = [...reached].filter((b) => !predicted.has(b));
      if (stray.length > 0) {
        findings.push({ message: `${describeProbe(probe)}: reached ${stray.join(', ')}, not an endpoint (endpoints: ${[...predicted].join(', ')})`, probes: at });
        continue;
      }
      const affinity = serviceOf(run.state, probe.to)?.sessionAffinity === 'ClientIP';
      if (affinity && reached.size > 1) {
        findings.push({ message: `${describeProbe(probe)}: sessionAffinity ClientIP, yet one client reached ${[...reached].join(', ')}`, probes: at });
      } else if (!affinity) {
        const missed = [...predicted].filter((b) => !reached.has(b));
        if (missed.length > 0) {
          findings.push({ message: `${describeProbe(probe)}: ${indices.length} connections never reached ${missed.join(', ')}`, probes: at });
        }
      }
    }
    return findings;
  },
  // What this property claims is where connections went: it judged the connections whose every
  // delivery named its endpoint, not those a target could only say were answered.
  judged: (ctx) => spreadGroups(ctx).reduce((n, g) => n + g.indices.length, 0),
  outcomes: ['several-endpoints', 'client-ip-affinity'],
  classify({ steps: [run] }) {
    const labels = new Set<string>();
    for (const key of new Set(run.probes.map((p) => JSON.stringify(p)))) {
      const p = JSON.parse(key) as Probe;
      const prediction = modelOf(run).predict(p);
      if (prediction.verdict !== 'allow') continue;
      if (backendsOf(prediction.deliveries).size > 1) labels.add('several-endpoints');
      if (serviceOf(run.state, p.to)?.sessionAffinity === 'ClientIP') labels.add('client-ip-affinity');
    }
    return [...labels];
  },
};
