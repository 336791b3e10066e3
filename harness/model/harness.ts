// The reference model as a harness: `--target model`, the default. Observations come straight from
// the (possibly faulty) model's predictions, so every property can run in milliseconds.
import type { ClusterState, Observation, Probe } from '../../cluster/types.ts';
import { podKey } from '../../cluster/types.ts';
import type { AppliedState, Capability, Harness, HarnessOptions } from '../harness.ts';
import { parseModelFault } from './faults.ts';
import { buildModel, type Prediction, type ReferenceModel } from './model.ts';

const CAPABILITIES: ReadonlySet<Capability> = new Set<Capability>([
  'pods',
  'nodes',
  'services',
  'nodeport',
  'policies',
  'hostNetwork',
  'readiness',
  'udp',
  'sctp',
  'interface-ips',
  'reapply',
]);

/** mulberry32: a tiny seeded PRNG, so runs replay exactly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedOf(options: HarnessOptions): number {
  const s = options.settings?.seed;
  if (typeof s === 'number' && Number.isFinite(s)) return s;
  let h = 2166136261;
  for (const c of options.runId ?? 'netprops') h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

/**
 * Turns a prediction into what one connection observes. Several routes (Service endpoints): one is
 * picked at random like kube-proxy does, from a seeded PRNG so repeated probes spread over every
 * endpoint and a run replays exactly; sessionAffinity ClientIP pins a client IP to its first pick.
 * A route whose verdict is undefined is delivered: where upstream leaves host traffic to isolated
 * pods open, most implementations let it through (the permissive choice), and the detail says so.
 * A masqueraded source (hairpin, NodePort, node clients of a ClusterIP) is shown as the node's IP.
 */
export function observe(prediction: Prediction, pick: (routes: number) => number): Observation {
  if (prediction.routes.length === 0) return prediction.failure;
  const route = prediction.routes[pick(prediction.routes.length)];
  if (route.verdict === 'deny') return route.failure;
  const delivery: Observation = { ...route.delivery };
  if (delivery.sourceSeen === undefined && route.typicalSourceSeen !== undefined) delivery.sourceSeen = route.typicalSourceSeen;
  if (route.verdict === 'undefined') delivery.detail = `undefined upstream, delivered by the model harness: ${route.reason}`;
  return delivery;
}

export function createModelHarness(options: HarnessOptions = {}): Harness {
  const fault = parseModelFault(options.fault);
  const random = prng(seedOf(options));
  let model: ReferenceModel | undefined;
  /** `${affinity key}|${client IP}` -> the route index the client is pinned to. */
  let affinity = new Map<string, number>();

  const clientIP = (probe: Probe, state: ClusterState): string => {
    const from = probe.from;
    if (from.kind === 'node') return state.nodes.find((n) => n.name === from.name)?.internalIP ?? from.name;
    return state.pods.find((p) => p.namespace === from.namespace && p.name === from.name)?.ip ?? podKey(from);
  };

  return {
    target: 'model',
    capabilities: CAPABILITIES,
    async apply(state: ClusterState): Promise<AppliedState> {
      model = buildModel(state, { fault });
      affinity = new Map();
      const interfaceIPs: Record<string, string> = {};
      for (const p of state.pods) interfaceIPs[podKey(p)] = p.ip;
      return { state, interfaceIPs };
    },
    async probe(probes: Probe[]): Promise<Observation[]> {
      if (!model) throw new Error('model harness: probe() before apply()');
      const m = model;
      return probes.map((probe) => {
        const prediction = m.predict(probe);
        return observe(prediction, (n) => {
          if (prediction.affinity === undefined) return Math.floor(random() * n);
          const key = `${prediction.affinity}|${clientIP(probe, m.state)}`;
          let chosen = affinity.get(key);
          if (chosen === undefined || chosen >= n) {
            chosen = Math.floor(random() * n);
            affinity.set(key, chosen);
          }
          return chosen;
        });
      });
    },
    async teardown(): Promise<void> {
      model = undefined;
    },
  };
}
