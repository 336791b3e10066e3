// `netprops gc`: removes what killed runs left behind. Each target with something to collect has a
// sweeper; each returns one line per thing it removed. This machine's (the kernel target's, local
// clusters') are swept by default; the cluster only when asked, since it needs a kubeconfig. The cluster's
// sweeper removes only namespaces of runs whose lease expired, and `--dry-run` lists them instead.
import { Command, Option } from 'commander';
import { EXIT_PASSED, UsageError } from '../cluster/errors.ts';
import type { ExitWith } from './main.ts';
import { TARGET_DESCRIPTORS, targetNamed } from '../harness/targets.ts';
import type { GcSettings, Sweeper, TargetDescriptor } from '../harness/target.ts';
import { requestTimeoutOf } from './run.ts';

export type { Sweeper };

/** Not a target: what `netprops local-cluster` leaves when it is killed (its own folder and namespaces). */
export const localClusterSweeper: Sweeper = {
  target: 'local-cluster',
  sweep: async () => (await import('../local-cluster/gc.ts')).gcLocalClusters(),
};

/** What `--target` may name: every target with a sweeper, and local-cluster. */
export function gcTargets(targets: readonly TargetDescriptor[] = TARGET_DESCRIPTORS): string[] {
  return [...targets.filter((t) => t.gc).map((t) => t.name), localClusterSweeper.target];
}

/**
 * The sweepers for `netprops gc --target T`, read from the target descriptors; T absent: this
 * machine's (every local target's, then local clusters').
 */
export async function sweepersFor(target: string | undefined, settings: GcSettings = {}, targets: readonly TargetDescriptor[] = TARGET_DESCRIPTORS): Promise<Sweeper[]> {
  if (target === localClusterSweeper.target) return [localClusterSweeper];
  if (target !== undefined) {
    const d = targetNamed(target, targets);
    if (!d.gc) throw new UsageError(`--target ${target}: its runs leave nothing to collect; use one of ${gcTargets(targets).join(', ')}`);
    return [await d.gc.sweeper(settings)];
  }
  const local = await Promise.all(targets.filter((t) => t.gc?.local).map((t) => t.gc!.sweeper(settings)));
  return [...local, localClusterSweeper];
}

export async function gc(sweepers: Sweeper[], options: { dryRun?: boolean } = {}): Promise<string[]> {
  const cannot = sweepers.find((s) => options.dryRun && !s.canDryRun);
  if (cannot) throw new UsageError(`--dry-run: the ${cannot.target} sweeper cannot list without removing; use --target cluster`);
  const removed: string[] = [];
  for (const s of sweepers) removed.push(...(await s.sweep(options.dryRun ? { dryRun: true } : {})));
  return removed;
}

export function gcCommand(exitWith: ExitWith, targets: readonly TargetDescriptor[] = TARGET_DESCRIPTORS): Command {
  return new Command('gc')
    .description("remove what killed runs left behind: by default this machine's (the kernel target's namespaces, state and helper processes, and dead local clusters), with --target cluster the run namespaces of dead runs in a cluster")
    .addOption(new Option('--target <name>', 'which target to sweep').choices(gcTargets(targets)))
    .option('--kubeconfig <file>', 'cluster target: kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'cluster target: kubeconfig context')
    .option('--request-timeout <duration>', 'cluster target: how long one API request may take to be answered (default 30s)')
    .option('--dry-run', 'cluster target: list what would be removed, remove nothing')
    .action(async (opts: { target?: string; kubeconfig?: string; context?: string; requestTimeout?: string; dryRun?: boolean }) => {
      const settings: GcSettings = {
        ...(opts.kubeconfig !== undefined ? { kubeconfig: opts.kubeconfig } : {}),
        ...(opts.context !== undefined ? { context: opts.context } : {}),
        ...(opts.requestTimeout !== undefined ? { requestTimeoutMs: requestTimeoutOf(opts.requestTimeout) } : {}),
      };
      const removed = await gc(await sweepersFor(opts.target, settings, targets), { dryRun: Boolean(opts.dryRun) });
      for (const line of removed) process.stdout.write(`${opts.dryRun ? 'would remove' : 'removed'} ${line}\n`);
      if (removed.length === 0) process.stdout.write('nothing to remove\n');
      exitWith(EXIT_PASSED);
    });
}
