// Namespaces: names from a short pool (as cyclonus and upstream's policy e2e use x, y, z), labels
// from NAMESPACE_LABEL_POOL. Names follow the position, so dropping one while shrinking keeps the
// rest valid and unique.
import fc from 'fast-check';
import type { Namespace } from '../cluster/types.ts';
import { labels, NAMESPACE_LABEL_POOL, type LabelPool } from './labels.ts';

export const NAMESPACE_NAMES: readonly string[] = ['x', 'y', 'z', 'w', 'v'];

/** The name of the i-th namespace (0-based); past the pool, `ns-<i>`. */
export function namespaceName(index: number): string {
  return NAMESPACE_NAMES[index] ?? `ns-${index}`;
}

/** The label the API server puts on every Namespace (NamespaceDefaultLabelName, Kubernetes 1.21+). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** What a namespaceSelector may test: the written labels, plus the name label with these namespaces' names. */
export function namespaceSelectorPool(names: readonly string[]): LabelPool {
  return {
    ...NAMESPACE_LABEL_POOL,
    [NAMESPACE_NAME_LABEL]: names.length > 0 ? [...names] : [namespaceName(0)],
  };
}

/** Namespaces with unique names, at least one. */
export function namespaces(options: { maxLength?: number } = {}): fc.Arbitrary<Namespace[]> {
  return fc.array(labels(NAMESPACE_LABEL_POOL), { minLength: 1, maxLength: options.maxLength ?? 3 }).map(
    (all) => all.map((nsLabels, i) => ({ name: namespaceName(i), labels: nsLabels })),
    (value) => {
      if (!Array.isArray(value)) throw new Error('not a namespace list');
      return value.map((ns: Namespace, i) => {
        if (ns.name !== namespaceName(i)) throw new Error(`namespace ${i} is not named ${namespaceName(i)}`);
        return ns.labels;
      });
    },
  );
}
