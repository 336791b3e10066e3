// Probes: one connection attempt each, from a pod or a node, to a pod (by name or by its IP), to a
// Service port (by number or by name), or to a NodePort on a node's IP; on ports that are served,
// by name, and not served, and now and then with another protocol than the one served. A
// ProbeDraft refers to everything by index, so probes survive the shrinking of the objects they
// name; placeProbes() resolves them against the complete state.
import fc from 'fast-check';
import { selectorMatches } from '../cluster/label-selector.ts';
import type { ClusterState, Pod, Probe, Protocol, Service } from '../cluster/types.ts';
import { CONTAINER_PORT_NUMBERS } from './pod.ts';
import { allowedProtocols, type ProtocolOptions } from './protocol.ts';
import { SERVICE_PORT_NUMBERS } from './service.ts';

/** selectedBy: the pod-th of the pods the selectedBy-th policy selects (falling back to the pod-th pod). */
/** remoteNode: the node-th node other than the target pod's node (when there is one). */
export type ProbeSourceDraft = { pod: number } | { node: number } | { remoteNode: number } | { selectedBy: number; pod: number };
export type ProbeTargetDraft =
  | { pod: number }
  | { selectedBy: number; pod: number }
  | { podIP: number }
  | { service: number }
  | { nodePort: number; node: number };
/** served: the i-th port the target serves; named: the i-th named one; other: the i-th of OTHER_PORT_NUMBERS. */
export type ProbePortDraft = { served: number } | { named: number } | { other: number };

export interface ProbeDraft {
  from: ProbeSourceDraft;
  to: ProbeTargetDraft;
  port: ProbePortDraft;
  /** Use another protocol than the port's own. */
  otherProtocol: boolean;
}

/** Ports a probe may try besides those served: some a pod or Service may serve, one none does. */
export const OTHER_PORT_NUMBERS: readonly number[] = [...new Set([...CONTAINER_PORT_NUMBERS, ...SERVICE_PORT_NUMBERS, 82])];

export interface ProbeOptions extends ProtocolOptions {
  services?: boolean;
  policies?: boolean;
  nodePort?: boolean;
}

export function probeDraft(options: ProbeOptions = {}): fc.Arbitrary<ProbeDraft> {
  const index = fc.nat({ max: 15 });
  // Pods that policies select are where policy verdicts happen: aim a good share of probes there.
  const selected = fc.record({ selectedBy: index, pod: index }, { noNullPrototype: true });
  const targets: fc.WeightedArbitrary<ProbeTargetDraft>[] = [
    { arbitrary: fc.record({ pod: index }, { noNullPrototype: true }), weight: 3 },
    { arbitrary: selected, weight: (options.policies ?? true) ? 6 : 0 },
    { arbitrary: fc.record({ podIP: index }, { noNullPrototype: true }), weight: 1 },
  ];
  if (options.services ?? true) targets.push({ arbitrary: fc.record({ service: index }, { noNullPrototype: true }), weight: 4 });
  if ((options.services ?? true) && (options.nodePort ?? true)) {
    targets.push({ arbitrary: fc.record({ nodePort: index, node: fc.nat({ max: 7 }) }, { noNullPrototype: true }), weight: 1 });
  }
  return fc.record({
    from: fc.oneof(
      { withCrossShrink: true },
      ...[
        { arbitrary: fc.record({ pod: index }, { noNullPrototype: true }) as fc.Arbitrary<ProbeSourceDraft>, weight: 3 },
        { arbitrary: selected, weight: (options.policies ?? true) ? 2 : 0 },
        { arbitrary: fc.record({ node: fc.nat({ max: 7 }) }, { noNullPrototype: true }), weight: 1 },
        // Traffic from another node than the target's is where upstream leaves policy open.
        { arbitrary: fc.record({ remoteNode: fc.nat({ max: 7 }) }, { noNullPrototype: true }), weight: 4 },
      ].filter((s) => s.weight > 0),
    ),
    to: fc.oneof({ withCrossShrink: true }, ...targets.filter((t) => t.weight > 0)),
    port: fc.oneof(
      { withCrossShrink: true },
      { arbitrary: fc.record({ served: fc.nat({ max: 7 }) }, { noNullPrototype: true }), weight: 6 },
      { arbitrary: fc.record({ named: fc.nat({ max: 7 }) }, { noNullPrototype: true }), weight: 2 },
      { arbitrary: fc.record({ other: fc.nat({ max: OTHER_PORT_NUMBERS.length - 1 }) }, { noNullPrototype: true }), weight: 1 },
    ),
    otherProtocol: fc.oneof({ withCrossShrink: true }, { arbitrary: fc.constant(false), weight: 9 }, { arbitrary: fc.constant(true), weight: 1 }),
  }, { noNullPrototype: true });
}

interface Port {
  port: number | string;
  protocol: Protocol;
  /** The number a named port stands for, used where a name would be ambiguous. */
  number: number;
}

function podPort(pod: Pod, draft: ProbePortDraft): Port {
  const named = pod.ports.filter((p) => p.name !== undefined);
  if ('named' in draft && named.length > 0) {
    const p = named[draft.named % named.length];
    return { port: p.name!, protocol: p.protocol, number: p.containerPort };
  }
  if ('other' in draft || pod.ports.length === 0) {
    const number = OTHER_PORT_NUMBERS['other' in draft ? draft.other % OTHER_PORT_NUMBERS.length : 0];
    return { port: number, protocol: 'TCP', number };
  }
  const p = pod.ports[('served' in draft ? draft.served : draft.named) % pod.ports.length];
  return { port: p.containerPort, protocol: p.protocol, number: p.containerPort };
}

function servicePort(service: Service, draft: ProbePortDraft, byNodePort: boolean): Port {
  if ('other' in draft) {
    const number = OTHER_PORT_NUMBERS[draft.other % OTHER_PORT_NUMBERS.length];
    return { port: number, protocol: 'TCP', number };
  }
  const index = 'served' in draft ? draft.served : draft.named;
  const p = service.ports[index % service.ports.length];
  if (byNodePort) return { port: p.nodePort!, protocol: p.protocol, number: p.nodePort! };
  // A Service port is probed by name only when it has one (a single-port Service may not).
  return { port: 'named' in draft && p.name !== undefined ? p.name : p.port, protocol: p.protocol, number: p.port };
}

function swapProtocol(protocol: Protocol, options: ProtocolOptions): Protocol {
  const all = allowedProtocols(options);
  return all[(all.indexOf(protocol) + 1) % all.length];
}

/**
 * Resolves drafts against a complete state. A target that does not exist in it falls back to the
 * next simpler one (a NodePort to a Service port, a Service to a pod, a pod to a node's IP), so
 * every draft yields a probe.
 */
export function placeProbes(drafts: ProbeDraft[], state: ClusterState, options: ProtocolOptions = {}): Probe[] {
  const { pods, nodes, services, policies } = state;
  const nodePortServices = services.filter((s) => s.type === 'NodePort');
  const selectedBy = policies.map((policy) =>
    // hostNetwork pods are never isolated by policies: a policy's pods are the others it selects.
    pods.filter((p) => p.namespace === policy.namespace && !p.hostNetwork && selectorMatches(policy.podSelector, p.labels)),
  );
  const pick = (d: { selectedBy: number; pod: number }): Pod => {
    const candidates = selectedBy.length > 0 ? selectedBy[d.selectedBy % selectedBy.length] : [];
    return candidates.length > 0 ? candidates[d.pod % candidates.length] : pods[d.pod % pods.length];
  };
  return drafts.map((d) => {
    let to: Probe['to'];
    let port: Port;
    let targetPod: Pod | undefined;
    if ('nodePort' in d.to && nodePortServices.length > 0) {
      const service = nodePortServices[d.to.nodePort % nodePortServices.length];
      to = { kind: 'ip', ip: nodes[d.to.node % nodes.length].internalIP };
      port = servicePort(service, d.port, true);
    } else if (('service' in d.to || 'nodePort' in d.to) && services.length > 0) {
      const service = services[('service' in d.to ? d.to.service : d.to.nodePort) % services.length];
      to = { kind: 'service', namespace: service.namespace, name: service.name };
      port = servicePort(service, d.port, false);
    } else if (pods.length > 0) {
      const index = 'pod' in d.to ? d.to.pod : 'podIP' in d.to ? d.to.podIP : 'service' in d.to ? d.to.service : d.to.nodePort;
      const pod = 'selectedBy' in d.to ? pick(d.to) : pods[index % pods.length];
      targetPod = pod;
      to = 'podIP' in d.to ? { kind: 'ip', ip: pod.ip } : { kind: 'pod', namespace: pod.namespace, name: pod.name };
      port = podPort(pod, d.port);
    } else {
      to = { kind: 'ip', ip: nodes[0].internalIP };
      port = { port: OTHER_PORT_NUMBERS[0], protocol: 'TCP', number: OTHER_PORT_NUMBERS[0] };
    }
    // A name is resolved on the target with the probe's protocol; to an address, or with another
    // protocol than the named port's, it would be ambiguous, so the number is written instead.
    const numeric = to.kind === 'ip' || d.otherProtocol;
    let from: Probe['from'];
    if ('pod' in d.from && pods.length > 0) {
      const pod = 'selectedBy' in d.from ? pick(d.from) : pods[d.from.pod % pods.length];
      from = { kind: 'pod', namespace: pod.namespace, name: pod.name };
    } else if ('remoteNode' in d.from) {
      const others = nodes.filter((n) => n.name !== targetPod?.nodeName);
      const candidates = others.length > 0 ? others : nodes;
      from = { kind: 'node', name: candidates[d.from.remoteNode % candidates.length].name };
    } else {
      from = { kind: 'node', name: nodes[('node' in d.from ? d.from.node : d.from.pod) % nodes.length].name };
    }
    const protocol = d.otherProtocol ? swapProtocol(port.protocol, options) : port.protocol;
    return { from, to, port: numeric ? port.number : port.port, protocol };
  });
}
