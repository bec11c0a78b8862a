/**
 * The `tools/call` request as the server reads it: the SDK's own schema copies `arguments` through a zod
 * record, which silently drops a `__proto__` key, so a hostile key would vanish instead of being refused.
 * This schema keeps `params` exactly as the client sent it and checks only its frame (a `name`, an object
 * of `arguments`), answering a malformed call with the JSON-RPC "invalid params" error rather than an
 * internal error with a schema dump.
 */
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

/** The parts of `tools/call` params the server uses, as sent. */
export interface RawCallParams {
  /** Request metadata (`progressToken`...), as sent. */
  _meta?: unknown;
  /** The tool's name. */
  name: string;
  /** The tool's arguments, untouched (own `__proto__` keys included), or `undefined`. */
  arguments: Record<string, unknown> | undefined;
}

/** Checks the frame of `tools/call` params; throws the JSON-RPC error a client expects for a bad one. */
export function readCallParams(params: unknown): RawCallParams {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new McpError(
      ErrorCode.InvalidParams,
      'tools/call needs params: {"name": <tool>, "arguments": {...}}',
    );
  }
  const { name, arguments: args } = params as { name?: unknown; arguments?: unknown };
  if (typeof name !== 'string' || name === '') {
    throw new McpError(ErrorCode.InvalidParams, 'tools/call needs params.name, the tool name as a string');
  }
  if (args !== undefined && (typeof args !== 'object' || args === null || Array.isArray(args))) {
    throw new McpError(ErrorCode.InvalidParams, 'tools/call params.arguments must be an object');
  }
  // Everything else (`_meta`) is passed on as sent.
  return { ...(params as object), name, arguments: args as Record<string, unknown> | undefined };
}

/** A drop-in for the SDK's `CallToolRequestSchema` in `setRequestHandler` that keeps the arguments raw. */
export const RawCallToolRequestSchema = z.looseObject({
  method: z.literal('tools/call'),
  params: z.unknown().transform(readCallParams),
});
