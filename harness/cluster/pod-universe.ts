// The pod universe: pods cost seconds to create, labels and readiness cost milliseconds to change.
// So pods are created once and kept across cases; a case that draws the same pods (same namespace,
// name, node, hostNetwork and ports) only relabels them (server-side apply of the same spec with new
// labels) and toggles readiness by exec. A pod whose shape changed is deleted and created again.
import type { Pod } from '../../cluster/types.ts';
import { podKey } from '../../cluster/types.ts';

/** What cannot change on a running pod: a different value means a new pod. */
export function podShape(pod: Pod): string {
  const ports = [...pod.ports].map((p) => `${p.name ?? ''}:${p.containerPort}/${p.protocol}`).sort();
  return JSON.stringify([pod.nodeName, pod.hostNetwork, ports]);
}

export interface LivePod {
  /** The pod as first created (its spec, including the initial readiness in the command). */
  created: Pod;
  labels: Pod['labels'];
  ready: boolean;
}

export interface PodChanges {
  create: Pod[];
  /** Pods to delete and create again (shape changed). */
  recreate: Pod[];
  relabel: Pod[];
  setReady: Pod[];
  setNotReady: Pod[];
  remove: LivePod[];
}

/** What to do to turn the live pods into the wanted ones. Pure: the harness performs it. */
export function podChanges(live: ReadonlyMap<string, LivePod>, wanted: readonly Pod[]): PodChanges {
  const changes: PodChanges = { create: [], recreate: [], relabel: [], setReady: [], setNotReady: [], remove: [] };
  const wantedKeys = new Set(wanted.map(podKey));
  for (const pod of wanted) {
    const have = live.get(podKey(pod));
    if (!have) {
      changes.create.push(pod);
      continue;
    }
    if (podShape(have.created) !== podShape(pod)) {
      changes.recreate.push(pod);
      continue;
    }
    if (JSON.stringify(sorted(have.labels)) !== JSON.stringify(sorted(pod.labels))) changes.relabel.push(pod);
    if (have.ready !== pod.ready) (pod.ready ? changes.setReady : changes.setNotReady).push(pod);
  }
  for (const [key, have] of live) if (!wantedKeys.has(key)) changes.remove.push(have);
  return changes;
}

function sorted(labels: Record<string, string>): [string, string][] {
  return Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
}
