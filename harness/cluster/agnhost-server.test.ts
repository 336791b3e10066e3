import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { ContainerPort, Protocol } from '../../cluster/types.ts';
import { agnhostContainers, servesNetexecHTTP, type AgnhostContainer } from './agnhost-server.ts';

const pod = (ports: ContainerPort[]) => ({ ports });

/** What agnhost listens on for these args/env, read back as agnhost's sources define each mode. */
function servedPorts(containers: AgnhostContainer[]): Set<string> {
  const served = new Set<string>();
  for (const c of containers) {
    const flag = (name: string, dflt: number) => {
      const arg = c.args.find((a) => a.startsWith(`--${name}=`));
      return arg ? Number(arg.split('=')[1]) : dflt;
    };
    if (c.mode === 'netexec') {
      // netexec: HTTP always (default 8080), UDP unless -1 (default 8081), SCTP only when given.
      served.add(`TCP/${flag('http-port', 8080)}`);
      if (flag('udp-port', 8081) !== -1) served.add(`UDP/${flag('udp-port', 8081)}`);
      if (flag('sctp-port', -1) !== -1) served.add(`SCTP/${flag('sctp-port', -1)}`);
    }
    if (c.mode === 'serve-hostname') {
      // serve-hostname: HTTP unless --http=false (then raw TCP with --tcp, UDP with --udp), on --port (default 9376).
      const port = flag('port', 9376);
      const http = !c.args.includes('--http=false');
      if (http || c.args.includes('--tcp')) served.add(`TCP/${port}`);
      if (c.args.includes('--udp')) served.add(`UDP/${port}`);
    }
    if (c.mode === 'porter') {
      // porter: SERVE_PORT_n and SERVE_TLS_PORT_n are TCP, SERVE_SCTP_PORT_n SCTP; it has no UDP server.
      for (const { name } of c.env) {
        const m = /^SERVE_(PORT|TLS_PORT|SCTP_PORT)_(\d+)$/.exec(name);
        if (!m) throw new Error(`porter serves nothing for ${name}`);
        served.add(`${m[1] === 'SCTP_PORT' ? 'SCTP' : 'TCP'}/${m[2]}`);
      }
    }
  }
  return served;
}

describe('agnhostContainers: a pod serves exactly its declared ports, one agnhost server per container', () => {
  it('a pod without ports pauses', () => {
    expect(agnhostContainers(pod([]))).toEqual([{ name: 'agnhost', mode: 'pause', args: ['pause'], env: [], serves: [] }]);
  });

  it('a TCP port is netexec HTTP (so /clientip tells the source address seen), with its UDP server off', () => {
    const [c] = agnhostContainers(pod([{ containerPort: 80, protocol: 'TCP' }]));
    expect(c.args).toEqual(['netexec', '--http-port=80', '--udp-port=-1']);
    expect(servesNetexecHTTP(pod([{ containerPort: 80, protocol: 'TCP' }]), 80)).toBe(true);
  });

  it('a UDP-only pod is served by serve-hostname --udp (porter has no UDP server)', () => {
    const cs = agnhostContainers(pod([{ containerPort: 53, protocol: 'UDP' }]));
    expect(cs.map((c) => c.mode)).toEqual(['serve-hostname']);
    expect(servedPorts(cs)).toEqual(new Set(['UDP/53']));
  });

  it('two TCP ports are two netexec containers; the first is the one named agnhost', () => {
    const cs = agnhostContainers(pod([{ containerPort: 81, protocol: 'TCP' }, { containerPort: 80, protocol: 'TCP' }, { containerPort: 53, protocol: 'UDP' }]));
    expect(cs.map((c) => c.name)).toEqual(['agnhost', 'agnhost-1']);
    expect(cs.map((c) => c.mode)).toEqual(['netexec', 'netexec']);
    expect(servesNetexecHTTP(pod([{ containerPort: 81, protocol: 'TCP' }, { containerPort: 80, protocol: 'TCP' }]), 81)).toBe(true);
  });

  it('for any declared ports, the servers listen on exactly those ports (as agnhost defines its modes)', () => {
    const port = fc.record({ containerPort: fc.integer({ min: 1, max: 65535 }), protocol: fc.constantFrom<Protocol>('TCP', 'UDP', 'SCTP') });
    fc.assert(
      fc.property(fc.array(port, { maxLength: 8 }), (ports) => {
        const declared = new Set(ports.map((p) => `${p.protocol}/${p.containerPort}`));
        expect(servedPorts(agnhostContainers(pod(ports)))).toEqual(declared);
        const names = agnhostContainers(pod(ports)).map((c) => c.name);
        expect(new Set(names).size).toBe(names.length);
      }),
    );
  });
});
