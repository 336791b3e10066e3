// A kernel run's identity. Everything a run creates carries its id: network namespaces
// (`np-<id>-...`), the links inside them, and its state directory /run/netprops/<id>/ holding the
// owner file (pid and start time of the process that owns the run), the CNI configs and the
// host-local IPAM dataDir. Teardown needs only the id; `netprops gc` removes runs whose owner died.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Where runs keep their state; tests may point it elsewhere. */
export const RUN_ROOT = process.env.NETPROPS_RUN_ROOT ?? '/run/netprops';
/** Every network namespace of every run starts with this. */
export const NETNS_PREFIX = 'np-';

const RUN_ID = /^[0-9a-f]{6}$/;

export interface KernelRun {
  /** Six hex digits: short enough for 15-character link names. */
  readonly id: string;
  readonly dir: string;
  /** The run's own namespace: holds the underlay bridge and the agent process. */
  readonly underlayNetns: string;
  /** The underlay bridge, inside underlayNetns. */
  readonly underlayBridge: string;
  /** The node's leg on the underlay, inside the node's namespace. */
  readonly nodeUplink: string;
  /** The CNI bridge in each node namespace (default config). */
  readonly podBridge: string;
  /** The VXLAN device in each node namespace (--overlay vxlan). */
  readonly vxlan: string;
  nodeNetns(index: number): string;
  /** The underlay's end of node `index`'s veth, inside underlayNetns. */
  underlayPort(index: number): string;
  podNetns(serial: number): string;
}

export function isRunId(s: string): boolean {
  return RUN_ID.test(s);
}

export function newRunId(): string {
  return randomBytes(3).toString('hex');
}

export function kernelRun(id: string): KernelRun {
  if (!isRunId(id)) throw new Error(`not a kernel run id: ${id}`);
  return {
    id,
    dir: path.join(RUN_ROOT, id),
    underlayNetns: `${NETNS_PREFIX}${id}-u`,
    underlayBridge: `np${id}u`,
    nodeUplink: `np${id}e`,
    podBridge: `np${id}b`,
    vxlan: `np${id}v`,
    nodeNetns: (i) => `${NETNS_PREFIX}${id}-n${i}`,
    underlayPort: (i) => `np${id}n${i}`,
    podNetns: (serial) => `${NETNS_PREFIX}${id}-p${serial}`,
  };
}

/** The run id a namespace name belongs to, if it is one of ours. */
export function runIdOfNetns(name: string): string | undefined {
  const m = /^np-([0-9a-f]{6})-[a-z0-9]+$/.exec(name);
  return m ? m[1] : undefined;
}

/** A process's start time (clock ticks since boot), which tells a live owner from a reused pid. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22; the command name (field 2) may hold spaces, so count from its closing parenthesis.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Creates the run's directory with its owner file in one step: gc never sees it without one. */
export async function claimRun(run: KernelRun, label?: string): Promise<void> {
  const claim = path.join(RUN_ROOT, `.claim-${run.id}-${process.pid}`);
  await mkdir(claim, { recursive: true, mode: 0o700 });
  await writeFile(path.join(claim, 'owner'), `${process.pid} ${processStartTime(process.pid)}\n`);
  if (label) await writeFile(path.join(claim, 'label'), `${label}\n`);
  await rename(claim, run.dir);
}

/** Whether the process that claimed the run is still alive (false when no owner file is left). */
export async function ownerAlive(dir: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(path.join(dir, 'owner'), 'utf8');
  } catch {
    return false;
  }
  const [pid, start] = text.trim().split(' ');
  return processStartTime(Number(pid)) === start;
}
