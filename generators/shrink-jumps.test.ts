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

  it('offers its jumps before the inner shrinks, and leaves out a jump that changes nothing', () => {
    const arb = withJumps(digits, halves);
    const value = new fc.Value([0, 0, 0, 4, 5, 6], undefined);
    const shrinks = firstShrinks(arb, value, 3).map((v) => v.value);
    // Zeroing the first half changes nothing: the first candidate is the second jump.
    expect(shrinks[0]).toEqual([0, 0, 0, 0, 0, 0]);
    expect(shrinks[1]).not.toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('a value a jump made keeps shrinking as the inner arbitrary does, offered only the later jumps; after an inner shrink no jump is offered', () => {
    const arb = withJumps(digits, halves);
    const value = new fc.Value([3, 4, 5, 6, 7, 8], undefined);
    const [firstJump] = firstShrinks(arb, value, 1);
    expect(firstJump.value).toEqual(halves(value.value)[0]);
    const after = firstShrinks(arb, firstJump, 100).map((v) => v.value);
    expect(after[0]).toEqual(halves(firstJump.value)[1]);
    expect(after.length).toBeGreaterThan(1);
    // An inner shrink's own shrinks are the inner arbitrary's alone.
    const inner = firstShrinks(arb, firstJump, 100)[1];
    const innerOnly = firstShrinks(digits, new fc.Value(inner.value, undefined), 100).map((v) => v.value);
    expect(firstShrinks(arb, inner, 100).map((v) => v.value)).toEqual(innerOnly);
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
