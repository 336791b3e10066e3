// The one test helper every generator's test uses (as fast-check tests its own arbitraries): an
// arbitrary must be deterministic for a seed, produce only valid values, and keep every value it
// passes through while shrinking valid. `problems` judges validity: [] means valid.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

export interface ContractOptions {
  /** Values checked for validity (default 200). */
  numRuns?: number;
  seeds?: number[];
  /** Shrink candidates checked per shrinking run, spread evenly over all it tried (default 40). */
  maxChecked?: number;
}

/** Values drawn twice with one seed are equal. */
export function sameSeedSameValues<T>(arbitrary: fc.Arbitrary<T>, seed: number, numRuns = 30): void {
  const first = fc.sample(arbitrary, { seed, numRuns });
  const second = fc.sample(arbitrary, { seed, numRuns });
  expect(second).toEqual(first);
}

/** Every drawn value is valid; fails naming the (shrunk) invalid value, its problems, seed and path. */
export function onlyValidValues<T>(arbitrary: fc.Arbitrary<T>, problems: (value: T) => string[], options: ContractOptions = {}): void {
  const result = fc.check(
    fc.property(arbitrary, (value) => problems(value).length === 0),
    { numRuns: options.numRuns ?? 200, seed: options.seeds?.[0] },
  );
  if (result.failed) {
    const value = result.counterexample![0];
    throw new Error(
      `invalid value (seed ${result.seed}, path ${result.counterexamplePath}): ${problems(value).join('; ')}\n${JSON.stringify(value)}`,
    );
  }
}

/**
 * Makes fast-check shrink, with a predicate that fails on every value (shrinking to the smallest)
 * and with one that fails only on values larger than the first one drawn (shrinking stops midway),
 * and checks the values the predicate saw (shrink candidates included; evenly spread, at most
 * maxChecked per run, as validity checks cost milliseconds) and the counterexample.
 * Returns the counterexamples, for tests that want to look at them.
 */
export function shrinksStayValid<T>(arbitrary: fc.Arbitrary<T>, problems: (value: T) => string[], options: ContractOptions = {}): T[] {
  const counterexamples: T[] = [];
  for (const seed of options.seeds ?? [1, 2, 3]) {
    const size = (v: T) => JSON.stringify(v)?.length ?? 0;
    const [pivot] = fc.sample(arbitrary, { seed, numRuns: 1 }).map(size);
    for (const fails of [() => true, (v: T) => size(v) >= pivot / 2]) {
      const seen: T[] = [];
      const result = fc.check(
        fc.property(arbitrary, (v) => {
          seen.push(v);
          return !fails(v);
        }),
        { seed, numRuns: 50 },
      );
      expect(result.failed).toBe(true);
      const counterexample = result.counterexample![0];
      counterexamples.push(counterexample);
      expect(problems(counterexample)).toEqual([]);
      const step = Math.max(1, Math.ceil(seen.length / (options.maxChecked ?? 40)));
      for (let i = 0; i < seen.length; i += step) expect(problems(seen[i])).toEqual([]);
    }
  }
  return counterexamples;
}

/** The three checks as vitest cases, under one describe block. */
export function describeArbitraryContract<T>(
  name: string,
  arbitrary: fc.Arbitrary<T>,
  problems: (value: T) => string[],
  options: ContractOptions = {},
): void {
  describe(`${name} (arbitrary contract)`, () => {
    it('draws the same values from the same seed', () => {
      for (const seed of options.seeds ?? [1, 42]) sameSeedSameValues(arbitrary, seed);
    });
    it('draws only valid values', () => onlyValidValues(arbitrary, problems, options));
    it('keeps every shrink candidate and the shrunk counterexample valid', () => {
      shrinksStayValid(arbitrary, problems, options);
    });
  });
}
