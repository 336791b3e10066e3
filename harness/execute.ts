// The one execution path (Jepsen's runner, cyclonus's job runner): a case is applied, its probes
// re-addressed, probed, its Service names looked up, and, on a target that converges
// asynchronously, settled: probes that disagree with the reference model are tried again until they
// agree or the target's deadline passes, keeping every attempt with its time. `netprops run` and
// `netprops check` both run cases through here and judge the record it returns, which is plain data.
import type { ClusterState, Observation, Probe } from '../cluster/types.ts';
import { readdressOf, readdressProbe } from './cluster/readdress.ts';
import { changeKinds } from './change-kind.ts';
import { awaitEnforcement, realClock } from './enforcement.ts';
import { deniedByPolicy } from './model/policy-denial.ts';
import type { Harness } from './harness.ts';
import { backendKey, modelOf, type CheckContext, type PropertyCase, type Step, type StepRun } from './record.ts';

/** The state each harness was last asked for: what the next apply changes is read against it. */
const lastRequested = new WeakMap<Harness, ClusterState>();

export interface ExecuteOptions {
  /** Waits at most this long for a disagreeing probe instead of the target's own deadline (a shrink candidate: harness/shrink-deadline.ts). */
  deadlineMs?: number;
  /**
   * Makes only the probes of a step this keeps (step index, probe in the case's own terms); the
   * record then holds only those. A shrink candidate of a property that judges each probe alone
   * makes only the probes the last failing case failed on.
   */
  onlyProbes?: (step: number, probe: Probe) => boolean;
}

export async function execute(harness: Harness, pc: PropertyCase, options: ExecuteOptions = {}): Promise<CheckContext> {
  const steps: StepRun[] = [];
  for (const [k, step] of pc.steps.entries()) {
    const only = options.onlyProbes;
    steps.push(await executeStep(harness, only ? { ...step, probes: step.probes.filter((p) => only(k, p)) } : step, options));
  }
  return { steps };
}

async function executeStep(harness: Harness, step: Step, options: ExecuteOptions): Promise<StepRun> {
  const settling = harness.settling;
  const clock = settling?.clock ?? realClock;
  const changes = changeKinds(lastRequested.get(harness), step.state);
  lastRequested.delete(harness); // an apply that throws leaves the target's state unknown
  const applied = await harness.apply(step.state);
  lastRequested.set(harness, step.state);
  const changedAt = clock.now();
  // A target that chose its own addresses (a live cluster) says how the case's map onto them: `ip:`
  // probes are re-expressed in those before they are sent and predicted, so a probe to a case's pod
  // IP, or node IP and nodePort, reaches the pod or Service it meant. One that says nothing is read
  // object by object (a CNI's IPAM may still have chosen other pod IPs).
  const readdress = applied.readdress ?? readdressOf(step.state, applied.state);
  const probes = step.probes.map((p) => readdressProbe(p, readdress));
  const predictions = settling ? modelOf(applied).predictAll(probes) : [];
  const settled = settling
    ? await awaitEnforcement({
        probes,
        verdicts: predictions.map((p) => p.verdict),
        policyDenials: predictions.map(deniedByPolicy),
        // The backends deliveryFindings accepts (every property that judges backends uses it); none
        // named, none waited for.
        backends: predictions.map((p) => {
          const named = p.verdict === 'allow' ? p.deliveries.flatMap((d) => (d.backend ? [backendKey(d.backend)] : [])) : [];
          return named.length > 0 ? named : undefined;
        }),
        runOne: async (probe) => (await probeAll(harness, [probe]))[0],
        // The whole round in one call: a harness may batch it (the cluster's one exec per source
        // pod); each probe is timed when its own observation arrives.
        runRound: async (round) => {
          const done = new Array<number | undefined>(round.length);
          const observations = await probeAll(harness, round, (i) => {
            done[i] = clock.now();
          });
          const end = clock.now();
          return observations.map((observation, i) => ({ observation, at: done[i] ?? end }));
        },
        concurrency: settling.concurrency,
        changedAt,
        deadlineMs: options.deadlineMs ?? settling.deadlineMs,
        retryIntervalMs: settling.retryIntervalMs,
        deniedAs: settling.deniedAs,
        clock,
      })
    : undefined;
  let observations: Observation[];
  if (settled) {
    observations = settled.observations.map((o, i) =>
      settled.profileViolations.includes(i) ? { ...o, detail: [o.detail, `CNI profile ${settling!.profile} declares denials as ${settling!.deniedAs.join('/')}`].filter(Boolean).join('; ') } : o,
    );
  } else {
    observations = await probeAll(harness, probes);
  }
  const at = Math.max(0, clock.now() - changedAt);

  const lookups = step.lookups ?? [];
  const resolve = harness.resolveService?.bind(harness);
  if (lookups.length > 0 && (!resolve || !harness.capabilities.has('dns'))) {
    throw new Error(`harness ${harness.target} was asked for Service lookups but offers no DNS`);
  }
  const resolved = await Promise.all(lookups.map((l) => resolve!(l.from, l.service)));
  const answers = resolved.map((a) => [...a.ips].sort());
  return {
    requested: step.state,
    state: applied.state,
    interfaceIPs: applied.interfaceIPs,
    requestedProbes: step.probes,
    probes,
    observations,
    changes,
    attempts: settled ? settled.attempts : observations.map((observation) => [{ observation, atMs: at }]),
    timeToEnforceMs: settled ? settled.timeToEnforceMs.map((t) => t ?? null) : probes.map(() => null),
    stale: settled ? settled.staleness.map((s) => s ?? null) : probes.map(() => null),
    profileViolations: settled ? settled.profileViolations : [],
    lookups,
    answers,
    unanswered: resolved.map((a) => a.unanswered ?? null),
  };
}

async function probeAll(harness: Harness, probes: StepRun['probes'], observed?: (index: number) => void): Promise<Observation[]> {
  const observations = await harness.probe(probes, observed);
  if (observations.length !== probes.length) {
    throw new Error(`harness ${harness.target} returned ${observations.length} observations for ${probes.length} probes`);
  }
  return observations;
}
