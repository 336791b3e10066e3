// Reporters by name, as `--reporter` names them. Unknown names are a usage mistake.
import { UsageError } from '../cluster/errors.ts';
import type { RunReport } from '../properties/result.ts';
import type { Reporter } from './reporter.ts';
import { createConsoleReporter } from './console.ts';
import { createJunitReporter } from './junit.ts';
import { createJsonReporter } from './json.ts';
import { createHtmlReporter } from './html.ts';

export type { Reporter } from './reporter.ts';

export const REPORTER_NAMES = ['console', 'junit', 'json', 'html'] as const;
export type ReporterName = (typeof REPORTER_NAMES)[number];

export interface ReporterOptions {
  /** Where the console reporter writes; stdout when absent. */
  stream?: NodeJS.WritableStream;
}

export function createReporter(name: string, options: ReporterOptions = {}): Reporter {
  switch (name) {
    case 'console':
      return createConsoleReporter(options.stream);
    case 'junit':
      return createJunitReporter();
    case 'json':
      return createJsonReporter();
    case 'html':
      return createHtmlReporter();
    default:
      throw new UsageError(`unknown reporter '${name}': use one of ${REPORTER_NAMES.join(', ')}`);
  }
}

/** Runs the named reporters in order; returns what each wrote ('-' for the console). */
export async function writeReports(
  report: RunReport,
  outDir: string,
  names: readonly string[],
  options: ReporterOptions = {},
): Promise<string[]> {
  const reporters = names.map((n) => createReporter(n, options)); // every name checked before anything is written
  const written: string[] = [];
  for (const r of reporters) written.push(await r.write(report, outDir));
  return written;
}
