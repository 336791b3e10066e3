import { describe, it, expect } from 'vitest';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { UsageError } from '../cluster/errors.ts';
import { createReporter, REPORTER_NAMES, writeReports } from './registry.ts';
import { exampleRunReport } from './example-run-report.ts';

describe('reporter registry', () => {
  it.each(REPORTER_NAMES)('creates the %s reporter under its own name', (name) => {
    expect(createReporter(name).name).toBe(name);
  });

  it('rejects an unknown name with a UsageError listing the known ones', () => {
    expect(() => createReporter('xml')).toThrow(UsageError);
    expect(() => createReporter('xml')).toThrow("unknown reporter 'xml': use one of console, junit, json, html");
  });

  it('writes every named report, and nothing at all when one name is unknown', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'netprops-reports-'));
    const stream = new PassThrough();
    stream.resume();
    const written = await writeReports(exampleRunReport(), dir, ['console', 'junit', 'json', 'html'], { stream });
    expect(written).toEqual(['-', path.join(dir, 'junit.xml'), path.join(dir, 'report.json'), path.join(dir, 'report.html')]);
    const empty = await mkdtemp(path.join(tmpdir(), 'netprops-reports-'));
    await expect(writeReports(exampleRunReport(), empty, ['json', 'nope'])).rejects.toThrow(UsageError);
    expect(await readdir(empty)).toEqual([]);
  });
});
