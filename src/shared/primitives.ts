/**
 * The few races replicas share, each decided by one Lua script inside Redis: a value taken once
 * (single-use markers, SET NX PX), a token bucket per key (rate limits), and a failure count in a window
 * (lockouts). Times come from Redis's own clock (`TIME`), so replicas whose clocks drift agree.
 */
import type { SharedRedis } from './redis.js';

const CLAIM_ONCE = `return redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) and 1 or 0`;

/** Takes `key` once for `ttlMs`: `true` the first time, `false` after (until it expires). */
export async function claimOnce(redis: SharedRedis, key: string, ttlMs: number): Promise<boolean> {
  return (await redis.eval(CLAIM_ONCE, [key], [Math.max(1, Math.ceil(ttlMs))])) === 1;
}

// A token bucket in a hash {tokens, at}: refilled at `rate` a second up to `burst`; `cost` is taken only
// when there is enough. Returns 0 when taken, else the whole seconds to wait. With ARGV[4] = 'peek' it only
// says how long one token is away and changes nothing. The key expires once the bucket would be full.
const TAKE_TOKENS = `
local rate, burst, cost, peek = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4] == 'peek'
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
if peek and not b[1] then return 0 end
local tokens, at = tonumber(b[1]) or burst, tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) / 1000 * rate)
if tokens < cost then return math.max(1, math.ceil((cost - tokens) / rate)) end
if peek then return 0 end
tokens = tokens - cost
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return 0`;

/**
 * Takes `cost` tokens from the bucket at `key` (`rate` a second, `burst` at most): 0 when allowed, else
 * the seconds to wait, and nothing is taken. With `peek`, only the wait for one token, nothing taken.
 */
export async function takeTokens(
  redis: SharedRedis,
  key: string,
  bucket: { rate: number; burst: number },
  cost: number,
  peek = false,
): Promise<number> {
  return Number(
    await redis.eval(TAKE_TOKENS, [key], [bucket.rate, bucket.burst, cost, peek ? 'peek' : 'take']),
  );
}

// Failures in a fixed window: INCR, with the window's expiry set by the first.
const COUNT_FAILURE = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;
const READ_COUNT = `return tonumber(redis.call('GET', KEYS[1]) or '0')`;

/** Counts one failure at `key` in a window of `windowMs` from the first; returns the count. */
export async function countFailure(redis: SharedRedis, key: string, windowMs: number): Promise<number> {
  return Number(await redis.eval(COUNT_FAILURE, [key], [windowMs]));
}

/** The failures counted at `key` in its current window. */
export async function failureCount(redis: SharedRedis, key: string): Promise<number> {
  return Number(await redis.eval(READ_COUNT, [key], []));
}
