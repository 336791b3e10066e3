// What a target can run, as the generators' options: a case the harness cannot make is never drawn.
// With a pod universe (the live-cluster target), cases are drawn over it.
import type { Universe } from '../generators/cluster.ts';
import type { Capability } from '../harness/harness.ts';

export interface GeneratorCapabilities {
  udp: boolean;
  sctp: boolean;
  hostNetwork: boolean;
  notReady: boolean;
  terminating: boolean;
  externalTrafficPolicy: boolean;
  universe?: Universe;
}

export function generatorCapabilities(capabilities: ReadonlySet<Capability>, universe?: Universe): GeneratorCapabilities {
  return {
    udp: capabilities.has('udp'),
    sctp: capabilities.has('sctp'),
    hostNetwork: capabilities.has('hostNetwork'),
    notReady: capabilities.has('readiness'),
    terminating: capabilities.has('terminating'),
    externalTrafficPolicy: capabilities.has('externalTrafficPolicy'),
    ...(universe ? { universe } : {}),
  };
}
