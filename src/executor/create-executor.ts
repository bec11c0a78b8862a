/**
 * The executor: one generic way to send any management API request, authenticated, retried when that is
 * safe, and answered with a body or a {@link TenantError} an agent can act on. What differs between
 * providers (name, API path, how credentials travel) comes in as options.
 */
import { Agent } from 'undici';
import {
  buildHeaders,
  buildPath,
  buildQuery,
  encodeBody,
  FORBIDDEN_HEADERS,
  isHeaderName,
  resolveTenantUrls,
} from './build-request.js';
import { isTenantError, MAX_ERROR_BODY_BYTES, redact, redactError, TenantError } from './errors.js';
import { exchange, type RawResponse, type WireRequest } from './exchange.js';
import { AUTH0_PROVIDER } from './provider.js';
import { type CallContext, readSuccessBody, requestIdOf, upstreamError } from './responses.js';
import { defaultSleep, type RetryPolicy, runWithRetries } from './retry.js';
import { createTokenProvider, fetchClientCredentialsToken, type TokenProvider } from './token-provider.js';
import { scopesOfToken } from './token-scopes.js';
import type { Executor, ExecutorOptions, TenantAuth, TenantRequest, TenantResponse } from './types.js';

/** Defaults of {@link ExecutorOptions}. */
export const EXECUTOR_DEFAULTS = {
  version: '0.0.0-dev',
  timeoutMs: 30_000,
  maxRetries: 3,
  retryBudgetMs: 60_000,
  baseBackoffMs: 500,
  maxBackoffMs: 10_000,
  maxResponseBytes: 10 * 1024 * 1024,
  connections: 10,
} as const;

/** Default header of an `api_key` credential. */
export const DEFAULT_API_KEY_HEADER = 'x-api-key';

/**
 * The lower-case header an API key travels in.
 * @throws TypeError when the key is empty or not one line, or the header is not a name the caller could
 *   otherwise own (never `authorization`, `host`, `content-type`…).
 */
function apiKeyHeader(auth: Extract<TenantAuth, { kind: 'api_key' }>): string {
  const header = (auth.header ?? DEFAULT_API_KEY_HEADER).trim().toLowerCase();
  if (!isHeaderName(header) || FORBIDDEN_HEADERS.has(header) || header === 'content-type') {
    throw new TypeError(`"${auth.header}" cannot carry the API key: choose a header such as x-api-key.`);
  }
  if (!auth.apiKey || /[\r\n\0]/.test(auth.apiKey)) {
    throw new TypeError('The API key must be one non-empty line.');
  }
  return header;
}

/**
 * Creates an executor for one tenant. It keeps a keep-alive connection pool until `close()`.
 * @throws TypeError when the domain, the API path or the API key's header is not usable.
 */
export function createExecutor(options: ExecutorOptions): Executor {
  const { auth } = options;
  const provider = options.provider ?? AUTH0_PROVIDER;
  const urls = resolveTenantUrls(
    options.domain,
    auth.kind === 'client_credentials' ? auth.audience : undefined,
    provider.apiPath,
  );
  const keyHeader = auth.kind === 'api_key' ? apiKeyHeader(auth) : undefined;
  const reserved: ReadonlySet<string> = new Set(keyHeader ? [keyHeader] : []);
  const apiBase = new URL(urls.apiBase);
  const timeoutMs = options.timeoutMs ?? EXECUTOR_DEFAULTS.timeoutMs;
  const maxBytes = options.maxResponseBytes ?? EXECUTOR_DEFAULTS.maxResponseBytes;
  const version = options.version ?? EXECUTOR_DEFAULTS.version;
  const policy: RetryPolicy = {
    maxRetries: options.maxRetries ?? EXECUTOR_DEFAULTS.maxRetries,
    budgetMs: options.retryBudgetMs ?? EXECUTOR_DEFAULTS.retryBudgetMs,
    baseBackoffMs: options.baseBackoffMs ?? EXECUTOR_DEFAULTS.baseBackoffMs,
    maxBackoffMs: options.maxBackoffMs ?? EXECUTOR_DEFAULTS.maxBackoffMs,
    now: options.now ?? Date.now,
    sleep: options.sleep ?? defaultSleep,
    random: options.random ?? Math.random,
  };
  const ownDispatcher = options.dispatcher
    ? undefined
    : // Idle sockets are dropped well before a server would drop them: a POST written onto a socket the
      // server just closed fails as "may have reached the tenant" and cannot be resent.
      new Agent({
        connections: options.connections ?? EXECUTOR_DEFAULTS.connections,
        keepAliveTimeout: 10_000,
      });
  const dispatcher = options.dispatcher ?? ownDispatcher!;

  const tokens: TokenProvider | undefined =
    auth.kind === 'client_credentials'
      ? createTokenProvider(
          () =>
            fetchClientCredentialsToken({
              dispatcher,
              tokenUrl: urls.tokenUrl,
              clientId: auth.clientId,
              clientSecret: auth.clientSecret,
              audience: urls.audience,
              userAgent: `tenant-mcp/${version}`,
              timeoutMs,
              maxBytes,
              policy,
              providerName: provider.name,
            }),
          policy.now,
        )
      : undefined;
  /** The static credential, or `''` when tokens are fetched. */
  const fixed = auth.kind === 'token' ? auth.token : auth.kind === 'api_key' ? auth.apiKey : '';
  const secrets = () => [auth.kind === 'client_credentials' ? auth.clientSecret : fixed, tokens?.peek()];
  /**
   * An error body with our secrets blanked before any excerpt is cut from it: the final redaction of the
   * message cannot recognise a key that an excerpt cut in half. Success bodies are data and stay as sent.
   */
  const scrub = (raw: RawResponse): RawResponse => {
    if ((raw.status >= 200 && raw.status < 300) || raw.body.length === 0) return raw;
    const head = raw.body.subarray(0, MAX_ERROR_BODY_BYTES);
    const text = head.toString('utf8');
    const clean = redact(text, secrets());
    return clean === text && head.length === raw.body.length
      ? raw
      : { ...raw, body: Buffer.from(clean, 'utf8') };
  };
  const credentialHeader = (credential: string): Record<string, string> =>
    keyHeader ? { [keyHeader]: credential } : { authorization: `Bearer ${credential}` };

  async function send(request: TenantRequest): Promise<TenantResponse> {
    const startedAt = policy.now();
    const path = `${apiBase.pathname}${buildPath(request.path, request.pathParams)}${buildQuery(request.query)}`;
    const headers = buildHeaders(request.headers, version, reserved);
    const callerType = headers['content-type'];
    delete headers['content-type'];
    const encoded = encodeBody(request.method, request.body, request.contentType ?? callerType);
    if (encoded.contentType) headers['content-type'] = encoded.contentType;

    const wire = (credential: string): WireRequest => ({
      origin: apiBase.origin,
      path,
      method: request.method,
      headers: { ...headers, ...credentialHeader(credential) },
      body: encoded.body,
    });
    const attemptWith = (credential: string) => () =>
      exchange(dispatcher, wire(credential), { timeoutMs, maxBytes, signal: request.signal }).then(scrub);

    let context: CallContext = {
      method: request.method,
      path: request.path,
      attempts: 0,
      earlierMayHaveReached: false,
      provider: provider.name,
      credential: keyHeader ? 'api_key' : 'token',
    };
    if (request.label) context.label = request.label;
    const loopInput = {
      startedAt,
      signal: request.signal,
      target: { origin: urls.origin, timeoutMs },
      ...(options.budget ? { budget: options.budget } : {}),
    };

    let lease = tokens ? await tokens.get(request.signal) : { token: fixed, fresh: true };
    let result = await runWithRetries({ ...loopInput, context }, policy, attemptWith(lease.token));
    if (result.response.status === 401 && tokens && !lease.fresh) {
      // The cached token was revoked or expired early. A 401 means the request was refused before any
      // effect, so sending it once more with a new token is safe for every method.
      tokens.invalidate(lease.token);
      lease = await tokens.get(request.signal);
      result = await runWithRetries(
        { ...loopInput, context: result.context },
        policy,
        attemptWith(lease.token),
      );
    }

    const { response } = result;
    context = result.context;
    if (response.status < 200 || response.status >= 300) throw upstreamError(response, context);
    const answer: TenantResponse = {
      status: response.status,
      headers: response.headers,
      body: request.method === 'HEAD' ? undefined : readSuccessBody(response, context),
      attempts: context.attempts,
      durationMs: policy.now() - startedAt,
    };
    const requestId = requestIdOf(response.headers);
    if (requestId) answer.requestId = requestId;
    return answer;
  }

  // The gate asks on every call; decode each token once, not once per call.
  let decoded: { token: string; scopes: ReadonlySet<string> | undefined } | undefined;
  async function grantedScopes(signal?: AbortSignal): Promise<ReadonlySet<string> | undefined> {
    // An API key is opaque: there is no token whose claims could be read.
    if (auth.kind === 'api_key') return undefined;
    let token: string;
    try {
      token = tokens ? (await tokens.get(signal)).token : fixed;
    } catch (error) {
      // The same redaction as send(): a token endpoint echoing its request must not hand the secret on.
      throw isTenantError(error) ? redactError(error, secrets()) : error;
    }
    if (decoded?.token !== token) decoded = { token, scopes: scopesOfToken(token) };
    return decoded.scopes;
  }

  let closed = false;
  return {
    baseUrl: urls.apiBase,
    grantedScopes,
    async send(request) {
      // A bug in the caller, not a network failure to retry and word for an agent.
      if (closed) throw new Error('The executor is closed.');
      try {
        return await send(request);
      } catch (error) {
        if (!isTenantError(error)) throw error;
        const labelled =
          request.label && !error.details.label
            ? new TenantError(
                error.message,
                { ...error.details, label: request.label },
                { cause: error.cause },
              )
            : error;
        throw redactError(labelled, secrets());
      }
    },
    async close() {
      closed = true;
      await ownDispatcher?.close();
    },
  };
}
