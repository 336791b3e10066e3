// An array arbitrary that also shrinks by removing any one element. fast-check's own array shrinker
// shortens an array from its start and then shrinks items in place, so an unneeded element after a
// needed one (a second probe, a trailing policy port) stays in the counterexample. Once the inner
// shrinker has nothing left that still fails, this tries dropping each element, last first.
import fc from 'fast-check';

interface Context {
  /** The inner arbitrary's context; absent for a value made by dropping an element. */
  inner?: unknown;
}

class RemovableArray<T> extends fc.Arbitrary<T[]> {
  constructor(
    private readonly inner: fc.Arbitrary<T[]>,
    private readonly minLength: number,
  ) {
    super();
  }

  generate(mrng: fc.Random, biasFactor: number | undefined): fc.Value<T[]> {
    const v = this.inner.generate(mrng, biasFactor);
    return new fc.Value<T[]>(v.value_, { inner: v.context } satisfies Context);
  }

  canShrinkWithoutContext(value: unknown): value is T[] {
    return this.inner.canShrinkWithoutContext(value);
  }

  shrink(value: T[], context: unknown): fc.Stream<fc.Value<T[]>> {
    const own = context as Context | undefined;
    let innerShrinks: fc.Stream<fc.Value<T[]>>;
    if (own?.inner !== undefined) innerShrinks = this.inner.shrink(value, own.inner);
    else if (this.inner.canShrinkWithoutContext(value)) innerShrinks = this.inner.shrink(value, undefined);
    else innerShrinks = fc.Stream.nil();
    const minLength = this.minLength;
    function* drops(): Generator<fc.Value<T[]>> {
      if (value.length <= minLength) return;
      for (let i = value.length - 1; i >= 0; i--) {
        yield new fc.Value<T[]>([...value.slice(0, i), ...value.slice(i + 1)], {} satisfies Context);
      }
    }
    return innerShrinks.map((v) => new fc.Value<T[]>(v.value_, { inner: v.context } satisfies Context)).join(drops());
  }
}

/** Any array arbitrary, shrinking also by removing single elements (never below minLength). */
export function withRemovals<T>(inner: fc.Arbitrary<T[]>, minLength = 0): fc.Arbitrary<T[]> {
  return new RemovableArray(inner, minLength);
}

/** fc.array(item, constraints), shrinking also by removing single elements. */
export function removableArray<T>(item: fc.Arbitrary<T>, constraints: fc.ArrayConstraints = {}): fc.Arbitrary<T[]> {
  return withRemovals(fc.array(item, constraints), constraints.minLength ?? 0);
}
