// What the kernel target needs from the machine, checked before anything is created, so a missing
// piece is one line naming the Debian package rather than a failure halfway through a run.
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { PrerequisiteError } from '../../cluster/errors.ts';

const TOOLS: { command: string; pkg: string }[] = [
  { command: 'ip', pkg: 'iproute2' },
  { command: 'bridge', pkg: 'iproute2' },
  { command: 'nft', pkg: 'nftables' },
  { command: 'iptables-restore', pkg: 'iptables' },
  { command: 'conntrack', pkg: 'conntrack' },
  { command: 'cc', pkg: 'gcc' },
];

async function onPath(command: string): Promise<boolean> {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  for (const dir of dirs) {
    if (!dir) continue;
    try {
      await access(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      // keep looking
    }
  }
  return false;
}

async function pluginPresent(type: string, binDirs: string[]): Promise<boolean> {
  for (const dir of binDirs) {
    try {
      await access(path.join(dir, type), constants.X_OK);
      return true;
    } catch {
      // keep looking
    }
  }
  return false;
}

/** Each missing prerequisite as a short phrase with what to install; empty when all is there. */
export async function missingPrerequisites(options: { binDirs: string[]; plugins: string[] }): Promise<string[]> {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root (network namespaces need CAP_SYS_ADMIN and CAP_NET_ADMIN: run as root)');
  const packages = new Map<string, string[]>();
  for (const t of TOOLS) {
    if (!(await onPath(t.command))) packages.set(t.pkg, [...(packages.get(t.pkg) ?? []), t.command]);
  }
  for (const [pkg, commands] of packages) missing.push(`${commands.join(', ')} (apt-get install -y ${pkg})`);
  // kube-proxy's rules must see bridged pod traffic (bridge-nf-call-iptables): br_netfilter.
  try {
    await access('/proc/sys/net/bridge/bridge-nf-call-iptables');
  } catch {
    missing.push('kernel bridge netfilter support (modprobe br_netfilter)');
  }
  const absent: string[] = [];
  for (const p of options.plugins) if (!(await pluginPresent(p, options.binDirs))) absent.push(p);
  if (absent.length > 0) {
    missing.push(`CNI plugins ${absent.join(', ')} in ${options.binDirs.join(':')} (apt-get install -y containernetworking-plugins)`);
  }
  return missing;
}

export async function checkPrerequisites(options: { binDirs: string[]; plugins: string[] }): Promise<void> {
  const missing = await missingPrerequisites(options);
  if (missing.length > 0) throw new PrerequisiteError(`the kernel target needs: ${missing.join('; ')}`);
}
