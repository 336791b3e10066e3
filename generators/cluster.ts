// A whole case: a complete ClusterState and the probes to run against it. Every part is drawn as a
// draft that names other objects by index, and buildClusterCase() places them in dependency order
// (namespaces and nodes, pods, Services, policies, probes). The drafts are independent arrays, so
// fast-check shrinks a failing case toward fewer pods, Services, policies, rules, labels and probes
// without a chain; a reference that loses its object wraps around to another one.
import fc from 'fast-check';
import type { ClusterState, Namespace, Node, Pod, Probe } from '../cluster/types.ts';
import { labels, NAMESPACE_LABEL_POOL, POD_LABEL_POOL } from './labels.ts';
import { namespaceName, namespaces as namespacesArbitrary } from './namespace.ts';
import { nodes as nodesArbitrary } from './node.ts';
import { mostly, placePods, podDraft, type PodDraft } from './pod.ts';
import { placePolicies, policyDraft, type PolicyDraft } from './policy.ts';
import { placeProbes, probeDraft, type ProbeDraft } from './probe.ts';
import { removableArray } from './removable-array.ts';
import { withJumps } from './shrink-jumps.ts';
import { placeServices, serviceDraft, type ServiceDraft } from './service.ts';

export interface ClusterCase {
  state: ClusterState;
  probes: Probe[];
}

/** The pods, nodes and namespaces of a live cluster, created once; only what is cheap to change varies. */
export interface Universe {
  namespaces: Namespace[];
  nodes: Node[];
  pods: Pod[];
}

export interface ClusterCaseOptions {
  /** Draw NetworkPolicies (default true). */
  policies?: boolean;
  /** Draw Services and probes to them (default true). */
  services?: boolean;
  /** Allow NodePort Services and probes to node IPs on their nodePorts (default true). */
  nodePort?: boolean;
  /** Allow hostNetwork pods (default true). */
  hostNetwork?: boolean;
  /** Allow pods that are not ready (default true). */
  notReady?: boolean;
  /** Allow terminating pods (deletionTimestamp set; default false: a target must be able to make them). */
  terminating?: boolean;
  /** Allow externalTrafficPolicy Local on NodePort Services (default false). */
  externalTrafficPolicy?: boolean;
  udp?: boolean;
  sctp?: boolean;
  maxNamespaces?: number;
  maxNodes?: number;
  maxPods?: number;
  maxServices?: number;
  /** At least this many Services (default 0). */
  minServices?: number;
  maxPolicies?: number;
  maxProbes?: number;
  /**
   * A fixed universe (for the live-cluster target, where creating pods costs seconds): the given
   * namespaces, nodes and pods (names, nodes, ports, IPs, hostNetwork) stay; their labels and the
   * pods' readiness are drawn, with the Services, policies and probes.
   */
  universe?: Universe;
}

/**
 * A universe pod as a case draws it: its labels and readiness, and whether a replica (a pod of the
 * same namespace and ports as an earlier one, as a Deployment's copies are) takes that pod's labels
 * instead, so a Service selecting one often selects both.
 */
export interface UniversePodDraft {
  labels: Pod['labels'];
  ready: boolean;
  asReplica: boolean;
}

/** What a case is drawn as; buildClusterCase() turns it into the case. */
export interface ClusterCaseDraft {
  namespaces: Namespace[];
  nodes: Node[];
  /** Free mode: whole pods; universe mode: the labels and readiness of each universe pod. */
  pods: PodDraft[] | UniversePodDraft[];
  services: ServiceDraft[];
  policies: PolicyDraft[];
  probes: ProbeDraft[];
}

export const DEFAULT_LIMITS = { maxNamespaces: 3, maxNodes: 3, maxPods: 6, maxServices: 3, maxPolicies: 4, maxProbes: 8 };

export function clusterCaseDraft(options: ClusterCaseOptions = {}): fc.Arbitrary<ClusterCaseDraft> {
  const limits = {
    maxNamespaces: options.maxNamespaces ?? DEFAULT_LIMITS.maxNamespaces,
    maxNodes: options.maxNodes ?? DEFAULT_LIMITS.maxNodes,
    maxPods: options.maxPods ?? DEFAULT_LIMITS.maxPods,
    maxServices: options.maxServices ?? DEFAULT_LIMITS.maxServices,
    maxPolicies: options.maxPolicies ?? DEFAULT_LIMITS.maxPolicies,
    maxProbes: options.maxProbes ?? DEFAULT_LIMITS.maxProbes,
  };
  const protocols = { udp: options.udp, sctp: options.sctp };
  const universe = options.universe;
  const namespaceNames = universe
    ? universe.namespaces.map((n) => n.name)
    : Array.from({ length: limits.maxNamespaces }, (_, i) => namespaceName(i));
  return fc.record({
    namespaces: universe
      ? withJumps(fc.tuple(...universe.namespaces.map(() => labels(NAMESPACE_LABEL_POOL))), (all) => [all.map(() => ({}))]).map((all) =>
          universe.namespaces.map((n, i) => ({ name: n.name, labels: all[i] })),
        )
      : namespacesArbitrary({ maxLength: limits.maxNamespaces }),
    nodes: universe ? fc.constant(universe.nodes) : nodesArbitrary({ maxLength: limits.maxNodes }),
    pods: universe
      ? withJumps(
          fc.tuple(
            ...universe.pods.map(() =>
              fc.record(
                { labels: labels(POD_LABEL_POOL), ready: mostly(true, options.notReady ?? true), asReplica: mostly(true, true, 3) },
                { noNullPrototype: true },
              ),
            ),
          ),
          (drafts) => bystanderJumps(drafts, universe),
        )
      : removableArray(podDraft({ ...protocols, hostNetwork: options.hostNetwork, notReady: options.notReady, terminating: options.terminating ?? false }), {
          minLength: 1,
          maxLength: limits.maxPods,
        }),
    services:
      options.services ?? true
        ? removableArray(serviceDraft({ ...protocols, nodePort: options.nodePort, externalTrafficPolicy: options.externalTrafficPolicy ?? false }), {
            minLength: Math.min(options.minServices ?? 0, limits.maxServices),
            maxLength: limits.maxServices,
          })
        : fc.constant([]),
    policies:
      options.policies ?? true
        ? removableArray(policyDraft({ ...protocols, namespaceNames }), { maxLength: limits.maxPolicies })
        : fc.constant([]),
    probes: removableArray(probeDraft({ ...protocols, services: options.services, nodePort: options.nodePort, policies: options.policies }), {
      minLength: 1,
      maxLength: limits.maxProbes,
    }),
  }, { noNullPrototype: true });
}

/** A universe pod's draft at the end of its shrinking: no labels, ready, a replica where it has an original. */
const SHRUNK_POD: UniversePodDraft = { labels: {}, ready: true, asReplica: true };

/**
 * Bigger shrinks of the universe pods' drafts, tried before fast-check's one pod at a time: every
 * pod shrunk at once, then the pods of one namespace at a time. A failure about two pods of one
 * namespace keeps failing when the other namespaces' pods lose their labels; on a settling target
 * each step that still fails waits the shrink deadline, so one step for a namespace saves several.
 */
export function bystanderJumps(drafts: UniversePodDraft[], universe: Universe): UniversePodDraft[][] {
  const shrunkWhere = (shrink: (pod: Pod) => boolean) => drafts.map((d, i) => (shrink(universe.pods[i]) ? { ...SHRUNK_POD } : d));
  return [shrunkWhere(() => true), ...universe.namespaces.map((ns) => shrunkWhere((pod) => pod.namespace === ns.name))];
}

/** The pure second half of clusterCase(): places every draft against the objects before it. */
export function buildClusterCase(draft: ClusterCaseDraft, options: ClusterCaseOptions = {}): ClusterCase {
  const { namespaces, nodes } = draft;
  let pods: Pod[];
  if (options.universe) {
    const drawn = draft.pods as UniversePodDraft[];
    pods = [];
    for (const [i, p] of options.universe.pods.entries()) {
      const original = drawn[i].asReplica ? pods.find((q) => isReplicaOf(p, q)) : undefined;
      pods.push({ ...p, labels: original ? original.labels : drawn[i].labels, ready: drawn[i].ready });
    }
  } else {
    pods = placePods(draft.pods as PodDraft[], namespaces, nodes, options.maxPods ?? DEFAULT_LIMITS.maxPods);
  }
  const services = placeServices(draft.services, pods, namespaces);
  const policies = placePolicies(draft.policies, pods, nodes, namespaces);
  const state: ClusterState = { namespaces, nodes, pods, services, policies };
  const probes = placeProbes(draft.probes, state, { udp: options.udp, sctp: options.sctp });
  // A copy shares nothing with the drafts (which fast-check reuses while shrinking) or the universe,
  // so a consumer may edit a case freely.
  return structuredClone({ state, probes });
}

/** A replica of an earlier pod: the same namespace and the same ports (another name, node and IP). */
function isReplicaOf(pod: Pod, earlier: Pod): boolean {
  return pod.namespace === earlier.namespace && JSON.stringify(pod.ports) === JSON.stringify(earlier.ports);
}

/**
 * Complete, valid cluster states with probes. Narrow with options (no policies, no Services, no
 * hostNetwork, TCP only, ...) or fix the pod universe for a live cluster.
 */
export function clusterCase(options: ClusterCaseOptions = {}): fc.Arbitrary<ClusterCase> {
  if (options.universe && (options.universe.namespaces.length === 0 || options.universe.nodes.length === 0)) {
    throw new Error('a universe needs at least one namespace and one node');
  }
  return clusterCaseDraft(options).map((draft) => buildClusterCase(draft, options));
}
