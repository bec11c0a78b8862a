/**
 * Management API tokens for a machine-to-machine application: fetched with the client-credentials grant,
 * cached until shortly before they expire, and fetched by one request however many calls need one at
 * once (Auth0 counts M2M tokens against a monthly quota, and rate-limits the token endpoint).
 */
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { excerpt, MAX_ERROR_BODY_BYTES, redact, statusLine, TenantError } from './errors.js';
import { AttemptFailure, exchange } from './exchange.js';
import { AUTH0_PROVIDER } from './provider.js';
import { type RetryPolicy, raceAbort, runWithRetries } from './retry.js';
import type { TenantErrorDetails } from './types.js';

/** A token as the endpoint issued it. */
export interface IssuedToken {
  /** The bearer token. */
  accessToken: string;
  /** Lifetime from the moment it was requested, in milliseconds. */
  lifetimeMs: number;
}

/** A token handed to one call. */
export interface LeasedToken {
  /** The bearer token. */
  token: string;
  /** True when this call waited for a new token: a 401 with it is not fixed by fetching yet another. */
  fresh: boolean;
}

/** A cache of one token with single-flight refresh. */
export interface TokenProvider {
  /** A valid token, from the cache or one shared fetch; rejects with `aborted` when `signal` fires. */
  get(signal?: AbortSignal): Promise<LeasedToken>;
  /** Forgets `token` if it is still the cached one (a 401 showed it is no longer accepted). */
  invalidate(token: string): void;
  /** The cached token, for redaction; never send it anywhere. */
  peek(): string | undefined;
}

/**
 * How long before expiry a token is dropped: 60 s, or a tenth of its life when that is shorter, so a
 * token is never sent in its last moments (clock skew, slow requests) yet short tokens stay useful.
 */
export function expiryMargin(lifetimeMs: number): number {
  return Math.min(60_000, lifetimeMs / 10);
}

/** A {@link TokenProvider} over any `fetchToken`; the clock is injectable for tests. */
export function createTokenProvider(
  fetchToken: () => Promise<IssuedToken>,
  now: () => number,
): TokenProvider {
  let cached: { token: string; expiresAt: number } | undefined;
  let inflight: Promise<string> | undefined;

  function refresh(): Promise<string> {
    if (!inflight) {
      const requestedAt = now();
      inflight = fetchToken()
        .then(({ accessToken, lifetimeMs }) => {
          cached = { token: accessToken, expiresAt: requestedAt + lifetimeMs - expiryMargin(lifetimeMs) };
          return accessToken;
        })
        .finally(() => {
          inflight = undefined;
        });
    }
    return inflight;
  }

  return {
    async get(signal) {
      if (cached && now() < cached.expiresAt) return { token: cached.token, fresh: false };
      // The shared fetch is not cancelled with one caller: others may be waiting on it.
      const token = await raceAbort(refresh(), signal, 'Getting a Management API token');
      return { token, fresh: true };
    },
    invalidate(token) {
      if (cached?.token === token) cached = undefined;
    },
    peek: () => cached?.token,
  };
}

const TOKEN_RESPONSE = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().positive().optional(),
});

const TOKEN_ERROR = z.object({
  error: z.string().optional(),
  error_description: z.string().optional(),
});

/** Lifetime assumed when the endpoint does not say; a shorter real one is caught by the 401 refresh. */
const DEFAULT_LIFETIME_MS = 3_600_000;

/** Everything {@link fetchClientCredentialsToken} needs. */
export interface ClientCredentialsRequest {
  /** Dispatcher to send with. */
  dispatcher: Dispatcher;
  /** `{origin}/oauth/token`. */
  tokenUrl: string;
  /** The application's client id. */
  clientId: string;
  /** The application's client secret. */
  clientSecret: string;
  /** Token audience, the Management API identifier. */
  audience: string;
  /** `user-agent` header value. */
  userAgent: string;
  /** Per-attempt timeout, in milliseconds. */
  timeoutMs: number;
  /** Largest body read. */
  maxBytes: number;
  /** Retry knobs and clocks. */
  policy: RetryPolicy;
  /** Provider name for messages (default `Auth0`). */
  providerName?: string;
}

/**
 * Asks the token endpoint for a client-credentials token. Retries like an idempotent call: a grant has no
 * effect on the tenant besides issuing a token.
 * @throws TenantError `auth_failed` when the endpoint refuses (with its `error` and
 *   `error_description`, never the secret), or `timeout`/`network`/`rate_limited` when it cannot be reached.
 */
export async function fetchClientCredentialsToken(request: ClientCredentialsRequest): Promise<IssuedToken> {
  const url = new URL(request.tokenUrl);
  const body = JSON.stringify({
    grant_type: 'client_credentials',
    client_id: request.clientId,
    client_secret: request.clientSecret,
    audience: request.audience,
  });
  const startedAt = request.policy.now();
  let result: Awaited<ReturnType<typeof runWithRetries>>;
  try {
    result = await runWithRetries(
      {
        context: {
          method: 'POST',
          path: '/oauth/token',
          attempts: 0,
          earlierMayHaveReached: false,
          provider: request.providerName,
        },
        startedAt,
        target: { origin: url.origin, timeoutMs: request.timeoutMs },
        retrySafe: true,
      },
      request.policy,
      () =>
        exchange(
          request.dispatcher,
          {
            origin: url.origin,
            path: url.pathname,
            method: 'POST',
            headers: {
              accept: 'application/json',
              'content-type': 'application/json',
              'user-agent': request.userAgent,
            },
            body,
          },
          { timeoutMs: request.timeoutMs, maxBytes: request.maxBytes },
        ),
    );
  } catch (error) {
    if (!(error instanceof TenantError) || error.code === 'aborted') throw error;
    // Reword: the agent's call did not start, so "check the tenant state" advice does not apply.
    const { mayHaveReachedTenant: _ignored, ...details } = error.details;
    const reason =
      error.code === 'rate_limited'
        ? `the token endpoint is rate limiting this application; retry in ${Math.ceil((details.retryAfterMs ?? 0) / 1000)} s`
        : error.code === 'timeout'
          ? `no answer within ${request.timeoutMs / 1000} s`
          : `the endpoint could not be reached${error.cause instanceof AttemptFailure && error.cause.errorCode ? ` (${error.cause.errorCode})` : ''}`;
    throw new TenantError(
      `Could not get a Management API token from ${request.tokenUrl}: ${reason}. Check the tenant domain; try again later.`,
      details,
      { cause: error },
    );
  }

  const { response, context } = result;
  // An endpoint that echoes the grant would hand the client secret to every message below: blank it
  // before anything is read (and read no more of a refusal than an error body needs).
  const text = response.overCap
    ? ''
    : redact(
        response.status >= 200 && response.status < 300
          ? response.body.toString('utf8')
          : response.body.toString('utf8', 0, MAX_ERROR_BODY_BYTES),
        [request.clientSecret],
      );
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  const details: TenantErrorDetails = {
    code: 'auth_failed',
    status: response.status,
    attempts: context.attempts,
  };
  if (response.status >= 200 && response.status < 300) {
    const ok = TOKEN_RESPONSE.safeParse(parsed);
    if (ok.success) {
      return {
        accessToken: ok.data.access_token,
        lifetimeMs: ok.data.expires_in ? ok.data.expires_in * 1000 : DEFAULT_LIFETIME_MS,
      };
    }
    throw new TenantError(
      `The token endpoint ${request.tokenUrl} answered ${statusLine(response.status)} without an access token. Check the tenant domain.`,
      details,
    );
  }
  const refusal = TOKEN_ERROR.safeParse(parsed);
  const upstreamCode = refusal.success ? refusal.data.error : undefined;
  const upstreamMessage = refusal.success ? refusal.data.error_description : undefined;
  if (upstreamCode) details.upstreamCode = upstreamCode;
  if (upstreamMessage) details.upstreamMessage = upstreamMessage;
  const said = upstreamCode
    ? ` (${upstreamCode}${upstreamMessage ? `: ${excerpt(upstreamMessage)}` : ''})`
    : text
      ? `: "${excerpt(text)}"`
      : '';
  if (response.status >= 500) {
    throw new TenantError(
      `The token endpoint ${request.tokenUrl} failed: ${statusLine(response.status)}${said}. Try again later.`,
      details,
    );
  }
  throw new TenantError(
    `${request.providerName ?? AUTH0_PROVIDER.name} refused the client credentials: ${statusLine(response.status)}${said}. Check the client id and secret, and that the application is authorized for the audience ${request.audience}.`,
    details,
  );
}
