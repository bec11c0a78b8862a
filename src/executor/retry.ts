/**
 * When to send a request again, and how long to wait first. The rule is about what the tenant may have
 * done, not about the status alone:
 * - 429 is retried for every method: Auth0 refused the request before processing it.
 * - 502/503/504, timeouts and cut connections are retried only for GET, HEAD, PUT and DELETE, where a
 *   repeat leaves the tenant as one call would. A POST or PATCH that may have reached the tenant is never
 *   sent twice: a duplicate user or a double increment is worse than an error the agent can check.
 * - A connection that was never made (ECONNREFUSED, connect timeout, unreachable host) is retried for
 *   every method: no byte of the request left this process, so the tenant cannot have seen it.
 */
import { admit, observeQuietly } from './budget.js';
import { isRetrySafe, TenantError } from './errors.js';
import { AttemptFailure, type RawResponse } from './exchange.js';
import { type CallContext, failureError, rateLimitedError } from './responses.js';
import type { RateBudget } from './types.js';

/** Knobs and clocks of the retry loop. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** Total time a call may take including waits, in milliseconds. */
  budgetMs: number;
  /** First backoff step, in milliseconds. */
  baseBackoffMs: number;
  /** Largest backoff step, in milliseconds. */
  maxBackoffMs: number;
  /** Epoch milliseconds. */
  now: () => number;
  /** Waits; must honour the signal. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Jitter source in [0, 1). */
  random: () => number;
}

/** Statuses worth another try of an idempotent request: the gateway or Auth0 had a passing problem. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

/**
 * How long the tenant asks us to wait, from `Retry-After` (seconds or an HTTP date) or, failing that,
 * Auth0's `X-RateLimit-Reset` (epoch seconds; a small number is read as seconds from now). `undefined`
 * when neither header says anything usable.
 */
export function retryDelayFromHeaders(headers: Record<string, string>, now: number): number | undefined {
  const retryAfter = headers['retry-after']?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.max(0, Number(retryAfter) * 1000);
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  const reset = headers['x-ratelimit-reset']?.trim();
  if (reset && /^\d+(\.\d+)?$/.test(reset)) {
    const value = Number(reset);
    // Epoch seconds are above 1e9 since 2001; anything smaller can only be a delay.
    return Math.max(0, value > 1e9 ? value * 1000 - now : value * 1000);
  }
  return undefined;
}

/**
 * Exponential backoff with jitter for the `retry`-th retry (0-based): half the step fixed, half random,
 * so concurrent callers spread out without ever retrying at once.
 */
export function backoffDelay(
  retry: number,
  policy: Pick<RetryPolicy, 'baseBackoffMs' | 'maxBackoffMs' | 'random'>,
) {
  const step = Math.min(policy.maxBackoffMs, policy.baseBackoffMs * 2 ** retry);
  return Math.round(step / 2 + (policy.random() * step) / 2);
}

/**
 * Resolves when `promise` does, or rejects with an `aborted` {@link TenantError} as soon as `signal` fires,
 * so a caller never waits on something it has given up on.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (!signal) return promise;
  const aborted = () =>
    new TenantError(`${what} was cancelled.`, { code: 'aborted' }, { cause: signal.reason });
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** A timer that stops early when the signal fires. */
export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** What the loop needs besides the attempt itself. */
export interface LoopInput {
  /** Method, path template and label; `attempts` and `earlierMayHaveReached` are the starting counts. */
  context: CallContext;
  /** When the whole call began (for the time budget), epoch milliseconds. */
  startedAt: number;
  /** The caller's cancellation. */
  signal?: AbortSignal;
  /** Origin and timeout, for wording failures. */
  target: { origin: string; timeoutMs: number };
  /** Whether repeats after an unclear outcome are safe; default from the method. */
  retrySafe?: boolean;
  /** The tenant's rate budget, asked before every attempt and told every answer. */
  budget?: RateBudget;
}

/** The last answer and the counts, once the loop stops retrying. */
export interface LoopResult {
  /** Final answer, any status except a 429 (which ends in a thrown `rate_limited`). */
  response: RawResponse;
  /** Counts after the loop, to carry into error wording or a further round. */
  context: CallContext;
}

/**
 * Runs `attempt` until it gives an answer that is not worth retrying, the retry count or time budget runs
 * out, or the caller aborts.
 * @throws TenantError `rate_limited`, `timeout`, `network` or `aborted`.
 */
export async function runWithRetries(
  input: LoopInput,
  policy: RetryPolicy,
  attempt: () => Promise<RawResponse>,
): Promise<LoopResult> {
  const context: CallContext = { ...input.context };
  const retrySafe = input.retrySafe ?? isRetrySafe(context.method);
  for (let retry = 0; ; retry++) {
    if (input.budget) {
      try {
        await admit(input.budget, context, policy, input.signal);
      } catch (error) {
        if (!input.signal?.aborted) throw error;
        throw failureError(new AttemptFailure('aborted', false, false, undefined), context, input.target);
      }
    }
    context.attempts++;
    let outcome: RawResponse | AttemptFailure;
    try {
      outcome = await attempt();
    } catch (error) {
      if (!(error instanceof AttemptFailure)) throw error;
      outcome = error;
    }
    if (input.budget && !(outcome instanceof AttemptFailure)) await observeQuietly(input.budget, outcome);

    let wait: number;
    if (outcome instanceof AttemptFailure) {
      const repeatable = outcome.transient && outcome.kind !== 'aborted' && (!outcome.sent || retrySafe);
      wait = backoffDelay(retry, policy);
      if (
        !repeatable ||
        retry >= policy.maxRetries ||
        policy.now() - input.startedAt + wait > policy.budgetMs
      ) {
        throw failureError(outcome, context, input.target);
      }
      if (outcome.sent) context.earlierMayHaveReached = true;
    } else if (outcome.status === 429) {
      wait = retryDelayFromHeaders(outcome.headers, policy.now()) ?? backoffDelay(retry, policy);
      // A little jitter past the reset keeps concurrent callers from all returning in the same instant.
      wait += Math.round(policy.random() * 250);
      if (retry >= policy.maxRetries || policy.now() - input.startedAt + wait > policy.budgetMs) {
        throw rateLimitedError(outcome, context, wait, policy.now());
      }
    } else if (RETRYABLE_STATUSES.has(outcome.status) && retrySafe) {
      wait = retryDelayFromHeaders(outcome.headers, policy.now()) ?? backoffDelay(retry, policy);
      if (retry >= policy.maxRetries || policy.now() - input.startedAt + wait > policy.budgetMs) {
        return { response: outcome, context };
      }
      context.earlierMayHaveReached = true;
    } else {
      return { response: outcome, context };
    }
    try {
      await raceAbort(policy.sleep(wait, input.signal), input.signal, 'The wait');
    } catch (error) {
      if (!input.signal?.aborted) throw error;
    }
    if (input.signal?.aborted) {
      // Nothing is in flight during a wait: only earlier attempts can have reached the tenant.
      throw failureError(new AttemptFailure('aborted', false, false, undefined), context, input.target);
    }
  }
}
