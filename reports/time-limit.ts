// What --time-limit cut short in a property's search, in one line for every report: a pass that
// searched fewer cases than asked must not read as a full search, nor a half-shrunk counterexample
// as a minimal one.
import type { PropertyResult } from '../properties/result.ts';

/** One line saying what the time limit cut short, or undefined when it cut nothing. */
export function timeLimitText(p: Pick<PropertyResult, 'status' | 'runs' | 'timeLimit'>): string | undefined {
  if (!p.timeLimit) return undefined;
  const limit = `the time limit (--time-limit ${flagDuration(p.timeLimit.limitMs)})`;
  if (p.status === 'failed') return `${limit} stopped shrinking: the counterexample may not be minimal`;
  return `${limit} stopped the search after ${p.runs} of ${p.timeLimit.runsAsked} runs`;
}

/** The RUNS cell: `7`, or `7 of 200` when the time limit stopped the search. */
export function runsCell(p: Pick<PropertyResult, 'status' | 'runs' | 'timeLimit'>): string {
  return p.timeLimit && p.status !== 'failed' ? `${p.runs} of ${p.timeLimit.runsAsked}` : String(p.runs);
}

/** A duration as --time-limit takes it: `10m`, `90s`, `1500ms`. */
function flagDuration(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
