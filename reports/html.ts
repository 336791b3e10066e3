// A static, self-contained HTML report (inline CSS, no scripts, no external assets), so a CI artifact
// opens anywhere: the run, each property's runs, time and outcome, and for a failure the probes
// expected vs observed and, when reachability was wrong, the matrix with the mismatches coloured.
// Every cell carries data-* attributes so tools (and the browser test) can read it back.
import { mkdir } from 'node:fs/promises';
import { writeOutputFile } from './out-dir.ts';
import path from 'node:path';
import type { PropertyFailure, PropertyResult, RunReport } from '../properties/result.ts';
import type { Reporter } from './reporter.ts';
import { encodeCase } from '../cluster/case-file.ts';
import { escapeMarkup as esc } from './markup-escape.ts';
import { formatDuration } from './duration.ts';
import { describeObservation, probeDestination } from '../cluster/probe-text.ts';
import { formatProbeRef } from '../cluster/probe-ref.ts';
import { isReachabilityMismatch, observedVerdict, reachabilityMatrix, type MatrixCell } from './reachability-matrix.ts';
import { settlingLine } from './settling.ts';
import { runsCell, timeLimitText } from './time-limit.ts';

export const HTML_REPORT_FILE = 'report.html';

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem; color: #1d232a; background: #fff; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; margin: 0; }
code, .mono { font-family: ui-monospace, monospace; font-size: 13px; }
.run { color: #4a5560; margin-bottom: 1.25rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border: 1px solid #c9d1d9; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f5f7; }
.status { display: inline-block; padding: 0 .5rem; border-radius: .75rem; font-weight: 600; font-size: 12px; text-transform: uppercase; }
.status-passed { background: #d8f3dc; color: #1b5e20; }
.status-failed { background: #ffd6d6; color: #8e1111; }
.status-skipped { background: #e8e8e8; color: #555; }
.status-vacuous { background: #fff1c2; color: #6b4e00; }
section.property { border: 1px solid #d0d7de; border-radius: 6px; padding: .75rem 1rem; margin: 1rem 0; }
section.property > header { display: flex; gap: .75rem; align-items: center; }
.meta { color: #4a5560; }
.message { background: #fff4f4; border-left: 4px solid #d32f2f; padding: .4rem .6rem; white-space: pre-wrap; }
table.matrix th.corner { font-weight: normal; color: #4a5560; }
table.matrix td.cell { text-align: center; min-width: 7rem; font-family: ui-monospace, monospace; font-size: 12px; }
td.cell-ok, .legend .cell-ok { background: #e6f4ea; }
td.cell-mismatch, .legend .cell-mismatch { background: #f8b4b4; font-weight: 700; outline: 2px solid #c62828; outline-offset: -2px; }
td.cell-failed, .legend .cell-failed { background: #ffe0a3; }
td.cell-undefined, .legend .cell-undefined { background: #eceff1; color: #607d8b; }
td.cell-none { background: repeating-linear-gradient(45deg, #fafafa, #fafafa 4px, #f0f0f0 4px, #f0f0f0 8px); }
tr.mismatch td { background: #fde4e4; }
tr.failed td { background: #fff1d0; }
details.case pre { background: #f6f8fa; border: 1px solid #d0d7de; padding: .5rem; overflow-x: auto; font-size: 12px; }
.legend span { display: inline-block; padding: 0 .4rem; margin-right: .5rem; border: 1px solid #c9d1d9; }
`;

const SYMBOL: Record<string, string> = { allow: '✓ allow', deny: '✗ deny', undefined: '? undefined', unsupported: '– unsupported' };

function matrixCell(cell: MatrixCell | undefined): string {
  if (!cell) return '<td class="cell cell-none"></td>';
  const expected = cell.expected.join(' ');
  const observed = cell.observed.join(' ');
  const title = cell.records.map((r) => `${formatProbeRef(r.probe.from)} -> ${probeDestination(r.probe)}: expected ${r.expected}, observed ${describeObservation(r.observation)}`).join('\n');
  return (
    `<td class="cell cell-${esc(String(cell.state))}" data-from="${esc(cell.from)}" data-to="${esc(cell.to)}"` +
    ` data-expected="${esc(expected)}" data-observed="${esc(observed)}" data-outcome="${esc(cell.outcomes.join(' '))}"` +
    ` data-state="${esc(String(cell.state))}" title="${esc(title)}">` +
    `<div>expected ${esc(cell.expected.map((v) => SYMBOL[v]).join(', '))}</div>` +
    `<div>observed ${esc(cell.observed.map((v) => SYMBOL[v]).join(', '))}</div></td>`
  );
}

function matrix(failure: PropertyFailure, id: string): string {
  const m = reachabilityMatrix(failure.probes);
  const head = m.destinations.map((d) => `<th scope="col" class="mono">${esc(d)}</th>`).join('');
  const rows = m.sources
    .map((s, i) => `<tr><th scope="row" class="mono">${esc(s)}</th>${m.cells[i].map(matrixCell).join('')}</tr>`)
    .join('\n');
  return `<h3>Reachability matrix</h3>
<p class="legend"><span class="cell-mismatch">reachability wrong</span><span class="cell-failed">reachable as expected, failed otherwise</span><span class="cell-ok">as expected</span><span class="cell-undefined">left to the implementation</span></p>
<table class="matrix" data-property="${esc(id)}">
<thead><tr><th class="corner">from \\ to</th>${head}</tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

function probesTable(failure: PropertyFailure): string {
  const rows = failure.probes
    .map((r) => {
      const cls = r.ok === true ? 'ok' : isReachabilityMismatch(r) ? 'mismatch' : 'failed';
      return `<tr class="${cls}"><td class="mono">${esc(formatProbeRef(r.probe.from))}</td><td class="mono">${esc(probeDestination(r.probe))}</td>` +
        `<td>${esc(r.expected)}</td><td>${esc(observedVerdict(r.observation.outcome))}</td><td>${esc(describeObservation(r.observation))}</td><td>${r.ok === true ? 'ok' : '<strong>FAIL</strong>'}</td></tr>`;
    })
    .join('\n');
  return `<h3>Probes: expected vs observed</h3>
<table class="probes">
<thead><tr><th>from</th><th>to</th><th>expected</th><th>observed</th><th>observation</th><th></th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

function failureBlock(p: PropertyResult, failure: PropertyFailure, report: RunReport): string {
  const replay = `npx netprops run --target ${report.target}${report.fault ? ` --fault ${report.fault}` : ''} --property ${p.id} --seed ${esc(String(p.seed))}${failure.path ? ` --path ${failure.path}` : ''}`;
  const parts = [
    `<p class="message">${esc(failure.message)}</p>`,
    `<p>Replay: <code>${esc(replay)}</code>${failure.shrinks !== undefined ? ` (shrunk ${esc(String(failure.shrinks))} times)` : ''}</p>`,
  ];
  if (failure.reproDir) parts.push(`<p>Repro: <code class="repro">${esc(failure.reproDir)}</code> (case.yaml, manifests.yaml, repro.sh, README.md)</p>`);
  if (failure.probes.some(isReachabilityMismatch)) parts.push(matrix(failure, p.id));
  if (failure.probes.length > 0) parts.push(probesTable(failure));
  // The shrunk case itself, as the repro's case.yaml holds it: the policies explain the matrix.
  parts.push(`<details class="case"><summary>Counterexample as a case file</summary><pre>${esc(encodeCase(failure.counterexample))}</pre></details>`);
  return parts.join('\n');
}

function propertySection(p: PropertyResult, report: RunReport): string {
  const body = [
    `<p>${esc(p.statement)}</p>`,
    `<p class="meta">Rule: ${esc(p.rule)}</p>`,
    `<p class="meta">${esc(String(p.runs))} runs judging ${esc(String(p.judged))} observations in ${esc(formatDuration(p.durationMs))}, seed ${esc(String(p.seed))}</p>`,
  ];
  const cut = timeLimitText(p);
  if (cut) body.push(`<p class="meta time-limit">Cut short: ${esc(cut)}</p>`);
  if (p.settling) body.push(`<p class="meta settling" data-settling="${esc(JSON.stringify(p.settling))}">Settling: ${esc(settlingLine(p.settling))}</p>`);
  if (p.status === 'skipped') body.push(`<p class="meta">Skipped: ${esc(p.skipReason ?? 'no reason given')}</p>`);
  if (p.status === 'vacuous') body.push(`<p class="meta">Vacuous (nothing judged): ${esc(p.vacuousReason ?? 'no reason given')}</p>`);
  if (p.failure) body.push(failureBlock(p, p.failure, report));
  if (p.stats) {
    const rows = Object.entries(p.stats).map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc((Number(v) * 100).toFixed(1))} %</td></tr>`).join('');
    body.push(`<details><summary>Statistics</summary><table>${rows}</table></details>`);
  }
  return `<section class="property" id="property-${esc(p.id)}" data-property="${esc(p.id)}" data-status="${esc(String(p.status))}">
<header><h2 class="mono">${esc(p.id)}</h2><span class="status status-${esc(String(p.status))}">${esc(String(p.status))}</span></header>
${body.join('\n')}
</section>`;
}

export function renderHtml(report: RunReport): string {
  const n = (s: PropertyResult['status']) => report.properties.filter((p) => p.status === s).length;
  const summary = report.properties
    .map((p) => `<tr data-property="${esc(p.id)}"><td><a class="mono" href="#property-${esc(p.id)}">${esc(p.id)}</a></td>` +
      `<td><span class="status status-${esc(String(p.status))}">${esc(String(p.status))}</span></td><td>${esc(runsCell(p))}</td><td>${esc(String(p.judged))}</td><td>${esc(formatDuration(p.durationMs))}</td>` +
      `<td class="mono">${esc(p.failure?.reproDir ?? '')}</td></tr>`)
    .join('\n');
  const title = `netprops report: ${report.target}${report.fault ? `, fault ${report.fault}` : ''}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${esc(title)}</h1>
<p class="run">Run <code>${esc(report.runId)}</code>, seed ${esc(String(report.seed))}, started ${esc(report.startedAt)}, took ${esc(formatDuration(report.durationMs))}.
${esc(String(report.properties.length))} properties: ${esc(String(n('passed')))} passed, ${esc(String(n('failed')))} failed, ${esc(String(n('vacuous')))} vacuous, ${esc(String(n('skipped')))} skipped.</p>
${report.settling ? `<p class="run settling">Settling over the run: ${esc(settlingLine(report.settling))}.</p>\n` : ''}<table class="summary">
<thead><tr><th>property</th><th>status</th><th>runs</th><th>judged</th><th>time</th><th>repro</th></tr></thead>
<tbody>
${summary}
</tbody>
</table>
${report.properties.map((p) => propertySection(p, report)).join('\n')}
</body>
</html>
`;
}

export function createHtmlReporter(): Reporter {
  return {
    name: 'html',
    async write(report, outDir) {
      await mkdir(outDir, { recursive: true });
      const file = path.join(outDir, HTML_REPORT_FILE);
      await writeOutputFile(file, renderHtml(report));
      return file;
    },
  };
}
