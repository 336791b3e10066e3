// Placeholder: replaced by the implementation of `netprops gc`.
import { Command } from 'commander';
import type { ExitWith } from './main.ts';

export function gcCommand(exitWith: ExitWith): Command {
  return new Command('gc').action(() => {
    process.stderr.write('netprops gc: not implemented yet\n');
    exitWith(2);
  });
}
