// What a finished run leaves on disk: per failed property a repro folder (case.yaml, manifests.yaml,
// repro.sh, README.md) with the shrunk case's whole record beside it (record.json, which
// `netprops recheck` re-judges offline), then the reports. The runner returns data; this writes it.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PropertyResult, RunReport } from '../properties/result.ts';
import { RECORD_FILE, type CheckContext } from '../harness/record.ts';
import { writeReports } from './registry.ts';
import { writeRepro } from './repro/repro.ts';


/** What record.json holds: enough to re-judge the record with the current property, and to say where it came from. */
export interface SavedRecord {
  property: string;
  target: string;
  fault?: string;
  seed: number;
  path?: string;
  /** The message the run reported. */
  message: string;
  record: CheckContext;
}

async function writeFailure(report: RunReport, p: PropertyResult, outDir: string, options: RunOutputOptions): Promise<void> {
  const failure = p.failure!;
  const dir = path.join(outDir, 'repro', p.id);
  await writeRepro(dir, {
    property: { id: p.id, statement: p.statement, rule: p.rule },
    failure,
    seed: report.seed,
    path: failure.path ?? '',
    target: report.target,
    ...(report.fault ? { fault: report.fault } : {}),
    ...(options.targetFlags?.length ? { targetFlags: options.targetFlags } : {}),
  });
  failure.reproDir = dir;
  if (!failure.record) return;
  const saved: SavedRecord = {
    property: p.id,
    target: report.target,
    ...(report.fault ? { fault: report.fault } : {}),
    seed: report.seed,
    ...(failure.path ? { path: failure.path } : {}),
    message: failure.message,
    record: failure.record,
  };
  await writeFile(path.join(dir, RECORD_FILE), `${JSON.stringify(saved, null, 2)}\n`);
}

export interface RunOutputOptions {
  /** The command-line words selecting the target's settings (`--cni-conf F`), for a repro's replay commands. */
  targetFlags?: string[];
}

/**
 * Writes every failure's repro and record (setting its reproDir; one already written is left), then
 * the named reporters but the console.
 */
export async function writeRunOutput(report: RunReport, outDir: string, reporters: readonly string[] = [], options: RunOutputOptions = {}): Promise<void> {
  for (const p of report.properties) if (p.failure && !p.failure.reproDir) await writeFailure(report, p, outDir, options);
  const files = reporters.filter((r) => r !== 'console');
  if (files.length > 0) await writeReports(report, outDir, files);
}
