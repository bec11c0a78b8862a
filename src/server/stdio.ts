/**
 * MCP over stdio, with the protocol's error answers. The SDK's transport ends the server, with exit code 0
 * and nothing on stderr, at the first line over 10 MiB, and answers nothing to a line that is not JSON or
 * not JSON-RPC. This one refuses an oversized line (its bytes are dropped as they arrive, so memory stays
 * bounded) with an error for the request's id when the frame shows it, answers -32700 to what is not
 * JSON and -32600 to what is not a JSON-RPC message, and keeps serving.
 */
import { type JSONRPCMessage, ProtocolErrorCode, type Transport } from '@modelcontextprotocol/server';
import { checkMessage, errorMessage as errorReply, type RequestId } from './jsonrpc.js';

/** Largest stdio message (one line), as the HTTP transport's default body limit. */
export const MAX_STDIO_MESSAGE_BYTES = 1024 * 1024;

/** How much of each end of an oversized line is kept to find its id. */
const ID_WINDOW = 512;

/** Options of {@link createStdioTransport}. */
export interface StdioTransportOptions {
  /** Where messages come from (default `process.stdin`). */
  stdin?: NodeJS.ReadableStream;
  /** Where answers go (default `process.stdout`). */
  stdout?: NodeJS.WritableStream;
  /** Largest message in bytes (default {@link MAX_STDIO_MESSAGE_BYTES}). */
  maxMessageBytes?: number;
  /** Diagnostics (stderr). */
  log?: (line: string) => void;
}

/**
 * The id of a request whose line was too large to parse, read from its first or last bytes: clients put
 * `"id"` right after `"jsonrpc"` or as the last member. `null` when neither end shows it.
 */
export function idOfFrame(head: string, tail: string): RequestId {
  const atStart = /^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*(-?\d{1,16}|"[^"\\]{0,128}")/.exec(
    head,
  );
  const atEnd = /[,{]\s*"id"\s*:\s*(-?\d{1,16}|"[^"\\]{0,128}")\s*\}\s*$/.exec(tail);
  const found = atStart?.[1] ?? atEnd?.[1];
  if (found === undefined) return null;
  return found.startsWith('"') ? found.slice(1, -1) : Number(found);
}

/** A stdio transport for `server.connect()`. */
export function createStdioTransport(options: StdioTransportOptions = {}): Transport {
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const max = options.maxMessageBytes ?? MAX_STDIO_MESSAGE_BYTES;
  const log = options.log ?? (() => {});
  let pending: Buffer[] = [];
  let pendingSize = 0;
  /** While dropping an oversized line: its size so far, its first and its latest bytes. */
  let dropping: { size: number; head: string; tail: Buffer } | undefined;
  let started = false;

  const transport: Transport = {
    async start() {
      if (started) throw new Error('The stdio transport is already started.');
      started = true;
      stdin.on('data', onData);
      stdin.on('error', onError);
    },
    send(message) {
      return new Promise<void>((resolve) => {
        if (stdout.write(`${JSON.stringify(message)}\n`)) resolve();
        else stdout.once('drain', () => resolve());
      });
    },
    async close() {
      stdin.off('data', onData);
      stdin.off('error', onError);
      if (stdin.listenerCount('data') === 0) stdin.pause();
      pending = [];
      pendingSize = 0;
      dropping = undefined;
      transport.onclose?.();
    },
  };

  function onError(error: Error): void {
    transport.onerror?.(error);
  }

  function reply(message: JSONRPCMessage): void {
    transport.send(message).catch((error: unknown) => transport.onerror?.(error as Error));
  }

  function onData(chunk: Buffer | string): void {
    let data = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    while (data.length > 0) {
      const newline = data.indexOf(10);
      const part = newline === -1 ? data : data.subarray(0, newline);
      data = newline === -1 ? Buffer.alloc(0) : data.subarray(newline + 1);
      if (!dropping && pendingSize + part.length > max) {
        const first = Buffer.concat([...pending, part.subarray(0, ID_WINDOW)]).subarray(0, ID_WINDOW);
        dropping = { size: pendingSize, head: first.toString('utf8'), tail: Buffer.alloc(0) };
        pending = [];
        pendingSize = 0;
      }
      if (dropping) {
        dropping.size += part.length;
        dropping.tail = Buffer.concat([dropping.tail, part.subarray(-ID_WINDOW)]).subarray(-ID_WINDOW);
        if (newline !== -1) refuseOversized();
        continue;
      }
      pending.push(part);
      pendingSize += part.length;
      if (newline === -1) continue;
      const line = Buffer.concat(pending).toString('utf8');
      pending = [];
      pendingSize = 0;
      handleLine(line.endsWith('\r') ? line.slice(0, -1) : line);
    }
  }

  function refuseOversized(): void {
    const { size, head, tail } = dropping!;
    dropping = undefined;
    const id = idOfFrame(head, tail.toString('utf8'));
    log(`tenant-mcp: refused a stdio message of ${size} bytes (the limit is ${max}); still serving`);
    reply(
      errorReply(
        id,
        ProtocolErrorCode.InvalidRequest,
        `Request too large: ${size} bytes, over the ${max}-byte limit of one message; nothing was done.`,
      ),
    );
  }

  function handleLine(line: string): void {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      reply(errorReply(null, ProtocolErrorCode.ParseError, 'Parse error: the message is not JSON.'));
      return;
    }
    if (Array.isArray(value)) {
      reply(
        errorReply(
          null,
          ProtocolErrorCode.InvalidRequest,
          'Invalid Request: batches are not part of MCP over stdio; send one message per line.',
        ),
      );
      return;
    }
    const checked = checkMessage(value);
    if (!checked.ok) {
      reply(errorReply(checked.id, checked.code, checked.reason));
      return;
    }
    transport.onmessage?.(checked.message);
  }

  return transport;
}
