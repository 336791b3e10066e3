// `netprops gc`: removes what killed runs left behind. Each target with something to collect adds
// a sweeper here; each returns one line per thing it removed.
import { Command } from 'commander';
import type { ExitWith } from './main.ts';

export interface Sweeper {
  target: string;
  sweep(): Promise<string[]>;
}

export const SWEEPERS: Sweeper[] = [
  {
    target: 'kernel',
    sweep: async () => (await import('../harness/kernel/gc.ts')).gcKernel(),
  },
];

export async function gc(sweepers: Sweeper[] = SWEEPERS): Promise<string[]> {
  const removed: string[] = [];
  for (const s of sweepers) removed.push(...(await s.sweep()));
  return removed;
}

export function gcCommand(exitWith: ExitWith): Command {
  return new Command('gc')
    .description('remove what killed runs left behind (kernel namespaces, state directories, helper processes)')
    .action(async () => {
      const removed = await gc();
      for (const line of removed) process.stdout.write(`removed ${line}\n`);
      if (removed.length === 0) process.stdout.write('nothing to remove\n');
      exitWith(0);
    });
}
