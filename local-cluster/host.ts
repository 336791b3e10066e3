// What a local cluster does to the host beyond its own folder, each undone by `down`: network
// namespaces and links (all inside namespaces it made, none in the host's), a cgroup per node in
// every v1 hierarchy, mounts under its folder, and the kernel tunables the kubelet insists on.
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { run } from './command.ts';
import { clusterIdOfName, type ClusterLayout } from './layout.ts';
import { REGISTRY } from './state.ts';

const ip = (...args: string[]) => run('ip', args);

/** The underlay bridge in a namespace of its own, each node a namespace with eth0 on it. */
export async function createNetwork(layout: ClusterLayout): Promise<void> {
  await ip('netns', 'add', layout.underlayNetns);
  await ip('-n', layout.underlayNetns, 'link', 'add', layout.underlayBridge, 'type', 'bridge');
  await ip('-n', layout.underlayNetns, 'link', 'set', layout.underlayBridge, 'up');
  for (const node of layout.nodes) {
    await ip('netns', 'add', node.netns);
    await ip('-n', layout.underlayNetns, 'link', 'add', node.underlayPort, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', node.netns);
    await ip('-n', layout.underlayNetns, 'link', 'set', node.underlayPort, 'master', layout.underlayBridge, 'up');
    await ip('-n', node.netns, 'addr', 'add', `${node.ip}/24`, 'dev', 'eth0');
    await ip('-n', node.netns, 'link', 'set', 'eth0', 'up');
    await ip('-n', node.netns, 'link', 'set', 'lo', 'up');
    // A node routes for its pods; a new namespace starts with forwarding off.
    await run('ip', ['netns', 'exec', node.netns, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
  }
}

/** kindnet's job for --network routes: each node routes every other node's podCIDR via that node. */
export async function addPodRoutes(layout: ClusterLayout, podCIDRs: Record<string, string>): Promise<void> {
  for (const node of layout.nodes) {
    for (const other of layout.nodes) {
      if (other === node) continue;
      await ip('-n', node.netns, 'route', 'replace', podCIDRs[other.name], 'via', other.ip, 'dev', 'eth0');
    }
  }
}

export async function listNetns(): Promise<string[]> {
  const r = await run('ip', ['netns', 'list'], { allowFailure: true });
  return r.stdout
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter(Boolean);
}

export async function deleteNetworkOf(id: string): Promise<void> {
  for (const ns of await listNetns()) {
    if (clusterIdOfName(ns) === id) await run('ip', ['netns', 'delete', ns], { allowFailure: true });
  }
}

const CGROUP_ROOT = '/sys/fs/cgroup';

/** The v1 hierarchies a cgroup is made in (the unified one, if mounted beside them, holds no controllers). */
export function cgroupHierarchies(): string[] {
  if (!existsSync(CGROUP_ROOT)) return [];
  return readdirSync(CGROUP_ROOT).filter((h) => h !== 'unified' && existsSync(path.join(CGROUP_ROOT, h, 'cgroup.procs')));
}

export async function createCgroups(layout: ClusterLayout): Promise<void> {
  for (const node of layout.nodes) {
    for (const h of cgroupHierarchies()) {
      const dir = path.join(CGROUP_ROOT, h, node.cgroupRoot);
      await mkdir(dir, { recursive: true });
      if (h === 'cpuset') {
        // A new cpuset has no CPUs and no memory nodes: nothing could run in it. Inherit the parent's.
        for (const f of ['cpuset.cpus', 'cpuset.mems']) await writeFile(path.join(dir, f), readFileSync(path.join(CGROUP_ROOT, h, f)));
      }
    }
  }
}

/** Removes every cgroup of cluster `id`, deepest first (a cgroup is removed with rmdir once empty). */
export async function removeCgroupsOf(id: string): Promise<string[]> {
  const left: string[] = [];
  for (const h of cgroupHierarchies()) {
    const top = path.join(CGROUP_ROOT, h);
    for (const name of readdirSync(top)) {
      if (clusterIdOfName(name) !== id) continue;
      const dirs: string[] = [];
      const walk = (d: string) => {
        dirs.push(d);
        for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(d, e.name));
      };
      walk(path.join(top, name));
      for (const d of dirs.reverse()) {
        try {
          await rmdir(d);
        } catch {
          left.push(d);
        }
      }
    }
  }
  return left;
}

/** Mount points at or below dir, deepest first, from /proc/self/mountinfo (octal escapes decoded). */
export function mountsUnder(dir: string): string[] {
  const root = path.resolve(dir);
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ')[4].replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => p === root || p.startsWith(`${root}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

export async function unmountUnder(dir: string): Promise<void> {
  // Lazy unmounts, repeated: a mount may hide others stacked on the same point.
  for (let pass = 0; pass < 5; pass++) {
    const points = mountsUnder(dir);
    if (points.length === 0) return;
    for (const p of points) await run('umount', ['-l', p], { allowFailure: true });
  }
}

/** The kubelet's container log links in the host's /var/log/containers (a fixed path) that point into dir. */
export function containerLogLinksInto(dir: string): string[] {
  const links = '/var/log/containers';
  if (!existsSync(links)) return [];
  const root = path.resolve(dir);
  const out: string[] = [];
  for (const name of readdirSync(links)) {
    const p = path.join(links, name);
    try {
      const target = readlinkSafe(p);
      if (target && target.startsWith(`${root}/`)) out.push(p);
    } catch {
      /* gone */
    }
  }
  return out;
}

function readlinkSafe(p: string): string | undefined {
  try {
    return readlinkSync(p);
  } catch {
    return undefined;
  }
}

export function removeContainerLogLinks(dir: string): void {
  for (const l of containerLogLinksInto(dir)) rmSync(l, { force: true });
}

/**
 * The kernel tunables the kubelet sets at start (pkg/kubelet/cm: vm.overcommit_memory=1,
 * vm.panic_on_oom=0, kernel.panic=10, kernel.panic_on_oops=1, kernel.keys.root_maxkeys,
 * root_maxbytes); with protectKernelDefaults it refuses to start instead. They are host-wide, so the
 * first cluster records their values and the last one down puts them back.
 */
export const KUBELET_TUNABLES = ['vm/overcommit_memory', 'vm/panic_on_oom', 'kernel/panic', 'kernel/panic_on_oops', 'kernel/keys/root_maxkeys', 'kernel/keys/root_maxbytes'];
const SAVED = () => path.join(REGISTRY, 'kernel-tunables.json');

export function saveKernelTunables(): void {
  if (existsSync(SAVED())) return;
  const values: Record<string, string> = {};
  for (const t of KUBELET_TUNABLES) values[t] = readFileSync(`/proc/sys/${t}`, 'utf8').trim();
  writeFileSync(SAVED(), JSON.stringify(values));
}

export function restoreKernelTunables(): void {
  if (!existsSync(SAVED())) return;
  const values = JSON.parse(readFileSync(SAVED(), 'utf8')) as Record<string, string>;
  for (const [t, v] of Object.entries(values)) {
    try {
      writeFileSync(`/proc/sys/${t}`, v);
    } catch {
      /* read-only here: nothing was changed either */
    }
  }
  rmSync(SAVED(), { force: true });
}
