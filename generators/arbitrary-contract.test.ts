import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { onlyValidValues, sameSeedSameValues, shrinksStayValid } from './arbitrary-contract.ts';

// The helper must be able to fail: each check is shown rejecting an arbitrary that breaks it.
const evenOnly = (n: number) => (n % 2 === 0 ? [] : [`${n} is odd`]);

/** Draws 40 (valid), but offers 41 (invalid) as its only shrink. */
class BadShrinker extends fc.Arbitrary<number> {
  generate(): fc.Value<number> {
    return new fc.Value(40, undefined);
  }
  canShrinkWithoutContext(value: unknown): value is number {
    return typeof value === 'number';
  }
  shrink(value: number): fc.Stream<fc.Value<number>> {
    return value === 40 ? fc.Stream.of(new fc.Value(41, undefined)) : fc.Stream.nil();
  }
}

describe('arbitrary contract helper', () => {
  it('passes a deterministic arbitrary of valid values whose shrinks stay valid', () => {
    const arb = fc.nat({ max: 1000 }).map((n) => 2 * n);
    sameSeedSameValues(arb, 5);
    onlyValidValues(arb, evenOnly);
    expect(shrinksStayValid(arb, evenOnly)).toContain(0);
  });

  it('catches an arbitrary that ignores the seed', () => {
    const arb = fc.constant(0).map(() => Math.random());
    expect(() => sameSeedSameValues(arb, 5)).toThrow();
  });

  it('catches an arbitrary that draws invalid values', () => {
    expect(() => onlyValidValues(fc.nat({ max: 1000 }), evenOnly)).toThrow(/odd/);
  });

  it('catches a shrinker that leaves the valid values', () => {
    expect(() => shrinksStayValid(new BadShrinker(), evenOnly, { seeds: [1] })).toThrow(/odd/);
  });
});
