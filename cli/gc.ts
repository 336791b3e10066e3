// `netprops gc`: removes what killed runs left behind. Each target with something to collect has a
// sweeper; each returns one line per thing it removed. This machine's (the kernel target's, local
// clusters') are swept by default; the cluster only when asked, since it needs a kubeconfig. The cluster's
// sweeper removes only namespaces of runs whose lease expired, and `--dry-run` lists them instead.
import { Command, Option } from 'commander';
import { EXIT_PASSED, UsageError } from '../cluster/errors.ts';
import type { ExitWith } from './main.ts';
import { requestTimeoutOf } from './run.ts';

export interface Sweeper {
  target: string;
  /** With `dryRun`, returns what it would remove and removes nothing (a sweeper that cannot, lacks `canDryRun`). */
  sweep(options?: { dryRun?: boolean }): Promise<string[]>;
  canDryRun?: boolean;
}

interface ClusterGcSettings {
  kubeconfig?: string;
  context?: string;
  requestTimeoutMs?: number;
}

export const kernelSweeper: Sweeper = {
  target: 'kernel',
  sweep: async () => (await import('../harness/kernel/gc.ts')).gcKernel(),
};

export const localClusterSweeper: Sweeper = {
  target: 'local-cluster',
  sweep: async () => (await import('../local-cluster/gc.ts')).gcLocalClusters(),
};

export async function clusterSweeper(settings: ClusterGcSettings): Promise<Sweeper> {
  return { ...(await import('../harness/cluster/gc.ts')).clusterSweeper(settings), canDryRun: true };
}

/** The sweepers for `netprops gc --target T` (T absent: this machine, the kernel target and local clusters). */
export async function sweepersFor(target: 'kernel' | 'cluster' | 'local-cluster' | undefined, settings: ClusterGcSettings = {}): Promise<Sweeper[]> {
  if (target === 'cluster') return [await clusterSweeper(settings)];
  if (target === 'local-cluster') return [localClusterSweeper];
  if (target === 'kernel') return [kernelSweeper];
  return [kernelSweeper, localClusterSweeper];
}

export async function gc(sweepers: Sweeper[], options: { dryRun?: boolean } = {}): Promise<string[]> {
  const cannot = sweepers.find((s) => options.dryRun && !s.canDryRun);
  if (cannot) throw new UsageError(`--dry-run: the ${cannot.target} sweeper cannot list without removing; use --target cluster`);
  const removed: string[] = [];
  for (const s of sweepers) removed.push(...(await s.sweep(options.dryRun ? { dryRun: true } : {})));
  return removed;
}

export function gcCommand(exitWith: ExitWith): Command {
  return new Command('gc')
    .description("remove what killed runs left behind: by default this machine's (the kernel target's namespaces, state and helper processes, and dead local clusters), with --target cluster the run namespaces of dead runs in a cluster")
    .addOption(new Option('--target <name>', 'which target to sweep').choices(['kernel', 'cluster', 'local-cluster']))
    .option('--kubeconfig <file>', 'cluster target: kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'cluster target: kubeconfig context')
    .option('--request-timeout <duration>', 'cluster target: how long one API request may take to be answered (default 30s)')
    .option('--dry-run', 'cluster target: list what would be removed, remove nothing')
    .action(async (opts: { target?: 'kernel' | 'cluster' | 'local-cluster'; kubeconfig?: string; context?: string; requestTimeout?: string; dryRun?: boolean }) => {
      const settings: ClusterGcSettings = {
        ...(opts.kubeconfig !== undefined ? { kubeconfig: opts.kubeconfig } : {}),
        ...(opts.context !== undefined ? { context: opts.context } : {}),
        ...(opts.requestTimeout !== undefined ? { requestTimeoutMs: requestTimeoutOf(opts.requestTimeout) } : {}),
      };
      const removed = await gc(await sweepersFor(opts.target, settings), { dryRun: Boolean(opts.dryRun) });
      for (const line of removed) process.stdout.write(`${opts.dryRun ? 'would remove' : 'removed'} ${line}\n`);
      if (removed.length === 0) process.stdout.write('nothing to remove\n');
      exitWith(EXIT_PASSED);
    });
}
