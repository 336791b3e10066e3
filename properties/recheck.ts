// Re-judging saved records offline (Jepsen's stored history, checked again): every record.json under
// the given paths is judged by the current property of its id and the current model, with no target.
// A record that fails now fails `netprops recheck`; once the property (or the model) is fixed, the
// same record passes.
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../cluster/errors.ts';
import { RECORD_FILE, type CheckContext } from '../harness/record.ts';
import { PROPERTIES } from './catalog.ts';
import type { Property } from './property.ts';

export interface RecheckResult {
  file: string;
  property: string;
  /** The message the run reported when it saved the record. */
  savedMessage: string;
  /** The findings of the current property on the record: empty when it holds now. */
  findings: string[];
}

async function recordFiles(p: string): Promise<string[]> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(p);
  } catch (err) {
    throw new UsageError(`cannot read ${p}: ${(err as Error).message}`);
  }
  if (!info.isDirectory()) return [p];
  const found: string[] = [];
  for (const entry of (await readdir(p, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const child = path.join(p, entry.name);
    if (entry.isDirectory()) found.push(...(await recordFiles(child)));
    else if (entry.name === RECORD_FILE) found.push(child);
  }
  return found;
}

function savedRecord(file: string, text: string): { property: string; message: string; record: CheckContext } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file}: not JSON: ${(err as Error).message}`);
  }
  const d = data as { property?: unknown; message?: unknown; record?: { steps?: unknown } };
  if (typeof d.property !== 'string') throw new UsageError(`${file}: field property: must be a property id`);
  if (!Array.isArray(d.record?.steps)) throw new UsageError(`${file}: field record.steps: must be a list of recorded steps`);
  return { property: d.property, message: typeof d.message === 'string' ? d.message : '', record: d.record as CheckContext };
}

/** Judges every saved record under `paths` (files, or directories searched for record.json). */
export async function recheck(paths: string[], catalog: readonly Property[] = PROPERTIES): Promise<RecheckResult[]> {
  const files = (await Promise.all(paths.map(recordFiles))).flat();
  if (files.length === 0) throw new UsageError(`no ${RECORD_FILE} under ${paths.join(', ')}: give the output folder of a failing run (netprops-report)`);
  const results: RecheckResult[] = [];
  for (const file of files) {
    const saved = savedRecord(file, await readFile(file, 'utf8'));
    const property = catalog.find((p) => p.id === saved.property);
    if (!property) throw new UsageError(`${file}: field property: unknown property '${saved.property}'`);
    results.push({ file, property: saved.property, savedMessage: saved.message, findings: property.check(saved.record).map((f) => f.message) });
  }
  return results;
}
