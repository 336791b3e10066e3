// Sweeping what killed runs left in a cluster, and nothing else: a namespace is deleted only when it
// reads in every part as a netprops run's (labels, a name carrying the run id, a well-formed lease
// holder) and its lease has expired (run-lease.ts); a holder that is a live process on this host
// keeps it even then. Everything gc cannot read is left alone: a shared cluster's other tools, and
// namespaces of a netprops too old to hold a lease.
import { hostname } from 'node:os';
import type { V1Namespace } from '@kubernetes/client-node';
import { createApiClient, type ApiClient } from './api-client.ts';
import { loadKubeConfig, type ConnectionSettings } from './connection.ts';
import { leaseVerdict } from './run-lease.ts';
import { MANAGED_BY, MANAGED_BY_LABEL, RUN_LABEL } from './run-names.ts';

export interface GcOptions extends ConnectionSettings {
  /** List what would be deleted, delete nothing. */
  dryRun?: boolean;
  requestTimeoutMs?: number;
}

/** What one sweep found: namespaces deleted (or, on a dry run, to delete) and why. */
export interface GcResult {
  removed: { name: string; why: string }[];
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

/** A holder on this host is alive while its pid is (another host's cannot be asked). */
export function holderAliveOnThisHost(holder: string, host = hostname(), isAlive = alive): boolean {
  const [h, pid] = holder.split('/');
  return h === host && isAlive(Number(pid));
}

export async function gcCluster(options: GcOptions = {}, api?: ApiClient, now = new Date()): Promise<GcResult> {
  const client = api ?? createApiClient(loadKubeConfig(options), options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {});
  const namespaces = await client.list<V1Namespace>('v1', 'Namespace', { labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY},${RUN_LABEL}` });
  const removed: GcResult['removed'] = [];
  for (const ns of namespaces) {
    const v = leaseVerdict(ns, now, (holder) => holderAliveOnThisHost(holder));
    if (v.kind === 'expired') removed.push({ name: ns.metadata!.name!, why: `run ${v.runId} of ${v.holder}, lease expired ${v.expiredAt.toISOString()}` });
  }
  removed.sort((a, b) => a.name.localeCompare(b.name));
  if (!options.dryRun) await Promise.all(removed.map((r) => client.remove({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: r.name } })));
  return { removed };
}

/** For `netprops gc` (cli/gc.ts): one line per namespace removed, or to remove on a dry run. */
export function clusterSweeper(options: GcOptions = {}): { target: string; sweep(opts?: { dryRun?: boolean }): Promise<string[]> } {
  return {
    target: 'cluster',
    sweep: async (opts = {}) => (await gcCluster({ ...options, ...opts })).removed.map((r) => `cluster namespace ${r.name} (${r.why})`),
  };
}
