// How a run's objects are named and marked in a live cluster. A run creates only namespaces whose
// names carry its run id and whose labels mark them as its own, so teardown and gc need nothing but
// a label selector, and nothing outside the run is ever read or changed.
import { createHash } from 'node:crypto';

/** Label on every Namespace a run creates: the run id. gc and teardown select on it. */
export const RUN_LABEL = 'netprops.dev/run';
/** Label on every object netprops creates (the Kubernetes recommended label). */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'netprops';
// The lease annotations that tell gc a live run from a dead one are in run-lease.ts.

/** A DNS-1123 label, as Namespace names must be (at most 63 characters). */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A run id that fits inside namespace names; generated ones are 8 lowercase hex digits. */
export function isRunId(id: string): boolean {
  return id.length > 0 && id.length <= 20 && DNS_LABEL.test(id);
}

/**
 * The cluster name of a case's namespace: `<name>-<runId>`, so two runs (or a run and the user's
 * own workloads) never share a namespace. Without a run id the name is kept (repro manifests).
 */
export function runNamespaceName(namespace: string, runId?: string): string {
  if (!runId) return namespace;
  const name = `${namespace}-${runId}`;
  if (name.length <= MAX_NAME) return name;
  // Case namespaces are DNS labels of up to 63 characters, and the suffix must still fit: a long one
  // keeps what room allows and a hash of its whole name, so distinct names stay distinct, the same
  // name maps the same way in every run, and the result is still a DNS label ending in the run id.
  const hash = createHash('sha256').update(namespace).digest('hex').slice(0, 8);
  const keep = namespace.slice(0, MAX_NAME - runId.length - hash.length - 2).replace(/-+$/, '');
  return `${keep}-${hash}-${runId}`;
}

const MAX_NAME = 63;

/** The namespace that holds a run's per-node agent pods (hostNetwork, for probes from nodes). */
export function nodeAgentNamespace(runId: string): string {
  return `netprops-nodes-${runId}`;
}
