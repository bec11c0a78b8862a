/**
 * Which JSON values are JSON-RPC messages, and how to say so when they are not: both transports answer
 * a value that is JSON but no message with the spec's -32600 (for its id, when it has a usable one)
 * instead of silence or a parse error.
 */
import { type JSONRPCMessage, parseJSONRPCMessage } from '@modelcontextprotocol/server';

/** A JSON-RPC id, or `null` when the message had none that could be read. */
export type RequestId = string | number | null;

/** Either the message, or why the value is none and the id to answer to. */
export type CheckedMessage =
  | { ok: true; message: JSONRPCMessage }
  | { ok: false; id: RequestId; reason: string; code: number };

/** The id of a value that is not a valid message, when it has a usable one. */
export function idOf(value: unknown): RequestId {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const id = (value as { id?: unknown }).id;
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? id : null;
}

/** Checks one parsed value against the JSON-RPC message shapes MCP uses. */
export function checkMessage(value: unknown): CheckedMessage {
  let message: JSONRPCMessage | undefined;
  try {
    message = parseJSONRPCMessage(value);
  } catch {
    // Not a message (or too deep for the schema to walk, which is no message either).
  }
  if (message) return { ok: true, message };
  return {
    ok: false,
    id: idOf(value),
    reason: 'Invalid Request: not a JSON-RPC 2.0 request, notification or response.',
    code: -32600,
  };
}

/** An error answer, as JSON-RPC spells it. */
export function errorMessage(id: RequestId, code: number, message: string): JSONRPCMessage {
  return { jsonrpc: '2.0', id, error: { code, message } } as unknown as JSONRPCMessage;
}
