/**
 * The `tools/call` request as the server reads it: the SDK's own schema copies `arguments` through a zod
 * record, which silently drops a `__proto__` key, so a hostile key would vanish instead of being refused.
 * This schema keeps `params` exactly as the client sent it and checks only its frame (a `name`, an object
 * of `arguments`), answering a malformed call with the JSON-RPC "invalid params" error rather than an
 * internal error with a schema dump.
 */
import { type JSONRPCMessage, ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';

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
    throw new ProtocolError(
      ProtocolErrorCode.InvalidParams,
      'tools/call needs params: {"name": <tool>, "arguments": {...}}',
    );
  }
  const { name, arguments: args } = params as { name?: unknown; arguments?: unknown };
  if (typeof name !== 'string' || name === '') {
    throw new ProtocolError(
      ProtocolErrorCode.InvalidParams,
      'tools/call needs params.name, the tool name as a string',
    );
  }
  if (args !== undefined && (typeof args !== 'object' || args === null || Array.isArray(args))) {
    throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'tools/call params.arguments must be an object');
  }
  // Everything else (`_meta`) is passed on as sent.
  return { ...(params as object), name, arguments: args as Record<string, unknown> | undefined };
}

/**
 * The answer to a `tools/call` request whose params are malformed (no tool name, arguments not an
 * object): -32602 in our words, for its id; `undefined` for every other message.
 */
export function malformedCall(message: unknown): JSONRPCMessage | undefined {
  const { method, params, id } = (message ?? {}) as { method?: unknown; params?: unknown; id?: unknown };
  if (method !== 'tools/call' || (typeof id !== 'string' && typeof id !== 'number')) return undefined;
  try {
    readCallParams(params);
    return undefined;
  } catch (error) {
    return {
      jsonrpc: '2.0',
      id,
      error: { code: ProtocolErrorCode.InvalidParams, message: (error as Error).message },
    } as unknown as JSONRPCMessage;
  }
}
