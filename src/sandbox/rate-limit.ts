/**
 * The Management API's rate limit as a token bucket: `limit` requests at once, refilled at `perSecond`.
 * Every answer says where the bucket stands (`X-RateLimit-Limit`, `-Remaining`, `-Reset` in epoch
 * seconds, when it is full again); past it the answer is 429 with `Retry-After`.
 */

/** A bucket's size and refill rate. */
export interface RateLimit {
  /** Requests allowed in a burst. */
  limit: number;
  /** Requests added back per second. */
  perSecond: number;
}

/**
 * What `tenant-mcp sandbox` enforces unless told otherwise: bursts of 50 and 15 a second after, the
 * order of a paid self-service tenant's Management API limit.
 */
export const REALISTIC_RATE_LIMIT: RateLimit = { limit: 50, perSecond: 15 };

/** A running bucket. */
export interface RateLimiter {
  /** Spends one request; `retryAfterSec` is set when none was left. */
  take(nowMs: number): { retryAfterSec?: number };
  /** The `X-RateLimit-*` headers as of `nowMs`. */
  headers(nowMs: number): Record<string, string>;
}

/** Builds a full bucket. */
export function createRateLimiter(rate: RateLimit): RateLimiter {
  if (!(rate.limit >= 1) || !(rate.perSecond > 0))
    throw new Error('A rate limit needs limit >= 1 and perSecond > 0.');
  let tokens = rate.limit;
  let last: number | undefined;
  const refill = (nowMs: number) => {
    if (last !== undefined && nowMs > last)
      tokens = Math.min(rate.limit, tokens + ((nowMs - last) / 1000) * rate.perSecond);
    last = last === undefined ? nowMs : Math.max(last, nowMs);
  };
  return {
    take(nowMs) {
      refill(nowMs);
      if (tokens >= 1) {
        tokens -= 1;
        return {};
      }
      return { retryAfterSec: Math.max(1, Math.ceil((1 - tokens) / rate.perSecond)) };
    },
    headers(nowMs) {
      refill(nowMs);
      const fullInSec = (rate.limit - tokens) / rate.perSecond;
      return {
        'x-ratelimit-limit': String(rate.limit),
        'x-ratelimit-remaining': String(Math.floor(tokens)),
        'x-ratelimit-reset': String(Math.ceil(nowMs / 1000 + fullInSec)),
      };
    },
  };
}
