// How one probe of a case is made in a real cluster with agnhost's `connect` (kubernetes/kubernetes
// test/images/agnhost/connect): `connect [--timeout D] [--protocol tcp|udp|sctp] HOST:PORT` exits 0
// once connected (UDP: once the server answered the payload, "hostname" by default, --udp-data to
// change it); otherwise it exits 1 and prints to stderr a line starting with TIMEOUT, REFUSED, DNS,
// OTHER (e.g. no route to host) or UNKNOWN (bad arguments).
// Addresses are not the case's: a real cluster assigns its own pod IPs, ClusterIPs and nodePorts, so
// the plan names what to look up (bash functions defined by repro.sh) rather than a literal address.
import type { ClusterState, Outcome, Probe } from '../../cluster/types.ts';
import { podKey } from '../../cluster/types.ts';
import { servesNetexecHTTP } from '../../harness/cluster/agnhost-server.ts';

/** A value repro.sh computes when it runs: a literal, or a call of one of its lookup functions. */
export type Lookup =
  | { kind: 'literal'; value: string }
  | { kind: 'pod-ip'; namespace: string; name: string }
  | { kind: 'cluster-ip'; namespace: string; name: string }
  /** A case node's address: the InternalIP of the real node its prober pod landed on. */
  | { kind: 'node-ip'; node: string; namespace: string; prober: string }
  | { kind: 'node-port'; namespace: string; name: string; index: number };

export interface ConnectPlan {
  /** The pod `kubectl exec` runs in: the source pod, or the prober of the source node. */
  exec: { namespace: string; name: string };
  protocol: 'tcp' | 'udp' | 'sctp';
  host: Lookup;
  port: Lookup;
  /** Extra connect flags (a payload of the probe's size). */
  flags: string[];
  /** What a person should know about how faithful this probe is. */
  notes: string[];
  /**
   * Ask the receiver which address connected (netexec's HTTP `/clientip` answers the peer
   * address:port it saw; the agnhost image installs curl, test/images/agnhost/Dockerfile): the
   * network model says a pod receiving from another pod sees that pod's own IP. Only for TCP from a pod (not hostNetwork) to a pod netexec serves on
   * that port.
   */
  checkSource: boolean;
}

export type PlanResult = { ok: true; plan: ConnectPlan } | { ok: false; reason: string };

const literal = (value: string | number): Lookup => ({ kind: 'literal', value: String(value) });

export function connectPlan(state: ClusterState, probe: Probe, probers: Record<string, string>, proberNamespace?: string): PlanResult {
  const notes: string[] = [];
  let exec: ConnectPlan['exec'];
  if (probe.from.kind === 'pod') {
    exec = { namespace: probe.from.namespace, name: probe.from.name };
  } else {
    const prober = probers[probe.from.name];
    if (!prober || !proberNamespace) return { ok: false, reason: `no prober pod for node ${probe.from.name}` };
    exec = { namespace: proberNamespace, name: prober };
  }

  const numeric = typeof probe.port === 'number' ? probe.port : undefined;
  let host: Lookup;
  let port: Lookup;
  const to = probe.to;
  if (to.kind === 'pod') {
    const pod = state.pods.find((p) => p.namespace === to.namespace && p.name === to.name);
    if (!pod) return { ok: false, reason: `pod ${to.namespace}/${to.name} is not in the case` };
    host = { kind: 'pod-ip', namespace: pod.namespace, name: pod.name };
    // A named probe port is the target pod's container port of that name and protocol.
    const n = numeric ?? pod.ports.find((p) => p.name === probe.port && p.protocol === probe.protocol)?.containerPort;
    if (n === undefined) return { ok: false, reason: `pod ${podKey(pod)} declares no ${probe.protocol} port named ${probe.port}` };
    port = literal(n);
  } else if (to.kind === 'service') {
    const svc = state.services.find((s) => s.namespace === to.namespace && s.name === to.name);
    if (!svc) return { ok: false, reason: `Service ${to.namespace}/${to.name} is not in the case` };
    if (svc.clusterIP === 'None') {
      // A headless Service has no ClusterIP; its DNS name resolves to the ready endpoints' pod IPs.
      host = literal(`${svc.name}.${svc.namespace}.svc.cluster.local`);
      notes.push('headless Service: reached through its DNS name, which resolves to the ready pods');
    } else {
      host = { kind: 'cluster-ip', namespace: svc.namespace, name: svc.name };
    }
    const n = numeric ?? svc.ports.find((p) => p.name === probe.port)?.port;
    if (n === undefined) return { ok: false, reason: `Service ${svc.namespace}/${svc.name} has no port named ${probe.port}` };
    port = literal(n);
  } else {
    if (numeric === undefined) return { ok: false, reason: `a probe to an address needs a port number, not '${probe.port}'` };
    port = literal(numeric);
    const ip = to.ip;
    const pod = state.pods.find((p) => !p.hostNetwork && p.ip === ip);
    const node = state.nodes.find((n) => n.internalIP === ip);
    const svc = state.services.find((s) => s.clusterIP === ip);
    if (pod) {
      host = { kind: 'pod-ip', namespace: pod.namespace, name: pod.name };
      notes.push(`${ip} is pod ${podKey(pod)}'s address in the case; its real address is looked up`);
    } else if (node) {
      const prober = probers[node.name];
      if (!prober || !proberNamespace) return { ok: false, reason: `no prober pod on node ${node.name} to find its address by` };
      host = { kind: 'node-ip', node: node.name, namespace: proberNamespace, prober };
      notes.push(`${ip} is node ${node.name}'s address in the case; the real node's InternalIP is looked up`);
      // A nodePort is allocated by the cluster: the case's number is looked up by Service and port.
      for (const s of state.services) {
        const index = s.ports.findIndex((p) => p.nodePort === numeric && p.protocol === probe.protocol);
        if (index >= 0) {
          port = { kind: 'node-port', namespace: s.namespace, name: s.name, index };
          notes.push(`port ${numeric} is Service ${s.namespace}/${s.name}'s nodePort in the case; the real one is looked up`);
          break;
        }
      }
    } else if (svc) {
      host = { kind: 'cluster-ip', namespace: svc.namespace, name: svc.name };
      notes.push(`${ip} is Service ${svc.namespace}/${svc.name}'s ClusterIP in the case; the real one is looked up`);
    } else {
      host = literal(ip);
      notes.push(`${ip} belongs to nothing in the case and is used as written`);
    }
  }

  const protocol = probe.protocol.toLowerCase() as ConnectPlan['protocol'];
  const flags: string[] = [];
  if (probe.payloadBytes !== undefined) {
    // The payload is an `echo` command: netexec's UDP and SCTP servers answer only `hostname`,
    // `echo TEXT` and `clientip` and stay silent otherwise (connect would then report TIMEOUT),
    // while porter answers any datagram. connect appends a newline: the datagram is payloadBytes long.
    const data = `echo ${'x'.repeat(Math.max(0, probe.payloadBytes - 'echo '.length - 1))}`;
    if (protocol === 'udp') flags.push(`--udp-data=${data}`);
    else if (protocol === 'sctp') flags.push(`--sctp-data=${data}`);
    else notes.push(`connect only opens the TCP connection; the case's ${probe.payloadBytes}-byte payload is not sent`);
  }
  if (probe.sourcePort !== undefined) notes.push(`connect cannot fix the source port; the case used ${probe.sourcePort}`);
  const receiver = host.kind === 'pod-ip' ? state.pods.find((p) => host.kind === 'pod-ip' && p.namespace === host.namespace && p.name === host.name) : undefined;
  const sender = probe.from.kind === 'pod' ? state.pods.find((p) => p.namespace === exec.namespace && p.name === exec.name) : undefined;
  const checkSource =
    protocol === 'tcp' && port.kind === 'literal' && sender !== undefined && !sender.hostNetwork &&
    receiver !== undefined && servesNetexecHTTP(receiver, Number(port.value));
  return { ok: true, plan: { exec, protocol, host, port, flags, notes, checkSource } };
}

/** What `agnhost connect` prints for an outcome, so a person can compare with what netprops saw. */
export function connectOutput(outcome: Outcome): string {
  switch (outcome) {
    case 'delivered':
      return 'connected: connect exits 0';
    case 'refused':
      return 'refused: connect exits 1, REFUSED';
    case 'timeout':
      return 'no answer: connect exits 1, TIMEOUT';
    case 'unreachable':
      return 'unreachable: connect exits 1, OTHER (no route to host)';
    case 'unsupported':
      return 'not made: the target cannot make this probe';
  }
}
