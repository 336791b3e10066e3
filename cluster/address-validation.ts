// IPv4 address and CIDR syntax, strictly: four decimal parts without leading zeros (the API
// server rejects ambiguous forms such as 010.0.0.1), a decimal prefix 0-32. netprops models IPv4
// single-stack clusters, so an IPv6 value gets its own message instead of "invalid".
import ipaddr from 'ipaddr.js';

const IPV6_UNSUPPORTED = 'IPv6 is not supported: netprops models IPv4 single-stack clusters';

export function ipv4AddressProblem(value: string): string | undefined {
  if (ipaddr.IPv6.isValid(value) && !ipaddr.IPv4.isValid(value)) return `'${value}': ${IPV6_UNSUPPORTED}`;
  if (!ipaddr.IPv4.isValidFourPartDecimal(value)) return `'${value}' is not an IPv4 address (A.B.C.D)`;
  return undefined;
}

export function ipv4CidrProblem(value: string): string | undefined {
  const slash = value.indexOf('/');
  if (slash < 0) return `'${value}' is not a CIDR (A.B.C.D/N)`;
  const address = value.slice(0, slash);
  const prefix = value.slice(slash + 1);
  if (ipaddr.IPv6.isValid(address) && !ipaddr.IPv4.isValid(address)) return `'${value}': ${IPV6_UNSUPPORTED}`;
  if (!ipaddr.IPv4.isValidFourPartDecimal(address) || !/^(0|[1-9][0-9]?)$/.test(prefix) || Number(prefix) > 32) {
    return `'${value}' is not a CIDR (A.B.C.D/N with N from 0 to 32)`;
  }
  return undefined;
}
