// The shape of a benchmark: each bench/*.bench.ts exports `bench()` returning one section of rows.
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  /** The target, as text (e.g. "< 1000 ms"), when the issue sets one. */
  target?: string;
  /** Whether the measured value meets the target; absent when there is none. */
  met?: boolean;
}

export interface BenchSection {
  title: string;
  rows: BenchRow[];
  /** Rows that could not be measured here, with the reason (e.g. "needs root"). */
  skipped?: string;
  /** A table of its own, for figures with one row per configuration (the cluster bench's cells). */
  table?: { header: string[]; rows: string[][] };
  /** Lines printed under the table: seeds, failures, where the reports are. */
  notes?: string[];
}

/** `--name value` options from the command line (`npm run bench -- kernel --pods 300`). */
export type BenchOptions = Record<string, string>;

export type Bench = (options: BenchOptions) => Promise<BenchSection>;

/** A comma-separated list of positive integers, or `fallback` when the option is absent. */
export function sizesOption(options: BenchOptions, name: string, fallback: number[]): number[] {
  const text = options[name];
  if (text === undefined) return fallback;
  const sizes = text.split(',').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`--${name} takes positive integers separated by commas, not '${text}'`);
  return sizes;
}
