import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Labels } from '../cluster/types.ts';
import { describeArbitraryContract, shrinksStayValid } from './arbitrary-contract.ts';
import { labelPairs, labels, NAMESPACE_LABEL_POOL, POD_LABEL_POOL, type LabelPool } from './labels.ts';
import { labelsProblems } from './validity.ts';

/** Valid label syntax (apimachinery), and only pairs the pool allows. */
const inPool = (pool: LabelPool) => (value: Labels) => [
  ...labelsProblems(value, 'labels'),
  ...Object.entries(value)
    .filter(([k, v]) => !pool[k]?.includes(v))
    .map(([k, v]) => `${k}=${v} is not in the pool`),
];

describeArbitraryContract('labels(POD_LABEL_POOL)', labels(POD_LABEL_POOL), inPool(POD_LABEL_POOL));
describeArbitraryContract('labels(NAMESPACE_LABEL_POOL, minLength 1)', labels(NAMESPACE_LABEL_POOL, { minLength: 1 }), (v) => [
  ...inPool(NAMESPACE_LABEL_POOL)(v),
  ...(Object.keys(v).length === 0 ? ['empty despite minLength 1'] : []),
]);

describe('labels', () => {
  it('draws every pair of the pool, and label maps of every size up to one value per key', () => {
    const sample = fc.sample(labels(POD_LABEL_POOL), { seed: 3, numRuns: 400 });
    const pairs = new Set(sample.flatMap((l) => Object.entries(l).map(([k, v]) => `${k}=${v}`)));
    expect([...pairs].sort()).toEqual(labelPairs(POD_LABEL_POOL).map(([k, v]) => `${k}=${v}`).sort());
    const sizes = new Set(sample.map((l) => Object.keys(l).length));
    expect([...sizes].sort()).toEqual([0, 1, 2, 3]);
  });

  it('shrinks toward no labels at all', () => {
    const [smallest] = shrinksStayValid(labels(POD_LABEL_POOL), inPool(POD_LABEL_POOL), { seeds: [9] });
    expect(smallest).toEqual({});
  });

  it('unmaps a written label map, so it shrinks without its generation context', () => {
    const arb = labels(POD_LABEL_POOL);
    expect(arb.canShrinkWithoutContext({ app: 'web', tier: 'back' })).toBe(true);
    expect(arb.canShrinkWithoutContext({ app: 'nginx' })).toBe(false);
    const shrunk = [...arb.shrink({ app: 'web', tier: 'back' }, undefined).take(20)].map((v) => v.value);
    expect(shrunk).toContainEqual({});
  });
});
