import { describe, expect, it } from 'vitest';
import { podKey } from '../../cluster/types.ts';
import { probeRoute, type ProbeTopology } from './probe-target.ts';
import { pod, service, toPod, toService } from './kernel-test-state.ts';

const a = pod('a', 1, 5);
const b = pod('b', 2, 7, {}, { ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'dns', containerPort: 5353, protocol: 'UDP' }] });
const topology: ProbeTopology = {
  pods: new Map([
    [podKey(a), { pod: a, netns: 'np-000000-p0' }],
    [podKey(b), { pod: b, netns: 'np-000000-p1' }],
  ]),
  nodes: new Map([['node-1', { netns: 'np-000000-n0' }]]),
  services: [service('web', { app: 'web' }, '10.96.0.10'), service('headless', { app: 'web' }, 'None')],
};

describe('probeRoute', () => {
  it("connects from the client's own namespace to the target pod's IP", () => {
    expect(probeRoute(toPod('a', 'b', 8080), topology)).toEqual({ netns: 'np-000000-p0', ip: '10.244.2.7', port: 8080 });
  });

  it('resolves a named port on the target pod with the probe protocol (a container port name is per protocol)', () => {
    expect(probeRoute(toPod('a', 'b', 'http'), topology)).toMatchObject({ port: 8080 });
    expect(probeRoute(toPod('a', 'b', 'dns', 'UDP'), topology)).toMatchObject({ port: 5353 });
    expect(probeRoute(toPod('a', 'b', 'dns', 'TCP'), topology)).toMatchObject({ outcome: 'unreachable' });
  });

  it('probes from a node in its namespace', () => {
    expect(probeRoute({ ...toPod('a', 'b', 8080), from: { kind: 'node', name: 'node-1' } }, topology)).toMatchObject({ netns: 'np-000000-n0' });
  });

  it('connects to the ClusterIP and leaves a port the Service lacks to the data plane', () => {
    expect(probeRoute(toService('a', 'web', 80), topology)).toMatchObject({ ip: '10.96.0.10', port: 80 });
    expect(probeRoute(toService('a', 'web', 81), topology)).toMatchObject({ ip: '10.96.0.10', port: 81 });
    expect(probeRoute(toService('a', 'web', 'dns', 'UDP'), topology)).toMatchObject({ port: 53 });
    expect(probeRoute(toService('a', 'web', 'nope'), topology)).toMatchObject({ outcome: 'unreachable' });
  });

  it('has nothing to connect to for a headless Service (no ClusterIP)', () => {
    expect(probeRoute(toService('a', 'headless'), topology)).toMatchObject({ outcome: 'unreachable', detail: expect.stringMatching(/headless/) });
  });

  it('connects to an address as given, and needs a port number for it', () => {
    const probe = { ...toPod('a', 'b'), to: { kind: 'ip' as const, ip: '172.18.0.3' }, port: 30080 };
    expect(probeRoute(probe, topology)).toEqual({ netns: 'np-000000-p0', ip: '172.18.0.3', port: 30080 });
    expect(probeRoute({ ...probe, port: 'http' }, topology)).toMatchObject({ outcome: 'unreachable' });
  });

  it('treats a probe naming a pod the state lacks as a bug', () => {
    expect(() => probeRoute(toPod('ghost', 'b'), topology)).toThrow(/unknown pod/);
  });
});
