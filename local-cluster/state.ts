// A local cluster's record on disk: DIR/state.json (what it is, which processes it started, how far
// `up` got) and a registry entry /run/netprops/local-cluster/<id> naming DIR, so that `netprops gc`
// finds a cluster whose `up` was killed wherever its folder is. Plain data.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClusterOptions } from './layout.ts';
import type { Daemon } from './processes.ts';

export const REGISTRY = process.env.NETPROPS_LOCAL_CLUSTER_REGISTRY ?? '/run/netprops/local-cluster';

export interface ClusterState {
  id: string;
  dir: string;
  options: ClusterOptions;
  /** `starting` until `up` returned; a `starting` cluster whose owner died was killed mid-way. */
  phase: 'starting' | 'running';
  owner: { pid: number; startTime: string };
  daemons: Daemon[];
  /** The built programs (binary name -> path in the cache), for `down` (crictl). */
  binaries?: Record<string, string>;
  /** The host loopback port the API server is forwarded to. */
  apiServerPort?: number;
  createdAt: string;
}

export async function writeState(s: ClusterState): Promise<void> {
  const file = path.join(s.dir, 'state.json');
  await writeFile(`${file}.tmp`, JSON.stringify(s, null, 2));
  await rename(`${file}.tmp`, file);
  await mkdir(REGISTRY, { recursive: true });
  await writeFile(path.join(REGISTRY, s.id), `${s.dir}\n`);
}

export function readState(dir: string): ClusterState | undefined {
  const file = path.join(path.resolve(dir), 'state.json');
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as ClusterState;
}

export function registeredClusters(): { id: string; dir: string }[] {
  if (!existsSync(REGISTRY)) return [];
  return readdirSync(REGISTRY)
    .filter((id) => /^[0-9a-f]{6}$/.test(id))
    .map((id) => ({ id, dir: readFileSync(path.join(REGISTRY, id), 'utf8').trim() }));
}

export async function unregister(id: string): Promise<void> {
  await rm(path.join(REGISTRY, id), { force: true });
}
