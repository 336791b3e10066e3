// One field of a decoded case-file document, with where it came from. Every typed read either
// returns a value of that type or throws a CaseFileError naming file, document, object and field,
// so the decoders of each kind read like the API reference and never crash on malformed input.
import { CaseFileError, type CaseFileLocation } from './errors.ts';

type Where = Omit<CaseFileLocation, 'field'>;

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Uint8Array) return 'binary data';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  // kubectl reads unquoted yes/no/on/off/y/n as booleans too (YAML 1.1), so say how to write a string.
  if (typeof value === 'boolean') return `boolean ${String(value)} (an unquoted true/false/yes/no/on/off is a boolean to kubectl: quote it for a string)`;
  return `${typeof value} ${String(value)}`;
}

/** Control characters (newlines, tabs, ...) written as escapes, so an error stays one line. */
export function oneLine(text: string): string {
  const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]/g, (c) => named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export class DocumentField {
  constructor(
    readonly value: unknown,
    readonly where: Where,
    readonly path: string = '',
  ) {}

  /** The same field, now known to belong to `object` ("Kind ns/name"). */
  inObject(object: string): DocumentField {
    return new DocumentField(this.value, { ...this.where, object }, this.path);
  }

  fail(problem: string): never {
    // Values and keys come from the file: a newline in one must not break the one-line message.
    const field = this.path ? { field: oneLine(this.path) } : {};
    const object = this.where.object !== undefined ? { object: oneLine(this.where.object) } : {};
    throw new CaseFileError({ ...this.where, ...object, ...field }, oneLine(problem));
  }

  /** A child field; YAML null counts as absent, as Kubernetes treats JSON null. */
  get(key: string): DocumentField {
    const map = this.mapping();
    // Own keys only: `constructor` or `toString` must not be read off Object.prototype.
    const value = Object.hasOwn(map, key) ? (map[key] ?? undefined) : undefined;
    return new DocumentField(value, this.where, this.path ? `${this.path}.${key}` : key);
  }

  /** The child when present and not null. */
  optional(key: string): DocumentField | undefined {
    const child = this.get(key);
    return child.value === undefined ? undefined : child;
  }

  get present(): boolean {
    return this.value !== undefined && this.value !== null;
  }

  mapping(): Record<string, unknown> {
    if (this.value === undefined || this.value === null) return {};
    if (typeof this.value !== 'object' || Array.isArray(this.value)) this.fail(`must be a mapping, got ${describe(this.value)}`);
    return this.value as Record<string, unknown>;
  }

  /** Rejects keys the decoder does not know, like the API server's strict field validation. */
  onlyKeys(allowed: readonly string[]): this {
    for (const key of Object.keys(this.mapping())) {
      if (!allowed.includes(key)) {
        const child = this.get(key);
        child.fail(`unknown field; expected one of: ${allowed.join(', ')}`);
      }
    }
    return this;
  }

  keys(): string[] {
    return Object.keys(this.mapping());
  }

  items(): DocumentField[] {
    if (this.value === undefined || this.value === null) return [];
    if (!Array.isArray(this.value)) this.fail(`must be a list, got ${describe(this.value)}`);
    return (this.value as unknown[]).map((v, i) => new DocumentField(v, this.where, `${this.path}[${i}]`));
  }

  /** True when the field is written, even as an empty list: `from: []` differs from no `from`. */
  get isList(): boolean {
    return Array.isArray(this.value);
  }

  string(): string {
    if (typeof this.value !== 'string') this.fail(`must be a string, got ${describe(this.value)}`);
    return this.value as string;
  }

  /** A required string: absent and empty are both reported. */
  requiredString(): string {
    if (!this.present) this.fail('is required');
    const s = this.string();
    if (s.length === 0) this.fail('must not be empty');
    return s;
  }

  int(min: number, max: number): number {
    if (typeof this.value !== 'number' || !Number.isInteger(this.value)) this.fail(`must be an integer, got ${describe(this.value)}`);
    const n = this.value as number;
    if (n < min || n > max) this.fail(`must be between ${min} and ${max}, got ${n}`);
    return n;
  }

  bool(): boolean {
    if (typeof this.value !== 'boolean') this.fail(`must be true or false, got ${describe(this.value)}`);
    return this.value as boolean;
  }

  oneOf<T extends string>(allowed: readonly T[]): T {
    const s = this.string();
    if (!(allowed as readonly string[]).includes(s)) this.fail(`must be one of ${allowed.join(', ')}, got '${s}'`);
    return s as T;
  }

  /** Applies a syntax rule from name-validation.ts to a string field. */
  check(problemOf: (value: string) => string | undefined): string {
    const s = this.string();
    const problem = problemOf(s);
    if (problem) this.fail(problem);
    return s;
  }
}
