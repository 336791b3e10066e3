import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeArbitraryContract } from './arbitrary-contract.ts';
import { removableArray, withRemovals } from './removable-array.ts';

const atMostThree = (xs: number[]) => (xs.length <= 3 && xs.every((x) => x >= 0 && x <= 9) ? [] : [`not 0-3 digits: ${xs}`]);
describeArbitraryContract('removableArray(nat 9, maxLength 3)', removableArray(fc.nat({ max: 9 }), { maxLength: 3 }), atMostThree);

describe('removableArray', () => {
  it('draws exactly what fc.array draws from the same seed', () => {
    const constraints = { minLength: 1, maxLength: 5 };
    expect(fc.sample(removableArray(fc.nat(), constraints), { seed: 4, numRuns: 50 })).toEqual(fc.sample(fc.array(fc.nat(), constraints), { seed: 4, numRuns: 50 }));
  });

  it('drops an unneeded element once the inner shrinker has nothing left', () => {
    // The inner arbitrary cannot shrink at all (a constant): only the removals can.
    const failsOn7 = (xs: number[]) => !xs.includes(7);
    const plain = fc.check(fc.property(fc.constant<number[]>([7, 3, 5]), failsOn7), { seed: 1, numRuns: 1 });
    const removable = fc.check(fc.property(withRemovals(fc.constant<number[]>([7, 3, 5])), failsOn7), { seed: 1, numRuns: 1 });
    expect(plain.counterexample![0]).toEqual([7, 3, 5]);
    expect(removable.counterexample![0]).toEqual([7]);
  });

  it('never drops below minLength', () => {
    const result = fc.check(fc.property(removableArray(fc.constant(1), { minLength: 2, maxLength: 4 }), () => false), { seed: 1, numRuns: 10 });
    expect(result.counterexample![0]).toEqual([1, 1]);
  });
});
