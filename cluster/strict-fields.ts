// Unknown fields, told from known ones by the Kubernetes OpenAPI schema compiled into the
// kubernetes-models package, as `kubectl apply` (strict field validation, the default since 1.27)
// refuses them: a typo such as `lables` or `nodename` must not be dropped silently and change the
// traffic. The package ships each schema as a compiled validator, not as data, so the schema is
// read by running it: the validator looks up every property its schema declares on each object it
// visits, and enumerates the keys of every map (labels, annotations) and free-form object
// (managedFields' fieldsV1). A key written in an object whose properties the validator looked up,
// that it never looked up, is a field the schema does not have.
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Node } from 'kubernetes-models/v1/Node';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Service } from 'kubernetes-models/v1/Service';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { EndpointSlice } from 'kubernetes-models/discovery.k8s.io/v1/EndpointSlice';

type Validate = (this: unknown) => void;

const VALIDATORS: Record<string, Validate> = {
  'v1/Namespace': Namespace.prototype.validate as Validate,
  'v1/Node': Node.prototype.validate as Validate,
  'v1/Pod': Pod.prototype.validate as Validate,
  'v1/Service': Service.prototype.validate as Validate,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy.prototype.validate as Validate,
  'discovery.k8s.io/v1/EndpointSlice': EndpointSlice.prototype.validate as Validate,
};

interface Visit {
  read: Set<string>;
  enumerated: boolean;
}

export interface UnknownField {
  /** Dotted path as the decoders write it: `spec.containers[0].ports[0].nmae`. */
  path: string;
  /** A known field of the same object the key is one or two typos away from. */
  suggestion?: string;
}

/** Edit distance up to `limit` (cheap for short keys; anything farther is `limit + 1`). */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

function suggest(key: string, known: Set<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = k.toLowerCase() === key.toLowerCase() ? 0 : distance(key, k, 2);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

/**
 * The fields of `object` (a plain JSON value of the given apiVersion/kind) that its Kubernetes
 * schema does not have, in document order; undefined when there is no schema for the kind.
 */
export function unknownFields(apiVersion: string, kind: string, object: object): UnknownField[] | undefined {
  const validate = VALIDATORS[`${apiVersion}/${kind}`];
  if (!validate) return undefined;
  const visits = new WeakMap<object, Visit>();
  const proxies = new WeakMap<object, object>();
  const wrap = (value: unknown): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    const cached = proxies.get(value);
    if (cached) return cached;
    const visit: Visit = { read: new Set(), enumerated: false };
    visits.set(value, visit);
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        if (typeof key === 'string') visit.read.add(key);
        return wrap(Reflect.get(target, key, receiver));
      },
      has(target, key) {
        if (typeof key === 'string') visit.read.add(key);
        return Reflect.has(target, key);
      },
      ownKeys(target) {
        visit.enumerated = true;
        return Reflect.ownKeys(target);
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };
  try {
    validate.call(wrap(object));
  } catch {
    // Type errors are the decoders' to report, with their own words; only the visits matter here.
  }
  const unknown: UnknownField[] = [];
  // Iterative, so a deeply nested document cannot overflow the stack here.
  const stack: [unknown, string][] = [[object, '']];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    const children: [unknown, string][] = [];
    if (Array.isArray(value)) {
      value.forEach((v, i) => children.push([v, `${path}[${i}]`]));
    } else {
      const visit = visits.get(value);
      const checked = visit !== undefined && !visit.enumerated && visit.read.size > 0;
      for (const key of Object.keys(value)) {
        const child = path ? `${path}.${key}` : key;
        if (checked && !visit.read.has(key)) {
          const suggestion = suggest(key, visit.read);
          unknown.push(suggestion !== undefined ? { path: child, suggestion } : { path: child });
        } else {
          children.push([(value as Record<string, unknown>)[key], child]);
        }
      }
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return unknown;
}
