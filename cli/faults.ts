// `netprops faults`: every deliberately broken variant a target can run, one line each, so a user
// can prove a property fails (`netprops run --fault NAME`) before trusting that it passes.
import { Command } from 'commander';
import { UsageError } from '../cluster/errors.ts';
import type { ExitWith } from './main.ts';
import { TARGET_DESCRIPTORS } from '../harness/targets.ts';
import type { TargetDescriptor } from '../harness/target.ts';

export interface FaultListing {
  target: string;
  name: string;
  description: string;
}

/** The faults of every target, from the targets' descriptors. */
export async function listFaults(targets: readonly TargetDescriptor[] = TARGET_DESCRIPTORS): Promise<FaultListing[]> {
  const faults: FaultListing[] = [];
  for (const t of targets) for (const f of await t.faults()) faults.push({ target: t.name, name: f.name, description: f.description });
  return faults;
}

export function renderFaults(faults: FaultListing[]): string {
  const width = Math.max(...faults.map((f) => f.name.length), 4);
  const lines = ['TARGET  ' + 'FAULT'.padEnd(width) + '  WHAT BREAKS'];
  for (const f of faults) lines.push(`${f.target.padEnd(6)}  ${f.name.padEnd(width)}  ${f.description}`);
  return lines.join('\n') + '\n';
}

export function faultsCommand(exitWith: ExitWith, targets: readonly TargetDescriptor[] = TARGET_DESCRIPTORS): Command {
  return new Command('faults')
    .description('list the faults each target can inject (use with run/check --fault NAME)')
    .option('--format <format>', 'table or json', 'table')
    .action(async (opts: { format: string }) => {
      if (opts.format !== 'table' && opts.format !== 'json') throw new UsageError(`unknown --format '${opts.format}': use table or json`);
      const faults = await listFaults(targets);
      if (opts.format === 'json') process.stdout.write(JSON.stringify(faults, null, 2) + '\n');
      else process.stdout.write(renderFaults(faults));
      exitWith(0);
    });
}
