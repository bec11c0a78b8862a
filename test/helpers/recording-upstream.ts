/**
 * A local stand-in for a tenant (Auth0 by default, MonoCloud with `tokenEndpoint: false` and `apiKey`): a
 * node:http server on 127.0.0.1 that records every request as it arrived on the wire (raw URL, headers,
 * body) and answers from a per-test script. Used by the executor's tests and by the server's end-to-end
 * tests, so nothing ever talks to the internet.
 *
 * @example
 * const upstream = await startRecordingUpstream();
 * upstream.script({ status: 404, body: { statusCode: 404, error: 'Not Found', message: 'no', errorCode: 'x' } });
 * // ...send a request to upstream.url...
 * expect(upstream.requests[0]?.url).toBe('/api/v2/users/abc');
 * await upstream.close();
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the upstream saw it. */
export interface RecordedRequest {
  /** Method, upper case. */
  method: string;
  /** The raw request target exactly as sent (path and query, still percent-encoded). */
  url: string;
  /** The path part of `url`, still encoded. */
  path: string;
  /** The query parsed (decoded). */
  query: URLSearchParams;
  /** Headers, lower-case names. */
  headers: IncomingHttpHeaders;
  /** The body as UTF-8 text (empty when none). */
  body: string;
  /** The body as bytes. */
  rawBody: Buffer;
  /** The body parsed as JSON; throws when it is not JSON. */
  json(): unknown;
  /** The client's port: equal across requests when a keep-alive connection was reused. */
  remotePort: number | undefined;
}

/** An answer to send. */
export interface ScriptedReply {
  /** Status (default 200). */
  status?: number;
  /** Response headers; `content-type: application/json` is added for an object or array body. */
  headers?: Record<string, string>;
  /** A string or Buffer is sent as is, anything else as JSON; omitted means an empty body. */
  body?: unknown;
  /** Wait this long (real milliseconds) before answering. */
  delayMs?: number;
  /** Send the status, headers and body but never end the response: a body that stops half way. */
  unfinished?: boolean;
}

/** Instead of answering: cut the connection after reading the request (a reset as the client sees it). */
export interface DestroyReply {
  /** Destroy the socket. */
  destroy: true;
}

/** Instead of answering: never answer (until `close()`), to drive the client into its timeout. */
export interface StallReply {
  /** Keep the request open. */
  stall: true;
}

/** What a script step may produce. */
export type Reply = ScriptedReply | DestroyReply | StallReply;

/** A step computed from the request. */
export type ReplyHandler = (request: RecordedRequest) => Reply | Promise<Reply>;

/** One scripted step: a fixed reply or a handler. */
export type ScriptStep = Reply | ReplyHandler;

/** Options of the Auth0-like `POST /oauth/token` responder. */
export interface TokenEndpointOptions {
  /** `expires_in` of issued tokens, in seconds (default 86 400). */
  expiresIn?: number;
  /** When set, other client ids or secrets get Auth0's 401 `access_denied`. */
  clientId?: string;
  /** See `clientId`. */
  clientSecret?: string;
  /** Wait this long (real milliseconds) before answering, to let concurrent callers pile up. */
  delayMs?: number;
}

/** Options of {@link startRecordingUpstream}. */
export interface RecordingUpstreamOptions {
  /** Port to listen on (default 0: any free port); reuse a closed upstream's port to bring it back. */
  port?: number;
  /**
   * Answer `POST /oauth/token` like Auth0's client-credentials grant, issuing `token-1`, `token-2`...
   * (default on; `false` routes token requests through the script like any other).
   */
  tokenEndpoint?: TokenEndpointOptions | false;
  /** Reply used when the script is empty (default 200 with `{}`). */
  fallback?: ScriptStep;
  /**
   * Require this API key, MonoCloud-style: a request without it in `header` (default `x-api-key`) is
   * recorded and answered with a 401 problem+json instead of its script step.
   */
  apiKey?: { key: string; header?: string };
  /** Largest request line and headers accepted (node's default is 16 kB; fuzzing sends longer URLs). */
  maxHeaderSize?: number;
}

/** RFC 7807 fields as MonoCloud sends them; any other member (e.g. `errors`) is sent too. */
export interface ProblemFields {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  instance?: string;
  traceId?: string;
  errors?: Record<string, string[]> | Array<{ code: string; description: string }>;
  [member: string]: unknown;
}

/**
 * A MonoCloud-like error answer: `application/problem+json` with `status` filled in from the reply's.
 * @example upstream.script(problemReply(404, { title: 'Not Found', detail: 'User not found', traceId: 't-1' }));
 */
export function problemReply(
  status: number,
  fields: ProblemFields = {},
  headers: Record<string, string> = {},
): ScriptedReply {
  return {
    status,
    headers: { 'content-type': 'application/problem+json; charset=utf-8', ...headers },
    body: JSON.stringify({ status, ...fields }),
  };
}

/** A running recording upstream. */
export interface RecordingUpstream {
  /** Base URL, `http://127.0.0.1:<port>`, usable as the executor's `domain`. */
  url: string;
  /** The port listened on. */
  port: number;
  /** Every request except those answered by the token responder, in arrival order. */
  requests: RecordedRequest[];
  /** Requests answered by the token responder. */
  tokenRequests: RecordedRequest[];
  /** Tokens issued so far, in order. */
  issuedTokens: string[];
  /** Appends steps to the queue; each request consumes one, then the fallback answers. */
  script(...steps: ScriptStep[]): void;
  /** Queues replies for the token endpoint ahead of its normal issuing (e.g. a 429 or a refusal). */
  scriptToken(...steps: ScriptStep[]): void;
  /** Replaces the reply used when the script is empty. */
  setFallback(step: ScriptStep): void;
  /** Forgets recorded requests and pending steps (issued token numbering goes on). */
  reset(): void;
  /** Stops listening and cuts open connections, stalled ones included. */
  close(): Promise<void>;
}

function record(request: IncomingMessage, rawBody: Buffer): RecordedRequest {
  const url = request.url ?? '/';
  const queryAt = url.indexOf('?');
  const body = rawBody.toString('utf8');
  return {
    method: request.method ?? 'GET',
    url,
    path: queryAt === -1 ? url : url.slice(0, queryAt),
    query: new URLSearchParams(queryAt === -1 ? '' : url.slice(queryAt + 1)),
    headers: request.headers,
    body,
    rawBody,
    json: () => JSON.parse(body) as unknown,
    remotePort: request.socket.remotePort,
  };
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function answer(response: ServerResponse, recorded: RecordedRequest, step: ScriptStep): Promise<void> {
  const reply = typeof step === 'function' ? await step(recorded) : step;
  if ('destroy' in reply) {
    response.socket?.destroy();
    return;
  }
  if ('stall' in reply) return;
  if (reply.delayMs) await sleep(reply.delayMs);
  const headers: Record<string, string> = { ...reply.headers };
  let payload: Buffer | string = '';
  if (typeof reply.body === 'string' || Buffer.isBuffer(reply.body)) {
    payload = reply.body;
  } else if (reply.body !== undefined) {
    payload = JSON.stringify(reply.body);
    if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'application/json; charset=utf-8';
    }
  }
  response.writeHead(reply.status ?? 200, headers);
  if (reply.unfinished) response.write(payload);
  else response.end(payload);
}

/** Starts a recording upstream on loopback; remember to `close()` it. */
export async function startRecordingUpstream(
  options: RecordingUpstreamOptions = {},
): Promise<RecordingUpstream> {
  const queue: ScriptStep[] = [];
  const tokenQueue: ScriptStep[] = [];
  let fallback: ScriptStep = options.fallback ?? { status: 200, body: {} };
  const tokenOptions = options.tokenEndpoint === false ? undefined : (options.tokenEndpoint ?? {});
  const keyHeader = (options.apiKey?.header ?? 'x-api-key').toLowerCase();
  const requests: RecordedRequest[] = [];
  const tokenRequests: RecordedRequest[] = [];
  const issuedTokens: string[] = [];
  let tokenSerial = 0;

  const issueToken: ReplyHandler = (request) => {
    let grant: Record<string, unknown> = {};
    try {
      grant = request.json() as Record<string, unknown>;
    } catch {
      // Auth0 also answers malformed grants with 401 below.
    }
    const wrongClient =
      (tokenOptions?.clientId !== undefined && grant.client_id !== tokenOptions.clientId) ||
      (tokenOptions?.clientSecret !== undefined && grant.client_secret !== tokenOptions.clientSecret);
    if (grant.grant_type !== 'client_credentials' || wrongClient) {
      return { status: 401, body: { error: 'access_denied', error_description: 'Unauthorized' } };
    }
    tokenSerial++;
    const token = `token-${tokenSerial}`;
    issuedTokens.push(token);
    return {
      status: 200,
      delayMs: tokenOptions?.delayMs,
      body: { access_token: token, token_type: 'Bearer', expires_in: tokenOptions?.expiresIn ?? 86_400 },
    };
  };

  const server = createServer({ maxHeaderSize: options.maxHeaderSize ?? 16 * 1024 }, (request, response) => {
    void (async () => {
      const recorded = record(request, await readBody(request));
      if (tokenOptions && recorded.method === 'POST' && recorded.path === '/oauth/token') {
        tokenRequests.push(recorded);
        await answer(response, recorded, tokenQueue.shift() ?? issueToken);
        return;
      }
      requests.push(recorded);
      if (options.apiKey && recorded.headers[keyHeader] !== options.apiKey.key) {
        const refusal = problemReply(401, { title: 'Unauthorized', detail: 'The API key is invalid.' });
        await answer(response, recorded, refusal);
        return;
      }
      await answer(response, recorded, queue.shift() ?? fallback);
    })().catch((error: unknown) => {
      response.socket?.destroy(error instanceof Error ? error : undefined);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    tokenRequests,
    issuedTokens,
    script: (...steps) => {
      queue.push(...steps);
    },
    scriptToken: (...steps) => {
      tokenQueue.push(...steps);
    },
    setFallback: (step) => {
      fallback = step;
    },
    reset: () => {
      requests.length = 0;
      tokenRequests.length = 0;
      queue.length = 0;
      tokenQueue.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
