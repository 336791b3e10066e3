// Faults of the kernel target: each reproduces, in the data plane, a failure real clusters have had.
import { UsageError } from '../../cluster/errors.ts';

export interface KernelFault {
  name: string;
  description: string;
}

export const KERNEL_FAULTS: readonly KernelFault[] = [
  {
    name: 'hairpin-off',
    description: 'bridge ports without hairpin mode: a pod cannot reach itself through its own Service',
  },
  {
    name: 'bridge-nf-off',
    description:
      'bridge-nf-call-iptables=0 on the nodes: bridged same-node traffic skips netfilter, so replies through a ClusterIP miss their reverse NAT and same-node policy is not enforced',
  },
  {
    name: 'masquerade-pod-traffic',
    description: "the CNI bridge's ipMasq on: pod traffic leaving the node's pod subnet is SNATed to the node, so pods on other nodes see the node's address",
  },
  {
    name: 'policy-skips-same-node',
    description: 'NetworkPolicy rules that never judge traffic between two pods of the same node',
  },
  {
    name: 'stale-udp-conntrack',
    description: 'conntrack entries kept when Services change: a UDP flow keeps going to a backend that is no longer an endpoint',
  },
  {
    name: 'vxlan-mtu',
    description:
      'the VXLAN overlay (implied by this fault) with pods left at MTU 1500: a large datagram to another node is dropped at the 1450-byte VXLAN device',
  },
  {
    name: 'not-ready-endpoints',
    description: 'proxy rules that include not-ready endpoints: Service traffic reaches pods that are not ready',
  },
];

/** The fault named, checked; undefined when none. */
export function kernelFault(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  if (KERNEL_FAULTS.some((f) => f.name === name)) return name;
  throw new UsageError(`unknown kernel fault '${name}': use one of ${KERNEL_FAULTS.map((f) => f.name).join(', ')}`);
}
