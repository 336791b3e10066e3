// policy-replies: the replies of an allowed connection pass even where the reverse direction is denied.
import { clusterCase } from '../generators/cluster.ts';
import { generatorCapabilities } from './case-options.ts';
import { podPairProbes } from './pod-pairs.ts';
import type { CheckContext, Property } from './property.ts';
import { judgedVerdict, verdictFindings } from './verdict-agreement.ts';

/** Probe indices i whose connection is allowed while some connection the other way is denied. */
function oneWay(ctx: CheckContext): Set<number> {
  const run = ctx.steps[0];
  const ends = (i: number) => {
    const p = run.probes[i];
    return { from: JSON.stringify(p.from), to: JSON.stringify(p.to) };
  };
  const denied = new Set<string>();
  run.probes.forEach((_, i) => {
    if (judgedVerdict(ctx, 0, i) === 'deny') denied.add(`${ends(i).from}>${ends(i).to}`);
  });
  const pairs = new Set<number>();
  run.probes.forEach((_, i) => {
    if (judgedVerdict(ctx, 0, i) !== 'allow') return;
    const { from, to } = ends(i);
    if (!denied.has(`${to}>${from}`)) return;
    pairs.add(i);
    run.probes.forEach((_, j) => {
      if (judgedVerdict(ctx, 0, j) === 'deny' && ends(j).from === to && ends(j).to === from) pairs.add(j);
    });
  });
  return pairs;
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
  outcomes: ['one-way-pair'],
  classify: (ctx) => (oneWay(ctx).size > 0 ? ['one-way-pair'] : []),
};
