// A probe and what was observed, in the case files' notation, for the one-line messages of findings.
import { formatProbeRef } from '../cluster/probe-ref.ts';
import type { Observation, Probe } from '../cluster/types.ts';

export const describeProbe = (p: Probe): string =>
  `${formatProbeRef(p.from)} -> ${formatProbeRef(p.to)} port ${p.port}/${p.protocol}` +
  (p.payloadBytes !== undefined ? ` (${p.payloadBytes} bytes)` : '') +
  (p.sourcePort !== undefined ? ` (source port ${p.sourcePort})` : '');

export function describeObservation(o: Observation): string {
  let s = o.outcome;
  if (o.backend) s += ` by ${o.backend.namespace}/${o.backend.name}:${o.backend.port}`;
  if (o.sourceSeen) s += `, source seen ${o.sourceSeen}`;
  if (o.replyFrom) s += `, reply from ${o.replyFrom}`;
  if (o.detail) s += ` (${o.detail})`;
  return s;
}
