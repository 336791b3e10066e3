// The neighbour table's thresholds against a stand-in /proc/sys folder and run root: raised only
// when lower than a run needs, given back only when no live run needs them and only if netprops'
// value is still there.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mesh } from './kernel-test-state.ts';

const root = await mkdtemp(path.join(tmpdir(), 'netprops-neigh-'));
const sysctl = path.join(root, 'sys');
const runs = path.join(root, 'runs');
process.env.NETPROPS_RUN_ROOT = runs;
process.env.NETPROPS_NEIGH_SYSCTL_DIR = sysctl;
const { neighbourEntriesNeeded, releaseNeighbourTable, sizeNeighbourTable, thresholdsFor } = await import('./neighbour-table.ts');
const { processStartTime } = await import('./run.ts');

const value = async (key: string) => Number((await readFile(path.join(sysctl, key), 'utf8')).trim());
const set = (key: string, n: number) => writeFile(path.join(sysctl, key), `${n}\n`);

/** A run directory whose owner is alive (this process) or dead (a process that has exited). */
async function runDir(id: string, alive: boolean): Promise<string> {
  const dir = path.join(runs, id);
  await mkdir(dir, { recursive: true });
  const pid = alive ? process.pid : Number(spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim());
  await writeFile(path.join(dir, 'owner'), `${pid} ${alive ? processStartTime(pid) : 'gone'}\n`);
  return dir;
}

/** What a run's teardown does: give back, then remove its directory. */
async function leave(dir: string): Promise<void> {
  await releaseNeighbourTable(dir);
  await rm(dir, { recursive: true, force: true });
}

beforeAll(async () => {
  await mkdir(sysctl, { recursive: true });
  await mkdir(runs, { recursive: true });
});
beforeEach(async () => {
  await set('gc_thresh2', 512);
  await set('gc_thresh3', 1024);
  await writeFile(path.join(runs, 'neighbour-table.json'), '{}');
});

describe('neighbour table sizing', () => {
  it('needs more than Debian\'s 1024 entries for 60 pods on 3 nodes, and over 5,000 for 120', () => {
    expect(neighbourEntriesNeeded(mesh(3, 20))).toBeGreaterThan(1024);
    expect(neighbourEntriesNeeded(mesh(3, 40))).toBeGreaterThan(5000);
    expect(neighbourEntriesNeeded(mesh(3, 2))).toBeLessThan(100);
  });

  it('raises gc_thresh2/3 only when lower than the run needs, and restores them when the run leaves', async () => {
    const dir = await runDir('aaaaa1', true);
    const small = await sizeNeighbourTable(dir, mesh(3, 2));
    expect(small).toEqual([]); // 1024 is plenty
    const state = mesh(3, 40);
    const lines = await sizeNeighbourTable(dir, state);
    expect(lines).toHaveLength(2);
    const { floor } = thresholdsFor(neighbourEntriesNeeded(state), 0);
    expect(await value('gc_thresh3')).toBeGreaterThan(2 * floor);
    expect(await value('gc_thresh2')).toBeGreaterThan(floor);
    await leave(dir);
    expect(await value('gc_thresh3')).toBe(1024);
    expect(await value('gc_thresh2')).toBe(512);
  });

  it('never lowers a threshold that is already high enough, and then has nothing to restore', async () => {
    await set('gc_thresh3', 100_000);
    await set('gc_thresh2', 50_000);
    const dir = await runDir('aaaaa2', true);
    expect(await sizeNeighbourTable(dir, mesh(3, 40))).toEqual([]);
    await leave(dir);
    expect(await value('gc_thresh3')).toBe(100_000);
    expect(await value('gc_thresh2')).toBe(50_000);
  });

  it('keeps what another live run still needs when one leaves, and restores the original after the last', async () => {
    const big = await runDir('bbbbb1', true);
    const small = await runDir('bbbbb2', true);
    await sizeNeighbourTable(big, mesh(3, 40));
    const raised = await value('gc_thresh3');
    await sizeNeighbourTable(small, mesh(3, 20)); // needs less than is set: changes nothing
    expect(await value('gc_thresh3')).toBe(raised);
    await leave(small);
    expect(await value('gc_thresh3')).toBe(raised);
    await leave(big);
    expect(await value('gc_thresh3')).toBe(1024);
  });

  it('after the bigger run leaves first, keeps what the smaller one asked for', async () => {
    const big = await runDir('ccccc1', true);
    const small = await runDir('ccccc2', true);
    await sizeNeighbourTable(small, mesh(3, 20));
    const smallNeed = await value('gc_thresh3');
    await sizeNeighbourTable(big, mesh(3, 40));
    expect(await value('gc_thresh3')).toBeGreaterThan(smallNeed);
    await leave(big);
    expect(await value('gc_thresh3')).toBe(smallNeed);
    await leave(small);
    expect(await value('gc_thresh3')).toBe(1024);
  });

  it("leaves a threshold someone else changed since netprops raised it, and a dead run's need counts for nothing (gc)", async () => {
    const dir = await runDir('ddddd1', true);
    await sizeNeighbourTable(dir, mesh(3, 40));
    await set('gc_thresh2', 7777);
    await leave(dir);
    expect(await value('gc_thresh2')).toBe(7777);
    expect(await value('gc_thresh3')).toBe(1024);

    const dead = await runDir('ddddd2', false);
    await sizeNeighbourTable(dead, mesh(3, 40));
    expect(await value('gc_thresh3')).toBeGreaterThan(1024);
    await releaseNeighbourTable(); // what gc does: the dead run's need does not count
    expect(await value('gc_thresh3')).toBe(1024);
    await rm(dead, { recursive: true, force: true });
  });
});
