// Where everything of one local cluster lives: its id, folders, network namespaces, links, cgroups
// and addresses. Pure: every other part derives names from this, so `down` and `gc` need only the id
// and the folder. Everything a cluster creates carries `nplc-<id>` (namespaces, cgroups) or
// `lc<id>` (links, at most 15 characters), so nothing of another cluster or tool is ever touched.
import path from 'node:path';

export const NETWORKS = ['routes', 'flannel', 'kube-router'] as const;
export type Network = (typeof NETWORKS)[number];
export const PROXY_MODES = ['iptables', 'nftables'] as const;
export type ProxyMode = (typeof PROXY_MODES)[number];
export const POLICIES = ['kube-router', 'none'] as const;
export type PolicyEnforcer = (typeof POLICIES)[number];

export const NAME_PREFIX = 'nplc-';
const ID = /^[0-9a-f]{6}$/;

export interface ClusterOptions {
  nodes: number;
  network: Network;
  proxyMode: ProxyMode;
  /** What enforces NetworkPolicy: kube-router (firewall-only beside routes/flannel). */
  policy: PolicyEnforcer;
}

export const DEFAULT_OPTIONS: ClusterOptions = { nodes: 3, network: 'routes', proxyMode: 'nftables', policy: 'kube-router' };

// kubeadm's and kind's defaults: pods in 10.244.0.0/16 with a /24 per node, Services in
// 10.96.0.0/16 (the kubernetes Service at .1, DNS at .10), the node network kind's 172.18.0.0/16.
export const POD_CIDR = '10.244.0.0/16';
export const SERVICE_CIDR = '10.96.0.0/16';
export const KUBERNETES_SERVICE_IP = '10.96.0.1';
export const DNS_SERVICE_IP = '10.96.0.10';
export const CLUSTER_DOMAIN = 'cluster.local';
export const UNDERLAY_PREFIX = 24;
export const API_SERVER_PORT = 6443;

export interface NodeLayout {
  index: number;
  /** The Node object's name. */
  name: string;
  netns: string;
  /** The node's address on the underlay (its InternalIP). */
  ip: string;
  /** The underlay bridge's port for this node (in the underlay namespace). */
  underlayPort: string;
  dir: string;
  kubeletDir: string;
  containerdDir: string;
  containerdSocket: string;
  cniConfDir: string;
  /** The cgroup (in every v1 hierarchy) that holds the node's pods and nothing else. */
  cgroupRoot: string;
}

export interface ClusterLayout {
  id: string;
  dir: string;
  options: ClusterOptions;
  underlayNetns: string;
  underlayBridge: string;
  nodes: NodeLayout[];
  /** The node whose namespace runs etcd and the control plane (as kind's control-plane node). */
  controlPlane: NodeLayout;
  pkiDir: string;
  logsDir: string;
  binDir: string;
  imagesDir: string;
  kubeconfig: string;
  stateFile: string;
}

export function isClusterId(s: string): boolean {
  return ID.test(s);
}

export function clusterLayout(dir: string, id: string, options: ClusterOptions): ClusterLayout {
  if (!isClusterId(id)) throw new Error(`not a local-cluster id: ${id}`);
  if (!Number.isInteger(options.nodes) || options.nodes < 1 || options.nodes > 200) throw new Error(`nodes out of range: ${options.nodes}`);
  const root = path.resolve(dir);
  const nodes = Array.from({ length: options.nodes }, (_, i): NodeLayout => {
    const index = i + 1;
    const name = `node-${index}`;
    const nodeDir = path.join(root, 'nodes', name);
    return {
      index,
      name,
      netns: `${NAME_PREFIX}${id}-n${index}`,
      ip: `172.18.${Math.floor((index + 1) / 256)}.${(index + 1) % 256}`,
      underlayPort: `lc${id}n${index}`,
      dir: nodeDir,
      kubeletDir: path.join(nodeDir, 'kubelet'),
      containerdDir: path.join(nodeDir, 'containerd'),
      containerdSocket: path.join(nodeDir, 'containerd', 'containerd.sock'),
      cniConfDir: path.join(nodeDir, 'cni', 'net.d'),
      cgroupRoot: `/${NAME_PREFIX}${id}-n${index}`,
    };
  });
  return {
    id,
    dir: root,
    options,
    underlayNetns: `${NAME_PREFIX}${id}-u`,
    underlayBridge: `lc${id}u`,
    nodes,
    controlPlane: nodes[0],
    pkiDir: path.join(root, 'pki'),
    logsDir: path.join(root, 'logs'),
    binDir: path.join(root, 'bin'),
    imagesDir: path.join(root, 'images'),
    kubeconfig: path.join(root, 'kubeconfig'),
    stateFile: path.join(root, 'state.json'),
  };
}

/** The cluster id a network namespace or cgroup name belongs to, if it is one of ours. */
export function clusterIdOfName(name: string): string | undefined {
  const m = /^nplc-([0-9a-f]{6})-/.exec(name);
  return m ? m[1] : undefined;
}
