/**
 * The MonoCloud sandbox: a local look-alike of a MonoCloud tenant's management API on loopback, for
 * agents and tests to break freely. It serves all 148 operations of the management API under `/api`
 * over HTTP or HTTPS (an `X-API-KEY` header, problem+json errors with a trace id, the `x-pagination`
 * header): the 53 Users operations with hand-written rules (identifiers, credentials, sessions, group
 * membership, grants), everything else (applications and their secrets and groups, groups, API
 * resources, scopes, claims, access policies, keys, logs, network zones, settings, trust stores,
 * branding) through the resource engine with MonoCloud's rules around it. Every request is checked
 * against the model's schemas; each change the API logs lands in the audit log; the tenant can be
 * saved to a file, told to answer 429, or put on a cheaper plan so callers meet those answers too.
 *
 * Conventions a caller can rely on: every answer carries `x-trace-id` (the `traceId` of a problem);
 * lists default to 10 a page (at most 100); `filter` reads the subset described in `listing.ts`; the
 * password and username rules are the tenant's settings (`validate.ts`).
 *
 * It is "another tenant": nothing here knows about the MCP server or the policy layer.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ApiError, readBody } from '../http.js';
import type { ModelOperation } from '../model.js';
import { createRouter } from '../router.js';
import { createLoopbackTls, type LoopbackTls } from '../tls.js';
import { auditWrite } from './audit.js';
import { createMonoCloudEngine } from './engine.js';
import { seedMonoCloudBase } from './fixtures.js';
import type { MonoContext, MonoResult } from './handlers/context.js';
import { MONOCLOUD_HANDLERS, USERS_HANDLERS } from './handlers/index.js';
import { MONOCLOUD_MODEL } from './model.generated.js';
import { MONOCLOUD_OPERATIONS, PLANS, type Plan } from './operations.js';
import { newTraceId, Problem, sendJson, sendProblem } from './problem.js';
import { checkMonoRequest } from './request.js';
import { seedMonoCloudTenant } from './seed.js';
import { MonoCloudState, monoStateFromJSON, monoStateToJSON } from './state.js';

export { MONOCLOUD_FIXTURES } from './fixtures.js';
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
  /**
   * `demo` (or true, the default) loads the Northwind Robotics tenant; `none` (or false) starts with
   * only what every new tenant has (settings, the standard scopes and claims, signing keys).
   */
  seed?: boolean | 'demo' | 'none';
  /** Serve HTTPS with a certificate from a CA generated at start (`tls` has the CA's PEM). */
  tls?: boolean;
  /** Loads the tenant from this JSON file when it exists, and saves it there after every change. */
  stateFile?: string;
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
  /** With `tls`: the generated CA (PEM) clients must trust, e.g. through `NODE_EXTRA_CA_CERTS`. */
  tls?: LoopbackTls;
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
  /** Writes the tenant to `stateFile` now (it is also written after every change). */
  save(): void;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

const API_PREFIX = '/api';
const ROUTER = createRouter(MONOCLOUD_MODEL.operations);
/** The plan each Users operation needs, where it needs more than the free one. */
const PLAN_OF = new Map(MONOCLOUD_OPERATIONS.map((op) => [op.id, op.plan]));

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
  const engine = createMonoCloudEngine(() => state);
  const demo = options.seed !== false && options.seed !== 'none';

  const fresh = (): MonoCloudState => {
    const next = new MonoCloudState();
    seedMonoCloudBase(next, seconds());
    if (demo) seedMonoCloudTenant(next, { now: seconds(), origin });
    return next;
  };
  const save = () => {
    if (!options.stateFile) return;
    const tmp = `${options.stateFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(monoStateToJSON(state)), { mode: 0o600 });
    renameSync(tmp, options.stateFile);
  };
  const load = (): MonoCloudState | undefined => {
    if (!options.stateFile) return undefined;
    let text: string;
    try {
      text = readFileSync(options.stateFile, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      return monoStateFromJSON(JSON.parse(text));
    } catch (error) {
      throw new Error(
        `The MonoCloud sandbox state file ${options.stateFile} cannot be read: ${(error as Error).message}.`,
      );
    }
  };

  const tls = options.tls ? await createLoopbackTls(host) : undefined;
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const traceId = newTraceId();
    const headers = { 'x-trace-id': traceId };
    const path = new URL(req.url ?? '/', 'http://sandbox.invalid').pathname;
    handle(req, res, headers, traceId).catch((error: unknown) => {
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
  };
  const server: Server = tls
    ? createTlsServer({ key: tls.key, cert: tls.cert }, onRequest)
    : createServer(onRequest);
  server.keepAliveTimeout = 5_000;

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    headers: Record<string, string>,
    traceId: string,
  ) {
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    const nowMs = clock();
    const now = Math.floor(nowMs / 1000);

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
    const needs = PLAN_OF.get(match.op.id);
    if (needs && PLANS.indexOf(plan) < PLANS.indexOf(needs)) {
      throw new Problem(
        402,
        `Your plan (${plan}) does not include ${match.op.id}; it needs the ${needs} plan or higher.`,
      );
    }
    const body = parseJson(await readBody(req), req.headers['content-type']);
    const handler = MONOCLOUD_HANDLERS[match.op.id];
    const decoded = checkMonoRequest(
      match.op,
      url.searchParams,
      body,
      USERS_HANDLERS[match.op.id] ? 'unknown-fields' : 'full',
    );
    const ctx: MonoContext = {
      op: match.op,
      params: match.params,
      query: url.searchParams,
      decoded,
      engine,
      body,
      state,
      now,
      nowMs,
      origin,
    };
    const result: MonoResult | undefined = handler
      ? handler(ctx)
      : engine.handle({ op: match.op, params: match.params, query: decoded, body, nowMs });
    if (!result) throw new Problem(501, `The sandbox does not model ${match.op.id}.`);
    const status = result.status ?? match.op.status;
    const answer = result.page ? result.page.items : result.body;
    if (match.op.method !== 'GET' && status < 300) {
      recordWrite(match.op, match.params, answer, req, now, traceId);
      save();
    }
    const extra = result.page
      ? { 'x-pagination': JSON.stringify(result.page.pagination) }
      : (result.headers ?? {});
    sendJson(res, status, { ...headers, ...extra }, status === 204 ? undefined : answer);
  }

  function recordWrite(
    op: ModelOperation,
    params: Record<string, string>,
    answer: unknown,
    req: IncomingMessage,
    now: number,
    traceId: string,
  ): void {
    const agent = req.headers['user-agent'];
    auditWrite(state, op, params, answer, {
      now,
      traceId,
      userAgent: Array.isArray(agent) ? agent[0] : agent,
      ip: req.socket.remoteAddress?.replace(/^::ffff:/, ''),
    });
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
