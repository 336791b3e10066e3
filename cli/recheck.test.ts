// `netprops recheck`: the records a failing run saved are re-judged offline with the same verdict;
// a record fails until the property that judged it is fixed, then it holds.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from './main.ts';
import { runProperties } from '../properties/runner.ts';
import { recheck } from '../properties/recheck.ts';
import { policyVerdicts } from '../properties/policy-verdicts.ts';
import type { Property } from '../properties/property.ts';
import { writeRunOutput } from '../reports/run-output.ts';

async function run(args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  try {
    return { code: await main(args), out: out.join('') };
  } finally {
    o.mockRestore();
  }
}

describe('netprops recheck', () => {
  it('re-judges the record of a failing run offline and reaches the same verdict: exit 1', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'netprops-recheck-'));
    const report = await runProperties({ target: 'model', properties: ['policy-verdicts'], runs: 200, seed: 1, fault: 'ignore-egress' });
    const failure = report.properties[0].failure!;
    await writeRunOutput(report, dir);
    const [result] = await recheck([dir]);
    expect(result.property).toBe('policy-verdicts');
    expect(result.findings.length).toBeGreaterThan(0);
    expect(failure.message.startsWith(result.findings[0])).toBe(true);
    const { code, out } = await run(['recheck', dir]);
    expect(code).toBe(1);
    expect(out).toContain('1 record: 1 failing, 0 holding');
  });

  it('exits 0 once the property that judged the record is fixed', async () => {
    // A property with a bug: it expects the model's opposite verdict on isolated pods' ingress.
    const buggy: Property = { ...policyVerdicts, id: 'policy-verdicts', check: (ctx) => policyVerdicts.check({ steps: ctx.steps.map((s) => ({ ...s, observations: s.observations.map((o) => (o.outcome === 'delivered' ? { ...o, outcome: 'refused' } : { ...o, outcome: 'delivered' })) })) }) };
    const dir = await mkdtemp(path.join(tmpdir(), 'netprops-recheck-'));
    const report = await runProperties({ target: 'model', properties: ['policy-verdicts'], runs: 50, seed: 1, catalog: [buggy] });
    expect(report.properties[0].status).toBe('failed');
    await writeRunOutput(report, dir);
    expect((await recheck([dir], [buggy]))[0].findings.length).toBeGreaterThan(0);
    expect((await recheck([dir], [policyVerdicts]))[0].findings).toEqual([]);
    const { code, out } = await run(['recheck', dir]);
    expect(code).toBe(0);
    expect(out).toMatch(/policy-verdicts holds now/);
  });

  it('a folder without records, or a record that is not JSON, is one usage line: exit 2', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'netprops-recheck-'));
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect((await run(['recheck', dir])).code).toBe(2);
      await writeFile(path.join(dir, 'record.json'), '{ not json');
      expect((await run(['recheck', dir])).code).toBe(2);
      expect(String(err.mock.calls.at(-1)![0])).toMatch(/record\.json: not JSON/);
    } finally {
      err.mockRestore();
    }
    expect(await readFile(path.join(dir, 'record.json'), 'utf8')).toBe('{ not json');
  });
});
