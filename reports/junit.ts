// JUnit XML for CI: one <testcase> per property, classname = the target, so a CI's test view groups
// a run by target. A failure carries the message, the failing probes, the replay seed/path and the
// repro path; a skipped property carries its reason. Format: the de-facto JUnit schema that
// Jenkins, GitLab and GitHub test reporters read (testsuites > testsuite > testcase).
import { mkdir } from 'node:fs/promises';
import { writeOutputFile } from './out-dir.ts';
import path from 'node:path';
import type { PropertyResult, RunReport } from '../properties/result.ts';
import type { Reporter } from './reporter.ts';
import { escapeAttribute, escapeMarkup } from './markup-escape.ts';
import { describeObservation, describeProbe } from '../cluster/probe-text.ts';
import { settlingFigures } from './settling.ts';
import { timeLimitText } from './time-limit.ts';

export const JUNIT_REPORT_FILE = 'junit.xml';

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

function attributes(attrs: Record<string, string | number | undefined>): string {
  return Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeAttribute(String(v))}"`)
    .join('');
}

function failureText(p: PropertyResult): string {
  const f = p.failure!;
  const lines = [`${p.id}: ${p.statement}`, `rule: ${p.rule}`, f.message];
  for (const r of f.probes.filter((r) => !r.ok)) {
    lines.push(`  ${describeProbe(r.probe)}: expected ${r.expected}, observed ${describeObservation(r.observation)}`);
  }
  lines.push(`seed ${p.seed}${f.path ? `, path ${f.path}` : ''}${f.shrinks !== undefined ? `, ${f.shrinks} shrinks` : ''}`);
  if (f.reproDir) lines.push(`repro: ${f.reproDir}`);
  const cut = timeLimitText(p);
  if (cut) lines.push(cut);
  return lines.join('\n');
}

/** Runs and observations judged, as testcase properties (as pytest's record_property writes them). */
function caseProperties(p: PropertyResult): string {
  const props = [
    ['runs', String(p.runs)],
    ['judged', String(p.judged)],
    // A search the time limit cut short: how many cases were asked for (and the limit).
    ...(p.timeLimit ? [['runs-asked', String(p.timeLimit.runsAsked)], ['time-limit-ms', String(p.timeLimit.limitMs)]] : []),
    // On a target that settles (a live cluster): time-to-enforce and stale counts of this property.
    ...(p.settling ? settlingFigures(p.settling).map((f) => [`settling.${f.name}`, String(f.value)]) : []),
  ].map(([name, value]) => `        <property${attributes({ name, value })}/>`);
  return ['      <properties>', ...props, '      </properties>'].join('\n');
}

function testcase(p: PropertyResult, target: string): string {
  const open = `    <testcase${attributes({ name: p.id, classname: target, time: seconds(p.durationMs) })}>\n${caseProperties(p)}`;
  if (p.status === 'passed') return `${open}\n    </testcase>`;
  if (p.status === 'skipped') {
    return `${open}\n      <skipped${attributes({ message: p.skipReason ?? 'skipped' })}/>\n    </testcase>`;
  }
  // JUnit has no "tested nothing": a vacuous property is skipped there, its message saying why.
  if (p.status === 'vacuous') {
    return `${open}\n      <skipped${attributes({ message: `vacuous: ${p.vacuousReason ?? 'nothing judged'}` })}/>\n    </testcase>`;
  }
  const f = p.failure;
  const message = f ? f.message : 'failed';
  const body = f ? escapeMarkup(failureText(p)) : '';
  const out = f?.reproDir ? `\n      <system-out>${escapeMarkup(`repro: ${f.reproDir}`)}</system-out>` : '';
  return `${open}\n      <failure${attributes({ message, type: 'PropertyFailure' })}>${body}</failure>${out}\n    </testcase>`;
}

export function renderJunit(report: RunReport): string {
  const n = (s: PropertyResult['status']) => report.properties.filter((p) => p.status === s).length;
  const counts = { tests: report.properties.length, failures: n('failed'), errors: 0, skipped: n('skipped') + n('vacuous') };
  const suiteName = `netprops ${report.target}${report.fault ? ` (fault ${report.fault})` : ''}`;
  const props = [
    ['runId', report.runId],
    ['target', report.target],
    ['seed', String(report.seed)],
    ...(report.fault ? [['fault', report.fault]] : []),
    ...(report.settling ? settlingFigures(report.settling).map((f) => [`settling.${f.name}`, String(f.value)]) : []),
  ].map(([name, value]) => `      <property${attributes({ name, value })}/>`);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes({ name: 'netprops', ...counts, time: seconds(report.durationMs) })}>`,
    `  <testsuite${attributes({ name: suiteName, ...counts, time: seconds(report.durationMs), timestamp: report.startedAt })}>`,
    '    <properties>',
    ...props,
    '    </properties>',
    ...report.properties.map((p) => testcase(p, report.target)),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

export function createJunitReporter(): Reporter {
  return {
    name: 'junit',
    async write(report, outDir) {
      await mkdir(outDir, { recursive: true });
      const file = path.join(outDir, JUNIT_REPORT_FILE);
      await writeOutputFile(file, renderJunit(report));
      return file;
    },
  };
}
