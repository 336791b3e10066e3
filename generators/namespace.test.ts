import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Namespace } from '../cluster/types.ts';
import { dns1123LabelProblem } from '../cluster/name-validation.ts';
import { describeArbitraryContract, shrinksStayValid } from './arbitrary-contract.ts';
import { NAMESPACE_NAME_LABEL, namespaces, namespaceSelectorPool } from './namespace.ts';
import { labelsProblems } from './validity.ts';

const problems = (all: Namespace[]) => {
  const found: string[] = [];
  if (all.length === 0) found.push('no namespace');
  if (new Set(all.map((n) => n.name)).size !== all.length) found.push('two namespaces share a name');
  for (const n of all) {
    const p = dns1123LabelProblem(n.name);
    if (p) found.push(p);
    found.push(...labelsProblems(n.labels, n.name));
  }
  return found;
};

describeArbitraryContract('namespaces()', namespaces({ maxLength: 5 }), problems);

describe('namespaces', () => {
  it('draws between one and maxLength namespaces', () => {
    const counts = new Set(fc.sample(namespaces({ maxLength: 3 }), { seed: 2, numRuns: 200 }).map((n) => n.length));
    expect([...counts].sort()).toEqual([1, 2, 3]);
  });

  it('shrinks toward one namespace, x, without labels', () => {
    const [smallest] = shrinksStayValid(namespaces({ maxLength: 5 }), problems, { seeds: [8] });
    expect(smallest).toEqual([{ name: 'x', labels: {} }]);
  });

  it('lets namespaceSelectors test the name label the API server sets on every Namespace', () => {
    expect(namespaceSelectorPool(['x', 'y'])[NAMESPACE_NAME_LABEL]).toEqual(['x', 'y']);
  });
});
