// `netprops local-cluster up`: a real Kubernetes cluster on this host, built from upstream sources.
// Phases, each reported with its time: build, certificates, network, control plane, nodes, network
// implementation, DNS. On any failure (or Ctrl-C) everything started so far is torn down and one
// line names the component that failed and its log.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EnvironmentError, PrerequisiteError } from '../cluster/errors.ts';
import { localClusterApi, nodeReady, type LocalClusterApi } from './api.ts';
import { agnhostVersion, buildAll, cacheRoot, type BuildResult } from './build.ts';
import { run } from './command.ts';
import {
  apiServerArgs,
  containerdConfig,
  controllerManagerArgs,
  COREDNS_IMAGE,
  coreDNSManifests,
  etcdArgs,
  flannelArgs,
  flannelConflist,
  flannelNetConf,
  kubeconfig,
  kubeconfigPath,
  kubeletArgs,
  kubeletConfig,
  kubeProxyArgs,
  kubeProxyConfig,
  kubeRouterArgs,
  kubeRouterConflist,
  networkRBAC,
  PAUSE_IMAGE,
  ptpConflist,
  resolvConf,
  schedulerArgs,
} from './configs.ts';
import { down } from './down.ts';
import { addPodRoutes, createCgroups, createNetwork, saveKernelTunables } from './host.ts';
import { buildImage } from './images.ts';
import { API_SERVER_PORT, CLUSTER_DOMAIN, clusterLayout, DNS_SERVICE_IP, type ClusterLayout, type ClusterOptions, type NodeLayout } from './layout.ts';
import { clientIdentities, makePki } from './pki.ts';
import { isAlive, processStartTime, startDaemon, type Daemon } from './processes.ts';
import { readState, writeState, type ClusterState } from './state.ts';

export const AGNHOST_REPOSITORY = 'registry.k8s.io/e2e-test-images/agnhost';
export const DEFAULT_DIR = '.netprops/local-cluster';

export interface UpOptions extends ClusterOptions {
  dir: string;
  /** One line per phase. */
  say?: (line: string) => void;
}

export interface UpResult {
  kubeconfig: string;
  layout: ClusterLayout;
  timings: Record<string, number>;
  build: BuildResult;
}

/** Programs from Debian that a cluster needs, and the package each comes in. */
const HOST_TOOLS: Record<string, string> = {
  containerd: 'containerd',
  runc: 'runc',
  ctr: 'containerd',
  ip: 'iproute2',
  nsenter: 'util-linux',
  iptables: 'iptables',
  nft: 'nftables',
  ipset: 'ipset',
  conntrack: 'conntrack',
  busybox: 'busybox-static',
  curl: 'curl',
  dig: 'bind9-dnsutils',
  gcc: 'gcc',
  go: 'golang (Go 1.24 or newer)',
  tar: 'tar',
};
const CNI_PLUGINS_DIR = '/usr/lib/cni';

async function preflight(): Promise<void> {
  if (process.platform !== 'linux') throw new PrerequisiteError('local-cluster runs on Linux only');
  if (process.getuid?.() !== 0) throw new PrerequisiteError('local-cluster needs root (network namespaces, cgroups, mounts): run it with sudo');
  for (const [tool, pkg] of Object.entries(HOST_TOOLS)) {
    const r = await run('sh', ['-c', `command -v ${tool}`], { allowFailure: true });
    if (r.code !== 0) throw new PrerequisiteError(`local-cluster needs ${tool}: install ${pkg}`);
  }
  for (const p of ['ptp', 'bridge', 'host-local', 'loopback', 'portmap']) {
    if (!existsSync(path.join(CNI_PLUGINS_DIR, p))) throw new PrerequisiteError(`local-cluster needs the CNI plugin ${p} in ${CNI_PLUGINS_DIR}: install containernetworking-plugins`);
  }
  if (!existsSync('/sys/fs/cgroup/memory/cgroup.procs')) throw new PrerequisiteError('local-cluster needs cgroup v1 hierarchies under /sys/fs/cgroup (this kubelet runs with the cgroupfs driver)');
}

export async function up(o: UpOptions): Promise<UpResult> {
  const say = o.say ?? (() => {});
  await preflight();
  const dir = path.resolve(o.dir);
  const existing = readState(dir);
  if (existing) throw new PrerequisiteError(`${dir} already holds local cluster ${existing.id} (${existing.phase}): run 'netprops local-cluster down --dir ${o.dir}' first`);
  const id = randomBytes(3).toString('hex');
  const layout = clusterLayout(dir, id, o);
  const timings: Record<string, number> = {};
  const phase = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    const r = await f();
    timings[name] = Date.now() - t0;
    say(`${name.padEnd(16)} ${(timings[name] / 1000).toFixed(1)} s`);
    return r;
  };

  // Built before anything is made on the host: a cold build takes many minutes, and a failed one
  // leaves nothing to clean.
  const build = await phase('build', () => buildAll({ onBuild: (b) => say(`  building ${b.name} (${b.pkg})`) }));

  for (const d of [layout.logsDir, layout.pkiDir, layout.imagesDir, path.join(dir, 'kubeconfigs'), path.join(dir, 'cni', 'bin')]) await mkdir(d, { recursive: true });
  const state: ClusterState = {
    id,
    dir,
    options: { nodes: o.nodes, network: o.network, proxyMode: o.proxyMode, policy: o.policy },
    phase: 'starting',
    owner: { pid: process.pid, startTime: processStartTime(process.pid) ?? '' },
    daemons: [],
    createdAt: new Date().toISOString(),
  };
  await writeState(state);

  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const checkpoint = () => {
    if (interrupted) throw new EnvironmentError('E_INTERRUPTED', 'interrupted: the cluster was torn down');
    for (const d of state.daemons) {
      if (!isAlive(d)) throw new EnvironmentError('E_COMPONENT', `${d.component} exited during start-up; its log: ${d.log}`);
    }
  };
  const daemon = async (component: string, netns: string | undefined, binary: string, args: string[], env?: Record<string, string>): Promise<Daemon> => {
    const d = startDaemon({ component, netns, binary, args, env, logsDir: layout.logsDir });
    state.daemons.push(d);
    await writeState(state);
    return d;
  };
  const bin = (name: string) => build.paths[name];
  state.binaries = build.paths;

  try {
    await phase('certificates', async () => {
      const files = await makePki(layout);
      for (const [name, pem] of Object.entries(files)) await writeFile(path.join(layout.pkiDir, name), pem, { mode: name.endsWith('.key') ? 0o600 : 0o644 });
      for (const c of clientIdentities(layout)) await writeFile(kubeconfigPath(layout, c.stem), kubeconfig(layout, c.stem));
      await writeFile(path.join(dir, 'resolv.conf'), resolvConf());
      await writeFile(path.join(dir, 'flannel-net-conf.json'), flannelNetConf());
      for (const p of await readdir(CNI_PLUGINS_DIR)) await symlink(path.join(CNI_PLUGINS_DIR, p), path.join(dir, 'cni', 'bin', p));
      await copyFile(bin('flannel'), path.join(dir, 'cni', 'bin', 'flannel'));
      await run('chmod', ['755', path.join(dir, 'cni', 'bin', 'flannel')]);
    });

    const images = await phase('images', () => buildImages(layout, build));

    await phase('network', async () => {
      saveKernelTunables();
      await createNetwork(layout);
      await createCgroups(layout);
    });

    const cp = layout.controlPlane;
    await phase('control plane', async () => {
      await daemon('etcd', cp.netns, bin('etcd'), etcdArgs(layout));
      await daemon('kube-apiserver', cp.netns, bin('kube'), ['kube-apiserver', ...apiServerArgs(layout)]);
      const portFile = path.join(dir, 'apiserver-port');
      await daemon('apiserver-forward', undefined, bin('netns-forward'), ['--listen=127.0.0.1:0', `--netns=/run/netns/${cp.netns}`, `--to=${cp.ip}:${API_SERVER_PORT}`, `--port-file=${portFile}`]);
      state.apiServerPort = Number((await waitForIn(layout.logsDir, 'apiserver-forward', 10_000, checkpoint, async () => (existsSync(portFile) ? await readFile(portFile, 'utf8') : undefined))).trim());
      await writeState(state);
      await writeFile(layout.kubeconfig, kubeconfig(layout, 'admin', `https://127.0.0.1:${state.apiServerPort}`), { mode: 0o600 });
      const api = localClusterApi(layout.kubeconfig);
      await waitForIn(layout.logsDir, 'kube-apiserver', 120_000, checkpoint, async () => ((await api.healthy()) ? true : undefined));
      await daemon('kube-controller-manager', cp.netns, bin('kube'), ['kube-controller-manager', ...controllerManagerArgs(layout)]);
      await daemon('kube-scheduler', cp.netns, bin('kube'), ['kube-scheduler', ...schedulerArgs(layout)]);
      await api.apply(networkRBAC());
    });
    const api = localClusterApi(layout.kubeconfig);

    await phase('nodes', async () => {
      for (const node of layout.nodes) {
        await mkdir(node.cniConfDir, { recursive: true });
        await mkdir(path.join(node.dir, 'pod-logs'), { recursive: true });
        await writeFile(path.join(node.dir, 'containerd.toml'), containerdConfig(layout, node));
        await daemon(`containerd-${node.name}`, node.netns, 'containerd', ['--config', path.join(node.dir, 'containerd.toml')]);
      }
      for (const node of layout.nodes) {
        await waitForIn(layout.logsDir, `containerd-${node.name}`, 30_000, checkpoint, async () => (existsSync(node.containerdSocket) ? true : undefined));
        for (const archive of images) {
          await run('ctr', ['--address', node.containerdSocket, '-n', 'k8s.io', 'images', 'import', '--snapshotter', 'overlayfs', archive]);
        }
        await writeFile(path.join(node.dir, 'kubelet.yaml'), kubeletConfig(layout, node));
        await daemon(`kubelet-${node.name}`, node.netns, bin('kube'), ['kubelet', ...kubeletArgs(layout, node)]);
        await writeFile(path.join(node.dir, 'kube-proxy.yaml'), kubeProxyConfig(layout, node));
        await daemon(`kube-proxy-${node.name}`, node.netns, bin('kube'), ['kube-proxy', ...kubeProxyArgs(layout, node)]);
      }
    });

    await phase('pod network', async () => {
      const podCIDRs = await waitForIn(layout.logsDir, 'kube-controller-manager (node IPAM)', 120_000, checkpoint, async () => {
        const nodes = await api.nodes();
        const cidrs: Record<string, string> = {};
        for (const n of nodes) if (n.metadata?.name && n.spec?.podCIDR) cidrs[n.metadata.name] = n.spec.podCIDR;
        return layout.nodes.every((n) => cidrs[n.name]) ? cidrs : undefined;
      });
      await startNetwork(layout, podCIDRs, daemon, bin);
      await waitForIn(layout.logsDir, 'kubelet (node Ready)', 180_000, checkpoint, async () => {
        const nodes = await api.nodes();
        return layout.nodes.every((n) => nodes.some((x) => x.metadata?.name === n.name && nodeReady(x))) ? true : undefined;
      });
      // A node is Ready before kube-router has learned the other nodes' pod CIDRs over BGP (flannel's
      // VXLAN routes come as its leases are seen): a pod on one node could not yet reach one on
      // another (seen once in the integration test on kube-router + nftables). Up returns when every
      // node routes every other node's pod CIDR.
      await waitForIn(layout.logsDir, `pod routes between the nodes (${layout.options.network})`, 120_000, checkpoint, async () => ((await missingPodRoutes(layout, podCIDRs)).length === 0 ? true : undefined));
    });

    await phase('DNS', async () => {
      await api.apply(coreDNSManifests());
      await waitForIn(layout.logsDir, 'coredns (Deployment ready)', 180_000, checkpoint, async () => ((await api.readyReplicas('kube-system', 'coredns')) >= 1 ? true : undefined));
      await waitForIn(layout.logsDir, 'coredns (answering)', 60_000, checkpoint, async () => ((await lookup(cp, `kubernetes.default.svc.${CLUSTER_DOMAIN}`)) === '10.96.0.1' ? true : undefined));
    });

    state.phase = 'running';
    await writeState(state);
    return { kubeconfig: layout.kubeconfig, layout, timings, build };
  } catch (err) {
    // NETPROPS_LOCAL_CLUSTER_KEEP=1 leaves a failed cluster running to be looked at (then `down`).
    if (process.env.NETPROPS_LOCAL_CLUSTER_KEEP === '1') {
      say(`failed: local cluster ${id} left running (NETPROPS_LOCAL_CLUSTER_KEEP=1); 'netprops local-cluster down --dir ${o.dir}' removes it`);
      throw err;
    }
    say(`failed: tearing down local cluster ${id}`);
    await down({ dir, quiet: true, keepLogs: true });
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function buildImages(layout: ClusterLayout, build: BuildResult): Promise<string[]> {
  const tag = await agnhostVersion();
  const specs = [
    { ref: PAUSE_IMAGE, files: { [build.paths.pause]: '/pause' }, entrypoint: ['/pause'] },
    { ref: `${AGNHOST_REPOSITORY}:${tag}`, files: { [build.paths.agnhost]: '/agnhost', [build.paths['udp-probe']]: '/udp-probe', '/usr/bin/curl': '/usr/bin/curl', '/usr/bin/dig': '/usr/bin/dig' }, entrypoint: ['/agnhost'], cmd: ['pause'], busybox: true },
    { ref: COREDNS_IMAGE, files: { [build.paths.coredns]: '/coredns' }, entrypoint: ['/coredns'] },
  ];
  // Images depend only on the binaries: cached beside them, keyed by the binaries' names.
  const out: string[] = [];
  for (const spec of specs) {
    const key = createHash('sha256').update(Object.keys(spec.files).map((f) => path.basename(f)).join('+')).digest('hex').slice(0, 16);
    const archive = path.join(cacheRoot(), 'images', `${spec.ref.replace(/[/:]/g, '_')}-${key}.tar`);
    if (!existsSync(archive)) await buildImage(spec, path.join(layout.imagesDir, 'work'), archive);
    out.push(archive);
  }
  return out;
}

type StartFn = (component: string, netns: string | undefined, binary: string, args: string[], env?: Record<string, string>) => Promise<Daemon>;

async function startNetwork(layout: ClusterLayout, podCIDRs: Record<string, string>, daemon: StartFn, bin: (n: string) => string): Promise<void> {
  const { network, policy } = layout.options;
  for (const node of layout.nodes) {
    if (network === 'routes') {
      await writeFile(path.join(node.cniConfDir, '10-ptp.conflist'), ptpConflist(node, podCIDRs[node.name]));
    } else if (network === 'flannel') {
      await mkdir(path.join(node.dir, 'flannel'), { recursive: true });
      await daemon(`flanneld-${node.name}`, node.netns, bin('flanneld'), flannelArgs(layout, node), { NODE_NAME: node.name });
      await writeFile(path.join(node.cniConfDir, '10-flannel.conflist'), flannelConflist(node));
    } else {
      const conf = path.join(node.cniConfDir, '10-kuberouter.conflist');
      await writeFile(conf, kubeRouterConflist(node));
      await daemon(`kube-router-${node.name}`, node.netns, bin('kube-router'), kubeRouterArgs(layout, node), { KUBE_ROUTER_CNI_CONF_FILE: conf });
    }
    // NetworkPolicy beside routes and flannel: kube-router in firewall-only mode.
    if (network !== 'kube-router' && policy === 'kube-router') {
      await daemon(`kube-router-${node.name}`, node.netns, bin('kube-router'), kubeRouterArgs(layout, node));
    }
  }
  if (network === 'routes') await addPodRoutes(layout, podCIDRs);
  // The control plane reaches pods (webhooks, exec) through its node's routes; nothing more to do.
}

/** `node -> podCIDR` for each other node's pod CIDR a node has no route to yet. */
export async function missingPodRoutes(layout: ClusterLayout, podCIDRs: Record<string, string>): Promise<string[]> {
  const missing: string[] = [];
  for (const node of layout.nodes) {
    const r = await run('ip', ['-n', node.netns, 'route', 'show'], { allowFailure: true, timeoutMs: 10_000 });
    const routed = new Set(r.code === 0 ? r.stdout.split('\n').map((line) => line.split(' ')[0]) : []);
    for (const other of layout.nodes) {
      if (other.name !== node.name && !routed.has(podCIDRs[other.name])) missing.push(`${node.name} -> ${podCIDRs[other.name]}`);
    }
  }
  return missing;
}

/** An A record looked up from inside a node's namespace, through cluster DNS. */
export async function lookup(node: NodeLayout, name: string): Promise<string | undefined> {
  const script = `const r=new (require('node:dns').promises.Resolver)({timeout:2000,tries:1});r.setServers(['${DNS_SERVICE_IP}']);r.resolve4(process.argv[1]).then(a=>console.log(a.join(',')),e=>{console.error(e.code);process.exit(1)})`;
  const r = await run('nsenter', [`--net=/run/netns/${node.netns}`, '--', process.execPath, '-e', script, name], { allowFailure: true, timeoutMs: 10_000 });
  return r.code === 0 ? r.stdout.trim() : undefined;
}

function waitForIn<T>(logs: string, what: string, timeoutMs: number, checkpoint: () => void, probe: () => Promise<T | undefined>): Promise<T> {
  return waitFor(what, timeoutMs, checkpoint, probe, logs);
}

/** Polls until `probe` returns a value; one line naming `what` when it does not in time. */
async function waitFor<T>(what: string, timeoutMs: number, checkpoint: () => void, probe: () => Promise<T | undefined>, logs = 'DIR/logs/'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    checkpoint();
    let v: T | undefined;
    try {
      v = await probe();
    } catch {
      v = undefined;
    }
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new EnvironmentError('E_COMPONENT', `${what} was not ready within ${timeoutMs / 1000} s; logs in ${logs}`);
    await sleep(500);
  }
}
