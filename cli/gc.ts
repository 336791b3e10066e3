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

export async function clusterSweeper(settings: { kubeconfig?: string; context?: string }): Promise<Sweeper> {
  return (await import('../harness/cluster/gc.ts')).clusterSweeper(settings);
}

/** The sweepers for `netprops gc --target T` (T absent: the kernel). */
export async function sweepersFor(target: 'kernel' | 'cluster' | undefined, settings: { kubeconfig?: string; context?: string } = {}): Promise<Sweeper[]> {
  return target === 'cluster' ? [await clusterSweeper(settings)] : [kernelSweeper];
}

export async function gc(sweepers: Sweeper[]): Promise<string[]> {
  const removed: string[] = [];
  for (const s of sweepers) removed.push(...(await s.sweep()));
  return removed;
}

export function gcCommand(exitWith: ExitWith): Command {
  return new Command('gc')
    .description("remove what killed runs left behind: the kernel target's namespaces, state and helper processes (default), or with --target cluster the run namespaces of dead runs")
    .addOption(new Option('--target <name>', 'which target to sweep').choices(['kernel', 'cluster']).default('kernel'))
    .option('--kubeconfig <file>', 'cluster target: kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'cluster target: kubeconfig context')
    .action(async (opts: { target: 'kernel' | 'cluster'; kubeconfig?: string; context?: string }) => {
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
