// What a step's apply changed on the target, by kind: time-to-enforce is reported per kind of
// change, since a CNI may enforce a new policy and a relabelled pod on different paths (a policy
// controller's watch of NetworkPolicies against its pod and namespace informers) and kube-proxy
// follows Services and readiness through EndpointSlices. Pure: the state the target held before
// the apply against the state it is asked for.
import type { ClusterState, Pod } from '../cluster/types.ts';

export type ChangeKind = 'pods' | 'pod-labels' | 'namespace-labels' | 'readiness' | 'services' | 'policies';

/** In the order reports list them. */
export const CHANGE_KINDS: readonly ChangeKind[] = ['policies', 'pod-labels', 'namespace-labels', 'readiness', 'services', 'pods'];

const key = (o: { namespace: string; name: string }) => `${o.namespace}/${o.name}`;
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const byKey = <T extends { namespace: string; name: string }>(items: T[]) => new Map(items.map((x) => [key(x), x]));

/** A pod apart from what can change on a running pod (labels, readiness): another one means a pod made anew. */
const podItself = ({ labels: _l, ready: _r, ...rest }: Pod) => rest;

/** Sorted labels, so a label map written in another order is no change. */
const sortedLabels = (labels: Record<string, string>) => Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * The kinds of change from `before` to `after`, in CHANGE_KINDS order. With nothing before (the
 * target's first apply), the pods are new, and so are the Services and policies the state has.
 */
export function changeKinds(before: ClusterState | undefined, after: ClusterState): ChangeKind[] {
  const kinds = new Set<ChangeKind>();
  if (!before) {
    kinds.add('pods');
    if (after.services.length > 0) kinds.add('services');
    if (after.policies.length > 0) kinds.add('policies');
    return CHANGE_KINDS.filter((k) => kinds.has(k));
  }
  const oldPods = byKey(before.pods);
  const newPods = byKey(after.pods);
  if (oldPods.size !== newPods.size) kinds.add('pods');
  for (const [k, pod] of newPods) {
    const old = oldPods.get(k);
    if (!old || !same(podItself(old), podItself(pod))) {
      kinds.add('pods');
      continue;
    }
    if (!same(sortedLabels(old.labels), sortedLabels(pod.labels))) kinds.add('pod-labels');
    if (old.ready !== pod.ready) kinds.add('readiness');
  }
  const oldNamespaces = new Map(before.namespaces.map((n) => [n.name, n]));
  for (const ns of after.namespaces) {
    const old = oldNamespaces.get(ns.name);
    if (old && !same(sortedLabels(old.labels), sortedLabels(ns.labels))) kinds.add('namespace-labels');
  }
  const sorted = <T extends { namespace: string; name: string }>(items: T[]) => [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  if (!same(sorted(before.services), sorted(after.services)) || !same(before.endpointSlices ?? [], after.endpointSlices ?? [])) kinds.add('services');
  if (!same(sorted(before.policies), sorted(after.policies))) kinds.add('policies');
  return CHANGE_KINDS.filter((k) => kinds.has(k));
}
