/**
 * The one error a policy file, a profile name or a tenant name can raise. It lives apart from the loader so
 * that the built-in profiles can throw it without pulling the YAML parser into the start-up path.
 */

/** Where in a policy file a problem sits; every part is optional because flags have no line. */
export interface PolicyLocation {
  /** File name as given (`--policy`), or the name passed to `parsePolicy`. */
  file?: string;
  /** 1-based line of the offending key or value. */
  line?: number;
  /** Key path in the document, e.g. `profiles.support.allow[2]`. */
  path?: string;
}

/**
 * A policy that cannot be used: its one-line message reads `file:line: key.path: reason`, so the person who
 * wrote the file can jump to the line. The CLI prints it and exits; nothing is ever half-applied.
 */
export class PolicyFileError extends Error {
  override readonly name = 'PolicyFileError';
  /** Stable code for callers that map errors to exit codes. */
  readonly code = 'invalid_policy';
  /** File name, when the problem is in a file. */
  readonly file: string | undefined;
  /** 1-based line, when known. */
  readonly line: number | undefined;
  /** Key path, when known. */
  readonly path: string | undefined;
  /** The reason alone, without the location prefix. */
  readonly reason: string;

  constructor(location: PolicyLocation, reason: string) {
    const where = [
      location.file !== undefined && location.line !== undefined
        ? `${location.file}:${location.line}`
        : location.file,
      location.path || undefined,
    ].filter((part): part is string => part !== undefined);
    super(`${[...where, reason].join(': ')}`.replace(/\s*\n\s*/g, ' '));
    this.file = location.file;
    this.line = location.line;
    this.path = location.path;
    this.reason = reason;
  }
}
