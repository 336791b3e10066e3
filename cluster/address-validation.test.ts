// IPv4 syntax as the API server reads it (no leading zeros, decimal prefix 0-32), IPv6 named as such,
// and the address arithmetic allocation walks with.
import { describe, expect, it } from 'vitest';
import { ipv4AddressProblem, ipv4CidrProblem } from './address-validation.ts';
import { cidrRange, cidrsOverlap, ipv4ToNumber, numberToIPv4 } from './ipv4-number.ts';

describe('IPv4 addresses and CIDRs', () => {
  it('accepts four decimal parts, refuses leading zeros, short forms and out-of-range parts', () => {
    for (const ok of ['0.0.0.0', '10.244.1.2', '255.255.255.255']) expect(ipv4AddressProblem(ok), ok).toBeUndefined();
    for (const bad of ['010.0.0.1', '10.1', '10.0.0.256', '10.0.0.1/32', 'a.b.c.d', '', ' 10.0.0.1']) expect(ipv4AddressProblem(bad), bad).toMatch(/not an IPv4 address/);
    expect(ipv4AddressProblem('fd00::1')).toMatch(/IPv6 is not supported/);
  });
  it('a CIDR is an address and a decimal prefix 0-32 (host bits allowed, as in ipBlock)', () => {
    for (const ok of ['0.0.0.0/0', '10.0.0.0/8', '10.0.0.1/24', '1.2.3.4/32']) expect(ipv4CidrProblem(ok), ok).toBeUndefined();
    for (const bad of ['10.0.0.0', '10.0.0.0/33', '10.0.0.0/024', '10.0.0.0/', '10.0.0/8', '10.0.0.0/-1']) expect(ipv4CidrProblem(bad), bad).toMatch(/not a CIDR/);
    expect(ipv4CidrProblem('fd00::/8')).toMatch(/IPv6 is not supported/);
  });
  it('numbers round-trip and order addresses; ranges and overlaps follow the prefix', () => {
    expect(ipv4ToNumber('0.0.0.0')).toBe(0);
    expect(ipv4ToNumber('255.255.255.255')).toBe(2 ** 32 - 1);
    expect(numberToIPv4(ipv4ToNumber('10.244.1.255') + 1)).toBe('10.244.2.0');
    expect(numberToIPv4(2 ** 32 - 1)).toBe('255.255.255.255');
    expect(cidrRange('10.244.1.0/24')).toEqual({ first: ipv4ToNumber('10.244.1.0'), last: ipv4ToNumber('10.244.1.255') });
    expect(cidrsOverlap('10.244.0.0/16', '10.244.7.0/24')).toBe(true);
    expect(cidrsOverlap('10.244.1.0/24', '10.244.2.0/24')).toBe(false);
    expect(cidrsOverlap('10.96.0.0/16', '10.97.0.0/16')).toBe(false);
  });
});
