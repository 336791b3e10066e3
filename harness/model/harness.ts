// The reference model as a harness: `--target model`, the default. Observations come straight from
// the (possibly faulty) model's predictions, so every property can run in milliseconds.
import type { ClusterState, Observation, Probe } from '../../cluster/types.ts';
import { podKey } from '../../cluster/types.ts';
import type { AppliedState, Capability, Harness, HarnessOptions } from '../harness.ts';
import { parseModelFault } from './faults.ts';
import { buildModel, type Prediction, type ReferenceModel } from './model.ts';
import { seededRandom } from './seeded-random.ts';
import type { Delivery } from './source-seen.ts';

const CAPABILITIES: ReadonlySet<Capability> = new Set<Capability>([
  'pods',
  'nodes',
  'services',
  'nodeport',
  'policies',
  'hostNetwork',
  'readiness',
  'terminating',
  'externalTrafficPolicy',
  'udp',
  'sctp',
  'interface-ips',
  'reapply',
]);


/** FNV-1a of a string, mixed with a seed. */
function hash(seed: number, text: string): number {
  let h = (2166136261 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * kube-proxy's random backend choice, made reproducible: per key (a probe, or a client of a
 * ClientIP-affinity Service port) a seeded shuffle of the routes, walked in order and reshuffled
 * after each full pass. Repeated probes therefore reach every endpoint within one pass, in an order
 * that looks random, and the same case with the same probes always observes the same thing
 * (whatever ran before it: fast-check's replay and shrinking need that).
 */
export class EndpointChooser {
  private readonly walks = new Map<string, { random: () => number; order: number[]; next: number }>();

  constructor(private readonly seed: number) {}

  pick(key: string, routes: number): number {
    let walk = this.walks.get(key);
    if (!walk || walk.order.length !== routes) {
      walk = { random: seededRandom(hash(this.seed, key)), order: [], next: routes };
      this.walks.set(key, walk);
    }
    if (walk.next >= routes) {
      walk.order = Array.from({ length: routes }, (_, i) => i);
      for (let i = routes - 1; i > 0; i--) {
        const j = Math.floor(walk.random() * (i + 1));
        [walk.order[i], walk.order[j]] = [walk.order[j], walk.order[i]];
      }
      walk.next = 0;
    }
    return walk.order[walk.next++];
  }
}

/**
 * Turns a prediction into what one connection observes. Several routes (Service endpoints): one is
 * picked like kube-proxy's random choice (see EndpointChooser); sessionAffinity ClientIP pins a
 * client IP to its first pick. A route whose verdict is undefined is delivered: where upstream
 * leaves host traffic to isolated pods open, most implementations let it through (the permissive
 * choice), and the detail says so. A masqueraded source (hairpin, NodePort, node clients of a
 * ClusterIP) is shown as the node's IP.
 */
export function observe(prediction: Prediction, pick: (routes: number) => number): Observation {
  if (prediction.routes.length === 0) return prediction.failure;
  const route = prediction.routes[pick(prediction.routes.length)];
  if (route.verdict === 'deny') return route.failure;
  // What a receiver saw is one address; which others the model would also accept is not an observation.
  const { sourceNode: _open, ...delivery }: Delivery = route.delivery;
  if (delivery.sourceSeen === undefined && route.typicalSourceSeen !== undefined) delivery.sourceSeen = route.typicalSourceSeen;
  if (route.verdict === 'undefined') delivery.detail = `undefined upstream, delivered by the model harness: ${route.reason}`;
  return delivery;
}

export function createModelHarness(options: HarnessOptions = {}): Harness {
  const fault = parseModelFault(options.fault);
  // Not the run id: a replay (same seed, new run) must observe exactly what the failing run did.
  const seed = typeof options.settings?.seed === 'number' ? options.settings.seed : 0x5eed;
  let model: ReferenceModel | undefined;
  let chooser = new EndpointChooser(seed);
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
    referenceModel: fault === undefined,
    async apply(state: ClusterState): Promise<AppliedState> {
      model = buildModel(state, { fault });
      // A new state starts afresh: kube-proxy's choices and affinities do not outlive the rules.
      chooser = new EndpointChooser(seed);
      affinity = new Map();
      const interfaceIPs: Record<string, string> = {};
      for (const p of state.pods) interfaceIPs[podKey(p)] = p.ip;
      return { state, interfaceIPs };
    },
    async probe(probes: Probe[]): Promise<Observation[]> {
      if (!model) throw new Error('model harness: probe() before apply()');
      const m = model;
      const predictions = m.predictAll(probes);
      return probes.map((probe, i) => {
        const prediction = predictions[i];
        return observe(prediction, (n) => {
          if (prediction.affinity === undefined) return chooser.pick(JSON.stringify(probe), n);
          const key = `${prediction.affinity}|${clientIP(probe, m.state)}`;
          let chosen = affinity.get(key);
          if (chosen === undefined || chosen >= n) {
            chosen = chooser.pick(key, n);
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
