// Cleanup across process deaths: a run killed with SIGKILL mid-case leaves namespaces that
// `netprops gc` must remove without touching live runs; SIGTERM makes a run tear itself down.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createKernelHarness, type KernelHarness } from './harness.ts';
import { DEFAULT_CNI_BIN_DIRS } from './cni-config.ts';
import { gcKernel } from './gc.ts';
import { listNetns } from './namespaces.ts';
import { missingPrerequisites } from './prerequisites.ts';
import { RUN_ROOT } from './run.ts';
import { pod, state, toPod } from './kernel-test-state.ts';

const missing = await missingPrerequisites({ binDirs: DEFAULT_CNI_BIN_DIRS, plugins: ['bridge', 'host-local'] });
const title = missing.length === 0 ? 'kernel run cleanup' : `kernel run cleanup (skipped: needs ${missing.join('; ')})`;

const here = path.dirname(fileURLToPath(import.meta.url));
const children: ChildProcess[] = [];
const open: KernelHarness[] = [];

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const h of open.splice(0)) await h.teardown();
});

/** A separate process that applies a case, says its run id, and probes in a loop until killed. */
async function startRun(): Promise<{ child: ChildProcess; runId: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'netprops-victim-'));
  const script = path.join(dir, 'victim.mts');
  const url = (f: string) => JSON.stringify(new URL(`file://${path.join(here, f)}`).href);
  await writeFile(
    script,
    `import { createKernelHarness } from ${url('harness.ts')};
import { pod, state, toPod } from ${url('kernel-test-state.ts')};
const h = await createKernelHarness();
await h.apply(state({ pods: [pod('a', 1, 5), pod('b', 2, 7)] }));
console.log('READY ' + h.runId);
// Two at once, so that a signal finds one operation running and one queued behind it.
for (;;) await Promise.all([h.probe([toPod('a', 'b'), toPod('a', 'b', 81)]), h.probe([toPod('b', 'a')])]);
`,
  );
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx/esm'), script], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const runId = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (l) => l.startsWith('READY ') && resolve(l.slice(6)));
    child.on('exit', (code) => reject(new Error(`victim exited ${code} before it was ready`)));
  });
  return { child, runId };
}

const exited = (c: ChildProcess) => new Promise<number | null>((r) => c.once('exit', (code, signal) => r(code ?? (signal ? 128 : null))));
const netnsOf = async (id: string) => (await listNetns()).filter((n) => n.startsWith(`np-${id}-`));

describe.skipIf(missing.length > 0)(title, () => {
  it('gc removes every namespace and the directory of a run killed with SIGKILL mid-case, and leaves a live run alone', async () => {
    const live = await createKernelHarness();
    open.push(live);
    await live.apply(state({ pods: [pod('a', 1, 5), pod('b', 2, 7)] }));
    const liveId = live.runId!;

    const { child, runId } = await startRun();
    const gone = exited(child);
    child.kill('SIGKILL');
    await gone;
    // What SIGKILL leaves: namespaces and state nobody will tear down.
    expect((await netnsOf(runId)).length).toBeGreaterThan(0);
    expect(existsSync(path.join(RUN_ROOT, runId))).toBe(true);

    const removed = await gcKernel();
    expect(removed.some((line) => line.includes(runId))).toBe(true);
    expect(removed.some((line) => line.includes(liveId))).toBe(false);
    expect(await netnsOf(runId)).toEqual([]);
    expect(existsSync(path.join(RUN_ROOT, runId))).toBe(false);

    // The live run still works, and a second gc finds nothing more of it to remove.
    const [o] = await live.probe([toPod('a', 'b')]);
    expect(o.outcome).toBe('delivered');
    expect((await gcKernel()).some((line) => line.includes(liveId))).toBe(false);
  });

  it('a run that gets SIGTERM tears itself down and exits 143, even with operations queued', async () => {
    const { child, runId } = await startRun();
    const code = exited(child);
    child.kill('SIGTERM');
    expect(await code).toBe(143);
    expect(await netnsOf(runId)).toEqual([]);
    expect(existsSync(path.join(RUN_ROOT, runId))).toBe(false);
  });

  it('teardown removes everything the run made and may be called twice', async () => {
    const h = await createKernelHarness();
    await h.apply(state({ pods: [pod('a', 1, 5), pod('b', 2, 7)] }));
    const id = h.runId!;
    expect((await netnsOf(id)).length).toBe(5); // underlay, two nodes, two pods
    await h.teardown();
    await h.teardown();
    expect(await netnsOf(id)).toEqual([]);
    expect(existsSync(path.join(RUN_ROOT, id))).toBe(false);
  });
});
