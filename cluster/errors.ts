// Typed errors for user mistakes. The CLI catches NetpropsError and prints its one-line message with
// exit code 2; anything else is a bug and crashes with its stack.

export class NetpropsError extends Error {
  /** A stable code, for scripts and tests. */
  readonly code: string;
  readonly exitCode: number = 2;

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

export function formatLocation(at: CaseFileLocation): string {
  let s = at.file;
  if (at.document !== undefined) s += `: document ${at.document}`;
  if (at.object) s += ` (${at.object})`;
  if (at.field) s += `: ${at.field}`;
  return s;
}

export class CaseFileError extends NetpropsError {
  readonly at: CaseFileLocation;

  constructor(at: CaseFileLocation, problem: string) {
    super('E_CASE_FILE', `${formatLocation(at)}: ${problem}`);
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
