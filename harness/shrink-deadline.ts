// How long a shrink candidate waits for a disagreeing probe. While searching, a probe that disagrees
// with the model waits the target's full deadline (its CNI profile's, 20 s on the local cells) before
// it counts as stale. Shrinking then asks the same question of every candidate, and a candidate that
// still fails waits the whole deadline: on a real deviation (a probe that never agrees) that is most
// of the time to a shrunk repro. The run itself has measured how fast this cluster converges: the
// probes that had to wait agreed within `slowestWaitedMs` of their change, and a round of first
// attempts took up to `slowestRoundMs`. A candidate waits twice the slowest convergence (at least the
// floor) plus one such round, so its last attempt starts well after the slowest change this cluster
// has shown; never longer than the full deadline. The shrunk case is then re-run at the full deadline
// before it is reported (properties/runner.ts), so a candidate that would have converged given the
// full deadline cannot end up as a repro.

/** The least a shrink candidate waits: a convergence slower than any this run measured still fits. */
export const SHRINK_DEADLINE_FLOOR_MS = 5000;

export interface Convergence {
  /** The slowest time-to-enforce of a probe that had to wait and then agreed (0: none had to). */
  slowestWaitedMs: number;
  /** The slowest first attempt, from the change (0: none made). */
  slowestRoundMs: number;
}

export function shrinkDeadlineMs(fullMs: number, seen: Convergence): number {
  const wait = Math.max(SHRINK_DEADLINE_FLOOR_MS, 2 * seen.slowestWaitedMs) + seen.slowestRoundMs;
  return Math.min(fullMs, Math.ceil(wait));
}
