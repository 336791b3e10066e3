// A probe in one line, in the case files' reference notation (cluster/probe-ref.ts: `ns/name`,
// `node:N`, `svc:ns/name`, `ip:A.B.C.D`), so a report reads like the case.yaml beside it.
import type { Observation, Probe } from '../cluster/types.ts';
import { formatProbeRef } from '../cluster/probe-ref.ts';


/** The destination column of a matrix: target, port and protocol. */
export function probeDestination(probe: Probe): string {
  return `${formatProbeRef(probe.to)}:${probe.port}/${probe.protocol}`;
}

export function describeProbe(probe: Probe): string {
  return `${formatProbeRef(probe.from)} -> ${probeDestination(probe)}`;
}

/** An observation in a few words: the outcome, then who answered and what they saw. */
export function describeObservation(o: Observation): string {
  const parts: string[] = [o.outcome];
  if (o.backend) parts.push(`backend ${o.backend.namespace}/${o.backend.name}:${o.backend.port}`);
  if (o.sourceSeen) parts.push(`source seen ${o.sourceSeen}`);
  if (o.replyFrom) parts.push(`reply from ${o.replyFrom}`);
  return parts.join(', ') + (o.detail ? ` (${o.detail})` : '');
}
