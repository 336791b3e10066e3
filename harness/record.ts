// The record of running a case, as plain data (Jepsen's history): what was asked, what the target
// realized, every probe attempt with its time, and what settling found (time-to-enforce, stale
// allows and denies). JSON in, JSON out: a record saved beside a repro is re-judged offline by
// `netprops recheck`. The reference model is not stored: it is a pure function of the realized
// state, rebuilt where a judgement needs it (modelOf).
import type { ClusterState, Observation, Probe, ProbeSource } from '../cluster/types.ts';
import { buildModel, type ReferenceModel } from './model/model.ts';
import type { ChangeKind } from './change-kind.ts';

/** A Service name looked up through a pod's (or a node's) resolver: `<name>.<namespace>.svc`. */
export interface ServiceLookup {
  from: ProbeSource;
  service: { namespace: string; name: string };
}

/** One state to apply and the probes to run on it. Most properties have one step; metamorphic ones two. */
export interface Step {
  state: ClusterState;
  probes: Probe[];
  /** Service names to resolve after the probes (needs 'dns'). */
  lookups?: ServiceLookup[];
}

/** What is run on a target, in order: apply each step's state, then run its probes. */
export interface PropertyCase {
  steps: Step[];
}

/** One try of one probe: what it observed, and when (ms after the step's state was applied). */
export interface ProbeAttempt {
  observation: Observation;
  atMs: number;
}

/**
 * A disagreement with the model still there at the settling deadline: a denied probe delivered, an
 * allowed one not, or an allowed one answered by a pod that is not among the Service's endpoints.
 */
export type Staleness = 'stale-allow' | 'stale-deny' | 'stale-endpoint';

/** A backend as observations and the model's deliveries name it: namespace/name:port. */
export const backendKey = (b: { namespace: string; name: string; port: number }): string => `${b.namespace}/${b.name}:${b.port}`;

/** One step as it happened. */
export interface StepRun {
  /** The state as the property asked for it: what a repro's case file holds. */
  requested: ClusterState;
  /** The state as the target realized it (its pod IPs, its ClusterIPs). */
  state: ClusterState;
  /** podKey -> the address the pod has on its own interface. */
  interfaceIPs: Record<string, string>;
  /** The probes as the property asked for them, in the case's addresses: what a repro's case file holds. */
  requestedProbes: Probe[];
  /**
   * The probes as sent: `ip:` targets (pod IPs, node IPs and nodePorts, ClusterIPs) re-expressed in the
   * addresses the target realized, so they read against `state`. Same order.
   */
  probes: Probe[];
  /** One per probe, same order: the last attempt's observation. */
  observations: Observation[];
  /** One per probe: every attempt, in order (one, unless the target settles asynchronously). */
  attempts: ProbeAttempt[][];
  /**
   * What the step's apply changed on the target, by kind (harness/change-kind.ts): what its
   * time-to-enforce samples are reported under. Absent in records written before it existed.
   */
  changes?: ChangeKind[];
  /** One per probe: ms from the apply to the first attempt agreeing with the model; null when never or not waited for. */
  timeToEnforceMs: (number | null)[];
  /** One per probe: null, or how it still disagreed with the model at the settling deadline. */
  stale: (Staleness | null)[];
  /** Probes denied as the model says, but in a way the target's declared profile does not allow (a REFUSED where it declares TIMEOUT). */
  profileViolations: number[];
  /** The step's Service lookups ([] when it has none). */
  lookups: ServiceLookup[];
  /** One per lookup, same order: the IPv4 addresses the resolver answered, sorted ([] for no record). */
  answers: string[][];
  /** One per lookup: why it gave no address, in the resolver's words (NXDOMAIN, `dig exited 9: ...`), else null. Absent in older records. */
  unanswered?: (string | null)[];
}

/** The record of one case: its steps, in order. */
export interface CheckContext {
  steps: StepRun[];
}

/** The file a run saves beside each repro: the shrunk case's record, which `netprops recheck` re-judges. */
export const RECORD_FILE = 'record.json';

const models = new WeakMap<ClusterState, ReferenceModel>();

/** The reference model (never faulty) on the state a step realized; built once per state object. */
export function modelOf(run: Pick<StepRun, 'state'>): ReferenceModel {
  let model = models.get(run.state);
  if (!model) {
    model = buildModel(run.state);
    models.set(run.state, model);
  }
  return model;
}

/** A step as run on a target that answers at once: each probe tried once, at the apply. */
export function settledStep(fields: {
  requested?: ClusterState;
  state: ClusterState;
  interfaceIPs?: Record<string, string>;
  requestedProbes?: Probe[];
  probes: Probe[];
  observations: Observation[];
  lookups?: ServiceLookup[];
  answers?: string[][];
}): StepRun {
  return {
    requested: fields.requested ?? fields.state,
    state: fields.state,
    interfaceIPs: fields.interfaceIPs ?? {},
    requestedProbes: fields.requestedProbes ?? fields.probes,
    probes: fields.probes,
    observations: fields.observations,
    attempts: fields.observations.map((observation) => [{ observation, atMs: 0 }]),
    timeToEnforceMs: fields.observations.map(() => null),
    stale: fields.observations.map(() => null),
    profileViolations: [],
    lookups: fields.lookups ?? [],
    answers: fields.answers ?? [],
  };
}
