import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ipBlockContains } from './ip-block.ts';

describe('ipBlock (NetworkPolicy API: cidr minus except)', () => {
  it('matches addresses inside the cidr only', () => {
    expect(ipBlockContains({ cidr: '10.244.1.0/24' }, '10.244.1.7')).toBe(true);
    expect(ipBlockContains({ cidr: '10.244.1.0/24' }, '10.244.2.7')).toBe(false);
    expect(ipBlockContains({ cidr: '10.244.1.7/32' }, '10.244.1.7')).toBe(true);
    expect(ipBlockContains({ cidr: '0.0.0.0/0' }, '192.168.3.4')).toBe(true);
  });

  it('leaves out addresses inside an except range', () => {
    const block = { cidr: '10.244.0.0/16', except: ['10.244.1.0/24'] };
    expect(ipBlockContains(block, '10.244.1.9')).toBe(false);
    expect(ipBlockContains(block, '10.244.2.9')).toBe(true);
  });

  it('the ignore-except fault matches the whole cidr', () => {
    expect(ipBlockContains({ cidr: '10.244.0.0/16', except: ['10.244.1.0/24'] }, '10.244.1.9', { ignoreExcept: true })).toBe(true);
  });

  it('an IPv6 cidr never contains an IPv4 address', () => {
    expect(ipBlockContains({ cidr: '::/0' }, '10.0.0.1')).toBe(false);
  });

  it('agrees with integer arithmetic on the prefix for every IPv4 address', () => {
    const ip = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255));
    fc.assert(
      fc.property(ip, ip, fc.integer({ min: 0, max: 32 }), (a, b, bits) => {
        const num = (t: number[]) => ((t[0] << 24) | (t[1] << 16) | (t[2] << 8) | t[3]) >>> 0;
        const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
        const expected = ((num(a) & mask) >>> 0) === ((num(b) & mask) >>> 0);
        return ipBlockContains({ cidr: `${b.join('.')}/${bits}` }, a.join('.')) === expected;
      }),
    );
  });
});
