// The reference model: what a conformant cluster does with a probe, computed from the state alone.
// Pure and deterministic; indexes built once per state so predictions and whole matrices are cheap.
import type { ClusterState, Node, Observation, Pod, Probe, Service, Verdict } from '../../cluster/types.ts';
import { podKey } from '../../cluster/types.ts';
import { serviceEndpoints, type ServicePortEndpoints } from './endpoints.ts';
import { parseModelFault, type ModelFaultName } from './faults.ts';
import { buildPolicyIndex, type PolicyIndex } from './policy-index.ts';
import { predictProbe } from './predict.ts';
import type { Delivery } from './source-seen.ts';
import { matrixOf, type ReachabilityMatrix } from './reachability.ts';

/** One way kube-proxy (or plain routing, for a direct probe) may carry a probe. */
export interface Route {
  /** Whether policy lets this route through ('undefined' where upstream leaves it open). */
  verdict: Verdict;
  reason: string;
  /**
   * The observation when the connection goes through: backend, sourceSeen (absent where NAT makes it
   * open; for a node sender, any of its addresses: see source-seen.ts), replyFrom.
   */
  delivery: Delivery;
  /**
   * Where `delivery.sourceSeen` is left open (masquerade), the address most implementations show:
   * the node's IP. The model harness reports it; properties must not rely on it.
   */
  typicalSourceSeen?: string;
  /** The observation when it does not (refused, timeout or unreachable, with the why). */
  failure: Observation;
}

export interface Prediction {
  verdict: Verdict;
  reason: string;
  /**
   * Every observation a conformant cluster may produce when it delivers the probe: one per backend
   * a route may reach (allowed routes, and those whose verdict is undefined). Empty when denied.
   */
  deliveries: Delivery[];
  /** Every route: one for a direct probe, one per programmed endpoint for a Service. */
  routes: Route[];
  /** What the client observes when nothing is delivered and no route applies (no Service port, no endpoints, ...). */
  failure: Observation;
  /** Set when sessionAffinity ClientIP pins a client to one route: the Service port it is keyed on. */
  affinity?: string;
}

export interface ReferenceModel {
  readonly state: ClusterState;
  readonly fault?: ModelFaultName;
  /** One probe. Memoized per probe object: the same probe asked twice returns the same (read-only) prediction. */
  predict(probe: Probe): Prediction;
  /** All probes of a step, in order: the batch form of predict() (reads its memo, does not fill it). */
  predictAll(probes: readonly Probe[]): Prediction[];
  /** Every pod to every served port of every pod: the policy verdicts alone, as one array. */
  podMatrix(): ReachabilityMatrix;
}

/** Look-ups over one state, shared by predict() and the reachability matrix. */
export interface ModelIndex {
  state: ClusterState;
  fault?: ModelFaultName;
  policies: PolicyIndex;
  podIndex: Map<string, number>;
  /** namespace -> name -> pod index: finds a probe's pods without building a key string. */
  podByName: Map<string, Map<string, number>>;
  /** Ordinary pods by IP (hostNetwork pods share their node's IP and are found through the node). */
  podByIP: Map<string, number>;
  nodeByName: Map<string, Node>;
  nodeByIP: Map<string, Node>;
  serviceByKey: Map<string, Service>;
  serviceByClusterIP: Map<string, Service>;
  endpoints: Map<Service, ServicePortEndpoints[]>;
}

export function buildModelIndex(state: ClusterState, fault?: ModelFaultName): ModelIndex {
  const podIndex = new Map<string, number>();
  const podByIP = new Map<string, number>();
  const podByName = new Map<string, Map<string, number>>();
  state.pods.forEach((p: Pod, i) => {
    podIndex.set(podKey(p), i);
    let names = podByName.get(p.namespace);
    if (!names) podByName.set(p.namespace, (names = new Map()));
    names.set(p.name, i);
    if (!p.hostNetwork) podByIP.set(p.ip, i);
  });
  const serviceByClusterIP = new Map<string, Service>();
  for (const s of state.services) if (s.clusterIP !== 'None') serviceByClusterIP.set(s.clusterIP, s);
  return {
    state,
    fault,
    policies: buildPolicyIndex(state, fault),
    podIndex,
    podByName,
    podByIP,
    nodeByName: new Map(state.nodes.map((n) => [n.name, n])),
    nodeByIP: new Map(state.nodes.map((n) => [n.internalIP, n])),
    serviceByKey: new Map(state.services.map((s) => [podKey(s), s])),
    serviceByClusterIP,
    endpoints: new Map(state.services.map((s) => [s, serviceEndpoints(state, s)])),
  };
}

/** The model of `state`; `fault` names a deliberately broken variant (harness/model/faults.ts). */
export function buildModel(state: ClusterState, options: { fault?: string } = {}): ReferenceModel {
  const fault = parseModelFault(options.fault);
  const index = buildModelIndex(state, fault);
  // Properties ask for the same probe of a step several times (verdict, reason, deliveries): compute
  // it once. A batch does not fill the memo, so a large one does not stay in memory twice.
  const memo = new Map<Probe, Prediction>();
  const predict = (probe: Probe): Prediction => {
    let p = memo.get(probe);
    if (!p) memo.set(probe, (p = predictProbe(index, probe)));
    return p;
  };
  const predictAll = (probes: readonly Probe[]): Prediction[] => probes.map((probe) => memo.get(probe) ?? predictProbe(index, probe));
  return { state, fault, predict, predictAll, podMatrix: () => matrixOf(index) };
}
