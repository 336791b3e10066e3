// Waiting for enforcement (run by execute.ts for a target that declares settling). A cluster applies Services and NetworkPolicies asynchronously (the CNI
// agent and kube-proxy watch the API), so after a change the harness re-probes every probe that does
// not yet match the reference model's verdict until it does or a deadline passes, and records the
// time each took: no fixed sleep, no poll of unrelated state. At the deadline a disagreement is
// final and classified: a stale allow (denied traffic still got through, a security window) or a
// stale deny (allowed traffic still blocked). The endpoints converge the same way (the EndpointSlice
// controller, then kube-proxy): an allowed probe answered by a pod the model does not name as a
// backend is tried again too, and one still answered so at the deadline is a stale endpoint.
import type { Observation, Outcome, Probe, Verdict } from '../cluster/types.ts';
import { mapWithLimit } from './concurrency-limit.ts';
import { backendKey, type ProbeAttempt, type Staleness } from './record.ts';
import { CHANGE_KINDS, type ChangeKind } from './change-kind.ts';

/** The outcomes a denial may show as (a target's profile declares which of them it uses). */
export type DenialOutcome = Extract<Outcome, 'refused' | 'timeout' | 'unreachable'>;

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface EnforcementInput {
  probes: Probe[];
  /** The reference model's verdict for each probe, same order. 'undefined' is probed once, never waited for. */
  verdicts: Verdict[];
  /** Runs one probe. */
  runOne(probe: Probe): Promise<Observation>;
  /**
   * Runs a round's probes together (a harness that batches them, as the cluster's one exec per
   * source pod), each with the Clock time it completed; when given, runOne and concurrency are unused.
   */
  runRound?(probes: Probe[]): Promise<{ observation: Observation; at: number }[]>;
  /** Probes in flight at once. */
  concurrency: number;
  /** When the change was made (Clock time); time-to-enforce counts from here. */
  changedAt: number;
  deadlineMs: number;
  retryIntervalMs: number;
  /** How this CNI shows a denial (its profile); another failure outcome is a profile violation. */
  deniedAs: readonly DenialOutcome[];
  /**
   * Per probe: whether its predicted denial is NetworkPolicy's (harness/model/policy-denial.ts).
   * Only those are held to `deniedAs`; absent, every predicted denial is.
   */
  policyDenials?: boolean[];
  /**
   * Per probe the model allows: the backends (backendKey) that may answer it. A delivery that names
   * another has not settled yet. Absent (or undefined for a probe): the answer's backend is not waited for.
   */
  backends?: (readonly string[] | undefined)[];
  clock?: Clock;
}


export interface EnforcementResult {
  /** The last observation of each probe: the matching one, or the one at the deadline. */
  observations: Observation[];
  /** Every attempt of each probe, its time counted from the change. */
  attempts: ProbeAttempt[][];
  /** Time from the change to the first matching observation; undefined when it never matched or was not waited for. */
  timeToEnforceMs: (number | undefined)[];
  /** For probes that still disagreed at the deadline. */
  staleness: (Staleness | undefined)[];
  /** Probes denied as predicted but in a way the CNI profile does not declare. */
  profileViolations: number[];
  rounds: number;
}

const FAILURES: readonly Outcome[] = ['refused', 'timeout', 'unreachable'];

/** Whether an observation agrees with a verdict; 'unsupported' and undefined verdicts are not waited for. */
export function agrees(verdict: Verdict, observation: Observation, backends?: readonly string[]): boolean | 'final' {
  if (verdict === 'undefined' || observation.outcome === 'unsupported') return 'final';
  if (verdict === 'allow') {
    if (observation.outcome !== 'delivered') return false;
    return !backends || !observation.backend || backends.includes(backendKey(observation.backend));
  }
  return FAILURES.includes(observation.outcome);
}

export async function awaitEnforcement(input: EnforcementInput): Promise<EnforcementResult> {
  const clock = input.clock ?? realClock;
  const n = input.probes.length;
  if (input.verdicts.length !== n) throw new Error(`${input.verdicts.length} verdicts for ${n} probes`);
  const observations = new Array<Observation>(n);
  const attempts: ProbeAttempt[][] = input.probes.map(() => []);
  const timeToEnforceMs = new Array<number | undefined>(n).fill(undefined);
  const staleness = new Array<Staleness | undefined>(n).fill(undefined);
  let pending = input.probes.map((_, i) => i);
  const deadline = input.changedAt + input.deadlineMs;
  let rounds = 0;
  for (;;) {
    rounds++;
    // Each probe is timed when it completes, so time-to-enforce does not round up to the batch.
    const seen = input.runRound
      ? await input.runRound(pending.map((i) => input.probes[i]))
      : await mapWithLimit(pending, input.concurrency, async (i) => {
          const observation = await input.runOne(input.probes[i]);
          return { observation, at: clock.now() };
        });
    if (seen.length !== pending.length) throw new Error(`a round of ${pending.length} probes returned ${seen.length} observations`);
    const still: number[] = [];
    pending.forEach((i, k) => {
      observations[i] = seen[k].observation;
      attempts[i].push({ observation: seen[k].observation, atMs: Math.max(0, seen[k].at - input.changedAt) });
      const verdict = agrees(input.verdicts[i], seen[k].observation, input.backends?.[i]);
      if (verdict === true) timeToEnforceMs[i] = Math.max(0, seen[k].at - input.changedAt);
      else if (verdict === false) still.push(i);
    });
    pending = still;
    if (pending.length === 0) break;
    if (clock.now() + input.retryIntervalMs >= deadline) {
      for (const i of pending) {
        const delivered = observations[i].outcome === 'delivered';
        staleness[i] = input.verdicts[i] === 'deny' ? 'stale-allow' : delivered ? 'stale-endpoint' : 'stale-deny';
        const seconds = (input.deadlineMs / 1000).toFixed(1);
        const what =
          staleness[i] === 'stale-allow'
            ? 'stale allow: still delivered'
            : staleness[i] === 'stale-endpoint'
              ? 'stale endpoint: still answered by a pod that is no backend'
              : 'stale deny: still not delivered';
        observations[i] = { ...observations[i], detail: [observations[i].detail, `${what} ${seconds}s after the change`].filter(Boolean).join('; ') };
      }
      break;
    }
    await clock.sleep(input.retryIntervalMs);
  }
  const profileViolations = input.probes
    .map((_, i) => i)
    .filter((i) => input.verdicts[i] === 'deny' && (input.policyDenials?.[i] ?? true) && staleness[i] === undefined && FAILURES.includes(observations[i].outcome))
    .filter((i) => !input.deniedAs.includes(observations[i].outcome as DenialOutcome));
  return { observations, attempts, timeToEnforceMs, staleness, profileViolations, rounds };
}

export interface EnforcementSummary {
  count: number;
  p50: number;
  p90: number;
  max: number;
}

/** Summary of time-to-enforce samples (ms): count, p50, p90, max. */
export function enforcementSummary(samples: readonly number[]): EnforcementSummary {
  if (samples.length === 0) return { count: 0, p50: 0, p90: 0, max: 0 };
  const sorted = [...samples].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  return { count: sorted.length, p50: q(0.5), p90: q(0.9), max: sorted[sorted.length - 1] };
}

/**
 * Time-to-enforce samples of the probes that had to wait (their first attempt disagreed with the
 * model and a later one agreed), all of them and by the kind of change their step made (a sample of
 * a step that changed a policy and a pod's labels counts under both kinds). Their enforcement fell
 * between two attempts, so the sample measures the implementation (within a retry interval). A
 * probe that already agreed at its first attempt measures only when the harness got to it: its time
 * is an upper bound, kept apart (`atFirstAttempt`) so it does not pass for the implementation's.
 */
export class EnforcementSamples {
  readonly all: number[] = [];
  readonly byChange = new Map<ChangeKind, number[]>();
  /** When each probe that agreed at its first attempt was answered, from the change. */
  readonly atFirstAttempt: number[] = [];

  /** One probe that agreed: its time from the change, its step's changes, and how many attempts it took. */
  add(ms: number, changes: readonly ChangeKind[], attempts: number): void {
    if (attempts <= 1) {
      this.atFirstAttempt.push(ms);
      return;
    }
    this.all.push(ms);
    for (const kind of changes) {
      let list = this.byChange.get(kind);
      if (!list) this.byChange.set(kind, (list = []));
      list.push(ms);
    }
  }

  addAll(other: EnforcementSamples): void {
    this.all.push(...other.all);
    this.atFirstAttempt.push(...other.atFirstAttempt);
    for (const [kind, list] of other.byChange) {
      const mine = this.byChange.get(kind);
      if (mine) mine.push(...list);
      else this.byChange.set(kind, [...list]);
    }
  }

  atFirstAttemptSummary(): EnforcementSummary {
    return enforcementSummary(this.atFirstAttempt);
  }

  summary(): EnforcementSummary {
    return enforcementSummary(this.all);
  }

  /** Per kind of change with samples, in CHANGE_KINDS order. */
  byChangeSummary(): Partial<Record<ChangeKind, EnforcementSummary>> {
    const out: Partial<Record<ChangeKind, EnforcementSummary>> = {};
    for (const kind of CHANGE_KINDS) {
      const list = this.byChange.get(kind);
      if (list && list.length > 0) out[kind] = enforcementSummary(list);
    }
    return out;
  }
}
