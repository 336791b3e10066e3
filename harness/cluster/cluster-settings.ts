// The cluster target's settings, as the CLI hands them over (strings and flags) and as the harness
// reads them (typed); a bad number is the user's to fix and names its flag.
import { UsageError } from '../../cluster/errors.ts';

export interface ClusterSettings {
  kubeconfig?: string;
  context?: string;
  image?: string;
  /** A built-in CNI profile name or a profile file (default: generic). */
  cniProfile?: string;
  /** Probes in flight at once (default 16). */
  concurrency?: number;
  /** How long pods may take to run and become (not) ready (default 180 s: image pulls). */
  podTimeoutSeconds?: number;
  /** Leave the run's namespaces in place at teardown (debugging). */
  keep?: boolean;
  dryRun?: boolean;
  /** Where a dry run writes its plan. */
  out?: string;
  /** `--request-timeout`: how long one API request may take to be answered. */
  requestTimeoutMs?: number;
}

export function clusterSettings(raw: Record<string, unknown> = {}): ClusterSettings {
  const str = (k: string) => (raw[k] === undefined ? undefined : String(raw[k]));
  const num = (k: string) => {
    if (raw[k] === undefined) return undefined;
    const n = Number(raw[k]);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} must be a positive integer, not ${String(raw[k])}`);
    return n;
  };
  return {
    kubeconfig: str('kubeconfig'),
    context: str('context'),
    image: str('image'),
    cniProfile: str('cniProfile'),
    concurrency: num('concurrency'),
    podTimeoutSeconds: num('podTimeoutSeconds'),
    keep: Boolean(raw.keep),
    dryRun: Boolean(raw.dryRun),
    out: str('out'),
    ...(raw.requestTimeoutMs !== undefined ? { requestTimeoutMs: Number(raw.requestTimeoutMs) } : {}),
  };
}
