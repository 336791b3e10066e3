// The kernel's IPv4 neighbour (ARP) table is one table for the whole machine: entries of every
// network namespace count against net.ipv4.neigh.default.gc_thresh3 (writable only from the root
// namespace; Debian's default is 1024). A kernel run makes many namespaces that all talk to each
// other: on a bridge, every pod resolves every pod of its node it reaches, so 60 pods on 3 nodes
// already need more than 1024 entries, and past gc_thresh3 the kernel refuses new ones ("neighbour
// table overflow") and probes time out. So a run sizes the table for its state before wiring pods:
// it only ever raises gc_thresh2/gc_thresh3 (never lowers them), and gives back only what netprops
// changed, once no live run still needs it:
//   /run/netprops/neighbour-table.json  what each threshold was before netprops first raised it, and
//                                       the value netprops last wrote;
//   /run/netprops/<id>/neighbour-need   what that run asked for.
// A run leaving (teardown, or gc after a killed run) sets each threshold to the largest of its
// original value and what the other live runs asked for, and only if it still holds the value
// netprops wrote: a value someone else changed meanwhile is theirs, and the record of it is dropped.
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClusterState } from '../../cluster/types.ts';
import { isRunId, ownerAlive, RUN_ROOT } from './run.ts';

/** The thresholds a run may raise, as /proc/sys paths. */
export const GC_THRESHOLDS = ['gc_thresh2', 'gc_thresh3'] as const;
export type GcThreshold = (typeof GC_THRESHOLDS)[number];

const SYSCTL_DIR = process.env.NETPROPS_NEIGH_SYSCTL_DIR ?? '/proc/sys/net/ipv4/neigh/default';
const RECORD = path.join(RUN_ROOT, 'neighbour-table.json');
const NEED_FILE = 'neighbour-need';
/** Room for the machine's other entries (its own interfaces, containers beside the run). */
const HEADROOM = 1024;

type Record_ = Partial<Record<GcThreshold, { original: number; set: number }>>;

/**
 * Entries the state's namespaces may hold at once: each pod resolves the pods of its node and its
 * gateway ((p + 1)^2 per node of p pods, the bridge case; a ptp pod needs only its gateway), each
 * node its own pods and the other nodes.
 */
export function neighbourEntriesNeeded(state: ClusterState): number {
  const perNode = new Map<string, number>(state.nodes.map((n) => [n.name, 0]));
  for (const p of state.pods) if (!p.hostNetwork) perNode.set(p.nodeName, (perNode.get(p.nodeName) ?? 0) + 1);
  let entries = 0;
  for (const pods of perNode.values()) entries += (pods + 1) ** 2 + pods + state.nodes.length;
  return entries;
}

/**
 * For `entries` more entries beside the `present` ones: the floor each threshold must not be below
 * (past gc_thresh2 the kernel starts evicting, past gc_thresh3 it refuses), and the value a
 * threshold below its floor is raised to (with headroom; thresh3 twice thresh2, as Debian's are).
 */
export function thresholdsFor(entries: number, present: number): { floor: number; raiseTo: Record<GcThreshold, number> } {
  const floor = present + entries;
  const soft = floor + HEADROOM;
  return { floor, raiseTo: { gc_thresh2: soft, gc_thresh3: 2 * soft } };
}

async function readNumber(file: string): Promise<number | undefined> {
  try {
    const n = Number((await readFile(file, 'utf8')).trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

const sysctlFile = (key: GcThreshold) => path.join(SYSCTL_DIR, key);

async function readRecord(): Promise<Record_> {
  try {
    return JSON.parse(await readFile(RECORD, 'utf8')) as Record_;
  } catch {
    return {};
  }
}

async function writeRecord(record: Record_): Promise<void> {
  if (Object.keys(record).length === 0) await rm(RECORD, { force: true });
  else await writeFile(RECORD, JSON.stringify(record) + '\n');
}

/** The entries the machine's table holds now (/proc/net/stat/arp_cache counts every namespace's). */
async function presentEntries(): Promise<number> {
  try {
    const line = (await readFile('/proc/net/stat/arp_cache', 'utf8')).split('\n')[1] ?? '';
    return parseInt(line.trim().split(/\s+/)[0] ?? '0', 16) || 0;
  } catch {
    return 0;
  }
}

/**
 * Raises the thresholds that are lower than what `state` needs, recording what they were; the run's
 * directory must exist. Returns a line per threshold raised, for the record.
 */
export async function sizeNeighbourTable(runDir: string, state: ClusterState): Promise<string[]> {
  const needFile = path.join(runDir, NEED_FILE);
  const previous = await readNeed(needFile);
  // The others' entries are counted once, when the run starts: later the count holds its own.
  const present = previous?.present ?? (await presentEntries());
  const { floor, raiseTo } = thresholdsFor(neighbourEntriesNeeded(state), present);
  // A run asks for the most it ever needed: its earlier cases' entries may still be in the table.
  if (previous !== undefined && previous.floor >= floor) return [];
  await writeFile(needFile, JSON.stringify({ present, floor }) + '\n');
  const record = await readRecord();
  const raised: string[] = [];
  for (const key of GC_THRESHOLDS) {
    const current = await readNumber(sysctlFile(key));
    if (current === undefined || current >= floor) continue;
    record[key] = { original: record[key]?.original ?? current, set: raiseTo[key] };
    await writeRecord(record);
    await writeFile(sysctlFile(key), `${raiseTo[key]}\n`);
    raised.push(`net.ipv4.neigh.default.${key} ${current} -> ${raiseTo[key]}`);
  }
  return raised;
}

async function readNeed(file: string): Promise<{ present: number; floor: number } | undefined> {
  try {
    const need = JSON.parse(await readFile(file, 'utf8')) as { present?: unknown; floor?: unknown };
    return typeof need.present === 'number' && typeof need.floor === 'number' ? { present: need.present, floor: need.floor } : undefined;
  } catch {
    return undefined;
  }
}

/** The largest floor the live runs other than `except` asked for. */
async function othersNeed(except: string | undefined): Promise<number> {
  let most = 0;
  let ids: string[] = [];
  try {
    ids = (await readdir(RUN_ROOT)).filter(isRunId);
  } catch {
    return 0;
  }
  for (const id of ids) {
    const dir = path.join(RUN_ROOT, id);
    if (dir === except || !(await ownerAlive(dir))) continue;
    most = Math.max(most, (await readNeed(path.join(dir, NEED_FILE)))?.floor ?? 0);
  }
  return most;
}

/**
 * Gives back what netprops raised, as far as no other live run needs it: call when a run leaves
 * (`runDir`, before it is removed) or after gc removed dead runs (no argument).
 */
export async function releaseNeighbourTable(runDir?: string): Promise<void> {
  const record = await readRecord();
  if (Object.keys(record).length === 0) return;
  const need = await othersNeed(runDir);
  const keep = need > 0 ? thresholdsFor(need, 0).raiseTo : { gc_thresh2: 0, gc_thresh3: 0 };
  for (const key of GC_THRESHOLDS) {
    const r = record[key];
    if (!r) continue;
    const current = await readNumber(sysctlFile(key));
    if (current !== r.set) {
      // Changed by someone else since: not ours to restore.
      delete record[key];
      continue;
    }
    // Never above what netprops had set: giving back only ever lowers.
    const target = Math.min(current, Math.max(r.original, keep[key]));
    if (target !== current) await writeFile(sysctlFile(key), `${target}\n`);
    if (target === r.original) delete record[key];
    else record[key] = { original: r.original, set: target };
  }
  await writeRecord(record);
}
