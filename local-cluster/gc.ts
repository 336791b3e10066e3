// What `netprops gc` removes of local clusters: a cluster whose `up` was killed (phase starting,
// owner gone) or none of whose processes runs any more (the machine or session that ran it
// ended), and namespaces or cgroups named nplc-<id>- whose cluster is registered nowhere. A
// cluster with a live `up` or a live daemon is never touched.
import { readdirSync } from 'node:fs';
import { teardown } from './down.ts';
import { cgroupHierarchies, deleteNetworkOf, listNetns, removeCgroupsOf } from './host.ts';
import { clusterIdOfName } from './layout.ts';
import { isAlive } from './processes.ts';
import { readState, registeredClusters, unregister, type ClusterState } from './state.ts';

export function isDead(s: ClusterState): boolean {
  if (s.phase === 'starting' && isAlive(s.owner)) return false;
  return !s.daemons.some((d) => isAlive(d));
}

export async function gcLocalClusters(): Promise<string[]> {
  const removed: string[] = [];
  const known = new Set<string>();
  for (const { id, dir } of registeredClusters()) {
    const state = readState(dir);
    if (!state || state.id !== id) {
      // The folder is gone or holds another cluster: only the registry entry and names are left.
      await unregister(id);
      continue;
    }
    known.add(id);
    if (!isDead(state)) continue;
    await teardown(state, () => {});
    known.delete(id);
    removed.push(`local cluster ${id} (${dir})`);
  }
  const orphans = new Set<string>();
  for (const ns of await listNetns()) {
    const id = clusterIdOfName(ns);
    if (id && !known.has(id)) orphans.add(id);
  }
  for (const h of cgroupHierarchies()) {
    for (const name of readdirSync(`/sys/fs/cgroup/${h}`)) {
      const id = clusterIdOfName(name);
      if (id && !known.has(id)) orphans.add(id);
    }
  }
  for (const id of orphans) {
    await deleteNetworkOf(id);
    await removeCgroupsOf(id);
    removed.push(`namespaces and cgroups of local cluster ${id}`);
  }
  return removed;
}
