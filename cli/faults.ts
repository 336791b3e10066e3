// `netprops faults`: every deliberately broken variant a target can run, one line each, so a user
// can prove a property fails (`netprops run --fault NAME`) before trusting that it passes.
import { Command } from 'commander';
import { UsageError } from '../cluster/errors.ts';
import type { ExitWith } from './main.ts';

export interface FaultListing {
  target: string;
  name: string;
  description: string;
}

/** The faults of every target; a target whose faults do not load yet is left out, not fatal. */
export async function listFaults(): Promise<FaultListing[]> {
  const faults: FaultListing[] = [];
  const { MODEL_FAULTS } = await import('../harness/model/faults.ts');
  for (const f of MODEL_FAULTS) faults.push({ target: 'model', name: f.name, description: f.description });
  const { BREAKAGES } = await import('../harness/breakages.ts');
  for (const b of BREAKAGES) faults.push({ target: 'model', name: b.name, description: b.description });
  try {
    const { KERNEL_FAULTS } = await import('../harness/kernel/faults.ts');
    for (const f of KERNEL_FAULTS) faults.push({ target: 'kernel', name: f.name, description: f.description });
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
  }
  return faults;
}

export function renderFaults(faults: FaultListing[]): string {
  const width = Math.max(...faults.map((f) => f.name.length), 4);
  const lines = ['TARGET  ' + 'FAULT'.padEnd(width) + '  WHAT BREAKS'];
  for (const f of faults) lines.push(`${f.target.padEnd(6)}  ${f.name.padEnd(width)}  ${f.description}`);
  return lines.join('\n') + '\n';
}

export function faultsCommand(exitWith: ExitWith): Command {
  return new Command('faults')
    .description('list the faults each target can inject (use with run/check --fault NAME)')
    .option('--format <format>', 'table or json', 'table')
    .action(async (opts: { format: string }) => {
      if (opts.format !== 'table' && opts.format !== 'json') throw new UsageError(`unknown --format '${opts.format}': use table or json`);
      const faults = await listFaults();
      if (opts.format === 'json') process.stdout.write(JSON.stringify(faults, null, 2) + '\n');
      else process.stdout.write(renderFaults(faults));
      exitWith(0);
    });
}
