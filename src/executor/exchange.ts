/**
 * One HTTP attempt: send, wait at most `timeoutMs` for headers and body together, read the body up to a
 * cap, and say how a failure happened, because whether bytes may have left decides whether a retry is
 * safe.
 */
import type { Dispatcher, FormData } from 'undici';

/** A request as it goes on the wire. */
export interface WireRequest {
  /** `scheme://host[:port]`, no path. */
  origin: string;
  /** Raw, already encoded path and query; never parsed, so `%2E%2E` reaches the tenant unchanged. */
  path: string;
  /** HTTP method. */
  method: Dispatcher.HttpMethod;
  /** Complete headers. */
  headers: Record<string, string>;
  /** Body, replayable (a string or FormData). */
  body?: string | FormData;
}

/** An answer of any status, body read into memory. */
export interface RawResponse {
  /** HTTP status. */
  status: number;
  /** Headers, lower-case names, repeated ones joined with `, `. */
  headers: Record<string, string>;
  /** The body; empty when `overCap`. */
  body: Buffer;
  /** True when the body was larger than the cap and was dropped. */
  overCap: boolean;
}

/** How an attempt failed without an answer. */
export type FailureKind = 'timeout' | 'network' | 'aborted';

/** An attempt that got no complete answer. */
export class AttemptFailure extends Error {
  /**
   * @param kind What happened.
   * @param sent Whether request bytes may have left: false only when the connection was never made.
   * @param transient Whether trying again could help.
   * @param errorCode The system or undici code (`ECONNREFUSED`, `UND_ERR_SOCKET`), when known.
   */
  constructor(
    readonly kind: FailureKind,
    readonly sent: boolean,
    readonly transient: boolean,
    readonly errorCode: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(`${kind}${errorCode ? ` (${errorCode})` : ''}`, options);
    this.name = 'AttemptFailure';
  }
}

/**
 * Failures that happen before a connection exists, so no byte of the request can have reached the
 * tenant. These are the only network failures after which a POST or PATCH may be sent again.
 */
const BEFORE_CONNECT = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);
/** Failures before connecting that another try will not fix (unknown host, bad certificate, bad argument). */
const PERMANENT =
  /^(ENOTFOUND|CERT_|ERR_TLS_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_|UND_ERR_INVALID_ARG|ERR_INVALID_)/;
const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

function errorCodes(error: unknown, depth = 0): string[] {
  if (typeof error !== 'object' || error === null || depth > 3) return [];
  const record = error as { code?: unknown; cause?: unknown; errors?: unknown };
  const own = typeof record.code === 'string' ? [record.code] : [];
  const nested = Array.isArray(record.errors) ? record.errors.flatMap((e) => errorCodes(e, depth + 1)) : [];
  return [...own, ...nested, ...errorCodes(record.cause, depth + 1)];
}

/** Sorts an error thrown by undici into an {@link AttemptFailure}. */
export function classifyNetworkError(error: unknown): AttemptFailure {
  const codes = errorCodes(error);
  const code = codes[0];
  if (codes.some((c) => TIMEOUTS.has(c)))
    return new AttemptFailure('timeout', true, true, code, { cause: error });
  // Happy-eyeballs connects report an AggregateError: it is "before connect" only if every try was.
  if (codes.length > 0 && codes.every((c) => BEFORE_CONNECT.has(c))) {
    return new AttemptFailure('network', false, true, code, { cause: error });
  }
  if (code && PERMANENT.test(code))
    return new AttemptFailure('network', false, false, code, { cause: error });
  // Reset, closed socket, broken pipe or unknown: the request may have been written, and the failure may
  // pass, so it is transient but only safe to repeat for idempotent methods.
  return new AttemptFailure('network', true, true, code, { cause: error });
}

/** Drops a body without reading it; the listener keeps the destroy's error from going uncaught. */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => {});
  body.destroy();
}

const TIMED_OUT = Symbol('attempt timed out');

/** Options of {@link exchange}. */
export interface ExchangeOptions {
  /** Time allowed for headers and body together, in milliseconds. */
  timeoutMs: number;
  /** Largest body read; a larger one is dropped and flagged `overCap`. */
  maxBytes: number;
  /** The caller's cancellation. */
  signal?: AbortSignal;
}

/**
 * Sends one request and reads the whole answer.
 * @throws AttemptFailure when no complete answer arrived (timeout, network, caller abort).
 */
export async function exchange(
  dispatcher: Dispatcher,
  wire: WireRequest,
  options: ExchangeOptions,
): Promise<RawResponse> {
  const { signal, timeoutMs, maxBytes } = options;
  if (signal?.aborted) throw new AttemptFailure('aborted', false, false, undefined, { cause: signal.reason });
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(TIMED_OUT), timeoutMs);
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const response = await dispatcher.request({
      origin: wire.origin,
      path: wire.path,
      method: wire.method,
      headers: wire.headers,
      body: wire.body ?? null,
      signal: controller.signal,
      // Backstops only: the timer above bounds headers and body together.
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
    const declared = Number(headers['content-length']);
    // A HEAD answer announces the length of a body it does not send.
    if (wire.method !== 'HEAD' && Number.isFinite(declared) && declared > maxBytes) {
      discard(response.body);
      return { status: response.statusCode, headers, body: Buffer.alloc(0), overCap: true };
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) {
        discard(response.body);
        return { status: response.statusCode, headers, body: Buffer.alloc(0), overCap: true };
      }
      chunks.push(chunk as Buffer);
    }
    return { status: response.statusCode, headers, body: Buffer.concat(chunks), overCap: false };
  } catch (error) {
    if (signal?.aborted) throw new AttemptFailure('aborted', true, false, undefined, { cause: error });
    if (controller.signal.reason === TIMED_OUT) throw new AttemptFailure('timeout', true, true, undefined);
    throw classifyNetworkError(error);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}
