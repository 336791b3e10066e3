import { describe, it, expect } from 'vitest';
import { clientIPOf, connectOutcome, exitCodeOf } from './agnhost-output.ts';

// Output as agnhost's sources write it (test/images/agnhost/connect/connect.go): TCP prints a bare
// "TIMEOUT\n" or "REFUSED\n" to stderr; UDP prints "TIMEOUT: <err>\n" / "REFUSED: <err>\n" with Go's
// net error text; other failures "OTHER: <err>\n"; bad arguments "UNKNOWN: <err>\n"; DNS "DNS: <err>\n".
const STDERR = {
  tcpTimeout: 'TIMEOUT\n',
  tcpRefused: 'REFUSED\n',
  udpTimeout: 'TIMEOUT: read udp 10.244.1.5:45123->10.244.2.7:53: i/o timeout\n',
  udpRefused: 'REFUSED: read udp 10.244.1.5:45123->10.244.2.7:53: recvfrom: connection refused\n',
  noRoute: 'OTHER: dial tcp 10.244.2.7:80: connect: no route to host\n',
  sctpMissing: 'OTHER: socket: protocol not supported\n',
  reset: 'OTHER: read tcp 10.244.1.5:1->10.244.2.7:80: read: connection reset by peer\n',
  dns: 'DNS: lookup web.x.svc.cluster.local: no such host\n',
  unknown: 'UNKNOWN: address 10.0.0.1: missing port in address\n',
};

// The exec API's status channel (v4/v5), as the API server writes it for an exit code of 1.
const STATUS_EXIT_1 = {
  metadata: {},
  status: 'Failure',
  message: 'command terminated with non-zero exit code: error executing command [/agnhost connect 10.244.2.7:80 --timeout=1s], exit code 1',
  reason: 'NonZeroExitCode',
  details: { causes: [{ reason: 'ExitCode', message: '1' }] },
};

describe('exitCodeOf (exec status channel)', () => {
  it('Success is exit code 0', () => expect(exitCodeOf({ metadata: {}, status: 'Success' } as never)).toBe(0));
  it('NonZeroExitCode carries the code in its ExitCode cause', () => {
    expect(exitCodeOf(STATUS_EXIT_1)).toBe(1);
    expect(exitCodeOf({ ...STATUS_EXIT_1, details: { causes: [{ reason: 'ExitCode', message: '137' }] } })).toBe(137);
  });
  it('a failure that is not the command\'s exit (e.g. container not found) has no exit code', () => {
    expect(exitCodeOf({ status: 'Failure', reason: 'InternalError', message: 'container not found ("agnhost")' })).toBeUndefined();
  });
});

describe('connectOutcome (agnhost connect)', () => {
  it('exit 0 is a delivered connection', () => expect(connectOutcome(0, '')).toEqual({ outcome: 'delivered' }));
  it('TIMEOUT for TCP and UDP', () => {
    expect(connectOutcome(1, STDERR.tcpTimeout).outcome).toBe('timeout');
    expect(connectOutcome(1, STDERR.udpTimeout).outcome).toBe('timeout');
  });
  it('REFUSED for TCP (RST) and UDP (ICMP port unreachable)', () => {
    expect(connectOutcome(1, STDERR.tcpRefused).outcome).toBe('refused');
    expect(connectOutcome(1, STDERR.udpRefused)).toEqual({ outcome: 'refused', detail: STDERR.udpRefused.trim() });
  });
  it('a reset is an active refusal; no route is unreachable', () => {
    expect(connectOutcome(1, STDERR.reset).outcome).toBe('refused');
    expect(connectOutcome(1, STDERR.noRoute).outcome).toBe('unreachable');
  });
  it('SCTP on a node without it is unsupported, never a deny', () => expect(connectOutcome(1, STDERR.sctpMissing).outcome).toBe('unsupported'));
  it('DNS failure is unreachable', () => expect(connectOutcome(1, STDERR.dns).outcome).toBe('unreachable'));
  it('UNKNOWN (our own bad arguments) and unrecognised output are bugs: they throw', () => {
    expect(() => connectOutcome(1, STDERR.unknown)).toThrow(/unexpected output/);
    expect(() => connectOutcome(1, 'panic: runtime error\n')).toThrow(/unexpected output/);
  });
});

describe('clientIPOf (netexec /clientip answers r.RemoteAddr)', () => {
  it('IPv4 ip:port', () => expect(clientIPOf('10.244.1.5:40312')).toBe('10.244.1.5'));
  it('IPv6 [ip]:port', () => expect(clientIPOf('[fd00:10:244::5]:40312')).toBe('fd00:10:244::5'));
  it('anything else (a porter value, an error page) is not an IP', () => {
    expect(clientIPOf('x/web')).toBeUndefined();
    expect(clientIPOf('NOW: 2026-11-23')).toBeUndefined();
  });
});
