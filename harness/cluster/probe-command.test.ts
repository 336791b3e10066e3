import { describe, it, expect } from 'vitest';
import type { ClusterState, Probe } from '../../cluster/types.ts';
import { probeExec, probeObservation, type ProbeContext, type ProbeExec } from './probe-command.ts';

const state: ClusterState = {
  namespaces: [{ name: 'x', labels: {} }],
  nodes: [{ name: 'node-1', podCIDR: '10.244.1.0/24', internalIP: '172.18.0.3' }],
  pods: [
    { namespace: 'x', name: 'client', labels: {}, nodeName: 'node-1', hostNetwork: false, ports: [], ip: '10.244.1.2', ready: true },
    { namespace: 'x', name: 'web', labels: { app: 'web' }, nodeName: 'node-1', hostNetwork: false, ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }], ip: '10.244.1.3', ready: true },
    { namespace: 'x', name: 'multi', labels: { app: 'web' }, nodeName: 'node-1', hostNetwork: false, ports: [{ name: 'http', containerPort: 8081, protocol: 'TCP' }, { containerPort: 9090, protocol: 'TCP' }], ip: '10.244.1.4', ready: true },
    { namespace: 'x', name: 'host', labels: { app: 'web' }, nodeName: 'node-1', hostNetwork: true, ports: [{ name: 'http', containerPort: 8082, protocol: 'TCP' }], ip: '172.18.0.3', ready: true },
  ],
  services: [
    { namespace: 'x', name: 'web', type: 'ClusterIP', clusterIP: '10.96.0.10', selector: { app: 'web' }, ports: [{ name: 'web', port: 80, targetPort: 'http', protocol: 'TCP' }], sessionAffinity: 'None', publishNotReadyAddresses: false, internalTrafficPolicy: 'Cluster' },
    { namespace: 'x', name: 'headless', type: 'ClusterIP', clusterIP: 'None', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }], sessionAffinity: 'None', publishNotReadyAddresses: false, internalTrafficPolicy: 'Cluster' },
  ],
  policies: [],
};
const ctx: ProbeContext = { state, runId: 'np-1', nodeAgents: { 'node-1': { namespace: 'netprops-nodes-np-1', pod: 'node-agent-kind-worker' } }, timeoutSeconds: 2 };
const from = { kind: 'pod' as const, namespace: 'x', name: 'client' };
const exec = (p: Probe) => probeExec(p, ctx) as ProbeExec;

const curl = (host: string, port: number) => ['curl', '-sSv', '--connect-timeout', '2', '-m', '2', '-w', '\\n%{num_connects}\\n', `http://${host}:${port}/hostname`, `http://${host}:${port}/clientip`];

describe('probeExec', () => {
  it('a TCP probe to a netexec port is one curl over one connection: /hostname then /clientip (keep-alive)', () => {
    const e = exec({ from, to: { kind: 'pod', namespace: 'x', name: 'web' }, port: 'http', protocol: 'TCP' });
    expect(e).toMatchObject({ namespace: 'x-np-1', pod: 'client', container: 'agnhost', host: '10.244.1.3', port: 8080, follow: 'http' });
    expect(e.command).toEqual(curl('10.244.1.3', 8080));
  });

  it('every TCP port a pod declares is netexec HTTP, so a second port is probed the same way', () => {
    expect(exec({ from, to: { kind: 'pod', namespace: 'x', name: 'multi' }, port: 9090, protocol: 'TCP' }).command).toEqual(curl('10.244.1.4', 9090));
  });

  it('a port name the pod lacks (for that protocol) is unreachable, with no exec', () => {
    expect(probeExec({ from, to: { kind: 'pod', namespace: 'x', name: 'web' }, port: 'http', protocol: 'UDP' }, ctx)).toEqual({ outcome: 'unreachable', detail: 'pod x/web has no UDP container port named http' });
  });

  it('a Service probe dials the ClusterIP on the Service port (by number or name) and asks who answered on the same connection', () => {
    for (const port of [80, 'web'] as const) {
      const e = exec({ from, to: { kind: 'service', namespace: 'x', name: 'web' }, port, protocol: 'TCP' });
      expect(e).toMatchObject({ host: '10.96.0.10', port: 80, follow: 'http' });
      expect(e.command).toEqual(curl('10.96.0.10', 80));
    }
  });

  it('a Service port that does not exist, and a headless Service, have nothing to dial', () => {
    expect(probeExec({ from, to: { kind: 'service', namespace: 'x', name: 'web' }, port: 81, protocol: 'TCP' }, ctx)).toMatchObject({ outcome: 'unreachable' });
    expect(probeExec({ from, to: { kind: 'service', namespace: 'x', name: 'headless' }, port: 80, protocol: 'TCP' }, ctx)).toMatchObject({ outcome: 'unreachable', detail: 'Service x/headless is headless: it has no ClusterIP' });
  });

  it('a UDP Service probe is one datagram `hostname` from udp-probe where the image has it, else agnhost connect', () => {
    const udpState: ClusterState = { ...state, services: [{ ...state.services[0], name: 'dns', ports: [{ port: 53, targetPort: 5353, protocol: 'UDP' }] }] };
    const e = probeExec({ from, to: { kind: 'service', namespace: 'x', name: 'dns' }, port: 53, protocol: 'UDP' }, { ...ctx, state: udpState }) as ProbeExec;
    expect(e).toMatchObject({ host: '10.96.0.10', port: 53, follow: 'udp' });
    expect(e.command).toEqual(['sh', '-c', 'if [ -x /udp-probe ]; then exec /udp-probe --timeout=2s 10.96.0.10:53; else exec /agnhost connect --timeout=2s --protocol=udp 10.96.0.10:53; fi']);
    // A payload probe stays netexec's echo through agnhost connect.
    const payload = probeExec({ from, to: { kind: 'service', namespace: 'x', name: 'dns' }, port: 53, protocol: 'UDP', payloadBytes: 100 }, { ...ctx, state: udpState }) as ProbeExec;
    expect(payload.command[0]).toBe('/agnhost');
  });

  it('a UDP probe from a chosen source port is udp-probe binding it; an image without udp-probe says unsupported', () => {
    const e = exec({ from, to: { kind: 'ip', ip: '10.244.1.3' }, port: 53, protocol: 'UDP', sourcePort: 40000 });
    expect(e.follow).toBe('udp');
    expect(e.command).toEqual(['sh', '-c', "if [ -x /udp-probe ]; then exec /udp-probe --timeout=2s --source-port=40000 10.244.1.3:53; else echo 'UNSUPPORTED: this agnhost image has no udp-probe, and agnhost connect cannot choose the source port' >&2; exit 1; fi"]);
    expect(probeObservation(e, { exitCode: 1, stdout: '', stderr: 'UNSUPPORTED: this agnhost image has no udp-probe, and agnhost connect cannot choose the source port\n' }, state)).toEqual({
      outcome: 'unsupported', detail: 'this agnhost image has no udp-probe, and agnhost connect cannot choose the source port',
    });
  });

  it("a probe from a node runs in that node's hostNetwork agent; UDP is agnhost connect", () => {
    const e = exec({ from: { kind: 'node', name: 'node-1' }, to: { kind: 'ip', ip: '172.18.0.3' }, port: 30080, protocol: 'UDP' });
    expect(e).toMatchObject({ namespace: 'netprops-nodes-np-1', pod: 'node-agent-kind-worker' });
    expect(e.command).toEqual(['/agnhost', 'connect', '--timeout=2s', '--protocol=udp', '172.18.0.3:30080']);
  });

  it('an address outside the run is never probed', () => {
    expect(probeExec({ from, to: { kind: 'ip', ip: '8.8.8.8' }, port: 53, protocol: 'UDP' }, ctx)).toMatchObject({ outcome: 'unsupported', detail: expect.stringContaining('not an address of this run') });
    for (const ip of ['10.244.1.3', '172.18.0.3', '10.96.0.10']) expect(probeExec({ from, to: { kind: 'ip', ip }, port: 80, protocol: 'TCP' }, ctx)).toHaveProperty('command');
  });

  it("a UDP payload is netexec's `echo <text>` datagram of exactly payloadBytes (connect adds the newline); TCP payloads and source ports are unsupported", () => {
    const udp = exec({ from, to: { kind: 'ip', ip: '10.244.1.3' }, port: 53, protocol: 'UDP', payloadBytes: 1400 });
    const data = udp.command.at(-1)!.slice('--udp-data='.length);
    expect(data.startsWith('echo ')).toBe(true);
    expect(Buffer.byteLength(`${data}\n`)).toBe(1400);
    expect(probeExec({ from, to: { kind: 'ip', ip: '10.244.1.3' }, port: 80, protocol: 'TCP', payloadBytes: 1400 }, ctx)).toMatchObject({ outcome: 'unsupported' });
    expect(probeExec({ from, to: { kind: 'ip', ip: '10.244.1.3' }, port: 53, protocol: 'TCP', sourcePort: 40000 }, ctx)).toMatchObject({ outcome: 'unsupported' });
    expect(probeExec({ from, to: { kind: 'ip', ip: '10.244.1.3' }, port: 53, protocol: 'UDP', payloadBytes: 100, sourcePort: 40000 }, ctx)).toMatchObject({ outcome: 'unsupported' });
  });
});

const answers = (hostname: string, clientip: string, reused = true) => `${hostname}\n1\n${clientip}\n${reused ? 0 : 1}\n`;

describe('probeObservation', () => {
  it('a delivered direct probe: backend is the target, sourceSeen from /clientip, reply from the dialed address', () => {
    const e = exec({ from, to: { kind: 'pod', namespace: 'x', name: 'web' }, port: 8080, protocol: 'TCP' });
    expect(probeObservation(e, { exitCode: 0, stdout: answers('web', '10.244.1.2:51234'), stderr: '' }, state)).toEqual({
      outcome: 'delivered', replyFrom: '10.244.1.3', sourceSeen: '10.244.1.2', backend: { namespace: 'x', name: 'web', port: 8080 },
    });
  });

  it("a Service backend is found from netexec's hostname, with its resolved targetPort", () => {
    const e = exec({ from, to: { kind: 'service', namespace: 'x', name: 'web' }, port: 80, protocol: 'TCP' });
    expect(probeObservation(e, { exitCode: 0, stdout: answers('web', '10.244.1.2:1'), stderr: '' }, state).backend).toEqual({ namespace: 'x', name: 'web', port: 8080 });
    expect(probeObservation(e, { exitCode: 0, stdout: answers('multi', '10.244.1.2:1'), stderr: '' }, state).backend).toEqual({ namespace: 'x', name: 'multi', port: 8081 });
    // A hostNetwork backend's hostname is its node's: unknown, so left out rather than guessed.
    expect(probeObservation(e, { exitCode: 0, stdout: answers('kind-worker', '10.244.1.2:1'), stderr: '' }, state).backend).toBeUndefined();
  });

  it('answers from two connections are never taken for one backend: backend and source are left unjudged', () => {
    const e = exec({ from, to: { kind: 'service', namespace: 'x', name: 'web' }, port: 80, protocol: 'TCP' });
    const o = probeObservation(e, { exitCode: 0, stdout: answers('web', '10.244.1.2:1', false), stderr: '' }, state);
    expect(o.backend).toBeUndefined();
    expect(o.sourceSeen).toBeUndefined();
    expect(o.detail).toMatch(/did not reuse its connection/);
  });

  it("a failed curl is curl's outcome: 7 refused or no route, 28 timed out", () => {
    const e = exec({ from, to: { kind: 'pod', namespace: 'x', name: 'web' }, port: 8080, protocol: 'TCP' });
    expect(probeObservation(e, { exitCode: 28, stdout: '', stderr: 'curl: (28) Connection timed out after 2001 milliseconds\n' }, state)).toMatchObject({ outcome: 'timeout' });
    expect(probeObservation(e, { exitCode: 7, stdout: '', stderr: 'curl: (7) Failed to connect to 10.244.1.3 port 8080 after 0 ms: Connection refused\n' }, state)).toMatchObject({ outcome: 'refused' });
    // curl 7.88 hides the reason in its error line; its -v line keeps it.
    const verbose = (reason: string) => `*   Trying 10.244.1.3:8080...\n* connect to 10.244.1.3 port 8080 failed: ${reason}\n* Failed to connect to 10.244.1.3 port 8080 after 0 ms: Couldn't connect to server\n* Closing connection 0\ncurl: (7) Failed to connect to 10.244.1.3 port 8080 after 0 ms: Couldn't connect to server\n`;
    expect(probeObservation(e, { exitCode: 7, stdout: '', stderr: verbose('Connection refused') }, state)).toEqual({ outcome: 'refused', detail: "curl: (7) Failed to connect to 10.244.1.3 port 8080 after 0 ms: Couldn't connect to server (Connection refused)" });
    expect(probeObservation(e, { exitCode: 7, stdout: '', stderr: verbose('No route to host') }, state)).toMatchObject({ outcome: 'unreachable' });
    expect(probeObservation(e, { exitCode: 7, stdout: '', stderr: 'curl: (7) Failed to connect to 10.244.1.3 port 8080 after 3 ms: No route to host\n' }, state)).toMatchObject({ outcome: 'unreachable' });
  });

  it("a UDP Service probe's backend is the pod that answered `hostname`; connect's empty answer names none", () => {
    const udpState: ClusterState = { ...state, services: [{ ...state.services[0], name: 'dns', ports: [{ port: 53, targetPort: 'http', protocol: 'TCP' }, { port: 53, targetPort: 5353, protocol: 'UDP' }] }] };
    const e = probeExec({ from, to: { kind: 'service', namespace: 'x', name: 'dns' }, port: 53, protocol: 'UDP' }, { ...ctx, state: udpState }) as ProbeExec;
    expect(probeObservation(e, { exitCode: 0, stdout: 'multi\n', stderr: '' }, udpState)).toEqual({ outcome: 'delivered', replyFrom: '10.96.0.10', backend: { namespace: 'x', name: 'multi', port: 5353 } });
    expect(probeObservation(e, { exitCode: 0, stdout: '', stderr: '' }, udpState)).toEqual({ outcome: 'delivered', replyFrom: '10.96.0.10' });
    // A name that is no endpoint of the Service (a hostNetwork pod answers with its node's) is not guessed.
    expect(probeObservation(e, { exitCode: 0, stdout: 'kind-worker\n', stderr: '' }, udpState).backend).toBeUndefined();
    expect(probeObservation(e, { exitCode: 1, stdout: '', stderr: 'REFUSED: read udp 10.244.1.2:4000->10.96.0.10:53: read: connection refused\n' }, udpState)).toMatchObject({ outcome: 'refused' });
    expect(probeObservation(e, { exitCode: 1, stdout: '', stderr: 'TIMEOUT: read udp 10.244.1.2:4000->10.96.0.10:53: i/o timeout\n' }, udpState)).toMatchObject({ outcome: 'timeout' });
    expect(() => probeObservation(e, { exitCode: 2, stdout: '', stderr: 'usage: udp-probe [--timeout=5s] [--data=hostname] HOST:PORT\n' }, udpState)).toThrow(/unexpected output/);
  });

  it('a failed UDP connect is its agnhost outcome; UNKNOWN with an ICMP error is unreachable, not a crash', () => {
    const e = exec({ from, to: { kind: 'ip', ip: '10.244.1.3' }, port: 53, protocol: 'UDP' });
    expect(probeObservation(e, { exitCode: 1, stdout: '', stderr: 'TIMEOUT\n' }, state)).toEqual({ outcome: 'timeout', detail: 'TIMEOUT' });
    expect(probeObservation(e, { exitCode: 1, stdout: '', stderr: 'UNKNOWN: read udp 10.244.1.2:4000->10.244.1.3:53: read: no route to host\n' }, state)).toMatchObject({ outcome: 'unreachable' });
    expect(() => probeObservation(e, { exitCode: 1, stdout: '', stderr: 'UNKNOWN: bad flag\n' }, state)).toThrow(/unexpected output/);
  });
});

describe('probeExec on nodes without SCTP', () => {
  it('an SCTP probe is unsupported, never judged', () => {
    expect(probeExec({ from, to: { kind: 'pod', namespace: 'x', name: 'web' }, port: 8080, protocol: 'SCTP' }, { ...ctx, sctp: false })).toMatchObject({ outcome: 'unsupported' });
  });
});
