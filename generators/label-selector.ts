// metav1.LabelSelector over a label pool: matchLabels, matchExpressions with every operator, both,
// or neither (`{}`, which selects everything). Drawn from the same pool as the labels it is meant to
// select, so it selects some objects and not others.
import fc from 'fast-check';
import type { LabelSelector, LabelSelectorRequirement } from '../cluster/types.ts';
import { labels, type LabelPool } from './labels.ts';

/**
 * One requirement. In and NotIn carry at least one value, Exists and DoesNotExist none, as the API
 * server's validation demands (apimachinery ValidateLabelSelectorRequirement).
 */
export function labelSelectorRequirement(pool: LabelPool): fc.Arbitrary<LabelSelectorRequirement> {
  const byKey = Object.entries(pool).map(([key, values]) =>
    fc.oneof(
      { withCrossShrink: true },
      fc.record({
        key: fc.constant(key),
        operator: fc.constantFrom('In' as const, 'NotIn' as const),
        values: fc.subarray([...values], { minLength: 1 }),
      }, { noNullPrototype: true }),
      fc.record({ key: fc.constant(key), operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const) }, { noNullPrototype: true }),
    ),
  );
  return fc.oneof({ withCrossShrink: true }, ...byKey);
}

/**
 * A selector. The first choices are the simplest (absent parts), so it shrinks toward `{}`; the
 * parts that are present are never empty, so an empty selector is written one way only.
 */
export function labelSelector(pool: LabelPool): fc.Arbitrary<LabelSelector> {
  return fc
    .record({
      matchLabels: fc.option(labels(pool, { minLength: 1, maxLength: 2 }), { nil: undefined, freq: 2 }),
      matchExpressions: fc.option(fc.array(labelSelectorRequirement(pool), { minLength: 1, maxLength: 2 }), {
        nil: undefined,
        freq: 2,
      }),
    })
    .map(({ matchLabels, matchExpressions }) => {
      const selector: LabelSelector = {};
      if (matchLabels) selector.matchLabels = matchLabels;
      if (matchExpressions) selector.matchExpressions = matchExpressions;
      return selector;
    }, (value) => {
      if (typeof value !== 'object' || value === null) throw new Error('not a label selector');
      const { matchLabels, matchExpressions } = value as LabelSelector;
      return { matchLabels, matchExpressions };
    });
}
