/**
 * The sandbox: a local Auth0 look-alike on loopback that agents, tests and Auth0's own clients can
 * break freely. It speaks the Management API over HTTP or HTTPS (client-credentials tokens, scopes,
 * Auth0-shaped errors, a request id on every answer, rate limits), checks every request against the
 * API's schemas, keeps users, roles, logs, tickets, clients, connections and sessions with hand-written
 * rules, serves every other collection and setting through the resource engine, and refuses (501) the
 * few operations whose effect it cannot model.
 *
 * It is "another tenant": nothing here knows about the MCP server or the policy layer.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { AUTH0_MODEL } from './auth0-model.generated.js';
import { checkRequest } from './engine/request.js';
import type { HandlerContext } from './handlers/context.js';
import { STATEFUL_HANDLERS } from './handlers/index.js';
import { exportFile, settleJobs } from './handlers/jobs.js';
import { ApiError, baseHeaders, parseBody, readBody, send } from './http.js';
import { verifyJwt } from './jwt.js';
import type { ModelOperation } from './model.js';
import { createRateLimiter, type RateLimit, REALISTIC_RATE_LIMIT } from './rate-limit.js';
import { createRouter } from './router.js';
import { seedBase, seedTenant } from './seed.js';
import { prepareStartingKeys } from './signing-keys.js';
import { stateFromJSON, stateToJSON, TenantState, type TicketRecord } from './state.js';
import { AUTH0_SCHEMAS, createTenantEngine, requestError } from './tenant-engine.js';
import { createLoopbackTls, type LoopbackTls } from './tls.js';
import { handleTokenRequest, type TokenClient } from './token-endpoint.js';

export type { RateLimit } from './rate-limit.js';
export { REALISTIC_RATE_LIMIT } from './rate-limit.js';
export { SEED } from './seed.js';
export type { TicketRecord } from './state.js';
export { TenantState } from './state.js';
export type { LoopbackTls } from './tls.js';

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
  /**
   * `demo` (or true, the default) loads the Northwind Robotics tenant; `none` (or false) starts with only
   * what every new tenant has (the global client, signing keys, default settings).
   */
  seed?: boolean | 'demo' | 'none';
  /**
   * Management API rate limit: a bucket of `limit` requests refilled at `perSecond`. Off by default
   * for embedded use (tests and the MCP server's own sandbox hammer it); `tenant-mcp sandbox` turns on
   * {@link REALISTIC_RATE_LIMIT}.
   */
  rateLimit?: RateLimit | false;
  /** Serve HTTPS with a certificate from a CA generated at start (`Sandbox.tls` has the CA's PEM). */
  tls?: boolean;
  /** Loads the tenant from this JSON file when it exists, and saves it there after every change. */
  stateFile?: string;
  /** How long each job stage (pending, processing) lasts, in milliseconds (default 200). */
  jobStepMs?: number;
  /** Clock in epoch milliseconds (default `Date.now`); tests move it to expire tokens. */
  now?: () => number;
}

/** A running sandbox. */
export interface Sandbox {
  /** Origin to use as the tenant domain, e.g. `http://127.0.0.1:4010` (`https://` with `tls`). */
  url: string;
  /** With `tls`: the generated CA (PEM) clients must trust, e.g. through `NODE_EXTRA_CA_CERTS`. */
  tls?: LoopbackTls;
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
  /** Writes the tenant to `stateFile` now (it is also written after every change). */
  save(): void;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

const API_PREFIX = '/api/v2';
/** Body fields a `sapi` log event never shows. */
const CREDENTIAL_KEY = /password|secret|token|key/i;
const ROUTER = createRouter(AUTH0_MODEL.operations);
/** Operations whose handlers read bodies the document describes loosely (multipart, arrays). */
const UNCHECKED_BODIES = new Set(['post_users-imports']);

/** Starts a sandbox and resolves once it listens; rejects with a message naming the port if it cannot. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? '127.0.0.1';
  const clientId = options.clientId ?? DEFAULT_SANDBOX_CLIENT_ID;
  const clientSecret = options.clientSecret ?? DEFAULT_SANDBOX_CLIENT_SECRET;
  const now = options.now ?? Date.now;
  const key = randomBytes(32);
  const demo = options.seed !== false && options.seed !== 'none';
  const limiter = options.rateLimit ? createRateLimiter(options.rateLimit) : undefined;
  const jobStepMs = options.jobStepMs ?? 200;
  await prepareStartingKeys();
  let origin = '';
  let state = new TenantState();
  const engine = createTenantEngine(() => state);

  const fresh = (): TenantState => {
    const next = new TenantState();
    const ctx = { nowMs: now(), origin, clientId, clientSecret };
    seedBase(next, ctx, { connections: !demo });
    if (demo) seedTenant(next, ctx);
    return next;
  };
  const save = () => {
    if (!options.stateFile) return;
    const tmp = `${options.stateFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(stateToJSON(state)), { mode: 0o600 });
    renameSync(tmp, options.stateFile);
  };
  const load = (): TenantState | undefined => {
    if (!options.stateFile) return undefined;
    let text: string;
    try {
      text = readFileSync(options.stateFile, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      return stateFromJSON(JSON.parse(text));
    } catch (error) {
      throw new Error(
        `The sandbox state file ${options.stateFile} cannot be read: ${(error as Error).message}.`,
      );
    }
  };

  const tls = options.tls ? await createLoopbackTls(host) : undefined;
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const requestId = randomBytes(12).toString('hex');
    handle(req, res, requestId).catch((error: unknown) => {
      const known = error instanceof ApiError;
      if (!known) process.stderr.write(`tenant-mcp sandbox: request ${requestId} failed: ${String(error)}\n`);
      const apiError = known
        ? error
        : new ApiError(500, 'The sandbox failed to handle the request.', 'internal_error');
      const headers = { ...baseHeaders(requestId), ...(limiter?.headers(now()) ?? {}) };
      if (!res.headersSent) send(res, apiError.status, headers, apiError.toJSON());
      else res.destroy();
    });
  };
  const server: Server = tls
    ? createTlsServer({ key: tls.key, cert: tls.cert }, onRequest)
    : createServer(onRequest);
  server.keepAliveTimeout = 5_000;

  async function handle(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const nowMs = now();
    const headers = baseHeaders(requestId);
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
        client: tokenClient,
        key,
        origin,
        nowMs,
      });
      send(res, result.status, { ...headers, 'cache-control': 'no-store' }, result.body);
      return;
    }
    if (method === 'GET' && (path === '/lo/reset' || path === '/lo/verify_email')) {
      ticketPage(res, headers, url.searchParams.get('ticket'), nowMs);
      return;
    }
    if (method === 'GET' && path.startsWith('/jobs-exports/')) {
      const file = exportFile(state, path.slice('/jobs-exports/'.length));
      if (!file) throw new ApiError(404, 'Not Found', 'not_found');
      res.writeHead(200, {
        ...headers,
        'content-type': 'application/gzip',
        'content-length': String(file.length),
      });
      res.end(file);
      return;
    }
    if (!path.startsWith(`${API_PREFIX}/`)) throw new ApiError(404, 'Not Found', 'not_found');

    const match = ROUTER.match(method, path.slice(API_PREFIX.length));
    if (!match) throw new ApiError(404, 'Not Found', 'not_found');
    const token = authenticate(req.headers.authorization, nowMs);
    if (limiter) {
      const verdict = limiter.take(nowMs);
      Object.assign(headers, limiter.headers(nowMs));
      if (verdict.retryAfterSec !== undefined) {
        send(
          res,
          429,
          { ...headers, 'retry-after': String(verdict.retryAfterSec) },
          new ApiError(429, 'Global limit has been reached', 'too_many_requests').toJSON(),
        );
        return;
      }
    }
    checkScopes(match.op, token.scope);
    const body = parseBody(await readBody(req), req.headers['content-type']);
    const handler = STATEFUL_HANDLERS[match.op.id];
    if (REFUSED.has(match.op.id) || (!handler && !engine.handles(match.op))) {
      throw new ApiError(
        501,
        `The sandbox does not model ${match.op.id}: its effect lies outside a tenant's data (see the README's sandbox section).`,
        'not_modelled',
      );
    }
    // The import's multipart body is read by its handler; its other parts are still checked.
    const op = UNCHECKED_BODIES.has(match.op.id) ? { ...match.op, body: undefined } : match.op;
    const checked = checkRequest(
      AUTH0_SCHEMAS,
      op,
      match.params,
      url.searchParams,
      withoutTolerated(match.op.id, body),
      QUERY_ALIASES[match.op.id],
    );
    if ('issue' in checked) throw requestError(checked.issue);
    settleJobs(state, nowMs, jobStepMs, origin);

    const ctx: HandlerContext = {
      op: match.op,
      params: match.params,
      query: url.searchParams,
      decoded: checked.query,
      engine,
      body,
      state,
      nowMs,
      origin,
      clientId: token.azp,
      jobStepMs,
    };
    const result = handler
      ? handler(ctx)
      : engine.handle({ op: match.op, params: match.params, query: checked.query, body, nowMs });
    if (!result) throw new Error(`the engine claimed ${match.op.id} and did not serve it`);
    const status = result.status ?? match.op.status;
    const answer = match.op.contentType && status !== 204 ? result.body : undefined;
    if (method !== 'GET') {
      recordApiCall(match.op, path, token.azp, status, nowMs, body);
      save();
    }
    if (match.op.contentType === 'text/event-stream') {
      sendEvent(res, status, headers, answer);
      return;
    }
    send(res, status, headers, answer);
  }

  /** An application and its grant to the Management API, as the state holds them now. */
  function tokenClient(id: string): TokenClient | undefined {
    const client = state.clients.get(id);
    if (!client) return undefined;
    // The Management API's identifier as the tenant stores it (a saved state keeps the port it began on).
    const api = [...(state.store.collection('/resource-servers')?.values() ?? [])].find(
      (rs) => rs.is_system === true,
    );
    const audience = api?.identifier ?? `${origin}${API_PREFIX}/`;
    const grant = [...(state.store.collection('/client-grants')?.values() ?? [])].find(
      (g) => g.client_id === id && g.audience === audience,
    );
    return {
      secret: typeof client.client_secret === 'string' ? client.client_secret : undefined,
      grantTypes: Array.isArray(client.grant_types) ? client.grant_types.map(String) : [],
      granted: grant && Array.isArray(grant.scope) ? grant.scope.map(String) : undefined,
    };
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
    op: ModelOperation,
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
  origin = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  try {
    state = load() ?? fresh();
  } catch (error) {
    server.close();
    throw error;
  }
  save();

  return {
    url: origin,
    ...(tls ? { tls } : {}),
    audience: `${origin}${API_PREFIX}/`,
    clientId,
    clientSecret,
    get state() {
      return state;
    },
    tickets: () => state.tickets.map((t) => ({ ...t })),
    reset() {
      state = fresh();
      save();
    },
    save,
    close: () =>
      new Promise<void>((resolve, reject) => {
        save();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/**
 * Operations the engine could route but whose effect lies outside a tenant's data (a redelivery, a
 * reset to Auth0's own template text, a live event stream): refused rather than answered and forgotten.
 */
const REFUSED = new Set(['post_redeliver', 'reset_phone_template', 'subscribe_events', 'post_revoke']);

/**
 * Body fields a real tenant accepts though the description's closed schema leaves them out; Auth0's
 * own Deploy CLI sends them back on every import. They are checked by nothing and stored as sent.
 */
const TOLERATED_BODY_FIELDS: Record<string, string[]> = {
  'patch_resource-servers_by_id': ['token_lifetime_for_web'],
  patch_settings: ['session_lifetime_in_minutes', 'idle_session_lifetime_in_minutes'],
};

function withoutTolerated(opId: string, body: unknown): unknown {
  const extra = TOLERATED_BODY_FIELDS[opId];
  if (!extra || body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  return Object.fromEntries(Object.entries(body).filter(([key]) => !extra.includes(key)));
}

/** Query names a handler reads besides those the document declares (the document calls `q` `search`). */
const QUERY_ALIASES: Record<string, string[]> = { get_logs: ['q'] };

function checkScopes(op: ModelOperation, granted: string): void {
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
