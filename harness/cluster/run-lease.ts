// The lease a run holds on its namespaces, so `netprops gc` can prove a run dead before deleting
// anything. Like a coordination.k8s.io Lease (holderIdentity, renewTime, leaseDurationSeconds), but
// kept as annotations on each run namespace: renewing one needs only the `patch namespaces` the run
// already has. A live run renews every RENEW_INTERVAL_MS; gc deletes a namespace only when all of it
// reads as netprops's (labels, names, a well-formed holder) and its lease ran out; anything it cannot
// read is left alone. Pure functions: the harness renews, gc.ts judges.
import type { V1Namespace } from '@kubernetes/client-node';
import { MANAGED_BY, MANAGED_BY_LABEL, RUN_LABEL, isRunId, nodeAgentNamespace } from './run-names.ts';

/** `host/pid` of the process holding the lease. */
export const HOLDER_ANNOTATION = 'netprops.dev/owner';
/** RFC 3339 time of the last renewal. */
export const RENEW_TIME_ANNOTATION = 'netprops.dev/lease-renew-time';
/** Seconds after renewTime at which the lease expires. */
export const LEASE_DURATION_ANNOTATION = 'netprops.dev/lease-duration-seconds';

/** Five minutes, renewed every minute: four missed renewals (a long GC pause, a slow API) are survived. */
export const LEASE_DURATION_SECONDS = 300;
export const RENEW_INTERVAL_MS = 60_000;

export function leaseAnnotations(holder: string, now: Date, durationSeconds = LEASE_DURATION_SECONDS): Record<string, string> {
  return { [HOLDER_ANNOTATION]: holder, [RENEW_TIME_ANNOTATION]: now.toISOString(), [LEASE_DURATION_ANNOTATION]: String(durationSeconds) };
}

/** A hostname (RFC 1123, as os.hostname() gives) and a pid. */
const HOLDER = /^([A-Za-z0-9]([-A-Za-z0-9.]{0,251}[A-Za-z0-9])?)\/([1-9][0-9]{0,9})$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export type LeaseVerdict =
  | { kind: 'expired'; runId: string; holder: string; expiredAt: Date }
  | { kind: 'held'; runId: string; holder: string; expiresAt: Date }
  /** Not provably a dead netprops run: gc leaves it alone. */
  | { kind: 'unknown'; reason: string };

/**
 * Whether a namespace is a netprops run's whose lease ran out. `holderAlive` answers for a holder on
 * this host (a process still there keeps its namespaces even past the lease: it may be stopped).
 */
export function leaseVerdict(ns: V1Namespace, now: Date, holderAlive: (holder: string) => boolean = () => false): LeaseVerdict {
  const name = ns.metadata?.name ?? '';
  const labels = ns.metadata?.labels ?? {};
  const annotations = ns.metadata?.annotations ?? {};
  const runId = labels[RUN_LABEL];
  if (labels[MANAGED_BY_LABEL] !== MANAGED_BY) return { kind: 'unknown', reason: `not labelled ${MANAGED_BY_LABEL}=${MANAGED_BY}` };
  if (!runId || !isRunId(runId)) return { kind: 'unknown', reason: `label ${RUN_LABEL} is not a run id` };
  // A run names its namespaces after its id (run-names.ts): a label copied onto another name is not enough.
  if (name !== nodeAgentNamespace(runId) && !name.endsWith(`-${runId}`)) return { kind: 'unknown', reason: `name does not carry run id ${runId}` };
  const holder = annotations[HOLDER_ANNOTATION] ?? '';
  if (!HOLDER.test(holder)) return { kind: 'unknown', reason: `annotation ${HOLDER_ANNOTATION} is not host/pid` };
  const renew = annotations[RENEW_TIME_ANNOTATION] ?? '';
  const renewedAt = RFC3339.test(renew) ? new Date(renew) : undefined;
  if (!renewedAt || Number.isNaN(renewedAt.getTime())) return { kind: 'unknown', reason: `no lease (annotation ${RENEW_TIME_ANNOTATION})` };
  const duration = annotations[LEASE_DURATION_ANNOTATION] ?? '';
  if (!/^[1-9][0-9]{0,6}$/.test(duration)) return { kind: 'unknown', reason: `annotation ${LEASE_DURATION_ANNOTATION} is not a number of seconds` };
  const expiresAt = new Date(renewedAt.getTime() + Number(duration) * 1000);
  if (now.getTime() < expiresAt.getTime() || holderAlive(holder)) return { kind: 'held', runId, holder, expiresAt };
  return { kind: 'expired', runId, holder, expiredAt: expiresAt };
}
