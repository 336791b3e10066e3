// Which agnhost servers serve a pod's declared ports, one container per server as upstream's
// NetworkPolicy e2e tests do, verified against agnhost's sources (test/images/agnhost):
// - `netexec` always starts an HTTP server (--http-port) and a UDP server (--udp-port, off with
//   -1), and an SCTP server only with --sctp-port. HTTP /clientip answers the source address it
//   saw, /hostname the pod's hostname; its UDP server answers the datagrams `hostname`,
//   `clientip` and `echo <text>` and nothing else. One netexec serves one TCP port with at most
//   one UDP and one SCTP port beside it.
// - `serve-hostname --udp --http=false --port P` answers any UDP datagram with the hostname: the
//   UDP ports no netexec takes.
// - `porter` serves SERVE_PORT_<n> (TCP) and SERVE_SCTP_PORT_<n> (SCTP) from its environment; it
//   has no UDP server (SERVE_UDP_PORT_ is not one of its variables). Here: SCTP ports no netexec
//   takes.
// - `pause` (the image's default) serves nothing, for a pod without ports.
// A pod must serve exactly its declared ports: a connection to any other port is refused.
import type { ContainerPort, Pod, Protocol } from '../../cluster/types.ts';

export type AgnhostMode = 'netexec' | 'serve-hostname' | 'porter' | 'pause';

export interface AgnhostContainer {
  /** `agnhost` for the first (the one probes exec in), then `agnhost-1`, `agnhost-2`, ... */
  name: string;
  mode: AgnhostMode;
  /** Arguments after /agnhost. */
  args: string[];
  env: { name: string; value: string }[];
  /** The ports this container listens on, `PROTOCOL/port`. */
  serves: string[];
}

export const CONTAINER_NAME = 'agnhost';

function distinctPorts(ports: ContainerPort[]): Record<Protocol, number[]> {
  // The same port number may be declared twice for one protocol (in two containers); it is one server.
  const by: Record<Protocol, number[]> = { TCP: [], UDP: [], SCTP: [] };
  for (const p of ports) if (!by[p.protocol].includes(p.containerPort)) by[p.protocol].push(p.containerPort);
  for (const k of Object.keys(by) as Protocol[]) by[k].sort((a, b) => a - b);
  return by;
}

export function agnhostContainers(pod: Pick<Pod, 'ports'>): AgnhostContainer[] {
  const { TCP, UDP, SCTP } = distinctPorts(pod.ports);
  const out: Omit<AgnhostContainer, 'name'>[] = [];
  TCP.forEach((tcp, i) => {
    const udp = UDP[i];
    const sctp = SCTP[i];
    const args = ['netexec', `--http-port=${tcp}`, `--udp-port=${udp ?? -1}`];
    if (sctp !== undefined) args.push(`--sctp-port=${sctp}`);
    out.push({ mode: 'netexec', args, env: [], serves: [`TCP/${tcp}`, ...(udp !== undefined ? [`UDP/${udp}`] : []), ...(sctp !== undefined ? [`SCTP/${sctp}`] : [])] });
  });
  for (const udp of UDP.slice(TCP.length)) {
    out.push({ mode: 'serve-hostname', args: ['serve-hostname', '--udp', '--http=false', `--port=${udp}`], env: [], serves: [`UDP/${udp}`] });
  }
  const sctpLeft = SCTP.slice(TCP.length);
  if (sctpLeft.length > 0) {
    out.push({ mode: 'porter', args: ['porter'], env: sctpLeft.map((p) => ({ name: `SERVE_SCTP_PORT_${p}`, value: 'porter' })), serves: sctpLeft.map((p) => `SCTP/${p}`) });
  }
  if (out.length === 0) out.push({ mode: 'pause', args: ['pause'], env: [], serves: [] });
  return out.map((c, i) => ({ ...c, name: i === 0 ? CONTAINER_NAME : `${CONTAINER_NAME}-${i}` }));
}

/** Whether a TCP connection to this port of the pod reaches netexec's HTTP server (/clientip, /hostname). */
export function servesNetexecHTTP(pod: Pick<Pod, 'ports'>, port: number): boolean {
  return agnhostContainers(pod).some((c) => c.mode === 'netexec' && c.args.includes(`--http-port=${port}`));
}
