// Placeholder: replaced by the implementation of `netprops faults`.
import { Command } from 'commander';
import type { ExitWith } from './main.ts';

export function faultsCommand(exitWith: ExitWith): Command {
  return new Command('faults').action(() => {
    process.stderr.write('netprops faults: not implemented yet\n');
    exitWith(2);
  });
}
