// The L4 protocol of a port or probe. TCP first and most often (it is what a port without a protocol
// means, and what shrinking should end on); UDP and SCTP when the target can carry them.
import fc from 'fast-check';
import type { Protocol } from '../cluster/types.ts';

export interface ProtocolOptions {
  udp?: boolean;
  sctp?: boolean;
}

/** The protocols the options allow, TCP first. */
export function allowedProtocols(options: ProtocolOptions = {}): Protocol[] {
  const all: Protocol[] = ['TCP'];
  if (options.udp ?? true) all.push('UDP');
  if (options.sctp ?? true) all.push('SCTP');
  return all;
}

export function protocol(options: ProtocolOptions = {}): fc.Arbitrary<Protocol> {
  const [tcp, ...others] = allowedProtocols(options);
  return fc.oneof(
    { withCrossShrink: true },
    { arbitrary: fc.constant(tcp), weight: 3 },
    ...others.map((p) => ({ arbitrary: fc.constant(p), weight: 1 })),
  );
}
