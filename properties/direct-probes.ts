// The probes a metamorphic relation may compare across two states: those to a pod, whose answer
// cannot depend on kube-proxy's random choice of backend.
import type { ClusterState, Probe } from '../cluster/types.ts';
import { podPairProbes } from './pod-pairs.ts';
import { describeObservation, describeProbe } from '../cluster/probe-text.ts';
import type { CheckContext, Finding } from './property.ts';
import { judgedVerdict } from './verdict-agreement.ts';

/** Indices of probes judged (defined verdict, makeable) in every step and aimed at a pod. */
export function comparableProbes(ctx: CheckContext): number[] {
  const first = ctx.steps[0];
  return first.probes
    .map((_, i) => i)
    .filter((i) => first.probes[i].to.kind === 'pod' && ctx.steps.every((_, s) => judgedVerdict(ctx, s, i) !== undefined));
}

/** A generated case's own probes plus every pod to every served port of every other pod. */
export const withPodMatrix = (c: { state: ClusterState; probes: Probe[] }): Probe[] => [
  ...c.probes,
  ...podPairProbes(c.state, { hostNetworkSenders: true }),
];

/**
 * The metamorphic check of two steps that must not change reachability: every comparable probe is
 * delivered in both or in neither. `change` says what the second step did, for the message.
 */
export function reachabilityUnchanged(ctx: CheckContext, change: string): Finding[] {
  const [before, after] = ctx.steps;
  const findings: Finding[] = [];
  for (const i of comparableProbes(ctx)) {
    const a = before.observations[i].outcome === 'delivered';
    const b = after.observations[i].outcome === 'delivered';
    if (a !== b) {
      findings.push({
        message: `${describeProbe(before.probes[i])}: ${describeObservation(before.observations[i])}, but ${describeObservation(after.observations[i])} ${change}`,
        probes: [{ step: 0, probe: i }, { step: 1, probe: i }],
      });
    }
  }
  return findings;
}
