import { describe, it, expect } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createJsonReporter } from './json.ts';
import { exampleRunReport } from './example-run-report.ts';

describe('JSON reporter', () => {
  it('writes report.json that parses back to the same RunReport', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'netprops-json-'));
    const report = exampleRunReport();
    const file = await createJsonReporter().write(report, dir);
    expect(path.basename(file)).toBe('report.json');
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(report);
  });
});
