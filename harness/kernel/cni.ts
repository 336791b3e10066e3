// Calls a CNI plugin as a container runtime does (CNI spec 1.0, "Execution protocol"): the verb in
// CNI_COMMAND, the container in CNI_CONTAINERID / CNI_NETNS / CNI_IFNAME, plugin directories in
// CNI_PATH, extra arguments in CNI_ARGS, the network configuration on stdin, a JSON result (or a
// JSON error) on stdout. A configuration list runs its plugins in order for ADD and CHECK, each
// receiving the previous result as prevResult, and in reverse order for DEL. Plugins run inside the
// node's namespace (`ip netns exec`), so the bridge and host-side veths land there.
import { access } from 'node:fs/promises';
import path from 'node:path';
import { EnvironmentError } from '../../cluster/errors.ts';
import { runCommand } from './command.ts';
import { inNetns } from './namespaces.ts';

/** One plugin's configuration, or a configuration list (`plugins`). */
export interface CniConfig {
  cniVersion: string;
  name: string;
  type?: string;
  plugins?: Record<string, unknown>[];
  [key: string]: unknown;
}

export interface CniContainer {
  /** Unique per attachment. */
  containerId: string;
  /** The pod's namespace, as a path (/run/netns/...). */
  netnsPath: string;
  ifName: string;
  /** CNI_ARGS pairs, e.g. K8S_POD_NAME and IP. */
  args: Record<string, string>;
}

export interface CniResult {
  cniVersion?: string;
  interfaces?: { name: string; mac?: string; sandbox?: string }[];
  ips?: { address: string; gateway?: string; interface?: number; version?: string }[];
  /** Spec 0.1/0.2 results. */
  ip4?: { ip: string };
  [key: string]: unknown;
}

/**
 * A plugin reported failure (its JSON error, or its exit status and stderr). The plugin, not the
 * user and not a property, failed: an environment failure (exit 3) carrying the plugin's message.
 */
export class CniError extends EnvironmentError {
  /** The CNI error code of the plugin's JSON error (spec: 1-99 well-known, 100+ plugin-specific). */
  readonly cniCode: number | undefined;
  constructor(message: string, cniCode?: number) {
    super('E_CNI', message);
    this.cniCode = cniCode;
  }
}

export async function findPlugin(type: string, binDirs: string[]): Promise<string> {
  for (const dir of binDirs) {
    const candidate = path.join(dir, type);
    try {
      await access(candidate);
      return candidate;
    } catch {
      // try the next directory
    }
  }
  throw new CniError(`CNI plugin '${type}' not found in ${binDirs.join(':')}`);
}

function pluginsOf(config: CniConfig): Record<string, unknown>[] {
  if (Array.isArray(config.plugins)) return config.plugins;
  const { plugins: _ignored, ...single } = config;
  return [single];
}

async function execPlugin(
  command: 'ADD' | 'CHECK' | 'DEL',
  plugin: Record<string, unknown>,
  config: CniConfig,
  container: CniContainer,
  binDirs: string[],
  nodeNetns: string,
  prevResult: CniResult | undefined,
): Promise<CniResult | undefined> {
  const type = String(plugin.type);
  const binary = await findPlugin(type, binDirs);
  const stdin = { ...plugin, cniVersion: config.cniVersion, name: config.name, ...(prevResult ? { prevResult } : {}) };
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_COMMAND: command,
    CNI_CONTAINERID: container.containerId,
    CNI_NETNS: container.netnsPath,
    CNI_IFNAME: container.ifName,
    CNI_PATH: binDirs.join(':'),
    CNI_ARGS: Object.entries(container.args)
      .map(([k, v]) => `${k}=${v}`)
      .join(';'),
  };
  const r = await runCommand(inNetns(nodeNetns, [binary]), { input: JSON.stringify(stdin), env });
  if (r.code !== 0) {
    let message = r.stderr.trim() || `exit ${r.code}`;
    let code: number | undefined;
    try {
      const e = JSON.parse(r.stdout) as { code?: number; msg?: string; details?: string };
      message = [e.msg, e.details].filter(Boolean).join(': ');
      code = e.code;
    } catch {
      // not a JSON error: keep stderr
    }
    throw new CniError(`CNI ${command} with plugin '${type}' failed: ${message}`, code);
  }
  if (command !== 'ADD' || r.stdout.trim() === '') return prevResult;
  return JSON.parse(r.stdout) as CniResult;
}

export async function cniAdd(config: CniConfig, container: CniContainer, binDirs: string[], nodeNetns: string): Promise<CniResult> {
  let result: CniResult | undefined;
  for (const plugin of pluginsOf(config)) {
    result = await execPlugin('ADD', plugin, config, container, binDirs, nodeNetns, result);
  }
  if (!result) throw new CniError(`CNI ADD of network '${config.name}' returned no result`);
  return result;
}

export async function cniCheck(
  config: CniConfig,
  container: CniContainer,
  binDirs: string[],
  nodeNetns: string,
  prevResult: CniResult,
): Promise<void> {
  for (const plugin of pluginsOf(config)) {
    await execPlugin('CHECK', plugin, config, container, binDirs, nodeNetns, prevResult);
  }
}

export async function cniDel(
  config: CniConfig,
  container: CniContainer,
  binDirs: string[],
  nodeNetns: string,
  prevResult?: CniResult,
): Promise<void> {
  for (const plugin of [...pluginsOf(config)].reverse()) {
    await execPlugin('DEL', plugin, config, container, binDirs, nodeNetns, prevResult);
  }
}

/** The container's IPv4 address from an ADD result (any spec version), without the prefix length. */
export function resultIPv4(result: CniResult): string | undefined {
  const sandboxIfaces = new Set(
    (result.interfaces ?? []).flatMap((iface, i) => (iface.sandbox ? [i] : [])),
  );
  const candidates = (result.ips ?? []).filter((ip) => !ip.address.includes(':'));
  const inPod = candidates.find((ip) => ip.interface !== undefined && sandboxIfaces.has(ip.interface));
  const chosen = inPod ?? candidates[0];
  if (chosen) return chosen.address.split('/')[0];
  return result.ip4?.ip.split('/')[0];
}
