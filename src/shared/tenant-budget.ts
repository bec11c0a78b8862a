/**
 * A tenant's rate budget: one token bucket per tenant, sized from the tenant's own answers, so every
 * replica together stays inside the limit the tenant enforces. The shared budget keeps the bucket in Redis
 * and decides each take in one Lua script (Redis's clock, so the replicas' clocks do not matter); the
 * embedded one keeps it in this process, for a single replica.
 *
 * What the bucket learns from each answer, the way Auth0 words its limit (a bucket of `X-RateLimit-Limit`
 * requests, `X-RateLimit-Remaining` left, full again at `X-RateLimit-Reset`, epoch seconds):
 * - Limit is the capacity; the refill starts at Limit per window (Auth0 publishes its limits per second).
 * - Remaining lowers the bucket to what the tenant says is left, never raises it: the bucket also counts
 *   requests in flight that the tenant has not seen yet.
 * - Reset lowers the refill rate when the tenant says it refills more slowly than we assume, beyond what
 *   whole-second headers can blur, and raises a lowered one back to the rate the tenant vouches for (its
 *   reset is never early, so `missing / time to full` is a rate it certainly refills at).
 * - A 429 empties the bucket until its `Retry-After` and slows the refill by a tenth.
 * Until the first answer, a configured floor stands in for the limit. Every header value is bounded:
 * a tenant can slow its own budget down, never crash us or lift it past what it said.
 */
import { createHash } from 'node:crypto';
import type { BudgetObservation, BudgetVerdict, RateBudget } from '../executor/types.js';

/** Largest capacity believed from `X-RateLimit-Limit`. */
export const MAX_CAPACITY = 10_000;
/** Furthest a reset or retry is believed, in seconds (a day). */
export const MAX_RESET_SEC = 86_400;
/** Longest a caller may be made to wait for a slot, in milliseconds (`TENANT_MCP_TENANT_BUDGET_WAIT_MS`). */
export const MAX_WAIT_MS = 60_000;
/** How long an idle tenant's bucket is kept in Redis, in milliseconds: then it starts again at the floor. */
export const BUCKET_TTL_MS = 3_600_000;

/** Settings of a tenant budget, as {@link parseTenantBudgetEnv} reads them. */
export interface TenantBudgetSettings {
  /** `off`: no budget; `embedded`: this process only; `shared`: one bucket in Redis for every replica. */
  mode: 'off' | 'embedded' | 'shared';
  /** Longest a call waits for a slot before it is refused, in milliseconds. */
  maxWaitMs: number;
  /** Capacity and requests per window assumed until the tenant's first answer says its limit. */
  floor: number;
  /** The window a limit is counted over, in milliseconds (Auth0's are per second). */
  windowMs: number;
  /** Longest a Redis answer is awaited before the budget counts Redis as unreachable, in milliseconds. */
  redisTimeoutMs: number;
}

/** Defaults of {@link TenantBudgetSettings} (the mode defaults to `shared` when Redis is configured). */
export const TENANT_BUDGET_DEFAULTS = {
  maxWaitMs: 2_000,
  floor: 2,
  windowMs: 1_000,
  redisTimeoutMs: 1_000,
} as const;

/** The environment variables {@link parseTenantBudgetEnv} reads. */
export const TENANT_BUDGET_ENV = {
  mode: 'TENANT_MCP_TENANT_BUDGET',
  maxWaitMs: 'TENANT_MCP_TENANT_BUDGET_WAIT_MS',
  floor: 'TENANT_MCP_TENANT_BUDGET_FLOOR',
  windowMs: 'TENANT_MCP_TENANT_BUDGET_WINDOW_MS',
  redisTimeoutMs: 'TENANT_MCP_TENANT_BUDGET_REDIS_TIMEOUT_MS',
} as const;

function integerSetting(
  env: Record<string, string | undefined>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (raw.length > 12 || !/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new Error(`${name}="${raw.slice(0, 20)}": use a whole number from ${min} to ${max}.`);
  }
  return Number(raw);
}

/**
 * The tenant budget's settings from the environment.
 * @throws Error naming the setting when a value is not usable.
 */
export function parseTenantBudgetEnv(env: Record<string, string | undefined>): TenantBudgetSettings {
  const rawMode = env[TENANT_BUDGET_ENV.mode]?.trim().toLowerCase();
  const mode = rawMode || (env.TENANT_MCP_REDIS_URL?.trim() ? 'shared' : 'off');
  if (mode !== 'off' && mode !== 'embedded' && mode !== 'shared') {
    throw new Error(
      `${TENANT_BUDGET_ENV.mode}="${(rawMode ?? '').slice(0, 20)}": use off, embedded or shared.`,
    );
  }
  if (mode === 'shared' && !env.TENANT_MCP_REDIS_URL?.trim()) {
    throw new Error(
      `${TENANT_BUDGET_ENV.mode}=shared needs TENANT_MCP_REDIS_URL: the replicas share the budget through Redis.`,
    );
  }
  return {
    mode,
    maxWaitMs: integerSetting(
      env,
      TENANT_BUDGET_ENV.maxWaitMs,
      TENANT_BUDGET_DEFAULTS.maxWaitMs,
      0,
      MAX_WAIT_MS,
    ),
    floor: integerSetting(env, TENANT_BUDGET_ENV.floor, TENANT_BUDGET_DEFAULTS.floor, 1, MAX_CAPACITY),
    windowMs: integerSetting(
      env,
      TENANT_BUDGET_ENV.windowMs,
      TENANT_BUDGET_DEFAULTS.windowMs,
      100,
      MAX_RESET_SEC * 1000,
    ),
    redisTimeoutMs: integerSetting(
      env,
      TENANT_BUDGET_ENV.redisTimeoutMs,
      TENANT_BUDGET_DEFAULTS.redisTimeoutMs,
      10,
      10_000,
    ),
  };
}

/** The rate-limit facts of one answer, each bounded, absent when the tenant gave nothing usable. */
export interface RateFacts {
  /** HTTP status. */
  status: number;
  /** `X-RateLimit-Limit`, 1 to {@link MAX_CAPACITY}. */
  limit?: number;
  /** `X-RateLimit-Remaining`, 0 to {@link MAX_CAPACITY}. */
  remaining?: number;
  /** Milliseconds until the bucket is full again, from `X-RateLimit-Reset` (at most a day). */
  fullInMs?: number;
  /**
   * How much shorter than `fullInMs` the true time to full may be: whole-second headers, and our clock
   * against the tenant's. It is never longer when `fullInTrusted`.
   */
  fullInSlackMs?: number;
  /** Whether `fullInMs` was measured on the tenant's own clock (its `Date`, or a relative reset). */
  fullInTrusted?: boolean;
  /** Milliseconds until a request may go again, from a 429's `Retry-After` (at most a day). */
  retryAfterMs?: number;
}

/** A header value as a non-negative number, or `undefined`; reads at most a short prefix of nothing. */
function headerNumber(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  // Longer than any honest number: not parsed at all.
  if (text.length === 0 || text.length > 24 || !/^\d+(\.\d+)?$/.test(text)) return undefined;
  const number = Number(text);
  return Number.isFinite(number) ? number : undefined;
}

/** An HTTP date as epoch milliseconds, or `undefined`. */
function headerDate(value: string | undefined): number | undefined {
  if (value === undefined || value.length > 64) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * Reads an answer's rate-limit headers. `nowMs` is our clock, used only when the tenant sent no `Date`.
 * Hostile values (absent, huge, negative, NaN, fractional where counts are whole) are dropped or bounded.
 */
export function readRateFacts(answer: BudgetObservation, nowMs: number): RateFacts {
  const { headers } = answer;
  const facts: RateFacts = { status: answer.status };
  const limit = headerNumber(headers['x-ratelimit-limit']);
  if (limit !== undefined && limit >= 1) facts.limit = Math.min(MAX_CAPACITY, Math.floor(limit));
  const remaining = headerNumber(headers['x-ratelimit-remaining']);
  if (remaining !== undefined) facts.remaining = Math.min(MAX_CAPACITY, Math.floor(remaining));
  const tenantNow = headerDate(headers.date);
  const reset = headerNumber(headers['x-ratelimit-reset']);
  if (reset !== undefined) {
    // Epoch seconds are above 1e9 since 2001; anything smaller can only be a delay (as retry.ts reads it).
    let fullIn: number;
    let slack: number;
    if (reset <= 1e9) {
      fullIn = reset * 1000;
      slack = 1000;
    } else if (tenantNow !== undefined) {
      // Reset is rounded up and Date down to a second: the true time to full is up to 2 s shorter.
      fullIn = reset * 1000 - tenantNow;
      slack = 2000;
    } else {
      // Our clock against the tenant's: a second of skew allowed for, and nothing learnt upwards.
      fullIn = reset * 1000 - nowMs;
      slack = 3000;
    }
    if (fullIn >= 0) {
      facts.fullInMs = Math.min(MAX_RESET_SEC * 1000, Math.round(fullIn));
      facts.fullInSlackMs = slack;
      facts.fullInTrusted = slack < 3000;
    }
  }
  if (answer.status === 429) {
    const retryAfter = headers['retry-after'];
    const seconds = headerNumber(retryAfter);
    const at = seconds === undefined ? headerDate(retryAfter) : undefined;
    const ms =
      seconds !== undefined ? seconds * 1000 : at !== undefined ? at - (tenantNow ?? nowMs) : undefined;
    if (ms !== undefined && ms >= 0) facts.retryAfterMs = Math.min(MAX_RESET_SEC * 1000, Math.ceil(ms));
  }
  return facts;
}

/** A bucket's stored state. */
export interface BucketState {
  /** Requests available now; below 0 when slots are held for waiting callers. */
  tokens: number;
  /** When `tokens` was last brought up to date, epoch milliseconds. */
  ts: number;
  /** Capacity. */
  cap: number;
  /** Refill, requests per millisecond. */
  rate: number;
  /** Whether the capacity came from the tenant (else it is the floor). */
  learned: boolean;
  /**
   * The tenant answered successfully without any rate-limit header and has never sent one: it reports no
   * limit (a proxy strips them, or it has none), so takes go at once instead of holding the floor for
   * ever. Its 429s (handled as before) or any rate-limit header end it; a tenant that ever sent one never
   * becomes unreported again.
   */
  unreported: boolean;
}

/** A fresh bucket at the floor. */
export function floorBucket(floor: number, windowMs: number, nowMs: number): BucketState {
  return { tokens: floor, ts: nowMs, cap: floor, rate: floor / windowMs, learned: false, unreported: false };
}

/** Brings `tokens` up to `nowMs`; a clock that went back refills nothing. */
function refill(state: BucketState, nowMs: number): void {
  if (nowMs > state.ts) {
    state.tokens = Math.min(state.cap, state.tokens + (nowMs - state.ts) * state.rate);
    state.ts = nowMs;
  }
}

/** Longest a caller waits before asking again while the bucket is still at its floor, in milliseconds. */
export const ASK_AGAIN_MS = 100;

/** Fastest refill a tenant can talk the bucket up to, requests per millisecond (10 000/s). */
export const MAX_RATE = MAX_CAPACITY / 1000;

/** Slowest refill a tenant can talk the bucket down to: its capacity per day. */
function minRate(state: BucketState): number {
  return state.cap / (MAX_RESET_SEC * 1000);
}

/**
 * One take: a slot now, a slot held `waitMs` ahead (at most `maxWaitMs`), or a refusal. The same rules
 * as the Lua script of the shared budget, which the tests hold to the same cases.
 */
export function takeSlot(state: BucketState, nowMs: number, maxWaitMs: number): BudgetVerdict {
  refill(state, nowMs);
  if (state.unreported) return { kind: 'go', waitMs: 0 };
  const waitMs = state.tokens >= 1 ? 0 : Math.ceil((1 - state.tokens) / state.rate);
  if (waitMs > maxWaitMs) {
    return { kind: 'refused', retryAfterMs: waitMs, limit: state.cap, perSecond: state.rate * 1000 };
  }
  // Slots held at the floor's rate would keep callers waiting after the first answer says the tenant
  // allows more: until then, callers come back shortly instead.
  if (waitMs > 0 && !state.learned) return { kind: 'ask_again', waitMs: Math.min(waitMs, ASK_AGAIN_MS) };
  state.tokens -= 1;
  return { kind: 'go', waitMs };
}

/** Learns from one answer's facts (see the module comment). */
export function learn(state: BucketState, nowMs: number, facts: RateFacts, windowMs: number): void {
  refill(state, nowMs);
  const silent = facts.limit === undefined && facts.remaining === undefined && facts.fullInMs === undefined;
  if (!silent || facts.status === 429) state.unreported = false;
  else if (!state.learned && facts.status >= 200 && facts.status < 300) state.unreported = true;
  if (facts.limit !== undefined && (!state.learned || facts.limit !== state.cap)) {
    state.cap = facts.limit;
    state.rate = facts.limit / windowMs;
    state.learned = true;
  }
  state.tokens = Math.min(state.tokens, state.cap);
  if (facts.remaining !== undefined) state.tokens = Math.min(state.tokens, facts.remaining);
  if (state.learned && facts.remaining !== undefined && facts.fullInMs !== undefined) {
    const missing = state.cap - facts.remaining;
    const sure = facts.fullInMs - (facts.fullInSlackMs ?? 0);
    // The tenant refills at least `missing / fullIn` (its reset is never early), and at most
    // `missing / sure`: past that we are certainly too fast, and fall back to the rate it vouches for.
    const vouched = Math.min(MAX_RATE, missing / facts.fullInMs);
    if (missing > 0 && sure > 0 && missing / state.rate < sure) {
      state.rate = Math.max(minRate(state), vouched);
    } else if (missing > 0 && facts.fullInTrusted && facts.fullInMs >= 1000 && vouched > state.rate) {
      state.rate = vouched;
    }
  }
  if (facts.status === 429) {
    state.rate = Math.max(minRate(state), state.rate * 0.9);
    const cut = facts.retryAfterMs !== undefined ? 1 - facts.retryAfterMs * state.rate : 0;
    state.tokens = Math.min(state.tokens, 0, cut);
  }
}

/** Options of {@link createEmbeddedTenantBudget}. */
export interface EmbeddedBudgetOptions {
  /** Settings (the mode is ignored). */
  settings: Omit<TenantBudgetSettings, 'mode'>;
  /** Clock, epoch milliseconds (default `Date.now`). */
  now?: () => number;
}

/** A budget for one tenant kept in this process: right for one replica, blind to any other. */
export function createEmbeddedTenantBudget(options: EmbeddedBudgetOptions): RateBudget & {
  /** The bucket, for tests and diagnostics. */
  state(): Readonly<BucketState>;
} {
  const now = options.now ?? Date.now;
  const { floor, windowMs, maxWaitMs } = options.settings;
  const bucket = floorBucket(floor, windowMs, now());
  return {
    async take() {
      return takeSlot(bucket, now(), maxWaitMs);
    },
    async observe(answer) {
      const at = now();
      learn(bucket, at, readRateFacts(answer, at), windowMs);
    },
    state: () => ({ ...bucket }),
  };
}

/**
 * The one client call the shared budget needs; `SharedRedis` provides it (EVALSHA, falling back to EVAL).
 */
export interface BudgetRedis {
  /** Runs a Lua script with its keys and arguments. */
  eval(script: string, keys: string[], args: string[]): Promise<unknown>;
}

/** Redis could not be asked: the budget refuses rather than letting calls through uncounted. */
export class TenantBudgetUnavailableError extends Error {
  /** Stable code the executor recognises (`RateBudget`'s contract). */
  readonly code = 'budget_unavailable' as const;

  /**
   * @param tenant The tenant whose budget could not be read.
   * @param options `cause`: the client's error, for logs.
   */
  constructor(
    readonly tenant: string,
    options?: { cause?: unknown },
  ) {
    super(
      `The shared rate budget of ${tenant} is unavailable (Redis did not answer), so the tenant's rate limit cannot be kept across replicas.`,
      options,
    );
    this.name = 'TenantBudgetUnavailableError';
  }
}

/**
 * The bucket in one Redis hash; the same rules as {@link takeSlot} and {@link learn}, with Redis's
 * `TIME` as the clock. ARGV: op (`take`|`observe`), floor, windowMs, ttlMs, then for `take` maxWaitMs, for
 * `observe` status, limit, remaining, fullInMs, fullInSlackMs, retryAfterMs (`''` when absent), trusted (`1`|`0`).
 */
export const BUDGET_SCRIPT = `
local key = KEYS[1]
local op = ARGV[1]
local floor = tonumber(ARGV[2])
local windowMs = tonumber(ARGV[3])
local ttlMs = tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local h = redis.call('HMGET', key, 'tokens', 'ts', 'cap', 'rate', 'learned', 'unreported')
local cap = tonumber(h[3]) or floor
local rate = tonumber(h[4]) or (floor / windowMs)
local tokens = tonumber(h[1]) or cap
local ts = tonumber(h[2]) or now
local learned = h[5] == '1'
local unreported = h[6] == '1'
if now > ts then
  tokens = math.min(cap, tokens + (now - ts) * rate)
  ts = now
end
local function save()
  redis.call('HSET', key, 'tokens', string.format('%.17g', tokens), 'ts', string.format('%d', ts),
    'cap', string.format('%d', cap), 'rate', string.format('%.17g', rate), 'learned', learned and '1' or '0',
    'unreported', unreported and '1' or '0')
  redis.call('PEXPIRE', key, ttlMs)
end
local minRate = cap / 86400000
if op == 'take' then
  local maxWait = tonumber(ARGV[5])
  if unreported then
    save()
    return {1, 0, cap, string.format('%.17g', rate * 1000)}
  end
  local wait = 0
  if tokens < 1 then wait = math.ceil((1 - tokens) / rate) end
  if wait > maxWait then
    save()
    return {0, wait, cap, string.format('%.17g', rate * 1000)}
  end
  if wait > 0 and not learned then
    save()
    return {2, math.min(wait, ${ASK_AGAIN_MS}), cap, string.format('%.17g', rate * 1000)}
  end
  tokens = tokens - 1
  save()
  return {1, wait, cap, string.format('%.17g', rate * 1000)}
end
local status = tonumber(ARGV[5])
local limit = tonumber(ARGV[6])
local remaining = tonumber(ARGV[7])
local fullIn = tonumber(ARGV[8])
local slack = tonumber(ARGV[9]) or 0
local retryAfter = tonumber(ARGV[10])
local trusted = ARGV[11] == '1'
if (limit or remaining or fullIn) or status == 429 then
  unreported = false
elseif (not learned) and status >= 200 and status < 300 then
  unreported = true
end
if limit and ((not learned) or limit ~= cap) then
  cap = limit
  rate = limit / windowMs
  learned = true
  minRate = cap / 86400000
end
tokens = math.min(tokens, cap)
if remaining then tokens = math.min(tokens, remaining) end
if learned and remaining and fullIn then
  local missing = cap - remaining
  local sure = fullIn - slack
  local vouched = math.min(${MAX_CAPACITY / 1000}, missing / fullIn)
  if missing > 0 and sure > 0 and missing / rate < sure then
    rate = math.max(minRate, vouched)
  elseif missing > 0 and trusted and fullIn >= 1000 and vouched > rate then
    rate = vouched
  end
end
if status == 429 then
  rate = math.max(minRate, rate * 0.9)
  local cut = 0
  if retryAfter then cut = 1 - retryAfter * rate end
  tokens = math.min(tokens, 0, cut)
end
save()
return 1
`;

/** Options of {@link createSharedTenantBudget}. */
export interface SharedBudgetOptions {
  /** The Redis client. */
  redis: BudgetRedis;
  /** The tenant domain (or URL) the executor sends to: one bucket per tenant. */
  tenant: string;
  /** Settings (the mode is ignored). */
  settings: Omit<TenantBudgetSettings, 'mode'>;
  /** Prefix of the bucket's key (default `tenant-mcp:budget:`). */
  keyPrefix?: string;
}

/** The Redis key of a tenant's bucket: the domain as given, lower case, hashed when unreasonably long. */
export function budgetKey(tenant: string, prefix = 'tenant-mcp:budget:'): string {
  const name = tenant.trim().toLowerCase();
  return `${prefix}${name.length <= 200 ? name : `sha256:${createHash('sha256').update(name).digest('hex')}`}`;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A reply of {@link BUDGET_SCRIPT}'s `take`, checked: anything else means the store is not ours. */
function readVerdict(reply: unknown): BudgetVerdict {
  if (!Array.isArray(reply) || reply.length !== 4) throw new Error('unexpected reply from the budget script');
  const [kind, wait, cap, perSecond] = reply.map(Number) as [number, number, number, number];
  if (![kind, wait, cap, perSecond].every(Number.isFinite) || ![0, 1, 2].includes(kind)) {
    throw new Error('unexpected reply from the budget script');
  }
  if (kind === 1) return { kind: 'go', waitMs: wait };
  if (kind === 2) return { kind: 'ask_again', waitMs: wait };
  return { kind: 'refused', retryAfterMs: wait, limit: cap, perSecond };
}

/**
 * A tenant budget shared by every replica through Redis. Each take and each answer is one script run;
 * when Redis cannot be reached (or does not answer within `redisTimeoutMs`) `take` rejects with
 * {@link TenantBudgetUnavailableError}: nothing goes out uncounted.
 */
export function createSharedTenantBudget(options: SharedBudgetOptions): RateBudget {
  const { redis, tenant, settings } = options;
  const key = budgetKey(tenant, options.keyPrefix);
  const head = [String(settings.floor), String(settings.windowMs), String(BUCKET_TTL_MS)];
  const run = (args: string[]) =>
    withTimeout(redis.eval(BUDGET_SCRIPT, [key], args), settings.redisTimeoutMs);
  const opt = (value: number | undefined) => (value === undefined ? '' : String(value));
  return {
    async take() {
      let reply: unknown;
      try {
        reply = await run(['take', ...head, String(settings.maxWaitMs)]);
        return readVerdict(reply);
      } catch (cause) {
        throw new TenantBudgetUnavailableError(tenant, { cause });
      }
    },
    async observe(answer) {
      const facts = readRateFacts(answer, Date.now());
      try {
        await run([
          'observe',
          ...head,
          String(facts.status),
          opt(facts.limit),
          opt(facts.remaining),
          opt(facts.fullInMs),
          opt(facts.fullInSlackMs),
          opt(facts.retryAfterMs),
          facts.fullInTrusted ? '1' : '0',
        ]);
      } catch {
        // The answer is in; a Redis that is down shows at the next take, which refuses.
      }
    },
  };
}

/**
 * A shared budget that, while its store is unreachable, meters in the process instead (the operator's
 * `TENANT_MCP_REDIS_DEGRADED=reads`: reads go on, each replica counting its own), and goes back to the
 * shared bucket as soon as it answers. Both learn from every answer.
 */
export function withLocalFallback(shared: RateBudget, local: RateBudget): RateBudget {
  return {
    async take() {
      try {
        return await shared.take();
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'budget_unavailable') throw error;
        return local.take();
      }
    },
    async observe(answer) {
      await Promise.all([shared.observe(answer), local.observe(answer)]);
    },
  };
}

/**
 * The budget the settings ask for, or `undefined` for `off`.
 * @throws Error when `shared` is asked for without a Redis client.
 */
export function createTenantBudget(
  settings: TenantBudgetSettings,
  tenant: string,
  redis?: BudgetRedis,
  keyPrefix?: string,
): RateBudget | undefined {
  if (settings.mode === 'off') return undefined;
  if (settings.mode === 'embedded') return createEmbeddedTenantBudget({ settings });
  if (!redis)
    throw new Error(`${TENANT_BUDGET_ENV.mode}=shared needs a Redis client (TENANT_MCP_REDIS_URL).`);
  return createSharedTenantBudget({ redis, tenant, settings, ...(keyPrefix ? { keyPrefix } : {}) });
}
