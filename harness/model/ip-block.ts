// NetworkPolicy ipBlock membership: inside `cidr` and outside every `except` range.
import ipaddr from 'ipaddr.js';
import type { IPBlock } from '../../cluster/types.ts';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

function inRange(addr: ipaddr.IPv4 | ipaddr.IPv6, range: Range): boolean {
  // An IPv4 address is never inside an IPv6 range and vice versa (ipaddr.js throws on a mix).
  return range[0].kind() === addr.kind() && addr.match(range);
}

/**
 * IPBlock: the address is in `cidr` and in none of the `except` ranges. `ignoreExcept` is the
 * ignore-except fault (a data plane that programs only the cidr). Parses the block once.
 */
export function ipBlockMatcher(
  block: IPBlock,
  options: { ignoreExcept?: boolean } = {},
): (addr: ipaddr.IPv4 | ipaddr.IPv6) => boolean {
  const cidr = ipaddr.parseCIDR(block.cidr);
  const except = options.ignoreExcept ? [] : (block.except ?? []).map((e) => ipaddr.parseCIDR(e));
  return (addr) => inRange(addr, cidr) && !except.some((e) => inRange(addr, e));
}

export function ipBlockContains(block: IPBlock, ip: string, options: { ignoreExcept?: boolean } = {}): boolean {
  return ipBlockMatcher(block, options)(ipaddr.parse(ip));
}
