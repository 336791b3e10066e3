// `netprops check FILE|DIR...`: run the probes of case files on a target and compare each with
// what the file expects (a file of several steps: each step in order on one harness). A probe counts as allowed iff it was delivered. The reference model (no
// fault) is asked too: where upstream leaves a probe's outcome to the implementation (verdict
// 'undefined'), a case file must not assert it, so that probe is reported as undefined, not ok.
// An allowed probe must also be delivered the way a conformant cluster delivers it: by a backend the
// model may pick, with the source address and reply address it predicts (no NAT between pods), so a
// repro of a NAT or endpoint fault fails here the same way it failed the property.
import { Command, Option } from 'commander';
import { EXIT_PASSED, EXIT_PROPERTY_FAILED, UsageError } from '../cluster/errors.ts';
import { loadCases } from '../cluster/case-file.ts';
import { formatProbeRef } from '../cluster/probe-ref.ts';
import type { Case, CaseStep, ClusterState, Expectation, Observation, Protocol } from '../cluster/types.ts';
import { TARGET_DESCRIPTORS, createHarness, parseTarget, targetSettings, type TargetName } from '../harness/targets.ts';
import type { TargetDescriptor } from '../harness/target.ts';
import { execute } from '../harness/execute.ts';
import { modelOf, type StepRun } from '../harness/record.ts';
import { observedAllowed } from '../properties/property.ts';
import type { ExitWith } from './main.ts';
import { expectedSource, sourceAgrees, type Delivery } from '../harness/model/source-seen.ts';
import { requestTimeoutOf } from './run.ts';

export interface CheckOptions {
  target?: TargetName;
  /** A fault of the target (see `netprops faults`). */
  fault?: string;
  /** Target-specific settings passed to the harness (cniBinDir, proxyMode, kubeconfig, ...). */
  settings?: Record<string, unknown>;
  /** How to make the harness; harness/targets.ts by default (tests and tools may wrap it). */
  createHarness?: typeof createHarness;
  /** The targets to choose from (harness/targets.ts by default). */
  targets?: readonly TargetDescriptor[];
}

export type Observed = 'allow' | 'deny' | 'undefined' | 'unsupported';

export interface CheckResult {
  file: string;
  /** Which step of a case file of several steps ("1/2"); absent for a one-step file. */
  step?: string;
  from: string;
  to: string;
  port: number | string;
  protocol: Protocol;
  expect: Expectation;
  observed: Observed;
  ok: boolean;
  /** The harness's outcome (delivered, refused, timeout, ...) and its detail, or the model's reason for 'undefined'. */
  detail: string;
}

export interface CheckSummary {
  target: string;
  fault?: string;
  files: number;
  probes: number;
  ok: number;
  mismatched: number;
  undefined: number;
  unsupported: number;
}

export interface CheckReport {
  results: CheckResult[];
  summary: CheckSummary;
  /** What the loader assumed about the files (implied Namespaces, an inferred service CIDR, ...), one line each. */
  warnings?: string[];
}

const backendText = (b: Observation['backend']): string => (b ? `${b.namespace}/${b.name}:${b.port}` : 'nobody');

/**
 * Why a delivered connection is not one a conformant cluster could have made, or undefined when it
 * is. Fields the model leaves open (a masqueraded source) or the target did not observe are not judged.
 */
export function deliveryMismatch(observation: Observation, deliveries: readonly Delivery[], state: ClusterState): string | undefined {
  if (deliveries.length === 0) return undefined;
  const ob = observation.backend;
  const sameBackend = deliveries.filter(
    (d) => !ob || !d.backend || (d.backend.namespace === ob.namespace && d.backend.name === ob.name && d.backend.port === ob.port),
  );
  if (sameBackend.length === 0) {
    const may = [...new Set(deliveries.map((d) => backendText(d.backend)))].join(', ');
    return `answered by ${backendText(ob)}, but a conformant cluster is answered by ${may}`;
  }
  const seen = observation.sourceSeen;
  if (seen !== undefined && sameBackend.every((d) => !sourceAgrees(state, d, seen))) {
    return `the receiver saw source ${seen}, but a conformant cluster shows ${expectedSource(state, sameBackend[0]!)}`;
  }
  const reply = observation.replyFrom;
  if (reply !== undefined && sameBackend.every((d) => d.replyFrom !== undefined && d.replyFrom !== reply)) {
    return `the reply came from ${reply}, but a conformant cluster replies from ${sameBackend[0]!.replyFrom}`;
  }
  return undefined;
}

/**
 * A probe whose expectation names its backends: the pod that answered must be one of them, and so
 * must every pod the reference model says may answer (otherwise the file's endpoint set is not the
 * one upstream's rules give, and a target that follows the file could still pass by luck).
 */
export function backendsMismatch(backends: readonly string[] | undefined, observation: Observation, deliveries: readonly Observation[]): string | undefined {
  if (backends === undefined) return undefined;
  const listed = new Set(backends);
  const ob = observation.backend;
  if (ob && !listed.has(`${ob.namespace}/${ob.name}`)) return `answered by ${backendText(ob)}, which the expectation's backends (${backends.join(', ')}) do not list`;
  const unlisted = [...new Set(deliveries.flatMap((d) => (d.backend ? [`${d.backend.namespace}/${d.backend.name}`] : [])))].filter((b) => !listed.has(b));
  if (unlisted.length > 0) return `a conformant cluster may also be answered by ${unlisted.join(', ')}, which the expectation's backends (${backends.join(', ')}) do not list`;
  return undefined;
}

/** Judges one step's record against the expectations the case file wrote for it. */
function judgeStep(run: StepRun, written: CaseStep, base: Pick<CheckResult, 'file' | 'step'>): CheckResult[] {
  const model = modelOf(run);
  return written.probes.map((probe, i) => {
    const observation = run.observations[i]!;
    const prediction = model.predict(run.probes[i]!);
    const result = {
      ...base,
      from: formatProbeRef(probe.from),
      to: formatProbeRef(probe.to),
      port: probe.port,
      protocol: probe.protocol,
      expect: probe.expect,
    };
    const outcome = observation.detail ? `${observation.outcome}: ${observation.detail}` : observation.outcome;
    if (prediction.verdict === 'undefined') return { ...result, observed: 'undefined', ok: false, detail: prediction.reason };
    // A target that cannot make a probe (SCTP without kernel support) neither passes nor denies it.
    if (observation.outcome === 'unsupported') return { ...result, observed: 'unsupported', ok: false, detail: outcome };
    const observed = observedAllowed(observation) ? 'allow' : 'deny';
    const misdelivered = observed === 'allow' ? deliveryMismatch(observation, prediction.deliveries, run.state) : undefined;
    if (misdelivered !== undefined) return { ...result, observed, ok: false, detail: `delivered, but ${misdelivered}` };
    const wrongBackend = observed === 'allow' ? backendsMismatch(probe.backends, observation, prediction.deliveries) : undefined;
    if (wrongBackend !== undefined) return { ...result, observed, ok: false, detail: `delivered, but ${wrongBackend}` };
    return { ...result, observed, ok: observed === probe.expect, detail: outcome };
  });
}

/**
 * A case's `before` steps, then its own state, all on one harness (what the target remembers carries
 * over), run through the one execution path (harness/execute.ts) as `netprops run` runs a property's
 * case: the same re-addressing (realized pod IPs, ClusterIPs, nodePorts) and settling; then each
 * step's record is judged against the file's expectations.
 */
async function checkCase(file: string, c: Case, target: TargetName, options: CheckOptions): Promise<CheckResult[]> {
  const harness = await (options.createHarness ?? createHarness)(
    target,
    {
      ...(options.fault !== undefined ? { fault: options.fault } : {}),
      ...(options.settings ? { settings: options.settings } : {}),
    },
    options.targets ?? TARGET_DESCRIPTORS,
  );
  try {
    const steps: CaseStep[] = [...(c.before ?? []), { state: c.state, probes: c.probes }];
    const record = await execute(harness, { steps: steps.map((st) => ({ state: st.state, probes: st.probes.map(({ expect: _expect, ...probe }) => probe) })) });
    return steps.flatMap((st, i) => judgeStep(record.steps[i]!, st, { file, ...(steps.length > 1 ? { step: `${i + 1}/${steps.length}` } : {}) }));
  } finally {
    await harness.teardown();
  }
}

/** Loads every case file first (an invalid one stops everything before a harness starts), then checks each. */
export async function checkCases(paths: string[], options: CheckOptions = {}): Promise<CheckReport> {
  const target = options.target ?? 'model';
  const cases = await loadCases(paths);
  const results: CheckResult[] = [];
  for (const { file, case: c } of cases) results.push(...(await checkCase(file, c, target, options)));
  const summary: CheckSummary = {
    target,
    ...(options.fault !== undefined ? { fault: options.fault } : {}),
    files: cases.length,
    probes: results.length,
    ok: results.filter((r) => r.ok).length,
    mismatched: results.filter((r) => !r.ok && (r.observed === 'allow' || r.observed === 'deny')).length,
    undefined: results.filter((r) => r.observed === 'undefined').length,
    unsupported: results.filter((r) => r.observed === 'unsupported').length,
  };
  const warnings = cases.flatMap((c) => c.warnings);
  return { results, summary, ...(warnings.length > 0 ? { warnings } : {}) };
}

export function formatCheckTable(report: CheckReport): string {
  const lines = report.results
    .filter((r) => !r.ok)
    .map((r) => {
      const what = `${r.file}${r.step ? ` (step ${r.step})` : ''}: ${r.from} -> ${r.to} ${r.port}/${r.protocol}: expected ${r.expect}, `;
      if (r.observed === 'undefined') return `${what}but upstream leaves it undefined (${r.detail})`;
      if (r.observed === 'unsupported') return `${what}but the target cannot run it (${r.detail})`;
      if (r.observed === r.expect) return `${what}${r.detail}`;
      return `${what}observed ${r.observed} (${r.detail})`;
    });
  const s = report.summary;
  const on = `target ${s.target}${s.fault ? `, fault ${s.fault}` : ''}`;
  lines.push(
    `${s.probes} probe${s.probes === 1 ? '' : 's'} in ${s.files} file${s.files === 1 ? '' : 's'} (${on}): ${s.ok} as expected, ${s.mismatched} mismatched, ${s.undefined} undefined, ${s.unsupported} unsupported`,
  );
  return lines.join('\n') + '\n';
}

export function checkCommand(exitWith: ExitWith, targets: readonly TargetDescriptor[] = TARGET_DESCRIPTORS): Command {
  const command = new Command('check')
    .description('check the probes of case files (a directory: every *.yaml in it) against a target')
    .argument('<paths...>', 'case files or directories')
    .addOption(new Option('--target <name>', 'where to run the probes').choices(targets.map((t) => t.name)).default('model'))
    .option('--fault <name>', 'run against a deliberately broken variant of the target (see `netprops faults`)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'));
  // The same target flags as `run`, from the targets' descriptors.
  for (const { flag, description } of targetSettings(targets)) command.option(flag, description);
  return command.action(async (paths: string[], opts: Record<string, string | undefined>) => {
    const settings: Record<string, unknown> = {};
    for (const { flag, key } of targetSettings(targets)) {
      const camel = flag.slice(2).split(' ')[0].replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
      if (opts[camel] !== undefined) settings[key] = opts[camel];
    }
    if (settings.requestTimeout !== undefined) settings.requestTimeoutMs = requestTimeoutOf(String(settings.requestTimeout));
    delete settings.requestTimeout;
    const target = parseTarget(opts.target ?? 'model', targets);
    if (opts.fault === '') throw new UsageError('--fault needs a fault name (see `netprops faults`)');
    const report = await checkCases(paths, {
      target,
      ...(opts.fault !== undefined ? { fault: opts.fault } : {}),
      ...(Object.keys(settings).length > 0 ? { settings } : {}),
      targets,
    });
    for (const warning of report.warnings ?? []) process.stderr.write(`netprops: warning: ${warning}\n`);
    process.stdout.write(opts.format === 'json' ? JSON.stringify(report, null, 2) + '\n' : formatCheckTable(report));
    exitWith(report.results.every((r) => r.ok) ? EXIT_PASSED : EXIT_PROPERTY_FAILED);
  });
}
