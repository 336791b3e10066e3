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
}

export type Bench = () => Promise<BenchSection>;
