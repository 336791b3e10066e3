// Probe references: `ns/name` (pod), `node:NAME`, `svc:ns/name`, `ip:A.B.C.D`; format and parse are inverse.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatProbeRef, parseProbeRef, ProbeRefError, type ProbeRef } from './probe-ref.ts';

const label = fc.stringMatching(/^[a-z]([-a-z0-9]{0,10}[a-z0-9])?$/);
const subdomain = fc.array(label, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('.'));
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
const ref: fc.Arbitrary<ProbeRef> = fc.oneof(
  fc.record({ kind: fc.constant('pod' as const), namespace: label, name: subdomain }),
  fc.record({ kind: fc.constant('node' as const), name: subdomain }),
  fc.record({ kind: fc.constant('service' as const), namespace: label, name: label }),
  fc.record({ kind: fc.constant('ip' as const), ip: ipv4 }),
);

describe('probe references', () => {
  it('parse(format(r)) is r for every kind', () => {
    fc.assert(fc.property(ref, (r) => void expect(parseProbeRef(formatProbeRef(r))).toEqual(r)), { numRuns: 500 });
  });

  it('reads the four forms', () => {
    expect(parseProbeRef('x/web')).toEqual({ kind: 'pod', namespace: 'x', name: 'web' });
    expect(parseProbeRef('node:node-1')).toEqual({ kind: 'node', name: 'node-1' });
    expect(parseProbeRef('svc:shop/api')).toEqual({ kind: 'service', namespace: 'shop', name: 'api' });
    expect(parseProbeRef('ip:10.244.1.2')).toEqual({ kind: 'ip', ip: '10.244.1.2' });
  });

  it.each([
    ['web', /not a probe reference/],
    ['a/b/c', /not a probe reference/],
    ['pod:x/web', /not a probe reference/],
    ['X/web', /RFC 1123 label/],
    ['x/Web', /RFC 1123 subdomain/],
    ['svc:x/1api', /RFC 1035 label/], // Service names start with a letter
    ['node:', /RFC 1123 subdomain/],
    ['ip:10.0.0', /not an IPv4 address/],
    ['ip:010.0.0.1', /not an IPv4 address/], // leading zeros are ambiguous (octal), refused
    ['ip:fd00::1', /IPv6 is not supported/],
  ])('refuses %s', (text, message) => {
    expect(() => parseProbeRef(text)).toThrow(ProbeRefError);
    expect(() => parseProbeRef(text)).toThrow(message);
  });
});
