import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withJumps } from './shrink-jumps.ts';

const firstShrinks = <T>(arb: fc.Arbitrary<T>, value: fc.Value<T>, n: number) => [...arb.shrink(value.value_, value.context).take(n)];

describe('withJumps', () => {
  // Six digits; the jumps zero the first half, then the second half.
  const halves = (xs: number[]) => [xs.map((x, i) => (i < 3 ? 0 : x)), xs.map((x, i) => (i >= 3 ? 0 : x))];
  const digits = fc.tuple(...Array.from({ length: 6 }, () => fc.nat({ max: 9 })));

  it('draws what its inner arbitrary draws from the same seed', () => {
    expect(fc.sample(withJumps(digits, halves), { seed: 5, numRuns: 30 })).toEqual(fc.sample(digits, { seed: 5, numRuns: 30 }));
  });

  const innerShrinks = (xs: number[], n = 100) => firstShrinks(digits, new fc.Value(xs, undefined), n).map((v) => v.value);

  it('offers its jumps before the inner shrinks, and leaves out a jump that changes nothing', () => {
    const arb = withJumps(digits, halves);
    // Zeroing the first half changes nothing: the first candidate is the second jump, then the inner shrinks.
    const shrinks = firstShrinks(arb, new fc.Value([0, 0, 0, 4, 5, 6], undefined), 3).map((v) => v.value);
    expect(shrinks).toEqual([[0, 0, 0, 0, 0, 0], ...innerShrinks([0, 0, 0, 4, 5, 6], 2)]);
  });

  it('a value a jump made is offered only the later jumps, then shrinks as the inner arbitrary does; after an inner shrink no jump is offered', () => {
    const arb = withJumps(digits, halves);
    const [firstHalf, secondHalf, inner] = firstShrinks(arb, new fc.Value([3, 4, 5, 6, 7, 8], undefined), 3);
    expect(firstHalf.value).toEqual([0, 0, 0, 6, 7, 8]);
    expect(secondHalf.value).toEqual([3, 4, 5, 0, 0, 0]);
    expect(inner.value).toEqual(innerShrinks([3, 4, 5, 6, 7, 8], 1)[0]);
    // After the first jump, the second is still offered; after the second, the first is not again.
    expect(firstShrinks(arb, firstHalf, 100).map((v) => v.value)).toEqual([[0, 0, 0, 0, 0, 0], ...innerShrinks([0, 0, 0, 6, 7, 8])]);
    expect(firstShrinks(arb, secondHalf, 100).map((v) => v.value)).toEqual(innerShrinks([3, 4, 5, 0, 0, 0]));
    expect(firstShrinks(arb, inner, 100).map((v) => v.value)).toEqual(innerShrinks(inner.value));
  });

  it('shrinks a failure about one element in fewer failing steps than the inner arbitrary alone', () => {
    // Fails while the last digit is 7 or more: every other digit is noise to shrink away.
    const failing = (xs: number[]) => xs[5] < 7;
    const withOut = fc.check(fc.property(digits, failing), { seed: 9, numRuns: 200 });
    const withIt = fc.check(fc.property(withJumps(digits, halves), failing), { seed: 9, numRuns: 200 });
    expect(withOut.failed && withIt.failed).toBe(true);
    expect(withIt.counterexample![0]).toEqual([0, 0, 0, 0, 0, 7]);
    expect(withOut.counterexample![0]).toEqual([0, 0, 0, 0, 0, 7]);
    expect(withIt.numShrinks).toBeLessThan(withOut.numShrinks);
  });
});
