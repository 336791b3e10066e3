// Where a probe goes on the kernel target: the namespace the client's socket is made in, and the
// address and port it connects to. Pure: the data plane, not this file, decides what happens next;
// only what cannot even be attempted (a port name nothing declares) is answered here.
import type { Observation, Pod, Probe, Service } from '../../cluster/types.ts';
import { podKey } from '../../cluster/types.ts';

export interface ProbeRoute {
  netns: string;
  ip: string;
  port: number;
}

export interface ProbeTopology {
  /** podKey -> the pod as realized and the namespace its sockets live in. */
  pods: ReadonlyMap<string, { pod: Pod; netns: string }>;
  /** node name -> its namespace. */
  nodes: ReadonlyMap<string, { netns: string }>;
  services: readonly Service[];
}

function unreachable(detail: string): Observation {
  return { outcome: 'unreachable', detail };
}

export function probeRoute(probe: Probe, t: ProbeTopology): ProbeRoute | Observation {
  let netns: string;
  if (probe.from.kind === 'pod') {
    const from = t.pods.get(podKey(probe.from));
    if (!from) throw new Error(`probe from unknown pod ${podKey(probe.from)}`);
    netns = from.netns;
  } else {
    const node = t.nodes.get(probe.from.name);
    if (!node) throw new Error(`probe from unknown node ${probe.from.name}`);
    netns = node.netns;
  }
  const to = probe.to;
  if (to.kind === 'pod') {
    const target = t.pods.get(podKey(to));
    if (!target) throw new Error(`probe to unknown pod ${podKey(to)}`);
    let port: number;
    if (typeof probe.port === 'number') {
      port = probe.port;
    } else {
      const named = target.pod.ports.find((p) => p.name === probe.port && p.protocol === probe.protocol);
      if (!named) return unreachable(`pod ${podKey(to)} declares no ${probe.protocol} port named '${probe.port}'`);
      port = named.containerPort;
    }
    return { netns, ip: target.pod.ip, port };
  }
  if (to.kind === 'service') {
    const svc = t.services.find((s) => s.namespace === to.namespace && s.name === to.name);
    if (!svc) throw new Error(`probe to unknown Service ${podKey(to)}`);
    if (svc.clusterIP === 'None') return unreachable(`Service ${podKey(to)} is headless: it has no ClusterIP`);
    let port: number;
    if (typeof probe.port === 'number') {
      // Connect even when the Service has no such port: what happens is the data plane's answer.
      port = probe.port;
    } else {
      const named = svc.ports.find((p) => p.name === probe.port);
      if (!named) return unreachable(`Service ${podKey(to)} has no port named '${probe.port}'`);
      port = named.port;
    }
    return { netns, ip: svc.clusterIP, port };
  }
  if (typeof probe.port !== 'number') return unreachable(`a probe to an address needs a port number, not '${probe.port}'`);
  return { netns, ip: to.ip, port: probe.port };
}
