// NetworkPolicyPort matching: which (port, protocol) pairs a rule's `ports` list admits.
import type { NetworkPolicyPort, Pod, Protocol } from '../../cluster/types.ts';

export interface PortMatchOptions {
  /** ignore-endport fault: a range matches only its first port. */
  ignoreEndPort?: boolean;
  /** ignore-policy-protocol fault: the policy port's protocol is not compared. */
  ignoreProtocol?: boolean;
}

/**
 * One NetworkPolicyPort. Its protocol defaults to TCP (so `{}` admits every TCP port and nothing
 * of UDP or SCTP); no port admits every port of that protocol; endPort makes [port, endPort]; a
 * named port is resolved on `namedPortPod` (the destination pod: the API says the name refers to
 * the destination's container port) with the policy port's protocol, and admits nothing when that
 * pod has no such port (or there is no pod, e.g. a node).
 */
export function policyPortMatches(
  pp: NetworkPolicyPort,
  port: number,
  protocol: Protocol,
  namedPortPod: Pod | undefined,
  options: PortMatchOptions = {},
): boolean {
  const ppProtocol = pp.protocol ?? 'TCP';
  if (!options.ignoreProtocol && ppProtocol !== protocol) return false;
  if (pp.port === undefined) return true;
  if (typeof pp.port === 'number') {
    if (pp.endPort !== undefined && !options.ignoreEndPort) return port >= pp.port && port <= pp.endPort;
    return port === pp.port;
  }
  if (!namedPortPod) return false;
  return namedPortPod.ports.some(
    (cp) => cp.name === pp.port && cp.containerPort === port && (options.ignoreProtocol || cp.protocol === ppProtocol),
  );
}

/** A rule's `ports`: absent or empty admits every port of every protocol; otherwise any entry (OR). */
export function rulePortsMatch(
  ports: NetworkPolicyPort[] | undefined,
  port: number,
  protocol: Protocol,
  namedPortPod: Pod | undefined,
  options: PortMatchOptions = {},
): boolean {
  if (ports === undefined || ports.length === 0) return true;
  for (const pp of ports) if (policyPortMatches(pp, port, protocol, namedPortPod, options)) return true;
  return false;
}
