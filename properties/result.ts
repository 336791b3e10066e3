// What a run of the properties produced, as plain data: the input of every reporter.
import type { Case, Observation, Probe, Verdict } from '../cluster/types.ts';

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
}

export interface RunReport {
  runId: string;
  target: string;
  fault?: string;
  seed: number;
  startedAt: string;
  durationMs: number;
  properties: PropertyResult[];
}
