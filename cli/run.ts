// Placeholder: replaced by the implementation of `netprops run`.
import { Command } from 'commander';
import type { ExitWith } from './main.ts';

export function runCommand(exitWith: ExitWith): Command {
  return new Command('run').action(() => {
    process.stderr.write('netprops run: not implemented yet\n');
    exitWith(2);
  });
}
