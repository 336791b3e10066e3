// The kernel target's descriptor (harness/target.ts).
import type { TargetDescriptor } from '../target.ts';

export const kernelTarget: TargetDescriptor = {
  name: 'kernel',
  description: "this machine's Linux data plane: network namespaces, CNI plugins, kube-proxy's rules, NetworkPolicy in nftables",
  settings: [
    { flag: '--cni-bin-dir <dir>', key: 'cniBinDir', description: 'kernel: where the CNI plugin binaries are (default /usr/lib/cni)' },
    { flag: '--cni-conf <file>', key: 'cniConf', description: 'kernel: a CNI network configuration to put under test' },
    { flag: '--overlay <mode>', key: 'overlay', description: 'kernel: cross-node routing, host-gw or vxlan' },
    { flag: '--proxy-mode <mode>', key: 'proxyMode', description: "kernel: kube-proxy's shape, iptables or nftables" },
    { flag: '--probe-timeout <ms>', key: 'probeTimeout', description: 'kernel: how long a probe waits for an answer' },
  ],
  async faults() {
    try {
      const { KERNEL_FAULTS } = await import('./faults.ts');
      return KERNEL_FAULTS.map((f) => ({ name: f.name, description: f.description }));
    } catch (err) {
      // A target whose faults do not load yet is left out of the list, not fatal.
      if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
      return [];
    }
  },
  needs: {},
  create: async (options) => (await import('./harness.ts')).createKernelHarness(options),
  gc: { local: true, sweeper: async () => ({ target: 'kernel', sweep: async () => (await import('./gc.ts')).gcKernel() }) },
};
