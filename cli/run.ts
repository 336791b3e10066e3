// `netprops run`: the properties against one target, with a progress bar per property, a summary,
// repros of failures and the reports. A thin shell over runProperties() (properties/runner.ts).
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { UsageError } from '../cluster/errors.ts';
import { TARGET_DESCRIPTORS, parseTarget, targetNamed, targetSettings } from '../harness/targets.ts';
import type { TargetDescriptor } from '../harness/target.ts';
import { PROPERTIES } from '../properties/catalog.ts';
import { DEFAULT_RUNS, runProperties, selectProperties, type ProgressEvent } from '../properties/runner.ts';
import type { RunReport } from '../properties/result.ts';
import { prepareOutDir } from '../reports/out-dir.ts';
import { writeRunOutput } from '../reports/run-output.ts';
import { runsCell } from '../reports/time-limit.ts';
import type { ExitWith } from './main.ts';

export const DEFAULT_TIME_LIMIT = '60s';
export const DEFAULT_OUT = 'netprops-report';
export const DEFAULT_FORMATS = ['console', 'junit', 'json', 'html'];

/**
 * --runs and --time-limit when not given: the target's own (a live cluster spends seconds per case,
 * where the model spends microseconds), else 200 runs and 60 s.
 */
export function runDefaults(target: Pick<TargetDescriptor, 'runDefaults'>): { runs: number; timeLimit: string } {
  return target.runDefaults ?? { runs: DEFAULT_RUNS, timeLimit: DEFAULT_TIME_LIMIT };
}

/** A default as the help says it: `200; cluster 3`. */
function defaultsText(targets: readonly TargetDescriptor[], of: (d: { runs: number; timeLimit: string }) => string): string {
  const own = targets.filter((t) => t.runDefaults).map((t) => `${t.name} ${of(runDefaults(t))}`);
  return [of(runDefaults({})), ...own].join('; ');
}

/** `60s`, `2m`, `500ms`, `1h` or a bare number of seconds. */
export function parseDuration(text: string, flag = '--time-limit'): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag} '${text}' is not a duration: write e.g. 60s, 2m or 500ms`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}

/** fast-check's replay path, as a failure's summary prints it: run indices separated by colons. */
export function replayPathOf(text: string): string {
  if (!/^\d+(:\d+)*$/.test(text)) throw new UsageError(`--path '${text}' is not a replay path: numbers separated by colons (e.g. 12:3:0), as a failure's replay command prints it`);
  return text;
}

/** `--request-timeout`: a positive duration. */
export function requestTimeoutOf(text: string): number {
  const ms = parseDuration(text, '--request-timeout');
  if (ms < 1) throw new UsageError(`--request-timeout '${text}' must be longer than 0`);
  return ms;
}

function positiveInteger(name: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${name} '${text}' is not a positive integer`);
  return n;
}

function seedOf(text: string | undefined): number {
  if (text === undefined) return (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
  const n = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || Math.abs(n) > 0x7fffffff) {
    throw new UsageError(`--seed '${text}' is not a 32-bit integer`);
  }
  return n;
}

/** Property ids from repeated or comma-separated --property values. */
const listOf = (values: string[] | undefined): string[] | undefined =>
  values?.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v.length > 0);


/** Progress on stderr: a bar per property on a terminal, a line per finished property otherwise. */
function progressReporter(stream: NodeJS.WriteStream): { onProgress: (e: ProgressEvent) => void; stop: () => void } {
  if (!stream.isTTY) {
    return {
      onProgress(e) {
        if (e.kind !== 'end') return;
        const r = e.result;
        // What the time limit cut short, from the result (a replay of one path has no search to cut).
        const limit = r.timeLimit ? (r.status === 'failed' ? ' (time limit: shrinking stopped)' : ' (time limit)') : '';
        const what =
          r.status === 'skipped'
            ? `skipped (${r.skipReason})`
            : `${r.status}, ${runsCell(r)} runs, ${r.judged} judged, ${(r.durationMs / 1000).toFixed(1)}s${limit}${r.status === 'vacuous' ? ` (${r.vacuousReason})` : ''}`;
        stream.write(`${r.id}: ${what}\n`);
      },
      stop() {},
    };
  }
  const multi = new cliProgress.MultiBar(
    {
      stream,
      // Name first and a short bar, so a line fits an 80-column terminal.
      format: '{property} {bar} {value}/{total} runs {seconds}s {state}',
      barsize: 12,
      hideCursor: true,
      clearOnComplete: false,
      autopadding: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  const name = (id: string) => id.padEnd(Math.max(...PROPERTIES.map((p) => p.id.length)));
  return {
    onProgress(e) {
      if (e.kind === 'start') {
        bars.set(e.property, multi.create(e.runs, 0, { property: name(e.property), seconds: '0.0', state: '' }));
        return;
      }
      const bar = bars.get(e.property);
      if (e.kind === 'run') bar?.update(e.runsDone, { seconds: (e.elapsedMs / 1000).toFixed(1) });
      if (e.kind === 'fail') bar?.update(e.runsDone, { seconds: (e.elapsedMs / 1000).toFixed(1), state: 'failed, shrinking' });
      if (e.kind === 'shrink') bar?.update({ seconds: (e.elapsedMs / 1000).toFixed(1), state: `failed, shrinking (${e.shrinks})` });
      if (e.kind === 'end') {
        const r = e.result;
        if (!bar) {
          multi.log(`${r.id}: skipped (${r.skipReason})\n`);
          return;
        }
        bar.update(r.status === 'passed' ? bar.getTotal() : r.runs, { seconds: (r.durationMs / 1000).toFixed(1), state: r.status });
      }
    },
    stop() {
      multi.update(); // draw the last states before the bars freeze (rendering is throttled)
      multi.stop();
    },
  };
}

/** The fast-check statistics of each property: how often each of its outcomes occurred. */
export function renderStats(report: RunReport): string {
  const lines: string[] = [];
  for (const p of report.properties) {
    if (!p.stats) continue;
    lines.push(`${p.id} (${p.runs} runs):`);
    for (const [label, share] of Object.entries(p.stats)) lines.push(`  ${label.padEnd(40)} ${(share * 100).toFixed(1).padStart(5)}%`);
  }
  return lines.length > 0 ? lines.join('\n') + '\n' : '';
}

export function runCommand(exitWith: ExitWith, targets: readonly TargetDescriptor[] = TARGET_DESCRIPTORS): Command {
  const command = new Command('run')
    .description('run the properties against a target; on failure shrink it and write a repro')
    .option('--target <name>', targets.map((t) => t.name).join(', '), 'model')
    .option('--property <id...>', 'only these properties (repeat or separate with commas)')
    .option('--runs <n>', `generated cases per property (default ${defaultsText(targets, (d) => String(d.runs))})`)
    .option('--seed <n>', "fast-check's seed (printed in the summary; replay with it)")
    .option('--path <path>', "fast-check's replay path of a failure (with --seed and one --property)")
    .option('--time-limit <duration>', `time budget per property, e.g. 60s or 2m (default ${defaultsText(targets, (d) => d.timeLimit)})`)
    .option('--fault <name>', 'a deliberately broken variant of the target (see `netprops faults`)')
    .option('--out <dir>', 'where repros and reports go', DEFAULT_OUT)
    .option('--stats', 'print how often each property saw each of its outcomes')
    .option('--format <names...>', `reports to write besides the summary: ${DEFAULT_FORMATS.join(', ')}`, DEFAULT_FORMATS)
    .addOption(new Option('--dry-run', 'cluster: print the plan (objects, probes) without a cluster'));
  for (const { flag, description } of targetSettings(targets)) command.option(flag, description);

  return command.action(async (opts: Record<string, unknown>) => {
    const target = parseTarget(String(opts.target), targets);
    const defaults = runDefaults(targetNamed(target, targets));
    const formats = listOf(opts.format as string[]) ?? DEFAULT_FORMATS;
    const properties = listOf(opts.property as string[] | undefined);
    // Unknown property ids and reporter names are usage mistakes, caught before anything runs.
    const { REPORTER_NAMES } = await import('../reports/registry.ts');
    const unknown = formats.find((f) => !(REPORTER_NAMES as readonly string[]).includes(f));
    if (unknown) throw new UsageError(`unknown --format '${unknown}': use one of ${REPORTER_NAMES.join(', ')}`);
    const settings: Record<string, unknown> = {};
    // The same settings as command-line words, so a repro's replay commands select the same target.
    const targetFlags: string[] = [];
    for (const { flag, key } of targetSettings(targets)) {
      const name = flag.split(' ')[0];
      const camel = name.slice(2).replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
      if (opts[camel] === undefined) continue;
      settings[key] = opts[camel];
      if (opts[camel] === true) targetFlags.push(name);
      // A repro is replayed from its own folder: a relative configuration file would not be found.
      else targetFlags.push(name, key === 'cniConf' ? path.resolve(String(opts[camel])) : String(opts[camel]));
    }
    if (settings.requestTimeout !== undefined) settings.requestTimeoutMs = requestTimeoutOf(String(settings.requestTimeout));
    delete settings.requestTimeout;
    if (opts.dryRun) settings.dryRun = true;
    settings.out = String(opts.out); // where a target writes what it has to show (the cluster's dry-run plan)
    const seed = seedOf(opts.seed as string | undefined);
    const selected = selectProperties(PROPERTIES, properties);
    if (opts.path !== undefined && selected.length !== 1) {
      throw new UsageError(`--path replays one property's failure: name it with --property (the summary prints the whole replay command)`);
    }
    if (opts.path !== undefined) replayPathOf(String(opts.path));

    // An output folder that cannot be written, or has a file where a folder goes (or the reverse),
    // is the user's to fix: say so before the run, not after it. Old repro folders are cleared.
    await prepareOutDir(String(opts.out));
    try {
      await access(String(opts.out), constants.W_OK);
    } catch (err) {
      throw new UsageError(`cannot write to --out ${String(opts.out)}: ${(err as Error).message}`);
    }
    const progress = progressReporter(process.stderr);
    let report: RunReport;
    try {
      report = await runProperties({
        target,
        ...(properties ? { properties } : {}),
        runs: positiveInteger('--runs', String(opts.runs ?? defaults.runs)),
        seed,
        ...(opts.path ? { path: String(opts.path) } : {}),
        timeLimitMs: parseDuration(String(opts.timeLimit ?? defaults.timeLimit)),
        ...(opts.fault ? { fault: String(opts.fault) } : {}),
        stats: Boolean(opts.stats),
        settings,
        onProgress: progress.onProgress,
        // The reports so far after each property, so a run stopped by Ctrl-C keeps what it finished.
        onPropertyDone: (partial) => writeRunOutput(partial, String(opts.out), formats, { targetFlags }),
        targets,
      });
    } finally {
      progress.stop();
    }
    // A path that names no case of this property and seed replayed nothing: passing would claim a test.
    const replayed = report.properties[0];
    if (opts.path !== undefined && replayed !== undefined && replayed.status !== 'failed' && replayed.runs === 0) {
      throw new UsageError(`--path ${String(opts.path)} names no case of ${replayed.id} with --seed ${seed}: nothing was replayed; copy --seed and --path from the same failure's replay command`);
    }
    // Repros (with each failure's record), then the report files --format picks; the summary table
    // always ends a run on stdout.
    await writeRunOutput(report, String(opts.out), formats, { targetFlags });
    const { writeReports } = await import('../reports/registry.ts');
    await writeReports(report, String(opts.out), ['console']);
    const files = formats.filter((f) => f !== 'console');
    if (files.length > 0) process.stderr.write(`reports (${files.join(', ')}) in ${String(opts.out)}\n`);
    if (opts.stats) process.stdout.write(renderStats(report));
    // Vacuous is no failure of the target (nothing was tested); the summary says so for each.
    exitWith(report.properties.some((p) => p.status === 'failed') ? 1 : 0);
  });
}
