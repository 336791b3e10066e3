// policy-replies: the replies of an allowed connection pass even where the reverse direction is denied.
import { clusterCase } from '../generators/cluster.ts';
import { generatorCapabilities } from './case-options.ts';
import { podPairProbes } from './pod-pairs.ts';
import type { CheckContext, Finding, ProbeRef, Property } from './property.ts';
import { judgedVerdict, verdictFindings } from './verdict-agreement.ts';

/** Probe indices i whose connection is allowed while some connection the other way is denied. */
function oneWay(ctx: CheckContext): Set<number> {
  const run = ctx.steps[0];
  const denied = new Set<string>();
  run.probes.forEach((_, i) => {
    if (judgedVerdict(ctx, 0, i) === 'deny') denied.add(endsKey(ctx, i));
  });
  const pairs = new Set<number>();
  run.probes.forEach((_, i) => {
    if (judgedVerdict(ctx, 0, i) !== 'allow' || !denied.has(endsKey(ctx, i, true))) return;
    pairs.add(i);
    run.probes.forEach((_, j) => {
      if (judgedVerdict(ctx, 0, j) === 'deny' && endsKey(ctx, j) === endsKey(ctx, i, true)) pairs.add(j);
    });
  });
  return pairs;
}

/** The ends of probe i of the run's first step, as one key: `from>to`, or `to>from` reversed. */
function endsKey(ctx: CheckContext, i: number, reversed = false): string {
  const p = ctx.steps[0].probes[i];
  const [from, to] = [JSON.stringify(p.from), JSON.stringify(p.to)];
  return reversed ? `${to}>${from}` : `${from}>${to}`;
}

/**
 * What the check needs to find the same again: each finding's probe and every probe between the
 * same two ends in the other direction (the denial that makes the pair one-way, or the allowed
 * connection that does).
 */
function pairFocus(ctx: CheckContext, findings: Finding[]): ProbeRef[] {
  const named = findings.flatMap((f) => f.probes);
  const reverse = new Set(named.map((r) => endsKey(ctx, r.probe, true)));
  const partners = ctx.steps[0].probes.flatMap((_, i) => (reverse.has(endsKey(ctx, i)) ? [{ step: 0, probe: i }] : []));
  const seen = new Set<number>();
  return [...named, ...partners].filter((r) => !seen.has(r.probe) && seen.add(r.probe));
}

export const policyReplies: Property = {
  id: 'policy-replies',
  statement: 'An allowed connection gets its replies even when a connection in the reverse direction is denied.',
  rule:
    'NetworkPolicy docs: policies are connection-based; when a connection is allowed, its reply traffic is implicitly allowed, ' +
    'whatever the policies say about the reverse direction.',
  needs: ['pods', 'policies'],
  cases: ({ capabilities, universe }) =>
    clusterCase({ ...generatorCapabilities(capabilities, universe), policies: true, services: false }).map((c) => ({
      steps: [{ state: c.state, probes: podPairProbes(c.state, { hostNetworkSenders: true }) }],
    })),
  check(ctx) {
    const pairs = oneWay(ctx);
    return verdictFindings(ctx, 0, (i) => pairs.has(i)).map((f) => ({
      ...f,
      message: `${f.message} (one-way pair: the allowed direction must get its replies, the other stays denied)`,
    }));
  },
  focus: pairFocus,
  outcomes: ['one-way-pair'],
  classify: (ctx) => (oneWay(ctx).size > 0 ? ['one-way-pair'] : []),
};
