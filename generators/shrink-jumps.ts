// An arbitrary whose shrinking first tries a few bigger steps. fast-check shrinks a tuple one
// element at a time, so over a live cluster's pod universe a failure that does not depend on the
// pods of two namespaces is shrunk by clearing their labels pod by pod: each of those steps still
// fails, and on a settling target a candidate that still fails waits out the shrink deadline (7 s
// on the local cells). A jump (every pod of one namespace cleared at once) takes one such wait for
// what took several. Jumps are computed from the value alone, so a shrink path replays (`--path`).
import fc from 'fast-check';

interface Context {
  /** The inner arbitrary's context; absent for a value a jump made. */
  inner?: unknown;
  /** The first jump still to offer: after a jump is taken only the later ones; after an inner shrink none. */
  nextJump: number;
}

class Jumping<T> extends fc.Arbitrary<T> {
  constructor(
    private readonly inner: fc.Arbitrary<T>,
    private readonly jumps: (value: T) => T[],
  ) {
    super();
  }

  generate(mrng: fc.Random, biasFactor: number | undefined): fc.Value<T> {
    const v = this.inner.generate(mrng, biasFactor);
    return new fc.Value<T>(v.value_, { inner: v.context, nextJump: 0 } satisfies Context);
  }

  canShrinkWithoutContext(value: unknown): value is T {
    return this.inner.canShrinkWithoutContext(value);
  }

  shrink(value: T, context: unknown): fc.Stream<fc.Value<T>> {
    const own = (context as Context | undefined) ?? { nextJump: 0 };
    const inner = this.inner;
    const jumps = this.jumps;
    function* jumped(): Generator<fc.Value<T>> {
      if (own.nextJump === Number.POSITIVE_INFINITY) return;
      const same = JSON.stringify(value);
      const all = jumps(value);
      for (let k = own.nextJump; k < all.length; k++) {
        // A jump that changes nothing would be a shrink that never ends.
        if (JSON.stringify(all[k]) === same) continue;
        yield new fc.Value<T>(all[k], { nextJump: k + 1 } satisfies Context);
      }
    }
    let innerShrinks: fc.Stream<fc.Value<T>>;
    if (own.inner !== undefined) innerShrinks = inner.shrink(value, own.inner);
    else if (inner.canShrinkWithoutContext(value)) innerShrinks = inner.shrink(value, undefined);
    else innerShrinks = fc.Stream.nil();
    return fc
      .stream(jumped())
      .join(innerShrinks.map((v) => new fc.Value<T>(v.value_, { inner: v.context, nextJump: Number.POSITIVE_INFINITY } satisfies Context)));
  }
}

/**
 * `inner`, shrinking first to each of `jumps(value)` (bigger steps than its own, each strictly
 * smaller), then as `inner` does. A value a jump made keeps shrinking only if `inner` can shrink a
 * value without its context.
 */
export function withJumps<T>(inner: fc.Arbitrary<T>, jumps: (value: T) => T[]): fc.Arbitrary<T> {
  return new Jumping(inner, jumps);
}
