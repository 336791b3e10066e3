// `netprops gc` for the kernel target: removes what runs whose owner process died left behind
// (SIGKILL, a crash, a power cut of the process). A run is found by its id: its state directory
// under /run/netprops and every namespace named np-<id>-*. Live runs are never touched: their
// owner file names a process that still exists with the same start time.
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { PrerequisiteError } from '../../cluster/errors.ts';
import { deleteNetns, listNetns, netnsPids } from './namespaces.ts';
import { releaseNeighbourTable } from './neighbour-table.ts';
import { isRunId, ownerAlive, RUN_ROOT, runIdOfNetns } from './run.ts';

async function runDirs(): Promise<string[]> {
  try {
    return (await readdir(RUN_ROOT)).filter(isRunId);
  } catch {
    return [];
  }
}

/** Removes every dead run; returns one line per run removed, saying what went. */
export async function gcKernel(): Promise<string[]> {
  const dirs = await runDirs();
  const namespaces = (await listNetns()).filter((n) => runIdOfNetns(n) !== undefined);
  const ids = new Set([...dirs, ...namespaces.map((n) => runIdOfNetns(n)!)]);
  const dead: string[] = [];
  for (const id of ids) {
    // A namespace without a directory is a run that was never claimed or half torn down: dead.
    if (!(await ownerAlive(path.join(RUN_ROOT, id)))) dead.push(id);
  }
  if (dead.length > 0 && process.getuid?.() !== 0) {
    throw new PrerequisiteError(`netprops gc: ${dead.length} dead kernel run(s) (${dead.join(', ')}) need root to remove: run it as root`);
  }
  const removed: string[] = [];
  for (const id of dead.sort()) {
    const mine = namespaces.filter((n) => runIdOfNetns(n) === id);
    // Processes inside the run's namespaces (its agent) hold sockets that keep them alive.
    const pids = new Set<number>();
    for (const ns of mine) for (const pid of await netnsPids(ns)) pids.add(pid);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await deleteNetns(mine);
    await rm(path.join(RUN_ROOT, id), { recursive: true, force: true });
    removed.push(`kernel run ${id}: ${mine.length} namespace(s), ${pids.size} process(es), ${path.join(RUN_ROOT, id)}`);
  }
  // Thresholds a killed run raised go back once no live run needs them (neighbour-table.ts).
  if (process.getuid?.() === 0) await releaseNeighbourTable();
  return removed;
}
