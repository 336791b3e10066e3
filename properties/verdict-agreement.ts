// The shared judgement of several properties: a probe's observed allow/deny equals the reference
// model's verdict. Undefined verdicts (upstream leaves them to the implementation) and probes the
// target could not make are never judged.
import type { Verdict } from '../cluster/types.ts';
import { judgeable, observedAllowed, type CheckContext, type Finding } from './property.ts';
import { describeObservation, describeProbe } from '../cluster/probe-text.ts';
import { backendKey, modelOf } from '../harness/record.ts';
import { expectedSource, sourceAgrees } from '../harness/model/source-seen.ts';

/** The judgeable verdict of probe `i` of step `step`, or undefined when it must not be judged. */
export function judgedVerdict(ctx: CheckContext, step: number, i: number): Exclude<Verdict, 'undefined'> | undefined {
  const run = ctx.steps[step];
  const verdict = modelOf(run).predict(run.probes[i]).verdict;
  return judgeable(verdict, run.observations[i]) ? verdict : undefined;
}

/** A finding for each selected probe whose observed allow/deny contradicts the model. */
export function verdictFindings(ctx: CheckContext, step: number, select: (i: number) => boolean = () => true): Finding[] {
  const run = ctx.steps[step];
  const findings: Finding[] = [];
  run.probes.forEach((probe, i) => {
    if (!select(i)) return;
    const verdict = judgedVerdict(ctx, step, i);
    if (verdict === undefined) return;
    const o = run.observations[i];
    if (observedAllowed(o) === (verdict === 'allow')) return;
    const why = modelOf(run).predict(probe).reason;
    findings.push({
      message: `${describeProbe(probe)}: expected ${verdict} (${why}), observed ${describeObservation(o)}`,
      probes: [{ step, probe: i }],
    });
  });
  return findings;
}

/**
 * For each selected delivered probe the model allows: the backend that answered is one the model
 * says may answer, and where the model names the source the receiver sees (an address, or any address
 * of a sending node) or the address the reply comes from, the observation agrees.
 */
export function deliveryFindings(ctx: CheckContext, step: number, select: (i: number) => boolean = () => true): Finding[] {
  const run = ctx.steps[step];
  const findings: Finding[] = [];
  run.probes.forEach((probe, i) => {
    const o = run.observations[i];
    if (!select(i) || o.outcome !== 'delivered' || judgedVerdict(ctx, step, i) !== 'allow') return;
    const prediction = modelOf(run).predict(probe);
    const at = [{ step, probe: i }];
    if (o.backend) {
      const match = prediction.deliveries.find((d) => d.backend && backendKey(d.backend) === backendKey(o.backend!));
      if (!match) {
        const may = [...new Set(prediction.deliveries.flatMap((d) => (d.backend ? [backendKey(d.backend)] : [])))];
        findings.push({ message: `${describeProbe(probe)}: answered by ${backendKey(o.backend)}, which is not among ${may.join(', ') || 'no backend'}`, probes: at });
        return;
      }
      if (o.sourceSeen !== undefined && !sourceAgrees(run.state, match, o.sourceSeen)) {
        findings.push({ message: `${describeProbe(probe)}: the receiver saw source ${o.sourceSeen}, expected ${expectedSource(run.state, match)}`, probes: at });
      }
      if (match.replyFrom !== undefined && o.replyFrom !== undefined && match.replyFrom !== o.replyFrom) {
        findings.push({ message: `${describeProbe(probe)}: the reply came from ${o.replyFrom}, expected ${match.replyFrom}`, probes: at });
      }
    }
  });
  return findings;
}
