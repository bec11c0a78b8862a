/**
 * The sandbox: a local Auth0 look-alike on loopback that agents and tests can break freely. It speaks
 * the Management API over real HTTP (client-credentials tokens, scopes, Auth0-shaped errors, a request
 * id on every answer), keeps users, roles, logs, tickets, clients, connections and sessions in memory,
 * and answers every other operation with a minimal body its schema accepts.
 *
 * It is "another tenant": nothing here knows about the MCP server or the policy layer.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AUTH0_SAMPLES, AUTH0_SCOPES } from './auth0-samples.generated.js';
import type { HandlerContext } from './handlers/context.js';
import { STATEFUL_HANDLERS } from './handlers/index.js';
import { ApiError, baseHeaders, parseBody, readBody, send } from './http.js';
import { verifyJwt } from './jwt.js';
import { createRouter } from './router.js';
import type { SampleOperation } from './sample-operation.js';
import { seedTenant } from './seed.js';
import { TenantState, type TicketRecord } from './state.js';
import { handleTokenRequest } from './token-endpoint.js';

export { SEED } from './seed.js';
export type { TicketRecord } from './state.js';
export { TenantState } from './state.js';

/**
 * Well-known client id of the sandbox's machine-to-machine application. Public on purpose: the sandbox
 * holds only invented data and listens on loopback.
 */
export const DEFAULT_SANDBOX_CLIENT_ID = 'tenantMcpSandboxClient0000000001';
/** Well-known secret of that application; never a real credential. */
export const DEFAULT_SANDBOX_CLIENT_SECRET = 'tenant-mcp-sandbox-secret-not-for-production';

/** How to start a sandbox. Every field is optional. */
export interface SandboxOptions {
  /** TCP port; 0 (the default) lets the system pick a free one. */
  port?: number;
  /** Interface to bind; default `127.0.0.1` so the sandbox is never reachable from the network. */
  host?: string;
  /** Client id accepted at `/oauth/token` (default {@link DEFAULT_SANDBOX_CLIENT_ID}). */
  clientId?: string;
  /** Client secret accepted at `/oauth/token` (default {@link DEFAULT_SANDBOX_CLIENT_SECRET}). */
  clientSecret?: string;
  /** Whether to load the Northwind Robotics tenant (default true); false starts empty. */
  seed?: boolean;
  /** Clock in epoch milliseconds (default `Date.now`); tests move it to expire tokens. */
  now?: () => number;
}

/** A running sandbox. */
export interface Sandbox {
  /** Origin to use as the tenant domain, e.g. `http://127.0.0.1:4010`. */
  url: string;
  /** Management API audience for token requests: `{url}/api/v2/`. */
  audience: string;
  /** Client id accepted at `/oauth/token`. */
  clientId: string;
  /** Client secret accepted at `/oauth/token`. */
  clientSecret: string;
  /** The tenant's data, for tests that inspect what a call changed. Replaced by `reset()`. */
  readonly state: TenantState;
  /** Tickets issued so far (seeded ones included), oldest first. */
  tickets(): readonly TicketRecord[];
  /** Throws the data away and loads the starting tenant again; issued tokens stay valid. */
  reset(): void;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

const API_PREFIX = '/api/v2';
/** Body fields a `sapi` log event never shows. */
const CREDENTIAL_KEY = /password|secret|token|key/i;
const ROUTER = createRouter(AUTH0_SAMPLES);

/** Starts a sandbox and resolves once it listens; rejects with a message naming the port if it cannot. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? '127.0.0.1';
  const clientId = options.clientId ?? DEFAULT_SANDBOX_CLIENT_ID;
  const clientSecret = options.clientSecret ?? DEFAULT_SANDBOX_CLIENT_SECRET;
  const now = options.now ?? Date.now;
  const key = randomBytes(32);
  let origin = '';
  let state = new TenantState();

  const fresh = (): TenantState => {
    const next = new TenantState();
    if (options.seed !== false) seedTenant(next, { nowMs: now(), origin, clientId, clientSecret });
    return next;
  };

  const server = createServer((req, res) => {
    const requestId = randomBytes(12).toString('hex');
    handle(req, res, requestId).catch((error: unknown) => {
      const known = error instanceof ApiError;
      if (!known) process.stderr.write(`tenant-mcp sandbox: request ${requestId} failed: ${String(error)}\n`);
      const apiError = known
        ? error
        : new ApiError(500, 'The sandbox failed to handle the request.', 'internal_error');
      if (!res.headersSent) send(res, apiError.status, baseHeaders(requestId, now()), apiError.toJSON());
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;

  async function handle(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const nowMs = now();
    const headers = baseHeaders(requestId, nowMs);
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;

    if (path === '/oauth/token' || path === '/oauth/token/') {
      if (method !== 'POST') throw new ApiError(404, 'Not Found', 'not_found');
      let body: unknown;
      try {
        body = parseBody(await readBody(req), req.headers['content-type']);
      } catch {
        // The token endpoint speaks OAuth, so even a broken body gets OAuth's error shape.
        send(res, 400, headers, {
          error: 'invalid_request',
          error_description: 'The body is not valid JSON.',
        });
        return;
      }
      const result = handleTokenRequest(body ?? {}, req.headers.authorization, {
        clientId,
        clientSecret,
        key,
        origin,
        granted: AUTH0_SCOPES,
        nowMs,
      });
      send(res, result.status, { ...headers, 'cache-control': 'no-store' }, result.body);
      return;
    }
    if (method === 'GET' && (path === '/lo/reset' || path === '/lo/verify_email')) {
      ticketPage(res, headers, url.searchParams.get('ticket'), nowMs);
      return;
    }
    if (!path.startsWith(`${API_PREFIX}/`)) throw new ApiError(404, 'Not Found', 'not_found');

    const match = ROUTER.match(method, path.slice(API_PREFIX.length));
    if (!match) throw new ApiError(404, 'Not Found', 'not_found');
    const token = authenticate(req.headers.authorization, nowMs);
    checkScopes(match.op, token.scope);
    const body = parseBody(await readBody(req), req.headers['content-type']);

    const handler = STATEFUL_HANDLERS[match.op.id];
    let status = match.op.status;
    let answer: unknown = match.op.body;
    if (handler) {
      const ctx: HandlerContext = {
        op: match.op,
        params: match.params,
        query: url.searchParams,
        body,
        state,
        nowMs,
        origin,
        clientId: token.azp,
      };
      const result = handler(ctx);
      status = result.status ?? match.op.status;
      answer = match.op.contentType ? result.body : undefined;
    }
    if (method !== 'GET') recordApiCall(match.op, path, token.azp, status, nowMs, body);
    if (match.op.contentType === 'text/event-stream') {
      sendEvent(res, status, headers, answer);
      return;
    }
    send(res, status, headers, answer);
  }

  function authenticate(header: string | undefined, nowMs: number): { scope: string; azp: string } {
    if (!header) throw new ApiError(401, 'Missing authentication', 'missing_authentication');
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new ApiError(401, 'Bad HTTP authentication header format', 'invalid_token');
    const result = verifyJwt(m[1]!, key, Math.floor(nowMs / 1000), `${origin}${API_PREFIX}/`);
    if ('problem' in result) {
      const messages = {
        malformed: 'Invalid token: it is not a well-formed JWT.',
        signature: 'Invalid token: the signature does not match this tenant.',
        expired: 'Expired token: request a new one from /oauth/token.',
        audience: 'Invalid token: it was issued for another audience.',
      } as const;
      throw new ApiError(401, messages[result.problem], 'invalid_token');
    }
    return { scope: result.claims.scope ?? '', azp: result.claims.azp ?? '' };
  }

  /**
   * Auth0 writes a `sapi` event for each successful write through the Management API, with the request
   * body (credentials starred out): that is how a reset link issued for a user shows up in the logs.
   */
  function recordApiCall(
    op: SampleOperation,
    path: string,
    caller: string,
    status: number,
    nowMs: number,
    body: unknown,
  ): void {
    const logged =
      body !== null && typeof body === 'object' && !Array.isArray(body)
        ? Object.fromEntries(
            Object.entries(body).map(([key, value]) => [key, CREDENTIAL_KEY.test(key) ? '*****' : value]),
          )
        : undefined;
    state.addLog({
      date: new Date(nowMs).toISOString(),
      type: 'sapi',
      description: `Management API operation: ${op.id}`,
      ip: '127.0.0.1',
      client_id: caller,
      client_name: String(state.clients.get(caller)?.name ?? ''),
      details: {
        request: { method: op.method, path, ...(logged ? { body: logged } : {}) },
        response: { statusCode: status },
      },
    });
  }

  function ticketPage(
    res: ServerResponse,
    headers: Record<string, string>,
    id: string | null,
    nowMs: number,
  ): void {
    const ticket = state.tickets.find((t) => t.id === id);
    const valid = ticket && Date.parse(ticket.expires_at) > nowMs;
    const text = valid
      ? `Sandbox ${ticket.kind} ticket for ${ticket.user_id}, valid until ${ticket.expires_at}. Nothing happens here: this tenant is a sandbox.\n`
      : 'This ticket does not exist or has expired.\n';
    res.writeHead(valid ? 200 : 404, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
    res.end(text);
  }

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const port = options.port ?? 0;
      const reason =
        error.code === 'EADDRINUSE'
          ? `port ${port} is already in use`
          : error.code === 'EACCES'
            ? `permission denied for port ${port}`
            : error.message;
      reject(new Error(`The sandbox could not listen on ${host}:${port}: ${reason}.`, { cause: error }));
    };
    server.once('error', onError);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  origin = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  state = fresh();

  return {
    url: origin,
    audience: `${origin}${API_PREFIX}/`,
    clientId,
    clientSecret,
    get state() {
      return state;
    },
    tickets: () => state.tickets.map((t) => ({ ...t })),
    reset() {
      state = fresh();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function checkScopes(op: SampleOperation, granted: string): void {
  if (op.scopes.length === 0) return;
  const have = new Set(granted.split(' '));
  if (op.scopes.some((s) => have.has(s))) return;
  throw new ApiError(
    403,
    `Insufficient scope, expected any of: ${op.scopes.join(', ')}`,
    'insufficient_scope',
  );
}

function sendEvent(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  payload: unknown,
): void {
  const type = (payload as { type?: unknown } | undefined)?.type;
  res.writeHead(status, { ...headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.end(`${typeof type === 'string' ? `event: ${type}\n` : ''}data: ${JSON.stringify(payload)}\n\n`);
}
