// Placeholder: replaced by the implementation of `netprops check`.
import { Command } from 'commander';
import type { ExitWith } from './main.ts';

export function checkCommand(exitWith: ExitWith): Command {
  return new Command('check').action(() => {
    process.stderr.write('netprops check: not implemented yet\n');
    exitWith(2);
  });
}
