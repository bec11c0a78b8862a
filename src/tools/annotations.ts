/**
 * The single mapping from an operation's risk class to MCP tool annotations. Every listed tool, generic or
 * per-operation, takes its hints from here so clients see one consistent truth.
 */
import type { HttpMethod, Risk } from './types.js';

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

/** Annotations for an operation of the given risk, sent with the given method. */
export function annotationsFor(risk: Risk, method: HttpMethod): ToolAnnotations {
  return {
    readOnlyHint: risk === 'read',
    destructiveHint: risk === 'destructive',
    // GET, PUT and DELETE are idempotent by HTTP's definition; POST and PATCH are not promised to be.
    idempotentHint: method === 'GET' || method === 'PUT' || method === 'DELETE',
    openWorldHint: true,
  };
}

/** Annotations of a tool that only reads the local catalog. */
export const CATALOG_ONLY: ToolAnnotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};
