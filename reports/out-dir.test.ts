import { describe, expect, it } from 'vitest';
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UsageError } from '../cluster/errors.ts';
import { exampleRunReport } from './example-run-report.ts';
import { prepareOutDir, writeOutputFile } from './out-dir.ts';
import { writeRepro, type ReproInput } from './repro/repro.ts';
import { writeReports } from './registry.ts';

const fresh = () => mkdtemp(path.join(tmpdir(), 'netprops-out-'));

function input(): ReproInput {
  const p = exampleRunReport().properties[0];
  return { property: { id: p.id, statement: p.statement, rule: p.rule }, failure: p.failure!, seed: p.seed, path: p.failure!.path!, target: 'model' };
}

describe('files a run writes under --out', () => {
  it('a planted repro.sh link is replaced, not written through: its target is unchanged and not made executable', async () => {
    const out = await fresh();
    const victim = path.join(out, 'victim.txt');
    await writeFile(victim, 'precious\n', { mode: 0o644 });
    const dir = path.join(out, 'repro', 'policy-verdicts');
    await mkdir(dir, { recursive: true });
    await symlink(victim, path.join(dir, 'repro.sh'));
    await writeRepro(dir, input());
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
    expect((await stat(victim)).mode & 0o111).toBe(0);
    const written = await lstat(path.join(dir, 'repro.sh'));
    expect(written.isSymbolicLink()).toBe(false);
    expect(written.mode & 0o100).toBe(0o100);
  });

  it('a planted link to a folder where the repro folders go is refused, and nothing is written there', async () => {
    const out = await fresh();
    const elsewhere = await fresh();
    await symlink(elsewhere, path.join(out, 'repro'));
    await expect(writeRepro(path.join(out, 'repro', 'policy-verdicts'), input())).rejects.toThrow(/repro is a symbolic link; netprops does not write through links under --out/);
    await expect(prepareOutDir(out)).rejects.toBeInstanceOf(UsageError);
    expect(await readdir(elsewhere)).toEqual([]);
    expect(await readlink(path.join(out, 'repro'))).toBe(elsewhere);
  });

  it('report files replace a planted link instead of following it', async () => {
    const out = await fresh();
    const victim = path.join(out, 'victim.txt');
    await writeFile(victim, 'precious\n');
    await symlink(victim, path.join(out, 'report.json'));
    await writeReports(exampleRunReport(), out, ['json']);
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
    expect(JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')).runId).toBe(exampleRunReport().runId);
  });

  it('writes atomically: no temporary file is left, and an existing file is replaced whole', async () => {
    const out = await fresh();
    const file = path.join(out, 'junit.xml');
    await writeFile(file, 'old');
    await writeOutputFile(file, 'new');
    expect(await readFile(file, 'utf8')).toBe('new');
    expect(await readdir(out)).toEqual(['junit.xml']);
  });
});

describe('prepareOutDir: the shape of --out is checked before the run', () => {
  it('refuses --out that is a file', async () => {
    const out = path.join(await fresh(), 'file');
    await writeFile(out, '');
    await expect(prepareOutDir(out)).rejects.toThrow(/^--out .*file is not a folder/);
  });

  it('refuses a file where a folder goes, and a folder where a file goes', async () => {
    const a = await fresh();
    await writeFile(path.join(a, 'repro'), '');
    await expect(prepareOutDir(a)).rejects.toThrow(/holds a file repro where netprops writes a folder/);
    const b = await fresh();
    await mkdir(path.join(b, 'report.html'));
    await expect(prepareOutDir(b)).rejects.toThrow(/holds a folder report\.html where netprops writes a file/);
  });

  it("removes an earlier run's repro folders, and keeps a folder holding anything else", async () => {
    const out = await fresh();
    await writeRepro(path.join(out, 'repro', 'old-property'), input());
    await mkdir(path.join(out, 'repro', 'notes'), { recursive: true });
    await writeFile(path.join(out, 'repro', 'notes', 'mine.txt'), 'keep');
    await prepareOutDir(out);
    expect(await readdir(path.join(out, 'repro'))).toEqual(['notes']);
  });

  it('creates a missing --out, and accepts --out that is itself a link to a folder (the user named it)', async () => {
    const base = await fresh();
    await prepareOutDir(path.join(base, 'a', 'b'));
    expect((await stat(path.join(base, 'a', 'b'))).isDirectory()).toBe(true);
    await symlink(path.join(base, 'a', 'b'), path.join(base, 'link'));
    await expect(prepareOutDir(path.join(base, 'link'))).resolves.toBeUndefined();
  });
});
