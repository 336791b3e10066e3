import { describe, it, expect } from 'vitest';
import { describeObservation, describeProbe, probeDestination } from './probe-text.ts';

describe('probe text', () => {
  it('writes a probe in the case files\' reference notation', () => {
    expect(describeProbe({ from: { kind: 'node', name: 'node-1' }, to: { kind: 'service', namespace: 'x', name: 'web' }, port: 'http', protocol: 'TCP' }))
      .toBe('node:node-1 -> svc:x/web:http/TCP');
    expect(probeDestination({ from: { kind: 'pod', namespace: 'a', name: 'b' }, to: { kind: 'ip', ip: '10.0.0.1' }, port: 53, protocol: 'UDP' }))
      .toBe('ip:10.0.0.1:53/UDP');
    expect(describeProbe({ from: { kind: 'pod', namespace: 'x', name: 'c' }, to: { kind: 'service', namespace: 'x', name: 'dns' }, port: 53, protocol: 'UDP', payloadBytes: 1400, sourcePort: 40000 }))
      .toBe('x/c -> svc:x/dns:53/UDP (1400 bytes) (source port 40000)');
  });
  it('names an observation by outcome, then who answered and the addresses seen', () => {
    expect(describeObservation({ outcome: 'timeout', detail: 'no reply in 1s' })).toBe('timeout (no reply in 1s)');
    expect(describeObservation({ outcome: 'delivered', backend: { namespace: 'x', name: 'web', port: 8080 }, sourceSeen: '10.0.0.2', replyFrom: '10.96.0.1' }))
      .toBe('delivered, backend x/web:8080, source seen 10.0.0.2, reply from 10.96.0.1');
  });
});
