// The address a pod has on its own interface, read from inside the pod (agnhost's image has
// iproute2). The kubelet asks the CNI plugin for interface eth0 in every pod (CNI_IFNAME=eth0), so
// that is the pod's interface; its first IPv4 address is what status.podIP must equal.

/** The command, run by exec in the pod's agnhost container. */
export const INTERFACE_COMMAND = ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0'];

/**
 * The first IPv4 address in `ip -4 -o addr show` output, one line per address, e.g.
 * `2: eth0    inet 10.244.1.5/24 brd 10.244.1.255 scope global eth0\       valid_lft forever preferred_lft forever`.
 */
export function interfaceIPOf(output: string): string | undefined {
  const m = /\binet (\d{1,3}(?:\.\d{1,3}){3})\//.exec(output);
  return m?.[1];
}

/** Every address a host-network agent sees: the node's own addresses, on every interface. */
export const NODE_ADDRESSES_COMMAND = ['ip', '-4', '-o', 'addr', 'show'];

/** Every IPv4 address in `ip -4 -o addr show` output, in order. */
export function allIPv4Of(output: string): string[] {
  return [...output.matchAll(/\binet (\d{1,3}(?:\.\d{1,3}){3})\//g)].map((m) => m[1]);
}
