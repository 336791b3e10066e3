// NetworkPolicy ipBlock membership: inside `cidr` and outside every `except` range.
import ipaddr from 'ipaddr.js';
import type { IPBlock } from '../../cluster/types.ts';

function inCidr(addr: ipaddr.IPv4 | ipaddr.IPv6, cidr: string): boolean {
  const range = ipaddr.parseCIDR(cidr);
  // An IPv4 address is never inside an IPv6 range and vice versa (ipaddr.js throws on a mix).
  if (range[0].kind() !== addr.kind()) return false;
  return addr.match(range);
}

/**
 * IPBlock: the address is in `cidr` and in none of the `except` ranges. `ignoreExcept` is the
 * ignore-except fault (a data plane that programs only the cidr).
 */
export function ipBlockContains(block: IPBlock, ip: string, options: { ignoreExcept?: boolean } = {}): boolean {
  const addr = ipaddr.parse(ip);
  if (!inCidr(addr, block.cidr)) return false;
  if (options.ignoreExcept) return true;
  return !(block.except ?? []).some((e) => inCidr(addr, e));
}
