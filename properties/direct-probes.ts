// The probes a metamorphic relation may compare across two states: those to a pod, whose answer
// cannot depend on kube-proxy's random choice of backend.
import type { CheckContext } from './property.ts';
import { judgedVerdict } from './verdict-agreement.ts';

/** Indices of probes judged (defined verdict, makeable) in every step and aimed at a pod. */
export function comparableProbes(ctx: CheckContext): number[] {
  const first = ctx.steps[0];
  return first.probes
    .map((_, i) => i)
    .filter((i) => first.probes[i].to.kind === 'pod' && ctx.steps.every((_, s) => judgedVerdict(ctx, s, i) !== undefined));
}
