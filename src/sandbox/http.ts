/**
 * HTTP plumbing shared by the sandbox's endpoints: Auth0-shaped errors, JSON answers that always carry
 * a request id, and request bodies read as JSON, form or multipart the way the real API accepts them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';

/** Bodies above this size are refused; the real API's limits are far lower for most operations. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * An error answered in the Management API's shape, `{ statusCode, error, message, errorCode }`, so
 * clients and agents learn to read the same fields they will meet on a real tenant.
 */
export class ApiError extends Error {
  /** HTTP status. */
  readonly status: number;
  /** Auth0's machine-readable code, e.g. `inexistent_user`. */
  readonly errorCode: string;

  constructor(status: number, message: string, errorCode: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.errorCode = errorCode;
  }

  /** The JSON body Auth0 sends for this error. */
  toJSON(): { statusCode: number; error: string; message: string; errorCode: string } {
    return {
      statusCode: this.status,
      error: STATUS_CODES[this.status] ?? 'Error',
      message: this.message,
      errorCode: this.errorCode,
    };
  }
}

/** 400 with Auth0's code for a body that breaks the operation's rules. */
export function badBody(message: string): ApiError {
  return new ApiError(400, `Payload validation error: ${message}`, 'invalid_body');
}

/** 400 with Auth0's code for a query string that breaks the operation's rules. */
export function badQuery(message: string): ApiError {
  return new ApiError(400, `Query validation error: ${message}`, 'invalid_query_string');
}

/**
 * The header every answer carries: a request id, which clients quote in bug reports. Rate-limit
 * headers come from the limiter, when one is on.
 */
export function baseHeaders(requestId: string): Record<string, string> {
  return { 'x-request-id': requestId };
}

/** Sends `body` as JSON, or nothing when `body` is undefined (204, 202 and friends). */
export function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body?: unknown,
): void {
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

/** Reads the whole body, refusing anything larger than {@link MAX_BODY_BYTES}. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413, 'Request payload is too large.', 'payload_too_large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/**
 * Decodes a body by its content type: JSON (malformed → 400), URL-encoded form and multipart fields
 * become plain objects, anything else stays text. An empty body is `undefined`.
 */
export function parseBody(raw: Buffer, contentType: string | undefined): unknown {
  if (raw.length === 0) return undefined;
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const text = raw.toString('utf8');
  if (type === 'application/x-www-form-urlencoded') return formToObject(new URLSearchParams(text));
  if (type === 'multipart/form-data') return parseMultipart(text, contentType ?? '');
  if (type === '' || type === 'application/json' || type.endsWith('+json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ApiError(400, 'Invalid request payload JSON format', 'invalid_body');
    }
  }
  return text;
}

/** Form fields as an object; a repeated name becomes an array. */
export function formToObject(form: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of form) {
    const prev = out[key];
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

/** Enough multipart parsing for the one upload operation: each part's name and text content. */
function parseMultipart(text: string, contentType: string): Record<string, string> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const marker = boundary?.[1] ?? boundary?.[2];
  if (!marker) throw new ApiError(400, 'Multipart body without a boundary.', 'invalid_body');
  const out: Record<string, string> = {};
  for (const part of text.split(`--${marker}`)) {
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const name = /name="([^"]*)"/i.exec(part.slice(0, split))?.[1];
    if (name) out[name] = part.slice(split + 4).replace(/\r\n$/, '');
  }
  return out;
}
