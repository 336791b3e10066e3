import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { ContainerPort, Protocol } from '../../cluster/types.ts';
import { agnhostServer, servesNetexecHTTP } from './agnhost-server.ts';

const pod = (ports: ContainerPort[]) => ({ namespace: 'x', name: 'web', ports });

/** What agnhost actually listens on for these args/env, read back as agnhost's sources define them. */
function servedPorts(server: ReturnType<typeof agnhostServer>): Set<string> {
  const served = new Set<string>();
  if (server.mode === 'netexec') {
    const flag = (name: string, dflt: number) => {
      const arg = server.args.find((a) => a.startsWith(`--${name}=`));
      return arg ? Number(arg.split('=')[1]) : dflt;
    };
    // netexec defaults: HTTP 8080 always, UDP 8081 unless -1, SCTP only when given.
    served.add(`TCP/${flag('http-port', 8080)}`);
    if (flag('udp-port', 8081) !== -1) served.add(`UDP/${flag('udp-port', 8081)}`);
    if (flag('sctp-port', -1) !== -1) served.add(`SCTP/${flag('sctp-port', -1)}`);
  }
  if (server.mode === 'porter') {
    for (const { name } of server.env) {
      const m = /^SERVE_(PORT|TCP_PORT|UDP_PORT|SCTP_PORT)_(\d+)$/.exec(name);
      if (!m) throw new Error(`porter ignores ${name}`);
      served.add(`${m[1] === 'UDP_PORT' ? 'UDP' : m[1] === 'SCTP_PORT' ? 'SCTP' : 'TCP'}/${m[2]}`);
    }
  }
  return served;
}

describe('agnhostServer: a pod serves exactly its declared ports', () => {
  it('a pod without ports runs pause and serves nothing', () => {
    expect(agnhostServer(pod([]))).toEqual({ mode: 'pause', args: ['pause'], env: [] });
  });

  it('one TCP port alone: netexec with its default UDP server switched off', () => {
    const s = agnhostServer(pod([{ containerPort: 80, protocol: 'TCP' }]));
    expect(s.mode).toBe('netexec');
    expect(s.args).toEqual(['netexec', '--http-port=80', '--udp-port=-1']);
  });

  it('one TCP and one UDP port: netexec serves both', () => {
    const s = agnhostServer(pod([{ containerPort: 80, protocol: 'TCP' }, { containerPort: 53, protocol: 'UDP' }]));
    expect(s.args).toEqual(['netexec', '--http-port=80', '--udp-port=53']);
    expect(servesNetexecHTTP(pod([{ containerPort: 80, protocol: 'TCP' }, { containerPort: 53, protocol: 'UDP' }]), 80)).toBe(true);
  });

  it('two TCP ports: porter with SERVE_PORT_n, answering the pod identity', () => {
    const s = agnhostServer(pod([{ containerPort: 80, protocol: 'TCP' }, { containerPort: 81, protocol: 'TCP' }]));
    expect(s.mode).toBe('porter');
    expect(s.env).toEqual([
      { name: 'SERVE_PORT_80', value: 'x/web' },
      { name: 'SERVE_PORT_81', value: 'x/web' },
    ]);
  });

  it('UDP only: porter, since netexec would also open an HTTP port', () => {
    const s = agnhostServer(pod([{ containerPort: 53, protocol: 'UDP' }]));
    expect(s).toEqual({ mode: 'porter', args: ['porter'], env: [{ name: 'SERVE_UDP_PORT_53', value: 'x/web' }] });
  });

  it('for any declared ports, the served set equals the declared set', () => {
    const port = fc.record({ containerPort: fc.integer({ min: 1, max: 65535 }), protocol: fc.constantFrom<Protocol>('TCP', 'UDP', 'SCTP') });
    fc.assert(
      fc.property(fc.array(port, { maxLength: 6 }), (ports) => {
        const declared = new Set(ports.map((p) => `${p.protocol}/${p.containerPort}`));
        expect(servedPorts(agnhostServer(pod(ports)))).toEqual(declared);
      }),
      { numRuns: 300 },
    );
  });
});
