// The netprops CLI: a thin shell over the programmatic API. Each command lives in its own file and
// returns an exit code; user mistakes (NetpropsError) print one line and exit 2, bugs crash.
import { Command, CommanderError } from 'commander';
import { NetpropsError } from '../cluster/errors.ts';
import { checkCommand } from './check.ts';
import { runCommand } from './run.ts';
import { faultsCommand } from './faults.ts';
import { gcCommand } from './gc.ts';
import { localClusterCommand } from './local-cluster.ts';

/** A command's action reports its exit code through this. */
export type ExitWith = (code: number) => void;

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const exitWith: ExitWith = (c) => {
    code = c;
  };
  // Commander's own usage errors read like ours: one line, `netprops: ...`.
  const output = {
    writeErr: (s: string) => process.stderr.write(s),
    outputError: (s: string, write: (s: string) => void) => write(`netprops: ${s.replace(/^error: /, '')}`),
  };
  const program = new Command('netprops')
    .description('Property-based conformance suite for the Kubernetes network model')
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput(output);
  for (const make of [checkCommand, runCommand, faultsCommand, gcCommand, localClusterCommand]) {
    program.addCommand(make(exitWith).exitOverride().configureOutput(output));
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with code 0; a usage mistake was already printed in one line.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof NetpropsError) {
      process.stderr.write(`netprops: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
  return code;
}
