import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isRunId, nodeAgentNamespace, runNamespaceName } from './run-names.ts';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A Namespace name as a case may hold it: a DNS label of 1 to 63 characters. */
const namespaceName = fc
  .tuple(fc.stringMatching(/^[a-z0-9]$/), fc.stringMatching(/^[-a-z0-9]{0,61}$/), fc.stringMatching(/^[a-z0-9]$/))
  .map(([a, mid, z]) => (a + mid + z).slice(0, 63));
const runId = fc.stringMatching(/^np-[0-9a-f]{6}$/);

describe('runNamespaceName', () => {
  it('keeps a name that fits: <name>-<runId>', () => {
    expect(runNamespaceName('default', 'np-abc123')).toBe('default-np-abc123');
    expect(runNamespaceName('default')).toBe('default');
  });

  it('maps every case namespace to a valid Namespace name ending in the run id, up to 63 characters', () => {
    fc.assert(
      fc.property(namespaceName, runId, (ns, id) => {
        const name = runNamespaceName(ns, id);
        expect(name.length).toBeLessThanOrEqual(63);
        expect(name).toMatch(DNS_LABEL);
        expect(name.endsWith(`-${id}`)).toBe(true);
      }),
    );
  });

  it('is deterministic and keeps distinct names distinct, long ones included', () => {
    fc.assert(
      fc.property(namespaceName, namespaceName, runId, (a, b, id) => {
        expect(runNamespaceName(a, id)).toBe(runNamespaceName(a, id));
        if (a !== b) expect(runNamespaceName(a, id)).not.toBe(runNamespaceName(b, id));
      }),
    );
    const long = 'a'.repeat(60);
    expect(runNamespaceName(long, 'np-abc123')).not.toBe(runNamespaceName(`${'a'.repeat(59)}b`, 'np-abc123'));
  });

  it('works for the longest run id too', () => {
    const id = 'r'.repeat(20);
    expect(isRunId(id)).toBe(true);
    const name = runNamespaceName('x'.repeat(63), id);
    expect(name).toMatch(DNS_LABEL);
    expect(name.length).toBe(63);
    expect(nodeAgentNamespace(id).length).toBeLessThanOrEqual(63);
  });
});
