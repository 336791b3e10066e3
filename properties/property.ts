// The shape of a property: one invariant of the Kubernetes network model, judged from what a harness
// observed. A property never knows which harness produced the observations (Jepsen's checker never
// knows the client); it sees plain data (harness/record.ts) and, for checks against a prediction,
// the reference model rebuilt on the APPLIED state with no fault (modelOf).
import type fc from 'fast-check';
import type { Observation, Verdict } from '../cluster/types.ts';
import type { Capability } from '../harness/harness.ts';
import { modelOf, type CheckContext, type PropertyCase } from '../harness/record.ts';
import type { Universe } from '../generators/cluster.ts';

export type { CheckContext, PropertyCase, ServiceLookup, Step, StepRun } from '../harness/record.ts';

/** What the runner tells a property's generator about the target, so it draws only what can be run. */
export interface CaseOptions {
  capabilities: ReadonlySet<Capability>;
  /**
   * The run's pod universe (the live-cluster target, where pods cost seconds): cases keep these
   * namespaces, nodes and pods and vary only labels, readiness, Services, policies and probes.
   */
  universe?: Universe;
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
   * The probes a case must make for this check to find the same about these findings again (as
   * ProbeRefs into the run; properties/focus.ts): a finding judged from its own probes alone names them, one judged
   * against others (a one-way pair) adds those. Shrinking on a settling target then makes only these
   * probes of the last failing case (a passing candidate costs one short round instead of every
   * probe); the shrunk case is re-run with all of them before it is reported. Absent: every
   * candidate makes every probe.
   */
  focus?(ctx: CheckContext, findings: Finding[]): ProbeRef[];
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
      if (judgeable(modelOf(run).predict(probe).verdict, run.observations[i])) n++;
    });
    n += run.lookups.length;
  }
  return n;
}
