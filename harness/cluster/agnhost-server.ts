// Which agnhost mode serves a pod's declared ports, verified against agnhost's sources
// (kubernetes/kubernetes test/images/agnhost):
// - `netexec` always starts an HTTP server (--http-port, default 8080) and a UDP server
//   (--udp-port, default 8081, disabled with -1), and an SCTP server only when --sctp-port is given.
//   Its HTTP /clientip answers the source address the server saw, /hostname the pod's hostname.
//   So it fits a pod with exactly one TCP port and at most one UDP and one SCTP port.
// - `porter` serves every SERVE_PORT_<n> (TCP, HTTP answering the variable's value to any path),
//   SERVE_UDP_PORT_<n> and SERVE_SCTP_PORT_<n> from its environment: any number of ports.
// - `pause` (the image's default) serves nothing, for a pod without ports.
// A pod must serve exactly its declared ports: a connection to any other port is refused, which is
// why netexec's default UDP port is switched off explicitly.
import type { ContainerPort, Pod } from '../../cluster/types.ts';

export type AgnhostMode = 'netexec' | 'porter' | 'pause';

export interface AgnhostServer {
  mode: AgnhostMode;
  /** Arguments after /agnhost. */
  args: string[];
  env: { name: string; value: string }[];
}

const count = (ports: ContainerPort[], protocol: ContainerPort['protocol']) => ports.filter((p) => p.protocol === protocol).length;

/** The identity a porter answers with: the pod's key in the case (not its renamed namespace). */
export function porterIdentity(pod: Pick<Pod, 'namespace' | 'name'>): string {
  return `${pod.namespace}/${pod.name}`;
}

export function agnhostServer(pod: Pick<Pod, 'namespace' | 'name' | 'ports'>): AgnhostServer {
  // The same port number may be declared twice for one protocol (in two containers); it is one server.
  const seen = new Set<string>();
  const ports = pod.ports.filter((p) => {
    const k = `${p.protocol}/${p.containerPort}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  if (ports.length === 0) return { mode: 'pause', args: ['pause'], env: [] };
  const tcp = count(ports, 'TCP');
  if (tcp === 1 && count(ports, 'UDP') <= 1 && count(ports, 'SCTP') <= 1) {
    const port = (protocol: ContainerPort['protocol']) => ports.find((p) => p.protocol === protocol)?.containerPort;
    const args = ['netexec', `--http-port=${port('TCP')}`, `--udp-port=${port('UDP') ?? -1}`];
    const sctp = port('SCTP');
    if (sctp !== undefined) args.push(`--sctp-port=${sctp}`);
    return { mode: 'netexec', args, env: [] };
  }
  const prefix = { TCP: 'SERVE_PORT_', UDP: 'SERVE_UDP_PORT_', SCTP: 'SERVE_SCTP_PORT_' } as const;
  const env = ports
    .map((p) => ({ name: `${prefix[p.protocol]}${p.containerPort}`, value: porterIdentity(pod) }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return { mode: 'porter', args: ['porter'], env };
}

/** Whether a TCP connection to this port of the pod reaches netexec's HTTP server (/clientip works). */
export function servesNetexecHTTP(pod: Pick<Pod, 'namespace' | 'name' | 'ports'>, port: number): boolean {
  const server = agnhostServer(pod);
  return server.mode === 'netexec' && server.args.includes(`--http-port=${port}`);
}
