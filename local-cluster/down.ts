// `netprops local-cluster down`: stops everything a cluster started and removes everything it
// made, in the order that leaves nothing behind: the kubelets first (so nothing is restarted), the
// pods through CRI (crictl: the CNI plugins' DEL, the pod namespaces, the shims), the daemons, then
// network namespaces, cgroups, mounts under the folder, the kubelet's log links, the folder itself;
// the kernel tunables go back when the last cluster is down.
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { PrerequisiteError } from '../cluster/errors.ts';
import { run } from './command.ts';
import { deleteNetworkOf, removeCgroupsOf, cgroupHierarchies, removeContainerLogLinks, restoreKernelTunables, unmountUnder } from './host.ts';
import { clusterLayout } from './layout.ts';
import { processesMatching, stopDaemon, type Daemon } from './processes.ts';
import { readState, registeredClusters, unregister, type ClusterState } from './state.ts';

export interface DownOptions {
  dir: string;
  quiet?: boolean;
  say?: (line: string) => void;
}

export async function down(o: DownOptions): Promise<{ id: string } | undefined> {
  const dir = path.resolve(o.dir);
  const state = readState(dir);
  if (!state) {
    if (o.quiet) return undefined;
    throw new PrerequisiteError(`no local cluster in ${dir} (no state.json)`);
  }
  await teardown(state, o.say ?? (() => {}));
  return { id: state.id };
}

const order = (d: Daemon): number => {
  if (d.component.startsWith('kubelet-')) return 0;
  if (/^(kube-proxy|kube-router|flanneld)-/.test(d.component)) return 1;
  if (d.component.startsWith('containerd-')) return 3;
  if (d.component === 'etcd') return 6;
  if (d.component === 'apiserver-forward') return 5;
  return 4; // the control plane
};

export async function teardown(state: ClusterState, say: (line: string) => void): Promise<void> {
  const layout = clusterLayout(state.dir, state.id, state.options);
  const daemons = [...state.daemons].sort((a, b) => order(a) - order(b));
  for (const d of daemons.filter((d) => order(d) <= 1)) await stopDaemon(d);
  // Pods go through CRI while each containerd still runs: sandboxes stopped and removed as the
  // kubelet would (network torn down by the CNI plugin, namespace unmounted, shim ended).
  const crictl = state.binaries?.crictl;
  for (const node of layout.nodes) {
    if (!crictl || !existsSync(crictl) || !existsSync(node.containerdSocket)) continue;
    await run(crictl, ['--runtime-endpoint', `unix://${node.containerdSocket}`, '--timeout', '20s', 'rmp', '--all', '--force'], { allowFailure: true, timeoutMs: 120_000 });
  }
  for (const d of daemons.filter((d) => order(d) > 1)) await stopDaemon(d);
  // Shims outlive containerd by design; each names its containerd's socket on its command line.
  for (const node of layout.nodes) {
    for (const pid of processesMatching(node.containerdSocket)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
  // Whatever still runs in the nodes' cgroups (a container the CRI did not reach) is ours too.
  for (const node of layout.nodes) {
    for (const h of cgroupHierarchies()) {
      const procs = path.join('/sys/fs/cgroup', h, node.cgroupRoot, 'cgroup.procs');
      await killCgroupTree(path.dirname(procs));
    }
  }
  await deleteNetworkOf(state.id);
  await unmountUnder(state.dir);
  removeContainerLogLinks(state.dir);
  const left = await removeCgroupsOf(state.id);
  if (left.length > 0) say(`warning: cgroups still busy: ${left.slice(0, 3).join(', ')}`);
  await rm(state.dir, { recursive: true, force: true });
  await unregister(state.id);
  if (registeredClusters().length === 0) restoreKernelTunables();
}

async function killCgroupTree(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  const out = await run('find', [dir, '-name', 'cgroup.procs'], { allowFailure: true });
  for (const f of out.stdout.split('\n').filter(Boolean)) {
    for (const pid of readFileSync(f, 'utf8').split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}
