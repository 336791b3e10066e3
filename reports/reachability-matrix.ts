// The reachability matrix of a failure: rows are probe sources, columns destinations with port and
// protocol, each cell what was expected and what was observed. Pure data; html.ts draws it.
import type { Outcome, Verdict } from '../cluster/types.ts';
import type { ProbeRecord } from '../properties/result.ts';
import { probeDestination } from '../cluster/probe-text.ts';
import { formatProbeRef } from '../cluster/probe-ref.ts';

/** What an outcome means for reachability: delivered is allowed; refused, timeout, unreachable are not. */
export type ObservedVerdict = 'allow' | 'deny' | 'unsupported';

export function observedVerdict(outcome: Outcome): ObservedVerdict {
  switch (outcome) {
    case 'delivered':
      return 'allow';
    case 'refused':
    case 'timeout':
    case 'unreachable':
      return 'deny';
    case 'unsupported':
      return 'unsupported';
  }
}

/**
 * mismatch: the observed reachability contradicts a definite expectation;
 * failed: reachability as expected, but the property failed the probe on something else (who answered, which address was seen);
 * undefined: upstream leaves the outcome to the implementation, nothing judged;
 * ok: as expected.
 */
export type CellState = 'mismatch' | 'failed' | 'undefined' | 'ok';

export interface MatrixCell {
  from: string;
  to: string;
  /** The distinct expectations and observations of the probes in this cell (repeated probes share one). */
  expected: Verdict[];
  observed: ObservedVerdict[];
  outcomes: Outcome[];
  state: CellState;
  records: ProbeRecord[];
}

export interface ReachabilityMatrix {
  sources: string[];
  destinations: string[];
  /** cells[i][j] for sources[i] and destinations[j]; undefined where nothing was probed. */
  cells: (MatrixCell | undefined)[][];
}

export function isReachabilityMismatch(r: ProbeRecord): boolean {
  return r.expected !== 'undefined' && observedVerdict(r.observation.outcome) !== r.expected;
}

function cellState(records: ProbeRecord[]): CellState {
  if (records.some(isReachabilityMismatch)) return 'mismatch';
  if (records.some((r) => !r.ok)) return 'failed';
  if (records.every((r) => r.expected === 'undefined')) return 'undefined';
  return 'ok';
}

const distinct = <T>(xs: T[]): T[] => [...new Set(xs)];

export function reachabilityMatrix(records: ProbeRecord[]): ReachabilityMatrix {
  const sources = distinct(records.map((r) => formatProbeRef(r.probe.from))).sort();
  const destinations = distinct(records.map((r) => probeDestination(r.probe))).sort();
  const cells = sources.map((from) =>
    destinations.map((to): MatrixCell | undefined => {
      const here = records.filter((r) => formatProbeRef(r.probe.from) === from && probeDestination(r.probe) === to);
      if (here.length === 0) return undefined;
      return {
        from,
        to,
        expected: distinct(here.map((r) => r.expected)),
        observed: distinct(here.map((r) => observedVerdict(r.observation.outcome))),
        outcomes: distinct(here.map((r) => r.observation.outcome)),
        state: cellState(here),
        records: here,
      };
    }),
  );
  return { sources, destinations, cells };
}
