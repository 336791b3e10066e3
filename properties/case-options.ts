// What a target can run, as the generators' options: a case the harness cannot make is never drawn.
import type { Capability } from '../harness/harness.ts';

export interface GeneratorCapabilities {
  udp: boolean;
  sctp: boolean;
  hostNetwork: boolean;
  notReady: boolean;
}

export function generatorCapabilities(capabilities: ReadonlySet<Capability>): GeneratorCapabilities {
  return {
    udp: capabilities.has('udp'),
    sctp: capabilities.has('sctp'),
    hostNetwork: capabilities.has('hostNetwork'),
    notReady: capabilities.has('readiness'),
  };
}
