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
  /** The command-line words selecting the target's settings (`--cni-conf /abs/net.conflist`), added to every replay command. */
  targetFlags?: string[];
}
