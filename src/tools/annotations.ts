/**
 * The single mapping from an operation's risk class to MCP tool annotations. Every listed tool, generic or
 * per-operation, takes its hints from here so clients see one consistent truth.
 */
import type { Risk } from './types.js';

/** The four MCP behaviour hints every tool carries. */
export interface ToolAnnotations {
  /** The tool changes nothing. */
  readOnlyHint: boolean;
  /** The tool may remove or irreversibly change something. */
  destructiveHint: boolean;
  /** Calling twice with the same arguments has no further effect. */
  idempotentHint: boolean;
  /** The tool reaches a system outside the server (the tenant). */
  openWorldHint: boolean;
}

/**
 * A tool's annotations, from its risk: read-only exactly when it is a read, destructive exactly when it is
 * destructive. `idempotent` and `reachesTenant` are the two facts risk does not say (a GET repeats safely,
 * a catalog search never leaves the server).
 */
export function toolAnnotations(
  risk: Risk,
  facts: { idempotent: boolean; reachesTenant: boolean },
): ToolAnnotations {
  return {
    readOnlyHint: risk === 'read',
    destructiveHint: risk === 'destructive',
    idempotentHint: facts.idempotent,
    openWorldHint: facts.reachesTenant,
  };
}
