// The shape every reporter has: a name, and a function from a finished run to what a person or a
// tool reads. A reporter is a pure rendering of the RunReport plus one write.
import type { RunReport } from '../properties/result.ts';

export interface Reporter {
  readonly name: string;
  /** Writes the report under outDir (created if missing) and returns the file written; '-' for a stream. */
  write(report: RunReport, outDir: string): Promise<string>;
}
