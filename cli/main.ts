// The netprops CLI: a thin shell over the programmatic API. Each command lives in its own file and
// returns an exit code (cluster/errors.ts: 0 passed, 1 a property failed); a NetpropsError prints
// one line and exits with its code (2 a user mistake, 3 an environment that failed); bugs crash.
import { Command, CommanderError } from 'commander';
import { EXIT_PASSED, EXIT_USAGE, NetpropsError } from '../cluster/errors.ts';
import { checkCommand } from './check.ts';
import { runCommand } from './run.ts';
import { faultsCommand } from './faults.ts';
import { gcCommand } from './gc.ts';
import { recheckCommand } from './recheck.ts';
import { localClusterCommand } from './local-cluster.ts';
import { TARGET_DESCRIPTORS } from '../harness/targets.ts';
import type { TargetDescriptor } from '../harness/target.ts';

/** A command's action reports its exit code through this. */
export type ExitWith = (code: number) => void;

/** `targets`: the targets the commands offer (harness/targets.ts; a test passes a stand-in beside them). */
export async function main(argv: string[], targets: readonly TargetDescriptor[] = TARGET_DESCRIPTORS): Promise<number> {
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
  for (const make of [checkCommand, runCommand, recheckCommand, faultsCommand, gcCommand, localClusterCommand]) {
    program.addCommand(make(exitWith, targets).exitOverride().configureOutput(output));
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with code 0; a usage mistake was already printed in one line.
      return err.exitCode === 0 ? EXIT_PASSED : EXIT_USAGE;
    }
    if (err instanceof NetpropsError) {
      process.stderr.write(`netprops: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
  return code;
}
