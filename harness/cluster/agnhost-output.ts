// Reading what agnhost printed. `agnhost connect` (test/images/agnhost/connect/connect.go) exits 0
// when the connection was made and answered, else 1 with one stderr line whose fixed prefix names
// the failure: TIMEOUT, REFUSED, DNS, OTHER (e.g. "no route to host") or UNKNOWN (bad arguments).
// netexec's /clientip answers the remote address it saw as "ip:port"; /hostname the pod's hostname;
// porter answers the value of its SERVE_*_PORT_n variable (here the pod's case identity).
import type { Observation } from '../../cluster/types.ts';

/** The exit code in a V1Status from the exec API's status channel. */
export interface ExecStatus {
  status?: string;
  reason?: string;
  message?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}

/**
 * The process's exit code: 0 for Success, the ExitCode cause of a NonZeroExitCode failure. Any
 * other failure (no such container, exec refused) is not the command's verdict: undefined.
 */
export function exitCodeOf(status: ExecStatus): number | undefined {
  if (status.status === 'Success') return 0;
  if (status.reason !== 'NonZeroExitCode') return undefined;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = Number(cause?.message);
  return Number.isInteger(code) ? code : undefined;
}

/** An outcome from `agnhost connect`'s exit code and stderr. Unknown output is a bug: it throws. */
export function connectOutcome(exitCode: number, stderr: string): Observation {
  if (exitCode === 0) return { outcome: 'delivered' };
  const line = stderr.trim().split('\n').filter(Boolean).pop() ?? '';
  const [prefix] = line.split(':', 1);
  switch (prefix) {
    case 'TIMEOUT':
      return { outcome: 'timeout', detail: line };
    case 'REFUSED':
      return { outcome: 'refused', detail: line };
    case 'OTHER':
      // Go's error text for SCTP on a kernel without it, an SCTP abort, and ICMP unreachables.
      if (/protocol not supported/i.test(line)) return { outcome: 'unsupported', detail: line };
      if (/connection reset by peer|connection refused/i.test(line)) return { outcome: 'refused', detail: line };
      return { outcome: 'unreachable', detail: line };
    case 'DNS':
      return { outcome: 'unreachable', detail: line };
    case 'UNSUPPORTED':
      // Not agnhost's: the probe command's own word for a probe this image cannot make (probe-command.ts).
      return { outcome: 'unsupported', detail: line.slice('UNSUPPORTED: '.length) };
    case 'UNKNOWN':
      // connect's UDP path prints UNKNOWN for every error but timeout and refusal (an ICMP host or
      // admin-prohibited unreachable, a network unreachable): an observation, not a crash. Its
      // argument errors print UNKNOWN too, but only a bug in this harness makes those.
      if (/no route to host|network is unreachable|host is unreachable|permission denied|operation not permitted/i.test(line)) return { outcome: 'unreachable', detail: line };
      if (/connection refused/i.test(line)) return { outcome: 'refused', detail: line };
      throw new Error(`agnhost connect exited ${exitCode} with unexpected output: ${JSON.stringify(stderr)}`);
    default:
      throw new Error(`agnhost connect exited ${exitCode} with unexpected output: ${JSON.stringify(stderr)}`);
  }
}

/** The IP in netexec's /clientip answer ("10.244.1.5:40312", "[fd00::5]:40312"); undefined if it is not one. */
export function clientIPOf(body: string): string | undefined {
  const text = body.trim();
  const v6 = /^\[([0-9a-fA-F:.]+)\]:\d+$/.exec(text);
  if (v6) return v6[1];
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(text);
  return v4 ? v4[1] : undefined;
}

/** host:port with an IPv6 address in brackets, as Go's net.JoinHostPort and URLs write it. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * An outcome from curl's exit code and its -sS error line (curl's libcurl-errors: 7 could not
 * connect, 28 timed out, 52 empty reply, 56 receive failure). Exit codes that no network outcome
 * explains (curl missing, bad arguments) are a bug or a broken image: they throw. curl 7.88
 * (Debian 12's, the local cluster's image) ends every failed connect with "Couldn't connect to
 * server", whatever the socket said; only its -v line "connect to H port P failed: <errno text>"
 * tells a refusal (RST, ICMP port unreachable: kube-router's REJECT) from an ICMP host unreachable.
 */
export function curlOutcome(exitCode: number, stderr: string): Observation {
  if (exitCode === 0) return { outcome: 'delivered' };
  const lines = stderr.trim().split('\n').filter(Boolean);
  const last = lines.filter((l) => l.startsWith('curl: ')).pop() ?? lines.pop() ?? '';
  const socket = lines.map((l) => /^\* connect to \S+ port \d+ failed: (.+)$/.exec(l)?.[1]).filter(Boolean).pop();
  const line = socket ? `${last} (${socket})` : last;
  switch (exitCode) {
    case 7:
      if (/refused/i.test(line)) return { outcome: 'refused', detail: line };
      if (/timed out|timeout/i.test(line)) return { outcome: 'timeout', detail: line };
      return { outcome: 'unreachable', detail: line };
    case 28:
      return { outcome: 'timeout', detail: line };
    case 56:
      if (/reset/i.test(line)) return { outcome: 'refused', detail: line };
      return { outcome: 'unreachable', detail: line };
    case 52:
      return { outcome: 'unreachable', detail: `connected, but no HTTP answer: ${line}` };
    default:
      throw new Error(`curl exited ${exitCode} with unexpected output: ${JSON.stringify(stderr)}`);
  }
}
