/**
 * Rate limits and failed-authentication lockouts, kept in this process or shared by replicas in Redis.
 * With Redis, every replica takes from the same bucket, so a principal gets its rate once, not once per
 * replica. When Redis is down the shared limiter refuses (the caller answers 503 naming Redis), unless the
 * operator chose `TENANT_MCP_REDIS_DEGRADED=reads`: then it meters in this process until Redis is back.
 */
import { createHash } from 'node:crypto';
import { takeTokens } from '../../shared/primitives.js';
import { type SharedRedis, SharedStateUnavailable } from '../../shared/redis.js';
import { createRateLimiter, type RateLimiter } from './guards.js';

/** A token bucket per key, as {@link RateLimiter}, answered now or after a round trip to Redis. */
export interface Limiter {
  /** Takes `cost` tokens for `key`: 0 when allowed, else the seconds to wait (`Infinity` past the burst). */
  take(key: string, cost?: number): Promise<number>;
  /** The seconds `key` would wait for one token, taking none. */
  wait(key: string): Promise<number>;
}

/** Makes the limiters an HTTP server needs: `name` keeps each kind apart. */
export type LimiterFactory = (name: string, rate: number, burst: number) => Limiter;

/** Limiters in this process (the embedded default). */
export const localLimiters: LimiterFactory = (_name, rate, burst) =>
  fromLocal(createRateLimiter(rate, burst));

function fromLocal(local: RateLimiter): Limiter {
  return {
    take: async (key, cost) => local.take(key, cost),
    wait: async (key) => local.wait(key),
  };
}

/**
 * Limiters shared through Redis. With `degradedLocally`, an outage falls back to a bucket in this
 * process (one replica's share is then the whole rate: the README says so); otherwise it throws
 * {@link SharedStateUnavailable}.
 */
export function sharedLimiters(redis: SharedRedis, degradedLocally: boolean): LimiterFactory {
  return (name, rate, burst) => {
    const fallback = createRateLimiter(rate, burst);
    const keyOf = (key: string) =>
      redis.key('rate', name, createHash('sha256').update(key).digest('base64url').slice(0, 32));
    const guarded = async (run: () => Promise<number>, local: () => number): Promise<number> => {
      try {
        return await run();
      } catch (error) {
        if (error instanceof SharedStateUnavailable && degradedLocally) return local();
        throw error;
      }
    };
    return {
      async take(key, cost = 1) {
        if (rate <= 0) return 0;
        if (cost > burst) return Number.POSITIVE_INFINITY;
        if (cost === 0) return 0;
        return guarded(
          () => takeTokens(redis, keyOf(key), { rate, burst }, cost),
          () => fallback.take(key, cost),
        );
      },
      async wait(key) {
        if (rate <= 0) return 0;
        return guarded(
          () => takeTokens(redis, keyOf(key), { rate, burst }, 1, true),
          () => fallback.wait(key),
        );
      },
    };
  };
}
