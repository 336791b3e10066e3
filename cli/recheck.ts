// `netprops recheck DIR|FILE...`: re-judges the records a failing run saved beside its repros
// (record.json) with the current properties and model, offline: no target is touched. Exit 1 when a
// record still fails, 0 when every one holds now (after a fix of the property or the model).
import { Command } from 'commander';
import { recheck, type RecheckResult } from '../properties/recheck.ts';
import type { ExitWith } from './main.ts';

export function formatRecheck(results: RecheckResult[]): string {
  const lines = results.map((r) =>
    r.findings.length > 0 ? `${r.file}: ${r.property} fails: ${r.findings[0]}${r.findings.length > 1 ? ` (and ${r.findings.length - 1} more)` : ''}` : `${r.file}: ${r.property} holds now (the run said: ${r.savedMessage})`,
  );
  const failing = results.filter((r) => r.findings.length > 0).length;
  lines.push(`${results.length} record${results.length === 1 ? '' : 's'}: ${failing} failing, ${results.length - failing} holding`);
  return `${lines.join('\n')}\n`;
}

export function recheckCommand(exitWith: ExitWith): Command {
  return new Command('recheck')
    .description('re-judge the records a run saved beside its repros (record.json), offline, with the current properties and model')
    .argument('<paths...>', 'output folders of runs, repro folders or record.json files')
    .action(async (paths: string[]) => {
      const results = await recheck(paths);
      process.stdout.write(formatRecheck(results));
      exitWith(results.some((r) => r.findings.length > 0) ? 1 : 0);
    });
}
