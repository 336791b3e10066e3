// LabelSelector validation as metav1's ValidateLabelSelector: In/NotIn need values, Exists and
// DoesNotExist take none, keys and values follow label syntax, no other operator.
import { describe, expect, it } from 'vitest';
import { DocumentField } from './document-field.ts';
import { decodeLabelSelector, requirementProblem } from './selector-validation.ts';
import { CaseFileError } from './errors.ts';

const field = (value: unknown) => new DocumentField(value, { file: 'f.yaml', document: 1 }, 'spec.podSelector');

describe('label selector validation', () => {
  it('In and NotIn need at least one value', () => {
    expect(requirementProblem({ key: 'a', operator: 'In', values: [] })).toEqual({ field: 'values', problem: "must be specified when operator is 'In'" });
    expect(requirementProblem({ key: 'a', operator: 'NotIn' })?.field).toBe('values');
    expect(requirementProblem({ key: 'a', operator: 'In', values: ['x'] })).toBeUndefined();
  });
  it('Exists and DoesNotExist take no values (an empty list is none)', () => {
    expect(requirementProblem({ key: 'a', operator: 'Exists', values: ['x'] })?.problem).toMatch(/may not be specified/);
    expect(requirementProblem({ key: 'a', operator: 'DoesNotExist', values: ['x'] })?.problem).toMatch(/may not be specified/);
    expect(requirementProblem({ key: 'a', operator: 'Exists', values: [] })).toBeUndefined();
  });
  it('only In, NotIn, Exists, DoesNotExist are operators', () => {
    expect(requirementProblem({ key: 'a', operator: 'Gt' as never, values: ['1'] })?.field).toBe('operator');
  });
  it('keys and values follow label syntax, naming the bad value', () => {
    expect(requirementProblem({ key: 'a b', operator: 'Exists' })?.field).toBe('key');
    expect(requirementProblem({ key: 'a', operator: 'In', values: ['ok', 'no way'] })?.field).toBe('values[1]');
  });
  it('a selector is kept as written: absent parts stay absent, {} stays {}', () => {
    expect(decodeLabelSelector(field({}))).toEqual({});
    expect(decodeLabelSelector(field({ matchLabels: {} }))).toEqual({ matchLabels: {} });
    expect(decodeLabelSelector(field({ matchExpressions: [{ key: 'a', operator: 'Exists' }] }))).toEqual({ matchExpressions: [{ key: 'a', operator: 'Exists' }] });
  });
  it('a decoding error names the field path of the bad part', () => {
    try {
      decodeLabelSelector(field({ matchExpressions: [{ key: 'a', operator: 'In', values: ['x', '-y'] }] }));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(CaseFileError);
      expect((err as CaseFileError).at.field).toBe('spec.podSelector.matchExpressions[0].values[1]');
    }
  });
});

describe('label maps', () => {
  it('keys that are names of Object.prototype members are ordinary labels', async () => {
    const { decodeLabels } = await import('./selector-validation.ts');
    const labels = decodeLabels(new DocumentField({ constructor: 'a', toString: 'b' }, { file: 'f.yaml' }, 'metadata.labels'));
    expect(labels).toEqual({ constructor: 'a', toString: 'b' });
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
  });
  it('a field not written is absent even when Object.prototype has a member of that name', () => {
    expect(new DocumentField({}, { file: 'f.yaml' }).get('constructor').present).toBe(false);
  });
});

describe('one-line errors', () => {
  it('a newline or other control character from the file is escaped in the message and the field', () => {
    try {
      new DocumentField({ 'a\nb': 'x' }, { file: 'f.yaml', document: 2, object: 'Pod x/we\nb' }, 'metadata.labels').get('a\nb').fail("label value 'x\ny\u2028z\tw' is bad");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(CaseFileError);
      const e = err as CaseFileError;
      expect(e.message).toBe("f.yaml: document 2 (Pod x/we\\nb): metadata.labels.a\\nb: label value 'x\\ny\\u2028z\\tw' is bad");
      expect(e.message.split(/[\n\r\u2028\u2029]/)).toHaveLength(1);
    }
  });
});
