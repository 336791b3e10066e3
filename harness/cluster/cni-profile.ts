// Where conformant implementations legitimately differ, a per-CNI profile file declares the choice and
// the suite holds the CNI to it consistently: how a denied connection shows (an active REFUSED, a
// silent TIMEOUT, an ICMP unreachable), how long the probe waits, and how long enforcement may take
// after a change. NetworkPolicy docs leave the manner of denial to the implementation.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { parse } from 'yaml';
import { UsageError } from '../../cluster/errors.ts';
import type { Outcome } from '../../cluster/types.ts';

export type DenialOutcome = Extract<Outcome, 'refused' | 'timeout' | 'unreachable'>;
const DENIAL_OUTCOMES: readonly DenialOutcome[] = ['refused', 'timeout', 'unreachable'];

export interface CNIProfile {
  name: string;
  /** How a connection denied by NetworkPolicy may end on this CNI. */
  deniedAs: DenialOutcome[];
  /** agnhost connect --timeout. */
  probeTimeoutSeconds: number;
  /** After a change, how long the observed matrix may take to match the prediction. */
  enforcementDeadlineSeconds: number;
  /** Pause between re-probes of the probes that do not match yet. */
  retryIntervalMs: number;
  /**
   * The source address a pod sees for traffic from a node (or a hostNetwork pod): its InternalIP
   * only, or any address of that node (an overlay CNI may source it from its tunnel interface).
   */
  nodeSourceAddress: NodeSourceAddress;
  /**
   * Whether the nodes' kernels have SCTP sockets. Without them an SCTP server cannot listen (agnhost
   * exits, the pod never becomes Ready), so SCTP ports are not served and SCTP probes are reported
   * unsupported, never judged. Default true.
   */
  sctp: boolean;
}

export type NodeSourceAddress = 'internal-ip' | 'any-node-address';
const NODE_SOURCE_ADDRESSES: readonly NodeSourceAddress[] = ['internal-ip', 'any-node-address'];

export const PROFILE_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'profiles');
export const DEFAULT_PROFILE = 'generic';

/** A built-in profile name (profiles/<name>.yaml) or a path to a profile file. */
export async function loadCNIProfile(nameOrFile: string = DEFAULT_PROFILE): Promise<CNIProfile> {
  const builtIn = path.join(PROFILE_DIR, `${nameOrFile}.yaml`);
  const file = /^[a-z0-9-]+$/.test(nameOrFile) && existsSync(builtIn) ? builtIn : nameOrFile;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UsageError(`CNI profile '${nameOrFile}' not found: use a file path or one of ${builtInProfiles().join(', ')}`);
  }
  return decodeCNIProfile(text, file);
}

export function builtInProfiles(): string[] {
  return ['calico', 'cilium', 'generic', 'kindnet', 'local-flannel', 'local-kube-router', 'local-routes'];
}

/** Decodes and checks one profile document; every mistake is one line naming the file and field. */
export function decodeCNIProfile(text: string, file: string): CNIProfile {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new UsageError(`${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const bad = (field: string, problem: string) => new UsageError(`${file}: ${field}: ${problem}`);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw bad('(document)', 'must be a mapping');
  const d = doc as Record<string, unknown>;
  if (d.kind !== 'CNIProfile') throw bad('kind', `must be CNIProfile, not ${JSON.stringify(d.kind)}`);
  if (typeof d.name !== 'string' || d.name === '') throw bad('name', 'must be a non-empty string');
  const deniedAs = d.deniedAs;
  if (!Array.isArray(deniedAs) || deniedAs.length === 0 || !deniedAs.every((o) => (DENIAL_OUTCOMES as readonly unknown[]).includes(o))) {
    throw bad('deniedAs', `must be a non-empty list of ${DENIAL_OUTCOMES.join(', ')}`);
  }
  const positive = (field: string, dflt: number): number => {
    const v = d[field] ?? dflt;
    if (typeof v !== 'number' || !(v > 0)) throw bad(field, `must be a positive number, not ${JSON.stringify(v)}`);
    return v;
  };
  const nodeSourceAddress = d.nodeSourceAddress ?? 'any-node-address';
  if (!(NODE_SOURCE_ADDRESSES as readonly unknown[]).includes(nodeSourceAddress)) {
    throw bad('nodeSourceAddress', `must be one of ${NODE_SOURCE_ADDRESSES.join(', ')}, not ${JSON.stringify(nodeSourceAddress)}`);
  }
  const sctp = d.sctp ?? true;
  if (typeof sctp !== 'boolean') throw bad('sctp', `must be true or false, not ${JSON.stringify(sctp)}`);
  return {
    nodeSourceAddress: nodeSourceAddress as NodeSourceAddress,
    sctp,
    name: d.name,
    deniedAs: [...new Set(deniedAs as DenialOutcome[])],
    probeTimeoutSeconds: positive('probeTimeoutSeconds', 2),
    enforcementDeadlineSeconds: positive('enforcementDeadlineSeconds', 30),
    retryIntervalMs: positive('retryIntervalMs', 500),
  };
}
