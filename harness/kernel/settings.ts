// The kernel target's settings, as the CLI passes them in HarnessOptions.settings (kebab-case keys,
// camelCase accepted too): checked once, each mistake one line naming the option.
import { UsageError } from '../../cluster/errors.ts';
import { DEFAULT_CNI_BIN_DIRS } from './cni-config.ts';
import { OVERLAYS, type Overlay } from './nodes.ts';

export type ProxyMode = 'iptables' | 'nftables';
export const PROXY_MODES: readonly ProxyMode[] = ['iptables', 'nftables'];

export interface KernelSettings {
  cniBinDirs: string[];
  /** A user's CNI configuration template; absent: bridge + host-local. */
  cniConf?: string;
  proxyMode: ProxyMode;
  overlay: Overlay;
  /** How long a probe waits for an answer. */
  probeTimeoutMs: number;
  /** Bytes a probe sends when the probe does not say. */
  payloadBytes: number;
  /** Run CNI CHECK on the pods kept across a re-apply. */
  cniCheck: boolean;
}

function pick(settings: Record<string, unknown>, kebab: string): unknown {
  const camel = kebab.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
  return settings[kebab] ?? settings[camel];
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], option: string, fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${option} ${String(value)}: use one of ${allowed.join(', ')}`);
}

function positiveInt(value: unknown, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'number' ? value : Number(String(value).replace(/ms$/, ''));
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${option} ${String(value)}: expected a positive whole number`);
  return n;
}

export function kernelSettings(settings: Record<string, unknown> = {}): KernelSettings {
  const binDir = pick(settings, 'cni-bin-dir');
  if (binDir !== undefined && (typeof binDir !== 'string' || binDir === '')) throw new UsageError('--cni-bin-dir: expected a directory');
  const cniConf = pick(settings, 'cni-conf');
  if (cniConf !== undefined && (typeof cniConf !== 'string' || cniConf === '')) throw new UsageError('--cni-conf: expected a file');
  const check = pick(settings, 'cni-check');
  return {
    cniBinDirs: typeof binDir === 'string' ? binDir.split(':') : [...DEFAULT_CNI_BIN_DIRS],
    cniConf: cniConf as string | undefined,
    proxyMode: oneOf(pick(settings, 'proxy-mode'), PROXY_MODES, 'proxy-mode', 'iptables'),
    overlay: oneOf(pick(settings, 'overlay'), OVERLAYS, 'overlay', 'host-gw'),
    probeTimeoutMs: positiveInt(pick(settings, 'probe-timeout'), 'probe-timeout', 1000),
    payloadBytes: positiveInt(pick(settings, 'payload-bytes'), 'payload-bytes', 32),
    cniCheck: check === true || check === 'true',
  };
}
