// IPv4 addresses as unsigned 32-bit numbers, only for walking to "the next free address" and for
// comparing CIDR ranges; parsing and CIDR arithmetic are ipaddr.js's.
import ipaddr from 'ipaddr.js';

export function ipv4ToNumber(ip: string): number {
  return ipaddr.IPv4.parse(ip).toByteArray().reduce((n, byte) => n * 256 + byte, 0);
}

export function numberToIPv4(n: number): string {
  return ipaddr.fromByteArray([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]).toString();
}

/** The first (network) and last (broadcast) address of a CIDR, as numbers. */
export function cidrRange(cidr: string): { first: number; last: number } {
  return {
    first: ipv4ToNumber(ipaddr.IPv4.networkAddressFromCIDR(cidr).toString()),
    last: ipv4ToNumber(ipaddr.IPv4.broadcastAddressFromCIDR(cidr).toString()),
  };
}

export function cidrsOverlap(a: string, b: string): boolean {
  const x = cidrRange(a);
  const y = cidrRange(b);
  return x.first <= y.last && y.first <= x.last;
}
