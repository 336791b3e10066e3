// The probes a metamorphic relation may compare across two states: those to a pod, whose answer
// cannot depend on kube-proxy's random choice of backend.
import type { ClusterState, Probe } from '../cluster/types.ts';
import { podPairProbes } from './pod-pairs.ts';
import type { CheckContext } from './property.ts';
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
