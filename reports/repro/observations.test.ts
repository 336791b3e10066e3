import { describe, it, expect } from 'vitest';
import { exampleRunReport } from '../example-run-report.ts';
import { observationsOf, summarize } from './observations.ts';

describe('observations of a counterexample probe', () => {
  const failure = exampleRunReport().properties[0].failure!;

  it('finds the records of the same probe whatever its expectation says', () => {
    const [direct] = failure.counterexample.probes;
    expect(observationsOf(failure, direct).map((o) => o.outcome)).toEqual(['delivered']);
    expect(observationsOf(failure, { ...direct, expect: 'allow' })).toHaveLength(1);
    expect(observationsOf(failure, { ...direct, port: 81 })).toEqual([]);
  });

  it('collects every record of a repeated probe', () => {
    const f = structuredClone(failure);
    f.probes.push({ ...f.probes[1], observation: { outcome: 'timeout' } });
    expect(observationsOf(f, f.counterexample.probes[0]).map((o) => o.outcome)).toEqual(['delivered', 'timeout']);
  });

  it('summarizes distinct texts, at most three, then a count', () => {
    expect(summarize([])).toBe('not recorded');
    expect(summarize(['a', 'a', 'b'])).toBe('a; b');
    expect(summarize(['a', 'b', 'c', 'd', 'e'])).toBe('a; b; c; and 2 more');
  });
});
