// A probe in one line, in the case files' reference notation (`ns/name`, `node:N`, `svc:ns/name`,
// `ip:A.B.C.D`), so a report reads like the case.yaml beside it.
import type { Observation, Probe, ProbeSource, ProbeTarget } from '../cluster/types.ts';

export function probeEnd(ref: ProbeSource | ProbeTarget): string {
  switch (ref.kind) {
    case 'pod':
      return `${ref.namespace}/${ref.name}`;
    case 'node':
      return `node:${ref.name}`;
    case 'service':
      return `svc:${ref.namespace}/${ref.name}`;
    case 'ip':
      return `ip:${ref.ip}`;
  }
}

/** The destination column of a matrix: target, port and protocol. */
export function probeDestination(probe: Probe): string {
  return `${probeEnd(probe.to)}:${probe.port}/${probe.protocol}`;
}

export function describeProbe(probe: Probe): string {
  return `${probeEnd(probe.from)} -> ${probeDestination(probe)}`;
}

/** An observation in a few words: the outcome, then who answered and what they saw. */
export function describeObservation(o: Observation): string {
  const parts: string[] = [o.outcome];
  if (o.backend) parts.push(`backend ${o.backend.namespace}/${o.backend.name}:${o.backend.port}`);
  if (o.sourceSeen) parts.push(`source seen ${o.sourceSeen}`);
  if (o.replyFrom) parts.push(`reply from ${o.replyFrom}`);
  if (o.detail) parts.push(`(${o.detail})`);
  return parts.join(', ');
}
