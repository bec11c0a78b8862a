/**
 * Streamable HTTP at `/mcp` on node:http. It only attaches MCP servers made by the caller's factory (one
 * per session, or one per request when stateless) to the SDK's transport, after the checks HTTP needs:
 * `Host`/`Origin`, authentication, a rate limit per principal, a bounded JSON body. A session belongs to
 * the principal that opened it; anyone else gets 404 for it. Extra routes (the approvals page) run first.
 */
import { randomUUID } from 'node:crypto';
import { createServer as createHttp, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, BlockList } from 'node:net';
import { NodeStreamableHTTPServerTransport, toNodeHandler, toWebRequest } from '@modelcontextprotocol/node';
import {
  type AuthInfo,
  createMcpHandler,
  isLegacyRequest,
  type McpRequestContext,
  type Server,
} from '@modelcontextprotocol/server';
import { SharedStateUnavailable } from '../../shared/redis.js';
import { checkMessage, type RequestId } from '../jsonrpc.js';
import {
  APPROVER_SCOPE,
  type AuthFailure,
  type AuthSettings,
  createAuthenticator,
  ELICITATION_SCOPE,
  isPrincipal,
  type Principal,
  SCOPE_PROFILES,
} from './auth.js';
import { buildAllowlists, checkHostAndOrigin, clientAddress, messageCount, readBody } from './guards.js';
import { type LimiterFactory, localLimiters } from './limits.js';

export { APPROVER_SCOPE, type AuthSettings, type Principal, SCOPE_PROFILES } from './auth.js';
export { isLoopback } from './guards.js';

/** What an extra route is told about the request. */
export interface RouteContext {
  /** The caller, when an `Authorization` header authenticated it; routes do their own access checks. */
  principal: Principal | undefined;
  /** The public base URL, without a trailing slash (e.g. `http://127.0.0.1:8080`). */
  baseUrl: string;
  /** The public MCP endpoint URL (`{baseUrl}/mcp`, the OAuth audience). */
  resourceUrl: string;
  /** The request URL, parsed against the public base. */
  url: URL;
  /** The client's address (behind a trusted proxy, from `X-Forwarded-For`): lockouts key on it. */
  address: string;
}

/**
 * An extra route, tried in order before `/mcp` once `Host` and `Origin` passed: it answers and resolves
 * `true`, or leaves the response alone and resolves `false`.
 */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, ctx: RouteContext) => Promise<boolean>;

/** Options of {@link startHttpServer}. */
export interface HttpServerOptions {
  /** Address to bind (default `127.0.0.1`). */
  host?: string;
  /** Port (default 8080; 0 picks a free one). */
  port?: number;
  /** How clients authenticate. */
  auth: AuthSettings;
  /** Profile of token and unauthenticated principals (OAuth principals get theirs from scopes). */
  defaultProfile: string;
  /**
   * Makes the MCP server one request (2026-07-28, and 2025-era traffic with `stateless`) or one 2025-era
   * session is served by, for `principal`.
   */
  createMcpServer(principal: Principal, era: 'legacy' | 'modern'): Server;
  /** 2025-era clients too are served one request at a time, with no session ids (2026-07-28 always is). */
  stateless?: boolean;
  /** This server's public MCP URL (default `http://{host}:{port}/mcp`); the JWT audience. */
  publicUrl?: string;
  /** Browser origins allowed besides this server's own. */
  allowedOrigins?: readonly string[];
  /** Largest request body in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Requests a second per principal and the burst saved up (default 20 and 40; rate 0 disables). */
  rateLimit?: { perSecond: number; burst: number };
  /** Sessions idle this long are closed (default 30 minutes). */
  sessionIdleMs?: number;
  /** Most open sessions (default 1000); more initialize requests get 503. */
  maxSessions?: number;
  /** Most open sessions of one principal (default 100), so one client cannot take them all. */
  maxSessionsPerPrincipal?: number;
  /** How long `close()` waits for calls in flight (default 10 s). */
  shutdownGraceMs?: number;
  /** Extra routes, tried before `/mcp`. */
  routes?: readonly RouteHandler[];
  /** Where rate limits and lockouts are kept (default: this process; with Redis, shared by replicas). */
  limiters?: LimiterFactory;
  /** Peers whose `X-Forwarded-For` is believed (`TENANT_MCP_TRUSTED_PROXIES`). */
  trustedProxies?: BlockList;
  /** Which shared state is down, for `/healthz` (empty when all is well, or when nothing is shared). */
  sharedStateDown?: () => readonly string[];
  /** This replica's id, shown by `/healthz`. */
  replica?: string;
  /** Diagnostics (stderr). */
  log?: (line: string) => void;
}

/** A running HTTP server. */
export interface HttpServer {
  /** The MCP endpoint as bound, e.g. `http://127.0.0.1:8080/mcp`. */
  url: string;
  /** The public MCP URL (the OAuth audience). */
  publicUrl: string;
  /** Open sessions. */
  sessionCount(): number;
  /** Refuses new requests (503), lets calls in flight finish, closes sessions, stops listening. */
  close(): Promise<void>;
}

interface Session {
  transport: NodeStreamableHTTPServerTransport;
  server: Server;
  principal: Principal;
  lastSeen: number;
}

const MCP_PATH = '/mcp';
const HEALTH_PATH = '/healthz';
const METADATA_PATH = '/.well-known/oauth-protected-resource';

/** Starts Streamable HTTP; resolves once listening. */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => {});
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  const limiters = options.limiters ?? localLimiters;
  const limiter = limiters('principal', options.rateLimit?.perSecond ?? 20, options.rateLimit?.burst ?? 40);
  // Failed authentications per client address: 10 in a burst, then one a second, so guessing tokens (or
  // making us verify junk JWTs) is slow; only failures count, so a busy legitimate client is never slowed.
  const failures = limiters('auth-failures', 1, 10);
  const idleMs = options.sessionIdleMs ?? 30 * 60_000;
  const maxSessions = options.maxSessions ?? 1000;
  const maxPerPrincipal = options.maxSessionsPerPrincipal ?? 100;
  const sessions = new Map<string, Session>();
  let closing = false;
  let inFlight = 0;
  let drained: (() => void) | undefined;

  const http = createHttp((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`tenant-mcp: http error on ${req.method} ${req.url}: ${(error as Error)?.stack ?? String(error)}`);
      if (!res.headersSent) rpcError(res, 500, -32603, 'Internal error');
      else res.destroy();
    });
  });
  http.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 8080, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const { port } = http.address() as AddressInfo;
  const bindHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${bindHost}:${port}${MCP_PATH}`;
  const publicUrl = options.publicUrl ?? url;
  const baseUrl = new URL(publicUrl).origin + new URL(publicUrl).pathname.replace(/\/?mcp\/?$/, '');
  const allow = buildAllowlists(host, port, publicUrl, options.allowedOrigins ?? []);
  const auth = createAuthenticator(options.auth, publicUrl, options.defaultProfile);
  const metadataUrl = `${new URL(publicUrl).origin}${METADATA_PATH}${new URL(publicUrl).pathname}`;

  // 2026-07-28 traffic is stateless: a fresh server per request from the principal the guards let in,
  // handed over as the SDK's pass-through auth info. With --stateless, 2025-era traffic is served the
  // same way; otherwise it keeps its sessions below.
  const principals = new WeakMap<AuthInfo, Principal>();
  const factory = ({ authInfo, era }: McpRequestContext) => {
    const principal = authInfo && principals.get(authInfo);
    if (!principal) throw new Error('an MCP request reached the handler without an authenticated principal');
    return options.createMcpServer(principal, era);
  };
  const handler = createMcpHandler(factory, { legacy: options.stateless ? 'stateless' : 'reject' });
  const perRequest = toNodeHandler(handler);

  const sweeper = setInterval(
    () => {
      const cutoff = Date.now() - idleMs;
      for (const [id, session] of sessions) if (session.lastSeen < cutoff) void closeSession(id, session);
    },
    Math.min(idleMs, 60_000),
  );
  sweeper.unref();

  async function closeSession(id: string, session: Session): Promise<void> {
    sessions.delete(id);
    await session.transport.close().catch(() => {});
    await session.server.close().catch(() => {});
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.url === HEALTH_PATH) return health(req, res);
    try {
      await guarded(req, res);
    } catch (error) {
      if (!(error instanceof SharedStateUnavailable)) throw error;
      if (res.headersSent) return void res.destroy();
      res.setHeader('retry-after', '5');
      return rpcError(res, 503, -32000, `${error.message} Retry when Redis is back.`);
    }
  }

  /** For the balancer: no authentication, no secrets; 503 only while draining, so calls move elsewhere. */
  function health(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      rpcError(res, 405, -32000, 'Use GET.');
      return;
    }
    const down = options.sharedStateDown?.() ?? [];
    const status = closing ? 'draining' : down.length ? 'degraded' : 'ok';
    res.setHeader('cache-control', 'no-store');
    if (closing) res.setHeader('connection', 'close');
    sendJson(res, closing ? 503 : 200, {
      status,
      ...(down.length ? { down } : {}),
      ...(options.replica ? { replica: options.replica } : {}),
    });
  }

  async function guarded(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (closing) {
      res.setHeader('connection', 'close');
      return rpcError(res, 503, -32000, 'The server is shutting down.');
    }
    const refused = checkHostAndOrigin(req, allow);
    if (refused) return rpcError(res, 403, -32000, refused);
    const requestUrl = new URL(req.url ?? '/', `${baseUrl}/`);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const address = clientAddress(req, options.trustedProxies);

    // One verification per request, shared by the routes and /mcp.
    let checked: Promise<Principal | AuthFailure> | undefined;
    const authenticate = () => {
      checked ??= auth.authenticate(req.headers.authorization);
      return checked;
    };
    if (options.routes?.length) {
      const found = req.headers.authorization ? await authenticate() : undefined;
      const ctx: RouteContext = {
        principal: found && isPrincipal(found) ? found : undefined,
        baseUrl,
        resourceUrl: publicUrl,
        url: requestUrl,
        address,
      };
      for (const route of options.routes) if (await route(req, res, ctx)) return;
    }
    if (path === METADATA_PATH || path === `${METADATA_PATH}${MCP_PATH}`) return metadata(req, res);
    if (path !== MCP_PATH)
      return rpcError(res, 404, -32000, `Nothing at ${path}; the MCP endpoint is ${MCP_PATH}.`);

    const locked = await failures.wait(address);
    if (locked > 0) {
      res.setHeader('retry-after', String(locked));
      return rpcError(
        res,
        429,
        -32000,
        `Too many failed authentications from this address; retry after ${locked} s.`,
      );
    }
    const result = await authenticate();
    if (!isPrincipal(result)) {
      if (result.status === 503) {
        res.setHeader('retry-after', '5');
        return rpcError(res, 503, -32000, result.description);
      }
      await failures.take(address);
      return unauthorized(res, result);
    }
    const principal = result;
    const wait = await limiter.take(principal.id);
    if (wait > 0) {
      res.setHeader('retry-after', String(wait));
      return rpcError(res, 429, -32000, `Too many requests; retry after ${wait} s.`);
    }
    if (req.method === 'POST') {
      inFlight++;
      res.once('close', () => {
        inFlight--;
        if (inFlight === 0) drained?.();
      });
      return post(req, res, principal);
    }
    if (req.method === 'GET' || req.method === 'DELETE') {
      if (options.stateless) {
        res.setHeader('allow', 'POST');
        return rpcError(res, 405, -32000, 'This server is stateless: only POST is served.');
      }
      const session = sessionFor(req, res, principal);
      if (session) await session.transport.handleRequest(req, res);
      return;
    }
    res.setHeader('allow', options.stateless ? 'POST' : 'GET, POST, DELETE');
    return rpcError(res, 405, -32000, `Method ${req.method} is not allowed.`);
  }

  async function post(req: IncomingMessage, res: ServerResponse, principal: Principal): Promise<void> {
    if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
      return rpcError(res, 415, -32000, 'Content-Type must be application/json.');
    }
    const read = await readBody(req, maxBody);
    if (!read.ok) {
      if (read.reason === 'aborted') return void res.destroy();
      res.setHeader('connection', 'close');
      return rpcError(res, 413, -32000, `The request body is larger than ${maxBody} bytes.`);
    }
    let body: unknown;
    try {
      body = JSON.parse(read.body.toString('utf8'));
    } catch {
      return rpcError(res, 400, -32700, 'Parse error: the body is not JSON.');
    }
    const invalid = invalidMessage(body);
    if (invalid) return rpcError(res, 400, invalid.code, invalid.reason, invalid.id);
    // The request itself paid for one message; a batch pays for the rest.
    const batchWait = await limiter.take(principal.id, Math.max(0, messageCount(body) - 1));
    if (batchWait > 0) return tooMany(res, batchWait, messageCount(body));
    if (options.stateless || !(await isLegacyRequest(await toWebRequest(req, body)))) {
      const authInfo: AuthInfo = { token: '', clientId: principal.id, scopes: [...principal.scopes] };
      principals.set(authInfo, principal);
      return perRequest(Object.assign(req, { auth: authInfo }), res, body);
    }
    if (req.headers['mcp-session-id'] !== undefined) {
      const session = sessionFor(req, res, principal);
      if (session) await session.transport.handleRequest(req, res, body);
      return;
    }
    if (!isInitialize(body)) {
      return rpcError(res, 400, -32000, 'Bad Request: no Mcp-Session-Id header; send initialize first.');
    }
    if (sessions.size >= maxSessions)
      return rpcError(res, 503, -32000, 'Too many open sessions; retry later.');
    if (sessionsOf(principal) >= maxPerPrincipal) {
      return rpcError(
        res,
        429,
        -32000,
        `This client already has ${maxPerPrincipal} open sessions; close one (DELETE /mcp) or reuse it.`,
      );
    }
    const server = options.createMcpServer(principal, 'legacy');
    const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, server, principal, lastSeen: Date.now() });
      },
    });
    transport.onclose = () => {
      const id = transport.sessionId;
      if (id && sessions.get(id)?.transport === transport) {
        sessions.delete(id);
        void server.close().catch(() => {});
      }
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  function sessionsOf(principal: Principal): number {
    let count = 0;
    for (const session of sessions.values()) if (session.principal.id === principal.id) count++;
    return count;
  }

  /** The caller's session, or a 404 already sent (unknown id, or a session another principal opened). */
  function sessionFor(req: IncomingMessage, res: ServerResponse, principal: Principal): Session | undefined {
    const id = req.headers['mcp-session-id'];
    if (typeof id !== 'string' || !id) {
      rpcError(res, 400, -32000, 'Bad Request: the Mcp-Session-Id header is required.');
      return undefined;
    }
    const session = sessions.get(id);
    // Someone else's session looks exactly like an unknown one: its existence is not disclosed.
    if (!session || session.principal.id !== principal.id) {
      rpcError(res, 404, -32001, 'Session not found; initialize a new one.');
      return undefined;
    }
    session.lastSeen = Date.now();
    return session;
  }

  function metadata(req: IncomingMessage, res: ServerResponse): void {
    if (options.auth.kind !== 'oauth') {
      rpcError(res, 404, -32000, 'No OAuth protected resource here.');
      return;
    }
    if (req.method !== 'GET') {
      rpcError(res, 405, -32000, 'Use GET.');
      return;
    }
    sendJson(res, 200, {
      resource: publicUrl,
      authorization_servers: [options.auth.issuer],
      scopes_supported: [...SCOPE_PROFILES.map(([scope]) => scope), APPROVER_SCOPE, ELICITATION_SCOPE],
      bearer_methods_supported: ['header'],
      resource_name: 'tenant-mcp',
    });
  }

  function unauthorized(res: ServerResponse, failure: AuthFailure): void {
    const params = [
      options.auth.kind === 'oauth' ? `resource_metadata="${metadataUrl}"` : 'realm="tenant-mcp"',
      ...(failure.error ? [`error="${failure.error}"`] : []),
      `error_description="${failure.description.replace(/["\\]/g, "'")}"`,
    ];
    res.setHeader('www-authenticate', `Bearer ${params.join(', ')}`);
    rpcError(res, failure.status, -32000, failure.description);
  }

  log(`tenant-mcp: listening on ${url}`);
  return {
    url,
    publicUrl,
    sessionCount: () => sessions.size,
    async close() {
      if (closing) return;
      closing = true;
      // Keep listening while calls drain, so new requests get a clear 503 rather than a refused connection.
      http.closeIdleConnections();
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          drained = resolve;
          setTimeout(resolve, options.shutdownGraceMs ?? 10_000).unref();
        });
      }
      clearInterval(sweeper);
      await handler.close().catch(() => {});
      await Promise.all([...sessions].map(([id, session]) => closeSession(id, session)));
      const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections();
      await stopped;
    },
  };
}

function isInitialize(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.some(
    (message) =>
      typeof message === 'object' &&
      message !== null &&
      (message as { method?: unknown }).method === 'initialize',
  );
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** 429 for a batch the principal's rate limit cannot pay for now (or ever, past the burst). */
function tooMany(res: ServerResponse, wait: number, messages: number): void {
  if (Number.isFinite(wait)) {
    res.setHeader('retry-after', String(wait));
    rpcError(res, 429, -32000, `Too many requests (a batch of ${messages}); retry after ${wait} s.`);
    return;
  }
  rpcError(
    res,
    429,
    -32000,
    `A batch of ${messages} messages is more than the rate limit allows at once; send fewer.`,
  );
}

/** A JSON-RPC error body with an HTTP status: what SDK clients expect from a refused request. */
function rpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  id: RequestId = null,
): void {
  sendJson(res, status, { jsonrpc: '2.0', error: { code, message }, id });
}

/** The first value of a POST body (one message or a batch) that is no JSON-RPC message, if any. */
function invalidMessage(body: unknown): { id: RequestId; reason: string; code: number } | undefined {
  if (Array.isArray(body) && body.length === 0)
    return { id: null, reason: 'Invalid Request: an empty batch.', code: -32600 };
  for (const value of Array.isArray(body) ? body : [body]) {
    const checked = checkMessage(value);
    if (!checked.ok) return checked;
  }
  return undefined;
}
