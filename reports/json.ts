// The RunReport as JSON, unchanged: the form other tools (and a later rerun of the reporters) read.
import { mkdir } from 'node:fs/promises';
import { writeOutputFile } from './out-dir.ts';
import path from 'node:path';
import type { Reporter } from './reporter.ts';

export const JSON_REPORT_FILE = 'report.json';

export function createJsonReporter(): Reporter {
  return {
    name: 'json',
    async write(report, outDir) {
      await mkdir(outDir, { recursive: true });
      const file = path.join(outDir, JSON_REPORT_FILE);
      await writeOutputFile(file, JSON.stringify(report, null, 2) + '\n');
      return file;
    },
  };
}
