// Sweeping what killed runs left in a cluster: every namespace labelled as netprops's, unless its
// owner (recorded as host/pid when the run created it) is a process still alive on this host, or
// it was created on another host less than `minAgeMinutes` ago (that run may still be going).
import { hostname } from 'node:os';
import type { V1Namespace } from '@kubernetes/client-node';
import { createApiClient, type ApiClient } from './api-client.ts';
import { loadKubeConfig, type ConnectionSettings } from './connection.ts';
import { CREATED_ANNOTATION, MANAGED_BY, MANAGED_BY_LABEL, OWNER_ANNOTATION, RUN_LABEL } from './run-names.ts';

export interface GcOptions extends ConnectionSettings {
  /** Leave namespaces of other hosts younger than this (default 60). */
  minAgeMinutes?: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether a run's namespace may be removed, and why not. */
export function leftover(ns: V1Namespace, now: Date, minAgeMinutes: number, host = hostname(), isAlive = alive): boolean {
  const owner = ns.metadata?.annotations?.[OWNER_ANNOTATION];
  const created = Date.parse(ns.metadata?.annotations?.[CREATED_ANNOTATION] ?? '');
  const [ownerHost, pid] = owner?.split('/') ?? [];
  if (ownerHost === host && Number(pid) > 0) return !isAlive(Number(pid));
  if (Number.isNaN(created)) return true;
  return now.getTime() - created >= minAgeMinutes * 60_000;
}

export async function gcCluster(options: GcOptions = {}, api: ApiClient = createApiClient(loadKubeConfig(options))): Promise<string[]> {
  const namespaces = await api.list<V1Namespace>('v1', 'Namespace', { labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY},${RUN_LABEL}` });
  const now = new Date();
  const doomed = namespaces.filter((ns) => leftover(ns, now, options.minAgeMinutes ?? 60));
  await Promise.all(doomed.map((ns) => api.remove({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns.metadata!.name } })));
  return doomed.map((ns) => ns.metadata!.name!).sort();
}

/** For `netprops gc` (cli/gc.ts SWEEPERS): one line per namespace removed. */
export function clusterSweeper(options: GcOptions = {}): { target: string; sweep(): Promise<string[]> } {
  return { target: 'cluster', sweep: async () => (await gcCluster(options)).map((name) => `cluster namespace ${name}`) };
}
