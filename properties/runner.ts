// Runs properties against one target: fast-check draws cases, the one execution path
// (harness/execute.ts) applies and probes them, each property judges the record, and a failure is
// shrunk and re-run for its full record. The result is a RunReport, plain data: the report layer
// (reports/run-output.ts) writes repros, saved records and reports from it.
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { UsageError } from '../cluster/errors.ts';
import type { Probe } from '../cluster/types.ts';
import type { Harness, HarnessOptions } from '../harness/harness.ts';
import { TARGET_DESCRIPTORS, targetNamed } from '../harness/targets.ts';
import type { TargetDescriptor } from '../harness/target.ts';
import { execute, type ExecuteOptions } from '../harness/execute.ts';
import { type Convergence, shrinkDeadlineMs } from '../harness/shrink-deadline.ts';
import { modelOf } from '../harness/record.ts';
import { EnforcementSamples } from '../harness/enforcement.ts';
import { describeObservation, describeProbe } from '../cluster/probe-text.ts';
import type { PropertyFailure, PropertyResult, RunReport } from './result.ts';
import { judgedProbes, type CheckContext, type Finding, type Property, type PropertyCase } from './property.ts';
import { focusFilter } from './focus.ts';
import { PROPERTIES } from './catalog.ts';
import { counterexampleOf } from './counterexample.ts';
import { classifyCase } from '../generators/stats.ts';
import type { Universe } from '../generators/cluster.ts';
import { drawUniverse } from './universe.ts';

/** Runs per property when none is given: the README's main job passes on the model in seconds. */
export const DEFAULT_RUNS = 200;
/** How often the shrunk counterexample is re-run to see its failure again, the last ones on a fresh harness. */
const RERUN_ATTEMPTS = 10;
const FRESH_ATTEMPTS = 3;
/** Stale probes named in a property's settling summary (the rest are counted only). */
const STALE_EXAMPLES = 5;

export type ProgressEvent =
  | { kind: 'start'; property: string; runs: number }
  | { kind: 'run'; property: string; runsDone: number; runs: number; elapsedMs: number }
  /** The first failing case was found; shrinking starts. */
  | { kind: 'fail'; property: string; runsDone: number; elapsedMs: number }
  | { kind: 'shrink'; property: string; shrinks: number; elapsedMs: number }
  | { kind: 'end'; property: string; result: PropertyResult };

export interface RunOptions {
  target: string;
  /** Property ids; all when absent or empty. */
  properties?: string[];
  runs: number;
  seed: number;
  /** fast-check's replay path of one failure (use with one property). */
  path?: string;
  /** Budget per property; fast-check stops drawing new cases after it (runs done so far count). */
  timeLimitMs?: number;
  fault?: string;
  stats?: boolean;
  settings?: Record<string, unknown>;
  runId?: string;
  onProgress?: (event: ProgressEvent) => void;
  /** The properties to choose from; the whole catalog by default (tests pass their own). */
  catalog?: readonly Property[];
  /**
   * The pod universe every case is drawn over. On a target that needs one (the cluster: pods cost
   * seconds there) it is drawn from the seed when none is given; the others draw whole cases unless given one.
   */
  universe?: Universe;
  /** Called with the report so far after each property but the last (the CLI writes it, so Ctrl-C keeps what finished). */
  onPropertyDone?: (partial: RunReport) => Promise<void>;
  /** The targets to choose from; harness/targets.ts by default (tests add a stand-in). */
  targets?: readonly TargetDescriptor[];
  /** Makes the harness; the target's descriptor by default (tests wrap it to break one thing). */
  harnessFactory?: (options: HarnessOptions) => Promise<Harness>;
}

export function selectProperties(catalog: readonly Property[], ids: string[] | undefined): readonly Property[] {
  if (!ids || ids.length === 0) return catalog;
  return ids.map((id) => {
    const p = catalog.find((q) => q.id === id);
    if (!p) throw new UsageError(`unknown property '${id}': use one of ${catalog.map((q) => q.id).join(', ')}`);
    return p;
  });
}

/** Runs cases on the shared harness, or on a fresh one per case when the target cannot re-apply. */
interface Session {
  run(pc: PropertyCase, options?: ExecuteOptions): Promise<CheckContext>;
  /** Runs a case on a harness of its own, with none of the shared one's history. */
  fresh(pc: PropertyCase): Promise<CheckContext>;
}

function sessionOf(shared: Harness, make: () => Promise<Harness>): Session {
  const fresh = async (pc: PropertyCase) => {
    const h = await make();
    try {
      return await execute(h, pc);
    } finally {
      await h.teardown();
    }
  };
  return { run: shared.capabilities.has('reapply') ? (pc, options) => execute(shared, pc, options) : fresh, fresh };
}

const summarize = (findings: Finding[]): string =>
  findings.length === 1 ? findings[0].message : `${findings[0].message} (and ${findings.length - 1} more)`;

async function runProperty(
  property: Property,
  harness: Harness,
  session: Session,
  options: RunOptions,
  universe: Universe | undefined,
  runSamples: EnforcementSamples,
): Promise<PropertyResult> {
  const started = Date.now();
  const base = { id: property.id, statement: property.statement, rule: property.rule, seed: options.seed };
  const missing = property.needs.filter((c) => !harness.capabilities.has(c));
  const progress = options.onProgress ?? (() => {});
  const skipReason =
    missing.length > 0
      ? `target ${harness.target} lacks ${missing.join(', ')}`
      : property.comparesWithModel && harness.referenceModel
        ? `target ${harness.target} is the reference model: comparing it with itself judges nothing`
        : undefined;
  if (skipReason !== undefined) {
    const skipped: PropertyResult = { ...base, status: 'skipped', runs: 0, judged: 0, durationMs: 0, skipReason };
    progress({ kind: 'end', property: property.id, result: skipped });
    return skipped;
  }
  progress({ kind: 'start', property: property.id, runs: options.runs });

  let runsDone = 0;
  let failing = false;
  let shrinks = 0;
  let crash: unknown;
  let judged = 0;
  const settling = { samples: new EnforcementSamples(), staleAllow: 0, staleDeny: 0, staleEndpoint: 0, profileViolations: 0, attempts: 0, staleExamples: [] as string[], profileViolationExamples: [] as string[] };
  let probesMade = 0;
  /** Probes with a verdict upstream defines (what a property without its own `judged` counts). */
  let definedProbes = 0;
  let unsupported: string | undefined;
  const seen = new Map<string, number>();
  let lastFailing: { ctx: CheckContext; findings: Finding[] } | undefined;
  /** The failure the search found, at the target's full deadline, and its replay path. */
  let firstFailing: { ctx: CheckContext; findings: Finding[]; path: string } | undefined;
  /** What this cluster was seen to need, measured when the search failed (harness/shrink-deadline.ts). */
  let convergence: Convergence | undefined;
  /**
   * The slowest round that made only the failing probes, shorter than the search's rounds of every
   * probe: first the failing run's own retries of them (a retry makes only the probes still
   * disagreeing), then each focused candidate's first round.
   */
  let focusedRoundMs: number | undefined;
  /** The longest deadline a shrink candidate waited, when shorter than the target's own. */
  let shrinkDeadline: number | undefined;
  /** The probes a candidate makes: the property's focus on the last failing case. */
  let focus: ExecuteOptions['onlyProbes'];
  /**
   * The verdict of each experiment a shrink candidate made (its states and the probes it made): a
   * candidate that differs from an earlier one only where nothing is applied or probed (a drawn probe
   * the focus leaves out, a draft that builds the same case) is not made again. Shrinking already
   * takes the target to answer a case the same way twice; the shrunk case is re-run at the end.
   */
  const experiments = new Map<string, { ctx: CheckContext; findings: Finding[] }>();
  const candidateOptions = (): ExecuteOptions => {
    const options: ExecuteOptions = focus ? { onlyProbes: focus } : {};
    if (convergence && harness.settling) {
      const round = focus && focusedRoundMs !== undefined ? focusedRoundMs : convergence.slowestRoundMs;
      const deadline = shrinkDeadlineMs(harness.settling.deadlineMs, { ...convergence, slowestRoundMs: round });
      if (deadline < harness.settling.deadlineMs) options.deadlineMs = deadline;
    }
    return options;
  };
  const predicate = async (pc: PropertyCase): Promise<boolean> => {
    // After a crash fast-check still tries to shrink; do not touch the target again.
    if (crash !== undefined) throw crash;
    let ctx: CheckContext;
    let findings: Finding[];
    const runWith: ExecuteOptions = failing ? candidateOptions() : {};
    const experiment = failing && harness.settling ? experimentKey(pc, runWith.onlyProbes) : undefined;
    const made = experiment !== undefined ? experiments.get(experiment) : undefined;
    if (made) {
      shrinks++;
      progress({ kind: 'shrink', property: property.id, shrinks, elapsedMs: Date.now() - started });
      if (made.findings.length > 0) lastFailing = made;
      return made.findings.length === 0;
    }
    try {
      ctx = await session.run(pc, runWith);
      findings = property.check(ctx);
    } catch (err) {
      crash ??= err;
      throw err;
    }
    if (runWith.deadlineMs !== undefined) shrinkDeadline = Math.max(shrinkDeadline ?? 0, runWith.deadlineMs);
    const round = runWith.onlyProbes ? firstRoundMs(ctx) : undefined;
    if (round !== undefined) focusedRoundMs = Math.max(focusedRoundMs ?? 0, round);
    if (experiment !== undefined) experiments.set(experiment, { ctx, findings });
    if (!failing) {
      runsDone++;
      for (const o of ctx.steps.flatMap((st) => st.observations)) {
        if (o.outcome === 'unsupported') unsupported ??= o.detail ?? 'unsupported';
        else probesMade++;
      }
      judged += (property.judged ?? judgedProbes)(ctx);
      // Only to word a vacuous result of a property with its own count; without one, it is `judged`.
      if (property.judged && definedProbes === 0) definedProbes = judgedProbes(ctx);
      for (const [k, st] of ctx.steps.entries()) {
        st.timeToEnforceMs.forEach((t, i) => {
          if (t !== null) settling.samples.add(t, st.changes ?? [], st.attempts[i]?.length ?? 1);
        });
        st.stale.forEach((staleness, i) => {
          if (staleness === null || settling.staleExamples.length >= STALE_EXAMPLES) return;
          const where = `run ${runsDone} (--path ${runsDone - 1}), step ${k + 1}`;
          settling.staleExamples.push(`${where}: ${describeProbe(st.requestedProbes[i])}: ${staleness}, observed ${describeObservation(st.observations[i])}`);
        });
        settling.staleAllow += st.stale.filter((x) => x === 'stale-allow').length;
        settling.staleDeny += st.stale.filter((x) => x === 'stale-deny').length;
        settling.staleEndpoint += st.stale.filter((x) => x === 'stale-endpoint').length;
        settling.profileViolations += st.profileViolations.length;
        for (const i of st.profileViolations) {
          if (settling.profileViolationExamples.length >= STALE_EXAMPLES) break;
          const where = `run ${runsDone} (--path ${runsDone - 1}), step ${k + 1}`;
          settling.profileViolationExamples.push(`${where}: ${describeProbe(st.requestedProbes[i])}: denied by policy, observed ${describeObservation(st.observations[i])}`);
        }
        settling.attempts += st.attempts.reduce((n, a) => n + a.length, 0);
      }
      const labels = property.classify(ctx);
      // The generators' own view of the case (policies selecting pods, verdicts, endpoints per Service probe).
      if (options.stats) labels.push(...classifyCase(ctx.steps[0], modelOf(ctx.steps[0])).map((l) => `case: ${l}`));
      for (const label of new Set(labels)) seen.set(label, (seen.get(label) ?? 0) + 1);
      progress({ kind: 'run', property: property.id, runsDone, runs: options.runs, elapsedMs: Date.now() - started });
    } else {
      shrinks++;
      progress({ kind: 'shrink', property: property.id, shrinks, elapsedMs: Date.now() - started });
    }
    // fast-check's counterexample is the last case that failed: keep what it failed with, in case a re-run passes.
    if (findings.length > 0) lastFailing = { ctx, findings };
    if (findings.length > 0 && property.focus && harness.settling) focus = focusFilter(ctx, property.focus(ctx, findings));
    if (findings.length > 0 && !failing) {
      failing = true;
      firstFailing = { ctx, findings, path: options.path ?? String(runsDone - 1) };
      if (harness.settling) {
        if (focus) focusedRoundMs = retryRoundMs(ctx, focus, harness.settling.retryIntervalMs);
        // Shrinking asks every candidate whether it still fails; one that does waits out the deadline.
        // Wait as long as this cluster has been seen to need, not the profile's worst case.
        const measured = [runSamples, settling.samples];
        const slowest = (pick: (x: EnforcementSamples) => number[]) => measured.reduce((m, x) => pick(x).reduce((a, b) => Math.max(a, b), m), 0);
        convergence = { slowestWaitedMs: slowest((x) => x.all), slowestRoundMs: slowest((x) => x.atFirstAttempt) };
      }
      progress({ kind: 'fail', property: property.id, runsDone, elapsedMs: Date.now() - started });
    }
    return findings.length === 0;
  };

  const details = await fc.check(fc.asyncProperty(property.cases({ capabilities: harness.capabilities, ...(universe ? { universe } : {}) }), predicate), {
    seed: options.seed,
    path: options.path,
    numRuns: options.runs,
    interruptAfterTimeLimit: options.timeLimitMs,
    markInterruptAsFailure: false,
  });
  // A harness that cannot do its job (missing tool, unreachable cluster) is the user's to fix; any
  // other exception is a bug and crashes with its stack.
  if (crash !== undefined) throw crash;

  const share = (label: string) => (runsDone ? (seen.get(label) ?? 0) / runsDone : 0);
  const caseLabels = [...seen.keys()].filter((l) => l.startsWith('case: ')).sort();
  const stats = options.stats ? Object.fromEntries([...property.outcomes, ...caseLabels].map((l) => [l, share(l)])) : undefined;
  const result: PropertyResult = { ...base, status: 'passed', runs: runsDone, judged, durationMs: 0, ...(stats ? { stats } : {}) };
  if (harness.settling) {
    const { samples, staleExamples, profileViolationExamples, ...counts } = settling;
    result.settling = {
      timeToEnforceMs: samples.summary(),
      timeToEnforceByChangeMs: samples.byChangeSummary(),
      agreedAtFirstAttemptMs: samples.atFirstAttemptSummary(),
      ...counts,
      ...(staleExamples.length > 0 ? { staleExamples } : {}),
      ...(profileViolationExamples.length > 0 ? { profileViolationExamples } : {}),
    };
    runSamples.addAll(samples);
  }
  if (harness.dryRun) {
    // A plan observes nothing: even a property judged from the applied state alone would only be
    // judging the plan.
    result.status = 'skipped';
    result.skipReason = `target ${harness.target} dry run: planned, not applied or observed`;
  } else if (!details.failed && judged === 0) {
    // Nothing was judged: passing would claim what was never tested.
    result.status = 'vacuous';
    result.vacuousReason =
      runsDone === 0
        ? 'no run finished within the time limit'
        : probesMade === 0 && unsupported !== undefined
        ? `target ${harness.target} could make none of its probes (${unsupported})`
        : probesMade === 0
          ? `no probe in ${runsDone} runs: the cases drawn for target ${harness.target} give this property nothing to probe`
          : property.judged && definedProbes > 0
            ? `its ${probesMade} probes of ${runsDone} runs had verdicts upstream defines, but none gave it anything to judge (by the property's own count)`
            : `none of the ${probesMade} probes of ${runsDone} runs has a verdict upstream defines`;
  }
  // fast-check stops at the time limit without failing; say so, or a short search reads as a full one.
  // (A replay of one path runs what the path names: there is no search to cut short.)
  if (details.interrupted && options.timeLimitMs !== undefined && options.path === undefined) {
    result.timeLimit = { limitMs: options.timeLimitMs, runsAsked: options.runs };
  }
  if (details.failed && details.counterexample) {
    result.status = 'failed';
    // Should the shrunk case not fail again: the last failing case's record, or, when the candidates
    // waited a shortened deadline (and so may have failed only for that), the search's own failure.
    // A candidate that made only some probes has only those in its record: fall back to the search's too.
    const fallback = shrinkDeadline === undefined && focus === undefined ? lastFailing : firstFailing;
    result.failure = await recordFailure(property, session, details.counterexample[0] as PropertyCase, details, fallback, shrinkDeadline);
  }
  result.durationMs = Date.now() - started;
  progress({ kind: 'end', property: property.id, result });
  return result;
}

/** What a shrink candidate applies and probes: the memo key of its experiment. */
function experimentKey(pc: PropertyCase, only: ExecuteOptions['onlyProbes']): string {
  const made = pc.steps.map((step, k) => ({ state: step.state, probes: only ? step.probes.filter((p) => only(k, p)) : step.probes }));
  return createHash('sha256').update(JSON.stringify(made)).digest('hex');
}

/** How long after its change a case's first round of probes ended (the slowest first attempt); undefined when it made none. */
function firstRoundMs(ctx: CheckContext): number | undefined {
  const first = ctx.steps.flatMap((st) => st.attempts.flatMap((a) => (a.length > 0 ? [a[0].atMs] : [])));
  return first.length > 0 ? Math.max(...first) : undefined;
}

/**
 * The slowest retry round of these probes in a run: the time between two attempts of one of them,
 * less the interval slept between rounds. Undefined when none was tried twice.
 */
function retryRoundMs(ctx: CheckContext, probes: (step: number, probe: Probe) => boolean, retryIntervalMs: number): number | undefined {
  let slowest: number | undefined;
  ctx.steps.forEach((st, k) => {
    st.attempts.forEach((tries, i) => {
      if (!probes(k, st.requestedProbes[i])) return;
      for (let a = 1; a < tries.length; a++) slowest = Math.max(slowest ?? 0, tries[a].atMs - tries[a - 1].atMs - retryIntervalMs);
    });
  });
  return slowest;
}

async function recordFailure(
  property: Property,
  session: Session,
  shrunk: PropertyCase,
  details: fc.RunDetails<[PropertyCase]>,
  /** With a path: the search's own failure (candidates waited a shortened deadline or made only some probes). */
  searched?: { ctx: CheckContext; findings: Finding[]; path?: string },
  /** Set when the candidates waited this shortened deadline. */
  shrinkDeadlineMs?: number,
): Promise<PropertyFailure> {
  // Re-run the shrunk case for its whole record (fast-check keeps only the verdict). A Service's
  // backend is picked at random, so a failure that hangs on the pick may take a few tries to recur;
  // and a target's history can hide it (a kernel caches the path MTU it learnt from the first
  // dropped packet), so the last tries get a harness of their own.
  let ctx = await session.run(shrunk);
  let findings = property.check(ctx);
  for (let attempt = 1; findings.length === 0 && attempt < RERUN_ATTEMPTS; attempt++) {
    ctx = attempt < RERUN_ATTEMPTS - FRESH_ATTEMPTS ? await session.run(shrunk) : await session.fresh(shrunk);
    findings = property.check(ctx);
  }
  // A failure that did not recur is still reported with what it was and the record it had: the
  // observations of the failing try are what a person triages. After a shortened shrink deadline
  // that is the search's own failure, at the full deadline: a candidate that only converged slowly
  // may have counted as failing, so the case shrunk to is no repro; it is reported as found, unshrunk.
  const fellBack = findings.length === 0 && searched !== undefined;
  if (fellBack) ({ ctx, findings } = searched);
  // The search's own failure is reported as found: its case, its path, no shrinks.
  const unshrunk = fellBack && searched.path !== undefined;
  const shrunkHow =
    shrinkDeadlineMs !== undefined
      ? `shrinking waited ${(shrinkDeadlineMs / 1000).toFixed(1)} s per candidate, and the case it shrank to passed ${RERUN_ATTEMPTS} re-runs at the full deadline: a candidate converged slowly, or the target is not deterministic`
      : `shrinking made only the probes that had failed, and the case it shrank to passed ${RERUN_ATTEMPTS} re-runs with every probe: the target is not deterministic`;
  const message =
    findings.length === 0
      ? 'the shrunk case failed during the search but passed when re-run (the target is not deterministic)'
      : unshrunk
        ? `${summarize(findings)} (reported unshrunk: ${shrunkHow})`
        : fellBack
          ? `${summarize(findings)} (seen during the search; ${RERUN_ATTEMPTS} re-runs of the shrunk case passed: the target is not deterministic)`
          : summarize(findings);
  const ce = counterexampleOf(ctx, findings);
  const failure: PropertyFailure = {
    message,
    counterexample: ce.case,
    probes: ce.records,
    path: (unshrunk ? searched.path : details.counterexamplePath) ?? undefined,
    shrinks: unshrunk ? 0 : details.numShrinks,
    ...(shrinkDeadlineMs !== undefined ? { shrinkDeadlineMs } : {}),
    record: ctx,
  };
  return failure;
}

export async function runProperties(options: RunOptions): Promise<RunReport> {
  const startedAt = new Date();
  const descriptor = targetNamed(options.target, options.targets ?? TARGET_DESCRIPTORS);
  if (!Number.isInteger(options.runs) || options.runs < 1) throw new UsageError(`--runs must be a positive integer, not ${options.runs}`);
  const selected = selectProperties(options.catalog ?? PROPERTIES, options.properties);
  const runId = options.runId ?? `np-${randomBytes(3).toString('hex')}`;
  // A target that draws randomness (the model picks Service backends) gets the run's seed, so a seed replays a run.
  const settings = descriptor.needs.seed ? { seed: options.seed, ...options.settings } : options.settings;
  const harnessOptions: HarnessOptions = {
    runId,
    ...(options.fault ? { fault: options.fault } : {}),
    ...(settings ? { settings } : {}),
  };
  const makeWith = (o: HarnessOptions) => (options.harnessFactory ?? ((x: HarnessOptions) => descriptor.create(x)))(o);
  const harness = await makeWith(harnessOptions);
  // A fresh harness is a run of its own (its own run id): on the same id it would write into the
  // shared harness's namespaces (a live cluster refuses a pod spec changed under its name), and its
  // teardown would delete them.
  const make = () => makeWith({ ...harnessOptions, runId: `np-${randomBytes(3).toString('hex')}` });
  const results: PropertyResult[] = [];
  const samples = new EnforcementSamples();
  const reportOf = (): RunReport => {
    const report: RunReport = {
      runId,
      target: harness.target,
      ...(options.fault ? { fault: options.fault } : {}),
      seed: options.seed,
      startedAt: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
      properties: [...results],
    };
    const settled = results.flatMap((r) => (r.settling ? [r.settling] : []));
    if (settled.length > 0) {
      const total = (k: 'staleAllow' | 'staleDeny' | 'staleEndpoint' | 'profileViolations' | 'attempts') => settled.reduce((n, x) => n + x[k], 0);
      report.settling = {
        timeToEnforceMs: samples.summary(),
        timeToEnforceByChangeMs: samples.byChangeSummary(),
        agreedAtFirstAttemptMs: samples.atFirstAttemptSummary(),
        staleAllow: total('staleAllow'),
        staleDeny: total('staleDeny'),
        staleEndpoint: total('staleEndpoint'),
        profileViolations: total('profileViolations'),
        attempts: total('attempts'),
      };
    }
    return report;
  };
  try {
    const session = sessionOf(harness, make);
    const universe = options.universe ?? (descriptor.needs.podUniverse ? drawUniverse(harness.capabilities, options.seed) : undefined);
    for (const [i, property] of selected.entries()) {
      results.push(await runProperty(property, harness, session, options, universe, samples));
      // The report so far, after each property: a run stopped by Ctrl-C keeps what it finished.
      if (i < selected.length - 1) await options.onPropertyDone?.(reportOf());
    }
  } finally {
    await harness.teardown();
  }
  return reportOf();
}

