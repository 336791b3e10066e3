// What the runner hands the repro writer for one failed property.
import type { PropertyFailure } from '../../properties/result.ts';

export interface ReproInput {
  property: { id: string; statement: string; rule: string };
  failure: PropertyFailure;
  seed: number;
  /** fast-check's counterexample path ('' when unknown). */
  path: string;
  target: string;
  fault?: string;
}
