// Tests only: what a real agnhost pod answers to the probe commands the cluster harness execs.
// `agnhost connect` exits 0 when delivered, else 1 with connect's stderr words (REFUSED, OTHER,
// TIMEOUT); the TCP probe `curl ... /hostname /clientip` prints each answer followed by curl's
// connection count (1 for the first request, 0 for the second riding the same connection), and
// fails with curl's exit codes (7 could not connect, 28 timed out). A UDP Service probe runs
// udp-probe, as the local cluster's agnhost image has it: it prints the backend's answer, its
// hostname, and fails with connect's words.
import type { Outcome, Protocol } from '../../cluster/types.ts';
import type { Prediction } from '../model/model.ts';
import type { ExecReply } from './fake-apiserver.ts';

export interface ProbeTarget {
  tool: 'connect' | 'curl' | 'udp-probe';
  protocol: Protocol;
  host: string;
  port: number;
}

/** The destination of a probe command, or undefined when the command is not a probe. */
export function probeTarget(command: string[]): ProbeTarget | undefined {
  const text = command.join(' ');
  const p = /\/udp-probe --timeout=\d+s(?: --source-port=\d+)? \[?([\d.a-f:]+?)\]?:(\d+)/.exec(text);
  if (p) return { tool: 'udp-probe', protocol: 'UDP', host: p[1], port: Number(p[2]) };
  const c = /\/agnhost connect --timeout=\d+s --protocol=(\w+) \[?([\d.a-f:]+?)\]?:(\d+)/.exec(text);
  if (c) return { tool: 'connect', protocol: c[1].toUpperCase() as Protocol, host: c[2], port: Number(c[3]) };
  const u = /^curl .* http:\/\/\[?([\d.a-f:]+?)\]?:(\d+)\/hostname http:\/\/\S+\/clientip$/.exec(text);
  if (u) return { tool: 'curl', protocol: 'TCP', host: u[1], port: Number(u[2]) };
  return undefined;
}

/** The reply of a delivered probe: the backend's hostname and the source address it saw. */
export function deliveredReply(target: ProbeTarget, answer: { hostname: string; clientIP: string }, delayMs = 0): ExecReply {
  if (target.tool === 'connect') return { exitCode: 0, stdout: '', delayMs };
  if (target.tool === 'udp-probe') return { exitCode: 0, stdout: `${answer.hostname}\n`, delayMs };
  return { exitCode: 0, stdout: `${answer.hostname}\n1\n${answer.clientIP}:40000\n0\n`, delayMs };
}

/** The reply of a failed probe, in the words of the tool that made it. */
export function failedReply(target: ProbeTarget, outcome: Exclude<Outcome, 'delivered'>, delayMs = 0): ExecReply {
  const dest = `${target.host} port ${target.port}`;
  if (target.tool === 'curl') {
    // curl 7.88 -v: the socket's reason on its verbose line, a generic error line last.
    const failed = (reason: string) => `* connect to ${target.host} port ${target.port} failed: ${reason}\ncurl: (7) Failed to connect to ${dest} after 1 ms: Couldn't connect to server\n`;
    if (outcome === 'refused') return { exitCode: 7, stderr: failed('Connection refused'), delayMs };
    if (outcome === 'unreachable') return { exitCode: 7, stderr: failed('No route to host'), delayMs };
    return { exitCode: 28, stderr: `curl: (28) Connection timed out after 3001 milliseconds\n`, delayMs };
  }
  if (outcome === 'refused') return { exitCode: 1, stderr: 'REFUSED\n', delayMs };
  if (outcome === 'unreachable') return { exitCode: 1, stderr: 'OTHER: dial tcp: connect: no route to host\n', delayMs };
  return { exitCode: 1, stderr: 'TIMEOUT\n', delayMs };
}

/** The reply for a probe the reference model predicts. */
export function agnhostAnswer(prediction: Prediction, command: string[]): ExecReply {
  const target = probeTarget(command);
  if (!target) return { exitCode: 126, stderr: `unexpected exec ${command.join(' ')}` };
  const delivery = prediction.deliveries[0];
  if (prediction.verdict !== 'deny' && delivery) {
    return deliveredReply(target, { hostname: delivery.backend?.name ?? '', clientIP: delivery.sourceSeen ?? '0.0.0.0' });
  }
  const failure = prediction.routes[0]?.failure.outcome ?? 'timeout';
  return failedReply(target, failure === 'delivered' || failure === 'unsupported' ? 'timeout' : failure);
}
