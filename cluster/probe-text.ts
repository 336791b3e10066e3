// A probe and what was observed, in one line each, in the case files' reference notation
// (cluster/probe-ref.ts: `ns/name`, `node:N`, `svc:ns/name`, `ip:A.B.C.D`): one wording for the
// findings of properties, the reports and the repro READMEs, so each reads like the case.yaml beside it.
import { formatProbeRef } from './probe-ref.ts';
import type { Observation, Probe } from './types.ts';

/** The destination: target, port and protocol (a matrix's column). */
export function probeDestination(probe: Probe): string {
  return `${formatProbeRef(probe.to)}:${probe.port}/${probe.protocol}`;
}

/** Source -> destination, with the payload size and the client's source port where the probe sets them. */
export function describeProbe(probe: Probe): string {
  return (
    `${formatProbeRef(probe.from)} -> ${probeDestination(probe)}` +
    (probe.payloadBytes !== undefined ? ` (${probe.payloadBytes} bytes)` : '') +
    (probe.sourcePort !== undefined ? ` (source port ${probe.sourcePort})` : '')
  );
}

/** An observation in a few words: the outcome, then who answered and what they saw. */
export function describeObservation(o: Observation): string {
  const parts: string[] = [o.outcome];
  if (o.backend) parts.push(`backend ${o.backend.namespace}/${o.backend.name}:${o.backend.port}`);
  if (o.sourceSeen) parts.push(`source seen ${o.sourceSeen}`);
  if (o.replyFrom) parts.push(`reply from ${o.replyFrom}`);
  return parts.join(', ') + (o.detail ? ` (${o.detail})` : '');
}
