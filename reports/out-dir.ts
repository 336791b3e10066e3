// The files a run writes under --out, written so that nothing planted there can be made to change
// anything else: no write follows a symbolic link (a file is written beside its name and renamed
// over it, which replaces a link instead of writing through it; a folder netprops makes inside --out
// must be a real folder), every file appears whole or not at all, and the shape of --out (a file
// where a folder goes, or the reverse) is refused before the run rather than after it. --out itself
// may be a link: the user named it.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../cluster/errors.ts';

/** The files and folders netprops writes directly under --out. */
export const OUT_FILES = ['junit.xml', 'report.json', 'report.html'] as const;
export const OUT_FOLDERS = ['repro', 'cluster-plan'] as const;
/** What a repro folder holds (reports/repro/repro.ts). */
export const REPRO_FOLDER_FILES = ['case.yaml', 'manifests.yaml', 'repro.sh', 'README.md'] as const;

async function lstatOrUndefined(p: string) {
  try {
    return await lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Makes `root` (the user's --out: it may be a link) and the folders `segments` inside it, refusing
 * any of those that is a link or not a folder.
 */
export async function ensureOwnFolders(root: string, ...segments: string[]): Promise<string> {
  await mkdir(root, { recursive: true });
  if (!(await stat(root)).isDirectory()) throw new UsageError(`${root} is a file where netprops writes a folder: remove it or pick another --out`);
  let d = root;
  for (const segment of segments) {
    d = path.join(d, segment);
    const s = await lstatOrUndefined(d);
    if (!s) {
      await mkdir(d).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
      continue;
    }
    if (s.isSymbolicLink()) throw new UsageError(`${d} is a symbolic link; netprops does not write through links under --out: remove it`);
    if (!s.isDirectory()) throw new UsageError(`${d} is a file where netprops writes a folder: remove it or pick another --out`);
  }
  return d;
}

/**
 * Writes `file` atomically without following a link: the content goes to a new file beside it
 * (created exclusively, so nothing planted at that name is opened) and is renamed over `file`.
 */
export async function writeOutputFile(file: string, content: string, mode = 0o644): Promise<void> {
  const existing = await lstatOrUndefined(file);
  if (existing?.isDirectory()) throw new UsageError(`${file} is a folder where netprops writes a file: remove it or pick another --out`);
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temporary, 'wx', mode);
  try {
    await handle.writeFile(content);
    await handle.chmod(mode);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(temporary).catch(() => {});
    throw err;
  }
  await handle.close();
  try {
    await rename(temporary, file);
  } catch (err) {
    await unlink(temporary).catch(() => {});
    throw err;
  }
}

/**
 * Before a run: --out is a folder (or absent), the report files are not folders, the folders are
 * real folders. Then the repro folders an earlier run left are removed (only folders holding nothing
 * but repro files), so the repros there afterwards are this run's alone.
 */
export async function prepareOutDir(outDir: string): Promise<void> {
  try {
    await checkOutDir(outDir);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    // EACCES, ENOTDIR, EROFS...: the user's to fix, in one line.
    throw new UsageError(`cannot write to --out ${outDir}: ${(err as Error).message}`);
  }
}

async function checkOutDir(outDir: string): Promise<void> {
  const out = await lstatOrUndefined(outDir);
  if (out && !(await stat(outDir).catch(() => undefined))?.isDirectory()) {
    throw new UsageError(`--out ${outDir} is not a folder: remove it or pick another --out`);
  }
  await ensureOwnFolders(outDir);
  for (const name of OUT_FILES) {
    const s = await lstatOrUndefined(path.join(outDir, name));
    if (s?.isDirectory()) throw new UsageError(`--out ${outDir} holds a folder ${name} where netprops writes a file: remove it or pick another --out`);
  }
  for (const name of OUT_FOLDERS) {
    const s = await lstatOrUndefined(path.join(outDir, name));
    if (s?.isSymbolicLink()) throw new UsageError(`--out ${outDir}: ${name} is a symbolic link; netprops does not write through links under --out: remove it`);
    if (s && !s.isDirectory()) throw new UsageError(`--out ${outDir} holds a file ${name} where netprops writes a folder: remove it or pick another --out`);
  }
  await removeOldRepros(path.join(outDir, 'repro'));
}

async function removeOldRepros(reproDir: string): Promise<void> {
  const entries = await readdir(reproDir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const folder = path.join(reproDir, e.name);
    const inside = await readdir(folder, { withFileTypes: true });
    const onlyRepro = inside.every((f) => f.isFile() && (REPRO_FOLDER_FILES as readonly string[]).includes(f.name));
    // rm does not follow links; a folder holding anything else is the user's and stays.
    if (onlyRepro) await rm(folder, { recursive: true });
  }
}
