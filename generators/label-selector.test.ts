import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { selectorMatches } from '../cluster/label-selector.ts';
import type { LabelSelector } from '../cluster/types.ts';
import { SELECTOR_OPERATORS } from '../cluster/types.ts';
import { describeArbitraryContract, shrinksStayValid } from './arbitrary-contract.ts';
import { labelSelector } from './label-selector.ts';
import { labels, POD_LABEL_POOL } from './labels.ts';
import { labelSelectorProblems } from './validity.ts';

const problems = (s: LabelSelector) => [
  ...labelSelectorProblems(s, 'selector'),
  // An empty part is written as absent, so `{}` is the one way to write "everything".
  ...(s.matchLabels && Object.keys(s.matchLabels).length === 0 ? ['matchLabels is empty'] : []),
  ...(s.matchExpressions && s.matchExpressions.length === 0 ? ['matchExpressions is empty'] : []),
];

describeArbitraryContract('labelSelector(POD_LABEL_POOL)', labelSelector(POD_LABEL_POOL), problems);

describe('labelSelector', () => {
  const sample = fc.sample(labelSelector(POD_LABEL_POOL), { seed: 11, numRuns: 500 });

  it('uses every matchExpressions operator (In, NotIn, Exists, DoesNotExist)', () => {
    const used = new Set(sample.flatMap((s) => (s.matchExpressions ?? []).map((r) => r.operator)));
    expect([...used].sort()).toEqual([...SELECTOR_OPERATORS].sort());
  });

  it('draws the empty selector, matchLabels alone, matchExpressions alone and both', () => {
    const shapes = new Set(sample.map((s) => `${s.matchLabels ? 'L' : ''}${s.matchExpressions ? 'E' : ''}`));
    expect([...shapes].sort()).toEqual(['', 'E', 'L', 'LE']);
  });

  it('selects some label maps of the same pool and not others, most of the time', () => {
    const objects = fc.sample(labels(POD_LABEL_POOL), { seed: 12, numRuns: 6 });
    const discriminating = sample.filter((s) => {
      const hits = objects.filter((l) => selectorMatches(s, l)).length;
      return hits > 0;
    });
    // A selector that selects nothing tests nothing (the point): most must hit something.
    expect(discriminating.length / sample.length).toBeGreaterThan(0.5);
  });

  it('unmaps a written selector, so it shrinks without its generation context', () => {
    const arb = labelSelector(POD_LABEL_POOL);
    const written: LabelSelector = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['back'] }] };
    expect(arb.canShrinkWithoutContext(written)).toBe(true);
    const shrunk = [...arb.shrink(written, undefined).take(10)].map((v) => v.value);
    expect(shrunk).toContainEqual({ matchExpressions: written.matchExpressions });
    expect(shrunk).toContainEqual({ matchLabels: written.matchLabels });
    expect(arb.canShrinkWithoutContext({ matchLabels: { app: 'nginx' } })).toBe(false);
  });

  it('shrinks toward the empty selector', () => {
    const [smallest] = shrinksStayValid(labelSelector(POD_LABEL_POOL), problems, { seeds: [4] });
    expect(smallest).toEqual({});
  });
});
