// The shape of a property: one invariant of the Kubernetes network model, judged from what a harness
// observed. A property never knows which harness produced the observations (Jepsen's checker never
// knows the client); it sees plain data and, for checks against a prediction, the reference model
// built on the APPLIED state with no fault.
import type fc from 'fast-check';
import type { ClusterState, Observation, Probe, ProbeSource, Verdict } from '../cluster/types.ts';
import type { Capability } from '../harness/harness.ts';
import type { ReferenceModel } from '../harness/model/model.ts';
import type { Universe } from '../generators/cluster.ts';

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

/** What a property asks the harness to do, in order: apply each step's state, then run its probes. */
export interface PropertyCase {
  steps: Step[];
}

/** What the runner tells a property's generator about the target, so it draws only what can be run. */
export interface CaseOptions {
  capabilities: ReadonlySet<Capability>;
  /**
   * The run's pod universe (the live-cluster target, where pods cost seconds): cases keep these
   * namespaces, nodes and pods and vary only labels, readiness, Services, policies and probes.
   */
  universe?: Universe;
}

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
   * addresses the target realized, so they read against `state` and `model`. Same order.
   */
  probes: Probe[];
  /** One per probe, same order. */
  observations: Observation[];
  /** The step's Service lookups ([] when it has none). */
  lookups: ServiceLookup[];
  /** One per lookup, same order: the IPv4 addresses the resolver answered, sorted ([] for no record). */
  answers: string[][];
  /** The reference model on `state`, never faulty. */
  model: ReferenceModel;
}

export interface CheckContext {
  steps: StepRun[];
}

/** A probe a finding is about: which step, which probe of it. */
export interface ProbeRef {
  step: number;
  probe: number;
}

/** One violation of the invariant, in a sentence, with the probes that show it. */
export interface Finding {
  message: string;
  probes: ProbeRef[];
}

export interface Property {
  /** Kebab-case, stable: used on the command line and in report paths. */
  id: string;
  /** The invariant in one line. */
  statement: string;
  /** The upstream rule it encodes, in our own words, with where it is written. */
  rule: string;
  needs: Capability[];
  cases(options: CaseOptions): fc.Arbitrary<PropertyCase>;
  /** Empty when the invariant holds. Probes the model leaves undefined are never judged. */
  check(ctx: CheckContext): Finding[];
  /**
   * The outcome classes this property can see (e.g. 'allowed', 'denied'); `classify` says which a
   * run saw. `netprops run --stats` reports their shares; a test asks each to be >= 10% of runs.
   */
  outcomes: string[];
  classify(ctx: CheckContext): string[];
  /**
   * How many observations this run's check judged; judgedProbes() when absent (probes the target
   * made whose verdict upstream defines, and Service lookups). A property whose runs all judged
   * nothing is reported vacuous, never passed: it would claim what was never tested.
   */
  judged?(ctx: CheckContext): number;
  /**
   * The property compares the target with the reference model: on the conformant model itself it
   * would compare the model with itself, so it is skipped there.
   */
  comparesWithModel?: boolean;
}

/** Whether an observation counts as the connection being allowed. */
export const observedAllowed = (o: Observation): boolean => o.outcome === 'delivered';

/** A verdict the suite may judge: upstream defines it, and the target could make the probe. */
export const judgeable = (verdict: Verdict, o: Observation): verdict is 'allow' | 'deny' =>
  verdict !== 'undefined' && o.outcome !== 'unsupported';

/** The default count of what a run judged: each probe made whose verdict upstream defines, and each Service lookup. */
export function judgedProbes(ctx: CheckContext): number {
  let n = 0;
  for (const run of ctx.steps) {
    run.probes.forEach((probe, i) => {
      if (judgeable(run.model.predict(probe).verdict, run.observations[i])) n++;
    });
    n += run.lookups.length;
  }
  return n;
}
