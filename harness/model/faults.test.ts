import { describe, it, expect } from 'vitest';
import { MODEL_FAULTS, parseModelFault } from './faults.ts';
import { UsageError } from '../../cluster/errors.ts';

describe('model faults', () => {
  it('offers exactly the faults issue 3 names', () => {
    expect(MODEL_FAULTS.map((f) => f.name).sort()).toEqual(
      [
        'ignore-except',
        'peers-or',
        'ignore-egress',
        'named-port-on-source',
        'not-ready-endpoints',
        'snat-pod-to-pod',
        'ignore-endport',
        'ignore-policy-protocol',
        'no-hairpin',
        // issue 11: the Service rules kube-proxy follows
        'no-terminating-fallback',
        'external-local-as-cluster',
      ].sort(),
    );
  });

  it('an unknown fault is a usage error naming the known ones', () => {
    expect(() => parseModelFault('nope')).toThrow(UsageError);
    expect(() => parseModelFault('nope')).toThrow(/ignore-except/);
    expect(parseModelFault(undefined)).toBeUndefined();
    expect(parseModelFault('peers-or')).toBe('peers-or');
  });
});
