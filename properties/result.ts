// What a run of the properties produced, as plain data: the input of every reporter.
import type { Case, Observation, Probe, Verdict } from '../cluster/types.ts';
import type { CheckContext } from '../harness/record.ts';
import type { ChangeKind } from '../harness/change-kind.ts';
import type { EnforcementSummary } from '../harness/enforcement.ts';

export interface ProbeRecord {
  probe: Probe;
  /** What the network model says (the reference model's verdict, or the property's own rule). */
  expected: Verdict;
  observation: Observation;
  ok: boolean;
}

export interface PropertyFailure {
  message: string;
  /** The shrunk counterexample, as a case file would hold it (probes carry the expectation). */
  counterexample: Case;
  /** Every probe of the counterexample, with what was expected and observed. */
  probes: ProbeRecord[];
  /** Where the repro was written (case.yaml, manifests.yaml, repro.sh, README.md). */
  reproDir?: string;
  /** fast-check's replay path, with the seed. */
  path?: string;
  shrinks?: number;
  /**
   * How long each shrink candidate waited for a disagreeing probe, when shorter than the target's own
   * deadline (harness/shrink-deadline.ts); the reported case was re-run at the full deadline.
   */
  shrinkDeadlineMs?: number;
  /** The shrunk case's whole record (every step, attempt and lookup): saved beside the repro, re-judged by `netprops recheck`. */
  record?: CheckContext;
}

/**
 * What waiting for an asynchronous target found over a property's runs (targets that declare
 * settling: a live cluster). Time-to-enforce counts from the apply to the first attempt agreeing
 * with the model, over the probes that had to wait (a first attempt that disagreed): those measure
 * the implementation. A stale allow is denied traffic still delivered at the deadline (a security window).
 */
export interface SettlingSummary {
  timeToEnforceMs: EnforcementSummary;
  /**
   * The probes that already agreed at their first attempt, and when that attempt was answered from
   * the change: an upper bound on their time to enforce, set by how soon the harness got to them
   * (absent from reports written before 2026-12-06, which counted these in timeToEnforceMs).
   */
  agreedAtFirstAttemptMs?: EnforcementSummary;
  /**
   * The same, by what the probe's step changed (harness/change-kind.ts): a policy, pod labels,
   * namespace labels, readiness, Services, pods. A step that changed several kinds counts under each.
   */
  timeToEnforceByChangeMs?: Partial<Record<ChangeKind, EnforcementSummary>>;
  staleAllow: number;
  staleDeny: number;
  /** Allowed probes still answered at the deadline by a pod that is no backend of the Service. */
  staleEndpoint: number;
  profileViolations: number;
  /** Probe attempts made, retries included. */
  attempts: number;
  /**
   * The first few stale probes, each in a line naming the run (and its --path), the step, the probe
   * and what it still observed at the deadline: where to start triaging a count.
   */
  staleExamples?: string[];
  /** The first few profile violations, in the same words: a denial the CNI profile does not name. */
  profileViolationExamples?: string[];
}

export interface PropertyResult {
  id: string;
  statement: string;
  rule: string;
  /** `vacuous`: every run judged nothing (no probe made, or none whose verdict upstream defines), so nothing was tested. */
  status: 'passed' | 'failed' | 'skipped' | 'vacuous';
  runs: number;
  /** Observations judged over the runs of the search (probes, lookups; shrinking not counted). */
  judged: number;
  durationMs: number;
  seed: number;
  skipReason?: string;
  /** Why nothing was judged, for a vacuous property. */
  vacuousReason?: string;
  failure?: PropertyFailure;
  /** fast-check statistics (label -> share of runs, 0..1), when --stats asked for them. */
  stats?: Record<string, number>;
  /** On a target that settles asynchronously: what waiting for it found over the runs. */
  settling?: SettlingSummary;
  /**
   * When --time-limit cut the property short: a pass then searched `runs` of `runsAsked` cases, a
   * failure's shrinking stopped early (its counterexample may not be minimal).
   */
  timeLimit?: { limitMs: number; runsAsked: number };
}

export interface RunReport {
  runId: string;
  target: string;
  fault?: string;
  seed: number;
  startedAt: string;
  durationMs: number;
  properties: PropertyResult[];
  /** On a target that settles asynchronously: what waiting for it found over the whole run. */
  settling?: SettlingSummary;
}
