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
      // Go's error text for SCTP on a kernel without it, and for ICMP unreachables.
      if (/protocol not supported/i.test(line)) return { outcome: 'unsupported', detail: line };
      if (/connection reset by peer/i.test(line)) return { outcome: 'refused', detail: line };
      return { outcome: 'unreachable', detail: line };
    case 'DNS':
      return { outcome: 'unreachable', detail: line };
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
