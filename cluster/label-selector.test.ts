import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  NAMESPACE_NAME_LABEL,
  hasServiceSelector,
  labelsMatch,
  namespaceLabels,
  requirementMatches,
  selectorMatches,
} from './label-selector.ts';
import type { LabelSelector, LabelSelectorRequirement, Labels } from './types.ts';

// Small pools so that keys collide and both outcomes occur often.
const key = fc.constantFrom('app', 'tier', 'env');
const value = fc.constantFrom('a', 'b', 'c');
const labels: fc.Arbitrary<Labels> = fc.dictionary(key, value, { maxKeys: 3 });
const values = fc.uniqueArray(value, { minLength: 1, maxLength: 3 });
const requirement: fc.Arbitrary<LabelSelectorRequirement> = fc.oneof(
  fc.record({ key, operator: fc.constantFrom('In' as const, 'NotIn' as const), values }),
  fc.record({ key, operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const) }),
);
const selector: fc.Arbitrary<LabelSelector> = fc.record(
  { matchLabels: fc.dictionary(key, value, { maxKeys: 2 }), matchExpressions: fc.array(requirement, { maxLength: 3 }) },
  { requiredKeys: [] },
);

describe('label selectors (apimachinery labels/selector.go)', () => {
  it('an empty selector {} matches every object', () => {
    fc.assert(fc.property(labels, (l) => selectorMatches({}, l)));
    expect(selectorMatches({ matchLabels: {}, matchExpressions: [] }, {})).toBe(true);
  });

  it('matchLabels needs every pair present with the same value', () => {
    expect(selectorMatches({ matchLabels: { app: 'a' } }, { app: 'a', tier: 'b' })).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'a' } }, { app: 'b' })).toBe(false);
    expect(selectorMatches({ matchLabels: { app: 'a', tier: 'b' } }, { app: 'a' })).toBe(false);
  });

  it('In needs the key present with a listed value', () => {
    const req: LabelSelectorRequirement = { key: 'app', operator: 'In', values: ['a', 'b'] };
    expect(requirementMatches(req, { app: 'b' })).toBe(true);
    expect(requirementMatches(req, { app: 'c' })).toBe(false);
    expect(requirementMatches(req, {})).toBe(false);
  });

  it('NotIn matches an object without the key (unlike cyclonus), and one with an unlisted value', () => {
    const req: LabelSelectorRequirement = { key: 'app', operator: 'NotIn', values: ['a'] };
    expect(requirementMatches(req, {})).toBe(true);
    expect(requirementMatches(req, { tier: 'a' })).toBe(true);
    expect(requirementMatches(req, { app: 'b' })).toBe(true);
    expect(requirementMatches(req, { app: 'a' })).toBe(false);
  });

  it('Exists needs the key whatever its value; DoesNotExist needs it absent', () => {
    expect(requirementMatches({ key: 'app', operator: 'Exists' }, { app: '' })).toBe(true);
    expect(requirementMatches({ key: 'app', operator: 'Exists' }, {})).toBe(false);
    expect(requirementMatches({ key: 'app', operator: 'DoesNotExist' }, {})).toBe(true);
    expect(requirementMatches({ key: 'app', operator: 'DoesNotExist' }, { app: 'a' })).toBe(false);
  });

  it('a key that is an Object.prototype name is just an absent key', () => {
    expect(requirementMatches({ key: 'constructor', operator: 'Exists' }, {})).toBe(false);
    expect(requirementMatches({ key: 'toString', operator: 'NotIn', values: ['x'] }, {})).toBe(true);
  });

  it('NotIn is the negation of In when the key is present', () => {
    fc.assert(
      fc.property(key, values, labels, (k, vs, l) => {
        fc.pre(k in l);
        return (
          requirementMatches({ key: k, operator: 'NotIn', values: vs }, l) ===
          !requirementMatches({ key: k, operator: 'In', values: vs }, l)
        );
      }),
    );
  });

  it('DoesNotExist is the negation of Exists', () => {
    fc.assert(
      fc.property(key, labels, (k, l) =>
        requirementMatches({ key: k, operator: 'DoesNotExist' }, l) === !requirementMatches({ key: k, operator: 'Exists' }, l),
      ),
    );
  });

  it('matchLabels {k: v} is the same as the expression k In [v]', () => {
    fc.assert(
      fc.property(key, value, labels, (k, v, l) =>
        selectorMatches({ matchLabels: { [k]: v } }, l) ===
        selectorMatches({ matchExpressions: [{ key: k, operator: 'In', values: [v] }] }, l),
      ),
    );
  });

  it('requirements are ANDed: adding one never widens the match', () => {
    fc.assert(
      fc.property(selector, requirement, labels, (sel, req, l) => {
        const narrower = { ...sel, matchExpressions: [...(sel.matchExpressions ?? []), req] };
        return !selectorMatches(narrower, l) || selectorMatches(sel, l);
      }),
    );
  });

  it('a selector matches exactly when every one of its requirements does', () => {
    fc.assert(
      fc.property(selector, labels, (sel, l) => {
        const each = [
          ...Object.entries(sel.matchLabels ?? {}).map(([k, v]) => selectorMatches({ matchLabels: { [k]: v } }, l)),
          ...(sel.matchExpressions ?? []).map((r) => requirementMatches(r, l)),
        ];
        return selectorMatches(sel, l) === each.every(Boolean);
      }),
    );
  });
});

describe('Service selectors (ServiceSpec.selector)', () => {
  it('select pods carrying every pair of the map', () => {
    expect(labelsMatch({ app: 'a' }, { app: 'a', tier: 'b' })).toBe(true);
    expect(labelsMatch({ app: 'a', tier: 'c' }, { app: 'a', tier: 'b' })).toBe(false);
  });

  it('an empty selector map selects nothing: ServiceSpec treats empty like absent (endpoints managed elsewhere)', () => {
    fc.assert(fc.property(labels, (l) => !labelsMatch({}, l)));
    expect(hasServiceSelector({})).toBe(false);
    expect(hasServiceSelector(undefined)).toBe(false);
    expect(hasServiceSelector({ app: 'a' })).toBe(true);
  });
});

describe('namespaceLabels', () => {
  it('adds kubernetes.io/metadata.name = the name, which the API server sets on every Namespace', () => {
    expect(namespaceLabels({ name: 'x', labels: { ns: 'x' } })).toEqual({ ns: 'x', [NAMESPACE_NAME_LABEL]: 'x' });
  });

  it('the name label wins over a different value written in the manifest', () => {
    expect(namespaceLabels({ name: 'x', labels: { [NAMESPACE_NAME_LABEL]: 'y' } })[NAMESPACE_NAME_LABEL]).toBe('x');
  });
});
