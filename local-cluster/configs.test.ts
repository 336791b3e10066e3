import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import {
  apiServerArgs,
  containerdConfig,
  controllerManagerArgs,
  coreDNSManifests,
  flannelConflist,
  kubeconfig,
  kubeletArgs,
  kubeletConfig,
  kubeProxyConfig,
  kubeRouterArgs,
  PAUSE_IMAGE,
  ptpConflist,
} from './configs.ts';
import { clusterIdOfName, clusterLayout, DEFAULT_OPTIONS, DNS_SERVICE_IP } from './layout.ts';

const layout = clusterLayout('/srv/lc', 'a1b2c3', { ...DEFAULT_OPTIONS, nodes: 3 });
const other = clusterLayout('/srv/lc2', 'd4e5f6', { ...DEFAULT_OPTIONS, nodes: 3 });
const [n1, n2] = layout.nodes;

/** Every absolute path in a text. */

describe('local-cluster layout', () => {
  it('link names fit the kernel limit of 15 characters', () => {
    const big = clusterLayout('/x', 'ffffff', { ...DEFAULT_OPTIONS, nodes: 50 });
    for (const n of big.nodes) expect(n.underlayPort.length).toBeLessThanOrEqual(15);
    expect(big.underlayBridge.length).toBeLessThanOrEqual(15);
  });

  it('two clusters share no namespace, link, cgroup or folder (a second up beside the first)', () => {
    const names = (l: typeof layout) => [l.underlayNetns, l.underlayBridge, l.dir, ...l.nodes.flatMap((n) => [n.netns, n.underlayPort, n.cgroupRoot, n.dir, n.containerdSocket])];
    const a = new Set(names(layout));
    for (const n of names(other)) expect(a.has(n), n).toBe(false);
  });

  it('every namespace and cgroup name tells its cluster, and a kernel-target namespace is not ours', () => {
    for (const n of layout.nodes) {
      expect(clusterIdOfName(n.netns)).toBe('a1b2c3');
      expect(clusterIdOfName(n.cgroupRoot.slice(1))).toBe('a1b2c3');
    }
    expect(clusterIdOfName('np-a1b2c3-n1')).toBeUndefined();
    expect(clusterIdOfName('cni-1234')).toBeUndefined();
  });

  it('node addresses are distinct and on the underlay', () => {
    const ips = layout.nodes.map((n) => n.ip);
    expect(new Set(ips).size).toBe(ips.length);
    expect(ips[0]).toBe('172.18.0.2');
  });
});

describe('local-cluster configuration', () => {
  it('the kubelet runs with the cgroupfs driver on cgroup v1, under a cgroup root of its node', () => {
    const c = YAML.parse(kubeletConfig(layout, n1));
    expect(c.cgroupDriver).toBe('cgroupfs');
    expect(c.failCgroupV1).toBe(false);
    expect(c.cgroupRoot).toBe('/nplc-a1b2c3-n1');
    expect(YAML.parse(kubeletConfig(layout, n2)).cgroupRoot).toBe('/nplc-a1b2c3-n2');
  });

  it("flannel's CNI plugin gets its host-local state folder as a top-level ipam (v0.9.1 refuses ipam inside delegate: \"'delegate' dictionary must not have 'ipam'\")", () => {
    const flannel = JSON.parse(flannelConflist(n1)).plugins[0];
    expect(flannel.delegate).not.toHaveProperty('ipam');
    // No masquerade of pod-to-pod traffic across nodes (the plugin turns it on when flanneld does not masquerade).
    expect(flannel.delegate.ipMasq).toBe(false);
    expect(flannel.ipam).toEqual({ dataDir: path.join(n1.dir, 'cni', 'ipam') });
  });

  it('pods resolve through cluster DNS at the kube-dns Service', () => {
    const c = YAML.parse(kubeletConfig(layout, n1));
    expect(c.clusterDNS).toEqual([DNS_SERVICE_IP]);
    expect(coreDNSManifests().find((o: any) => o.kind === 'Service')).toMatchObject({ spec: { clusterIP: DNS_SERVICE_IP } });
  });

  it('every file the kubelet, containerd and the CNI plugins write is in the cluster folder (nothing of the host)', () => {
    const texts = [kubeletConfig(layout, n1), kubeletArgs(layout, n1).join(' '), containerdConfig(layout, n1), ptpConflist(n1, '10.244.1.0/24')];
    for (const t of texts) {
      for (const p of t.match(/(?<=^|[\s\"'=]|unix:\/\/)\/(?:[\w.:-]+\/)*[\w.:-]+/gm) ?? []) {
        // Paths (not CIDRs or cgroup names) are under the cluster folder.
        if (p.startsWith('/nplc-')) continue; // a cgroup name, not a path
        expect(p.startsWith('/srv/lc/'), `${p} in ${t.slice(0, 60)}`).toBe(true);
      }
    }
  });

  it("containerd keeps pod network namespaces under its own state folder, not the host's /run/netns", () => {
    const t = containerdConfig(layout, n1);
    expect(t).toContain('netns_mounts_under_state_dir = true');
    expect(t).toContain(`state = "${path.join(n1.containerdDir, 'state')}"`);
    expect(t).toContain(`sandbox_image = "${PAUSE_IMAGE}"`);
    expect(t).toContain('SystemdCgroup = false');
  });

  it('kube-proxy runs in the chosen mode and leaves the host-wide conntrack settings alone', () => {
    const c = YAML.parse(kubeProxyConfig(layout, n1));
    expect(c.mode).toBe('nftables');
    expect(c.conntrack.maxPerCore).toBe(0);
    expect(YAML.parse(kubeProxyConfig(clusterLayout('/x', 'aaaaaa', { ...DEFAULT_OPTIONS, proxyMode: 'iptables' }), n1)).mode).toBe('iptables');
  });

  it('node IPAM hands out /24s of the pod CIDR, and the service range matches the API server', () => {
    const cm = controllerManagerArgs(layout);
    expect(cm).toContain('--allocate-node-cidrs=true');
    expect(cm).toContain('--cluster-cidr=10.244.0.0/16');
    const range = (args: string[]) => args.find((a) => a.startsWith('--service-cluster-ip-range='));
    expect(range(cm)).toBe(range(apiServerArgs(layout)));
  });

  it('the API server authorizes with Node and RBAC and admits with NodeRestriction, as kubeadm configures it', () => {
    const a = apiServerArgs(layout);
    expect(a).toContain('--authorization-mode=Node,RBAC');
    expect(a).toContain('--enable-admission-plugins=NodeRestriction');
  });

  it('kube-router routes only with --network kube-router; beside routes or flannel it only enforces policy', () => {
    expect(kubeRouterArgs(layout, n1)).toEqual(expect.arrayContaining(['--run-router=false', '--run-firewall=true', '--run-service-proxy=false']));
    const kr = clusterLayout('/x', 'bbbbbb', { ...DEFAULT_OPTIONS, network: 'kube-router' });
    expect(kubeRouterArgs(kr, kr.nodes[0])).toEqual(expect.arrayContaining(['--run-router=true', '--enable-cni=true']));
  });

  it('a kubeconfig names the CA and the client certificate of its identity', () => {
    const k = YAML.parse(kubeconfig(layout, 'kube-proxy'));
    expect(k.clusters[0].cluster.server).toBe('https://172.18.0.2:6443');
    expect(k.users[0].user['client-certificate']).toBe('/srv/lc/pki/kube-proxy.crt');
    expect(k.clusters[0].cluster['certificate-authority']).toBe('/srv/lc/pki/ca.crt');
  });

  it('the ptp configuration allocates from the node podCIDR, as kindnet wires pods', () => {
    const c = JSON.parse(ptpConflist(n2, '10.244.2.0/24'));
    expect(c.plugins[0].type).toBe('ptp');
    expect(c.plugins[0].ipam.ranges).toEqual([[{ subnet: '10.244.2.0/24' }]]);
  });
});
