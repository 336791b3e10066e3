// `netprops gc`: removes what killed runs left behind. Each target with something to collect has a
// sweeper; each returns one line per thing it removed. The kernel is swept by default (it needs
// nothing but this machine); the cluster only when asked, since it needs a kubeconfig.
import { Command, Option } from 'commander';
import type { ExitWith } from './main.ts';

export interface Sweeper {
  target: string;
  sweep(): Promise<string[]>;
}

export const kernelSweeper: Sweeper = {
  target: 'kernel',
  sweep: async () => (await import('../harness/kernel/gc.ts')).gcKernel(),
};

export const localClusterSweeper: Sweeper = {
  target: 'local-cluster',
  sweep: async () => (await import('../local-cluster/gc.ts')).gcLocalClusters(),
};

export async function clusterSweeper(settings: { kubeconfig?: string; context?: string }): Promise<Sweeper> {
  return (await import('../harness/cluster/gc.ts')).clusterSweeper(settings);
}

/** The sweepers for `netprops gc --target T` (T absent: this machine, the kernel target and local clusters). */
export async function sweepersFor(target: 'kernel' | 'cluster' | 'local-cluster' | undefined, settings: { kubeconfig?: string; context?: string } = {}): Promise<Sweeper[]> {
  if (target === 'cluster') return [await clusterSweeper(settings)];
  if (target === 'local-cluster') return [localClusterSweeper];
  if (target === 'kernel') return [kernelSweeper];
  return [kernelSweeper, localClusterSweeper];
}

export async function gc(sweepers: Sweeper[]): Promise<string[]> {
  const removed: string[] = [];
  for (const s of sweepers) removed.push(...(await s.sweep()));
  return removed;
}

export function gcCommand(exitWith: ExitWith): Command {
  return new Command('gc')
    .description("remove what killed runs left behind: by default this machine's (the kernel target's namespaces, state and helper processes, and dead local clusters), with --target cluster the run namespaces of dead runs in a cluster")
    .addOption(new Option('--target <name>', 'which target to sweep').choices(['kernel', 'cluster', 'local-cluster']))
    .option('--kubeconfig <file>', 'cluster target: kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'cluster target: kubeconfig context')
    .action(async (opts: { target?: 'kernel' | 'cluster' | 'local-cluster'; kubeconfig?: string; context?: string }) => {
      const settings = {
        ...(opts.kubeconfig !== undefined ? { kubeconfig: opts.kubeconfig } : {}),
        ...(opts.context !== undefined ? { context: opts.context } : {}),
      };
      const removed = await gc(await sweepersFor(opts.target, settings));
      for (const line of removed) process.stdout.write(`removed ${line}\n`);
      if (removed.length === 0) process.stdout.write('nothing to remove\n');
      exitWith(0);
    });
}
