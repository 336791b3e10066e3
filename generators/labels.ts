// Labels drawn from small pools, so that the selectors drawn from the same pools really select:
// with two or three keys of two or three values each, a random selector matches some pod of a
// handful most of the time (see distribution.test.ts for the measured shares).
import fc from 'fast-check';
import type { Labels } from '../cluster/types.ts';

/** Each key with the values it may take. */
export type LabelPool = Readonly<Record<string, readonly string[]>>;

/** Pod labels: `app` and `tier` as applications use them, `team` to cross-cut namespaces. */
export const POD_LABEL_POOL: LabelPool = {
  app: ['web', 'db'],
  tier: ['front', 'back'],
  team: ['blue', 'red'],
};

/** Namespace labels as written in a manifest (the API server adds kubernetes.io/metadata.name). */
export const NAMESPACE_LABEL_POOL: LabelPool = {
  env: ['prod', 'dev'],
  team: ['blue', 'red'],
};

/** Every (key, value) pair a pool allows, in pool order. */
export function labelPairs(pool: LabelPool): [string, string][] {
  return Object.entries(pool).flatMap(([key, values]) => values.map((value): [string, string] => [key, value]));
}

/**
 * A label map over the pool: each key at most once. Shrinks toward fewer labels, and toward each
 * key's first value; the unmapper lets a written label map shrink without its generation context.
 */
export function labels(pool: LabelPool, options: { minLength?: number; maxLength?: number } = {}): fc.Arbitrary<Labels> {
  const pairs = labelPairs(pool);
  const keyCount = Object.keys(pool).length;
  return fc
    .uniqueArray(fc.constantFrom(...pairs), {
      selector: ([key]) => key,
      minLength: options.minLength ?? 0,
      maxLength: Math.min(keyCount, options.maxLength ?? keyCount),
    })
    .map(
      (entries) => Object.fromEntries(entries) as Labels,
      (value) => {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a label map');
        // constantFrom recognizes its own constants by identity: hand back the pool's pair objects.
        return Object.entries(value as Record<string, unknown>).map(([key, v]) => {
          const pair = pairs.find(([k, pv]) => k === key && pv === v);
          if (!pair) throw new Error(`label ${key}=${String(v)} is not in the pool`);
          return pair;
        });
      },
    );
}
