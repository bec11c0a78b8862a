/**
 * The MonoCloud sandbox: a local look-alike of a MonoCloud tenant's management API on loopback, for
 * agents and tests to break freely. It serves the 53 operations of the Users client under `/api` over
 * real HTTP (an `X-API-KEY` header, problem+json errors with a trace id, the `x-pagination` header),
 * keeps users, identifiers, credentials, sessions, groups and grants in memory, and can be told to
 * answer 429 or to sit on a cheaper plan so callers meet those answers too.
 *
 * Conventions a caller can rely on: every answer carries `x-trace-id` (the `traceId` of a problem);
 * lists default to 10 a page (at most 100); `filter` reads the subset described in `listing.ts` over
 * the fields `USER_FILTER` names; the tenant's password policy is in `validate.ts`.
 *
 * It is "another tenant": nothing here knows about the MCP server or the policy layer.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, readBody } from '../http.js';
import { createRouter } from '../router.js';
import type { MonoContext } from './handlers/context.js';
import { MONOCLOUD_HANDLERS } from './handlers/index.js';
import { MONOCLOUD_OPERATIONS, type MonoCloudOperation, PLANS, type Plan } from './operations.js';
import { newTraceId, Problem, sendJson, sendProblem } from './problem.js';
import { seedMonoCloudTenant } from './seed.js';
import { MonoCloudState } from './state.js';

export type { Pagination } from './listing.js';
export { MONOCLOUD_OPERATIONS, type MonoCloudOperation, PLANS, type Plan } from './operations.js';
export { IDENTITY_VALIDATION_ERROR_TYPE, VALIDATION_ERROR_TYPE } from './problem.js';
export { MONOCLOUD_SEED } from './seed.js';
export { MonoCloudState } from './state.js';

/**
 * The API key the sandbox accepts unless told otherwise. Public on purpose: the sandbox holds only
 * invented data and listens on loopback.
 */
export const DEFAULT_MONOCLOUD_API_KEY = 'tenant-mcp-monocloud-sandbox-key-not-for-production';

/** How to start a MonoCloud sandbox. Every field is optional. */
export interface MonoCloudSandboxOptions {
  /** TCP port; 0 (the default) lets the system pick a free one. */
  port?: number;
  /** Interface to bind; default `127.0.0.1` so the sandbox is never reachable from the network. */
  host?: string;
  /** The `X-API-KEY` value accepted (default {@link DEFAULT_MONOCLOUD_API_KEY}). */
  apiKey?: string;
  /** Whether to load the Northwind Robotics tenant (default true); false starts empty. */
  seed?: boolean;
  /** Clock in epoch milliseconds (default `Date.now`); the API speaks epoch seconds. */
  now?: () => number;
  /**
   * The tenant's plan (default `secure_plus`, which includes everything). On `free`, session
   * operations answer 402; below `secure_plus`, consent and token operations do too.
   */
  plan?: Plan;
}

/** A running MonoCloud sandbox. */
export interface MonoCloudSandbox {
  /** Origin to use as the tenant domain, e.g. `http://127.0.0.1:4011`; the API is under `{url}/api`. */
  url: string;
  /** The `X-API-KEY` value it accepts. */
  apiKey: string;
  /** The tenant's data, for tests that inspect what a call changed. Replaced by `reset()`. */
  readonly state: MonoCloudState;
  /** The tenant's plan; change it to meet 402 answers. Survives `reset()`. */
  plan: Plan;
  /**
   * Makes the next `count` authenticated API requests answer 429, with `Retry-After` when
   * `retryAfterSeconds` is given. `throttle(0)` turns it off.
   */
  throttle(count: number, retryAfterSeconds?: number): void;
  /** Throws the data away and loads the starting tenant again. */
  reset(): void;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

const API_PREFIX = '/api';
const ROUTER = createRouter<MonoCloudOperation>(MONOCLOUD_OPERATIONS);

/** Starts a MonoCloud sandbox and resolves once it listens; rejects naming the port if it cannot. */
export async function startMonoCloudSandbox(
  options: MonoCloudSandboxOptions = {},
): Promise<MonoCloudSandbox> {
  const host = options.host ?? '127.0.0.1';
  const apiKey = options.apiKey ?? DEFAULT_MONOCLOUD_API_KEY;
  const keyDigest = digest(apiKey);
  const clock = options.now ?? Date.now;
  const seconds = () => Math.floor(clock() / 1000);
  let plan: Plan = options.plan ?? 'secure_plus';
  let throttled = 0;
  let retryAfter: number | undefined;
  let origin = '';
  let state = new MonoCloudState();

  const fresh = (): MonoCloudState => {
    const next = new MonoCloudState();
    if (options.seed !== false) seedMonoCloudTenant(next, { now: seconds(), origin });
    return next;
  };

  const server = createServer((req, res) => {
    const traceId = newTraceId();
    const headers = { 'x-trace-id': traceId };
    const path = new URL(req.url ?? '/', 'http://sandbox.invalid').pathname;
    handle(req, res, headers).catch((error: unknown) => {
      let problem: Problem;
      if (error instanceof Problem) problem = error;
      else if (error instanceof ApiError) problem = new Problem(error.status, error.message);
      else {
        process.stderr.write(`tenant-mcp monocloud sandbox: request ${traceId} failed: ${String(error)}\n`);
        problem = new Problem(500, 'The sandbox failed to handle the request.');
      }
      if (!res.headersSent) sendProblem(res, problem, headers, path, traceId);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;

  async function handle(req: IncomingMessage, res: ServerResponse, headers: Record<string, string>) {
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    const now = seconds();

    if (method === 'GET' && (path === '/reset-password' || path === '/verify-email')) {
      linkPage(res, headers, url.searchParams.get('token'), now);
      return;
    }
    if (path !== API_PREFIX && !path.startsWith(`${API_PREFIX}/`))
      throw new Problem(404, `Nothing is served at ${path}; the management API is under ${API_PREFIX}.`);
    authenticate(req);
    if (throttled > 0) {
      throttled -= 1;
      throw new Problem(429, 'Too many requests: the sandbox was told to throttle this one.', {
        ...(retryAfter !== undefined ? { retryAfter } : {}),
      });
    }
    const match = ROUTER.match(method, path.slice(API_PREFIX.length));
    if (!match) throw new Problem(404, `No operation answers ${method} ${path}.`);
    const needs = match.op.plan;
    if (needs && PLANS.indexOf(plan) < PLANS.indexOf(needs)) {
      throw new Problem(
        402,
        `Your plan (${plan}) does not include ${match.op.id}; it needs the ${needs} plan or higher.`,
      );
    }
    const body = parseJson(await readBody(req), req.headers['content-type']);
    const handler = MONOCLOUD_HANDLERS[match.op.id];
    if (!handler) throw new Problem(501, `The sandbox does not implement ${match.op.id}.`);
    const ctx: MonoContext = {
      op: match.op,
      params: match.params,
      query: url.searchParams,
      body,
      state,
      now,
      origin,
    };
    const result = handler(ctx);
    const status = result.status ?? match.op.status;
    if (result.page) {
      sendJson(
        res,
        status,
        { ...headers, 'x-pagination': JSON.stringify(result.page.pagination) },
        result.page.items,
      );
      return;
    }
    sendJson(res, status, headers, status === 204 ? undefined : result.body);
  }

  function authenticate(req: IncomingMessage): void {
    const given = req.headers['x-api-key'];
    const key = Array.isArray(given) ? given[0] : given;
    if (key === undefined || key === '') {
      const hint = req.headers.authorization
        ? ' An Authorization header is not read: send the API key in X-API-KEY.'
        : '';
      throw new Problem(401, `The X-API-KEY header is missing.${hint}`);
    }
    if (!timingSafeEqual(digest(key), keyDigest))
      throw new Problem(401, 'The API key is not valid for this tenant.');
  }

  function linkPage(res: ServerResponse, headers: Record<string, string>, token: string | null, now: number) {
    const link = state.links.find((l) => l.token === token);
    const valid = link !== undefined && link.expires_at > now;
    const text = valid
      ? `Sandbox ${link.kind.replace('_', ' ')} link for ${link.user_id}, valid until ${new Date(link.expires_at * 1000).toISOString()}. Nothing happens here: this tenant is a sandbox.\n`
      : 'This link does not exist or has expired.\n';
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
      reject(
        new Error(`The MonoCloud sandbox could not listen on ${host}:${port}: ${reason}.`, { cause: error }),
      );
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
    apiKey,
    get state() {
      return state;
    },
    get plan() {
      return plan;
    },
    set plan(next: Plan) {
      if (!PLANS.includes(next))
        throw new Error(`Unknown plan '${next}'; expected one of ${PLANS.join(', ')}.`);
      plan = next;
    },
    throttle(count, retryAfterSeconds) {
      throttled = Math.max(0, Math.floor(count));
      retryAfter = retryAfterSeconds;
    },
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

/** Keys are compared as digests so the comparison takes the same time whatever their lengths. */
function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

/** Decodes a JSON body (MonoCloud's only body type); empty is undefined, malformed is 400. */
function parseJson(raw: Buffer, contentType: string | undefined): unknown {
  if (raw.length === 0) return undefined;
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== '' && type !== 'application/json' && !type.endsWith('+json'))
    throw new Problem(415, `Send JSON bodies as application/json, not ${type}.`);
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new Problem(400, 'The request body is not valid JSON.');
  }
}
