// The CNI network configuration each node uses. Default: the reference `bridge` plugin (a Linux
// bridge per node, the gateway on it, hairpin on so a pod reaches itself through a Service) with
// `host-local` IPAM over the node's podCIDR, its dataDir under the run's directory. A user's
// `--cni-conf FILE` (a .conf or .conflist JSON) may use ${podCIDR}, ${nodeName}, ${nodeIP},
// ${mtu}, ${bridge} and ${runDir}, filled in per node.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Node } from '../../cluster/types.ts';
import { UsageError } from '../../cluster/errors.ts';
import type { CniConfig } from './cni.ts';
import type { KernelRun } from './run.ts';

export const DEFAULT_CNI_BIN_DIRS = ['/usr/lib/cni', '/opt/cni/bin'];

export interface NodeNetworkOptions {
  mtu: number;
  hairpinMode: boolean;
  /** Masquerade traffic leaving the pod subnet (the bridge plugin's ipMasq). */
  ipMasq: boolean;
}

export function defaultCniConfig(run: KernelRun, node: Node, options: NodeNetworkOptions): CniConfig {
  return {
    cniVersion: '1.0.0',
    name: `netprops-${run.id}`,
    type: 'bridge',
    bridge: run.podBridge,
    isGateway: true,
    isDefaultGateway: true,
    hairpinMode: options.hairpinMode,
    ipMasq: options.ipMasq,
    mtu: options.mtu,
    ipam: {
      type: 'host-local',
      ranges: [[{ subnet: node.podCIDR }]],
      dataDir: path.join(run.dir, 'ipam', node.name),
    },
  };
}

/** Reads a user's configuration template and fills it in for one node. */
export async function userCniConfig(file: string, run: KernelRun, node: Node, options: NodeNetworkOptions): Promise<CniConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--cni-conf ${file}: cannot read it (${(e as NodeJS.ErrnoException).code})`);
  }
  const values: Record<string, string> = {
    podCIDR: node.podCIDR,
    nodeName: node.name,
    nodeIP: node.internalIP,
    mtu: String(options.mtu),
    bridge: run.podBridge,
    runDir: run.dir,
  };
  return fillCniConfig(text, file, values, path.join(run.dir, 'ipam', node.name));
}

/**
 * A template's text filled in with `values` and checked. A host-local IPAM without a dataDir gets
 * `ipamDir`: host-local's default (/var/lib/cni/networks/<name>) is shared by every run on the
 * machine, so a second harness (two runs at once, or the runner re-running a shrunk case on a fresh
 * one) would find the first one's addresses taken and have its requests refused.
 */
export function fillCniConfig(text: string, file: string, values: Record<string, string>, ipamDir: string): CniConfig {
  const filled = text.replace(/\$\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
  let config: CniConfig;
  try {
    config = JSON.parse(filled) as CniConfig;
  } catch (e) {
    throw new UsageError(`--cni-conf ${file}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof config.cniVersion !== 'string' || typeof config.name !== 'string' || (!config.type && !Array.isArray(config.plugins))) {
    throw new UsageError(`--cni-conf ${file}: a CNI configuration needs cniVersion, name, and type or plugins`);
  }
  const plugins: Record<string, unknown>[] = Array.isArray(config.plugins) ? config.plugins : [config];
  for (const plugin of plugins) {
    const ipam = plugin.ipam as Record<string, unknown> | undefined;
    if (ipam && ipam.type === 'host-local' && ipam.dataDir === undefined) ipam.dataDir = ipamDir;
  }
  return config;
}
