// The console summary: one row per property (status, runs, observations judged, time, where its repro is), then each
// failure's message. Plain text, no colour, so it reads the same in a CI log and a terminal.
import type { PropertyResult, RunReport } from '../properties/result.ts';
import type { Reporter } from './reporter.ts';
import { formatDuration } from './duration.ts';
import { settlingLine } from './settling.ts';
import { runsCell, timeLimitText } from './time-limit.ts';

const HEADER = ['PROPERTY', 'STATUS', 'RUNS', 'JUDGED', 'TIME', 'REPRO'] as const;

function row(p: PropertyResult): string[] {
  const status = p.status === 'failed' ? 'FAILED' : p.status;
  const why = p.status === 'skipped' ? `(${p.skipReason ?? 'skipped'})` : p.status === 'vacuous' ? `(${p.vacuousReason ?? 'nothing judged'})` : '';
  return [p.id, status, runsCell(p), String(p.judged), formatDuration(p.durationMs), p.failure?.reproDir ?? why];
}

export function renderConsoleSummary(report: RunReport): string {
  const rows = [HEADER.slice(), ...report.properties.map(row)];
  const widths = HEADER.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const lines: string[] = [];
  const fault = report.fault ? `, fault ${report.fault}` : '';
  lines.push(`netprops run ${report.runId}: target ${report.target}${fault}, seed ${report.seed}, ${formatDuration(report.durationMs)}`);
  for (const r of rows) {
    lines.push(r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd());
  }
  const count = (s: PropertyResult['status']) => report.properties.filter((p) => p.status === s).length;
  lines.push(`${report.properties.length} ${report.properties.length === 1 ? 'property' : 'properties'}: ${count('passed')} passed, ${count('failed')} failed, ${count('vacuous')} vacuous, ${count('skipped')} skipped`);
  const st = report.settling;
  // The cluster target's most distinctive measurement: how long the network took to enforce a change.
  if (st) lines.push(`settling: ${settlingLine(st)}`);
  for (const p of report.properties) for (const example of p.settling?.staleExamples ?? []) lines.push(`${p.id}: stale: ${example}`);
  for (const p of report.properties) for (const example of p.settling?.profileViolationExamples ?? []) lines.push(`${p.id}: profile violation: ${example}`);
  for (const p of report.properties) {
    const cut = timeLimitText(p);
    if (cut) lines.push(`${p.id}: ${cut}`);
  }
  for (const p of report.properties) {
    if (!p.failure) continue;
    const replay = p.failure.path ? ` (replay: --property ${p.id} --seed ${p.seed} --path ${p.failure.path})` : '';
    lines.push(`${p.id}: ${p.failure.message}${replay}`);
  }
  return lines.join('\n') + '\n';
}

export function createConsoleReporter(stream: NodeJS.WritableStream = process.stdout): Reporter {
  return {
    name: 'console',
    async write(report) {
      const text = renderConsoleSummary(report);
      await new Promise<void>((resolve, reject) => stream.write(text, (err) => (err ? reject(err) : resolve())));
      return '-';
    },
  };
}
