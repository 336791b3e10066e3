// Typed errors at the boundaries. The CLI catches NetpropsError and prints its one-line message with
// its exit code: 2 for a user mistake, 3 for an environment that failed (an unreachable or
// misbehaving cluster, a failing plugin or component); anything else is a bug and crashes with its
// stack. Exit codes: 0 passed, 1 a property failed, 2 usage or input error, 3 environment failure.

export const EXIT_PASSED = 0;
export const EXIT_PROPERTY_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_ENVIRONMENT = 3;

export class NetpropsError extends Error {
  /** A stable code, for scripts and tests. */
  readonly code: string;
  readonly exitCode: number = EXIT_USAGE;

  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Where in a case file something is wrong. `document` is 1-based, as a person counts. */
export interface CaseFileLocation {
  file: string;
  document?: number;
  /** The object, as `Kind namespace/name`, when known. */
  object?: string;
  /** A dotted field path, e.g. `spec.ports[0].targetPort`. */
  field?: string;
}

/** Text from the input cut to `max` characters, so a 50 MB value cannot make a 50 MB error line. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

export function formatLocation(at: CaseFileLocation): string {
  let s = at.file;
  if (at.document !== undefined) s += `: document ${at.document}`;
  if (at.object) s += ` (${clip(at.object, 200)})`;
  if (at.field) s += `: ${clip(at.field, 200)}`;
  return s;
}

export class CaseFileError extends NetpropsError {
  readonly at: CaseFileLocation;

  constructor(at: CaseFileLocation, problem: string) {
    super('E_CASE_FILE', `${formatLocation(at)}: ${clip(problem, 500)}`);
    this.at = at;
  }
}

/** A command-line usage mistake (unknown option value, unknown property id, unknown fault). */
export class UsageError extends NetpropsError {
  constructor(message: string) {
    super('E_USAGE', message);
  }
}

/** Something the target needs is missing (a tool, root, a reachable cluster, a permission). */
export class PrerequisiteError extends NetpropsError {
  constructor(message: string) {
    super('E_PREREQUISITE', message);
  }
}

/**
 * The environment failed, not the user and not a property: a cluster that does not answer or
 * answers nonsense, a CNI plugin or a local-cluster component that fails. Nightly CI tells this
 * (exit 3) from a property failure (exit 1).
 */
export class EnvironmentError extends NetpropsError {
  override readonly exitCode: number = EXIT_ENVIRONMENT;

  constructor(code: string, message: string) {
    super(code, message);
  }
}
