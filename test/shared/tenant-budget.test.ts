// The tenant budget's rules without Redis: what each header teaches the bucket, how hostile values are
// bounded, the embedded budget's takes on a fake clock, and the settings read from the environment.
import { describe, expect, it } from 'vitest';
import {
  type BucketState,
  createEmbeddedTenantBudget,
  floorBucket,
  learn,
  MAX_CAPACITY,
  MAX_RESET_SEC,
  parseTenantBudgetEnv,
  readRateFacts,
  TENANT_BUDGET_DEFAULTS,
  takeSlot,
} from '../../src/shared/tenant-budget.js';

const NOW = Date.UTC(2026, 11, 4, 2, 0, 0, 300);
const HTTP_NOW = new Date(NOW).toUTCString();
const settings = { ...TENANT_BUDGET_DEFAULTS };

describe('readRateFacts', () => {
  it('reads Auth0-style headers, reset against the tenant Date', () => {
    const facts = readRateFacts(
      {
        status: 200,
        headers: {
          'x-ratelimit-limit': '50',
          'x-ratelimit-remaining': '12',
          'x-ratelimit-reset': String(Math.floor(NOW / 1000) + 3),
          date: HTTP_NOW,
        },
      },
      NOW + 500_000, // our clock far off: the tenant's Date is used instead
    );
    expect(facts).toEqual({
      status: 200,
      limit: 50,
      remaining: 12,
      fullInMs: 3000,
      fullInSlackMs: 2000,
      fullInTrusted: true,
    });
  });

  it('reads a small reset as a delay and a 429 Retry-After in seconds or as a date', () => {
    expect(
      readRateFacts({ status: 429, headers: { 'x-ratelimit-reset': '4', 'retry-after': '2' } }, NOW),
    ).toEqual({ status: 429, fullInMs: 4000, fullInSlackMs: 1000, fullInTrusted: true, retryAfterMs: 2000 });
    const at = new Date(NOW + 7000).toUTCString();
    expect(
      readRateFacts({ status: 429, headers: { 'retry-after': at, date: HTTP_NOW } }, NOW).retryAfterMs,
    ).toBe(7000);
  });

  const hostile: Array<[string, Record<string, string>]> = [
    ['absent', {}],
    ['negative', { 'x-ratelimit-limit': '-5', 'x-ratelimit-remaining': '-1', 'x-ratelimit-reset': '-3' }],
    ['NaN', { 'x-ratelimit-limit': 'NaN', 'x-ratelimit-remaining': 'nan', 'x-ratelimit-reset': 'Infinity' }],
    [
      'hex and exponents',
      { 'x-ratelimit-limit': '0x10', 'x-ratelimit-remaining': '1e3', 'x-ratelimit-reset': '1e12' },
    ],
    ['zero limit', { 'x-ratelimit-limit': '0' }],
    [
      'a megabyte of digits',
      { 'x-ratelimit-limit': '9'.repeat(1_000_000), 'retry-after': '9'.repeat(1_000_000) },
    ],
    [
      'a megabyte of junk',
      { 'x-ratelimit-remaining': `1${' '.repeat(1_000_000)}x`, date: 'x'.repeat(1_000_000) },
    ],
  ];
  for (const [name, headers] of hostile) {
    it(`ignores ${name} values`, () => {
      const started = performance.now();
      const facts = readRateFacts({ status: 429, headers }, NOW);
      expect(performance.now() - started).toBeLessThan(200);
      expect(facts.limit).toBeUndefined();
      expect(facts.remaining).toBeUndefined();
      expect(facts.fullInMs).toBeUndefined();
      expect(facts.retryAfterMs).toBeUndefined();
    });
  }

  it('bounds huge values: capacity to 10 000, reset and retry to a day', () => {
    const facts = readRateFacts(
      {
        status: 429,
        headers: {
          'x-ratelimit-limit': '123456789012',
          'x-ratelimit-remaining': '99999999',
          'x-ratelimit-reset': '99999999999',
          'retry-after': '99999999999',
          date: HTTP_NOW,
        },
      },
      NOW,
    );
    expect(facts.limit).toBe(MAX_CAPACITY);
    expect(facts.remaining).toBe(MAX_CAPACITY);
    expect(facts.fullInMs).toBe(MAX_RESET_SEC * 1000);
    expect(facts.retryAfterMs).toBe(MAX_RESET_SEC * 1000);
  });

  it('drops a reset already in the past and floors fractional counts', () => {
    const facts = readRateFacts(
      {
        status: 200,
        headers: {
          'x-ratelimit-limit': '10.9',
          'x-ratelimit-remaining': '3.7',
          'x-ratelimit-reset': '1700000000',
        },
      },
      NOW,
    );
    expect(facts).toEqual({ status: 200, limit: 10, remaining: 3 });
  });
});

function bucket(overrides: Partial<BucketState> = {}): BucketState {
  return { ...floorBucket(2, 1000, NOW), ...overrides };
}

describe('the bucket', () => {
  it('starts at the floor and learns its capacity and refill from Limit', () => {
    const state = bucket();
    expect(state).toMatchObject({ cap: 2, tokens: 2, learned: false });
    learn(state, NOW, { status: 200, limit: 10, remaining: 9 }, 1000);
    expect(state).toMatchObject({ cap: 10, rate: 10 / 1000, learned: true });
    // Lowered to what the tenant has left, never raised to it.
    expect(state.tokens).toBe(2);
  });

  it('Remaining corrects the bucket down, never up', () => {
    const state = bucket({ cap: 10, tokens: 8, rate: 0.01, learned: true });
    learn(state, NOW, { status: 200, limit: 10, remaining: 3 }, 1000);
    expect(state.tokens).toBe(3);
    learn(state, NOW, { status: 200, limit: 10, remaining: 9 }, 1000);
    expect(state.tokens).toBe(3);
  });

  it('Reset slows the refill only when the tenant certainly refills more slowly', () => {
    // 50 at once at 50/s assumed; the tenant says 40 missing and full in 4 s: it refills at 10/s.
    const slow = bucket({ cap: 50, tokens: 50, rate: 0.05, learned: true });
    learn(slow, NOW, { status: 200, limit: 50, remaining: 10, fullInMs: 4000, fullInSlackMs: 2000 }, 1000);
    expect(slow.rate).toBeCloseTo(40 / 4000);
    // Within the headers' rounding: nothing is learnt.
    const blurred = bucket({ cap: 10, tokens: 10, rate: 0.01, learned: true });
    learn(blurred, NOW, { status: 200, limit: 10, remaining: 0, fullInMs: 2000, fullInSlackMs: 2000 }, 1000);
    expect(blurred.rate).toBe(0.01);
  });

  it('Reset raises a slowed refill to what the tenant vouches for, on its own clock only', () => {
    const state = bucket({ cap: 20, tokens: 0, rate: 0.003, learned: true });
    const facts = { status: 200, limit: 20, remaining: 0, fullInMs: 3000, fullInSlackMs: 2000 };
    learn(state, NOW, { ...facts, fullInTrusted: false }, 1000);
    expect(state.rate).toBe(0.003);
    learn(state, NOW, { ...facts, fullInTrusted: true }, 1000);
    expect(state.rate).toBeCloseTo(20 / 3000);
    // Never above the vouched rate, however often it is said.
    learn(state, NOW, { ...facts, fullInMs: 4000, fullInTrusted: true }, 1000);
    expect(state.rate).toBeCloseTo(20 / 3000);
  });

  it('a lying Reset can slow the bucket to its capacity per day, no further', () => {
    const state = bucket({ cap: 10, tokens: 10, rate: 0.01, learned: true });
    learn(state, NOW, { status: 200, limit: 10, remaining: 0, fullInMs: 1e12, fullInSlackMs: 0 }, 1000);
    expect(state.rate).toBeGreaterThanOrEqual(10 / (MAX_RESET_SEC * 1000));
    expect(Number.isFinite(state.rate)).toBe(true);
  });

  it('a 429 empties the bucket until its Retry-After and slows the refill', () => {
    const state = bucket({ cap: 10, tokens: 5, rate: 0.01, learned: true });
    learn(state, NOW, { status: 429, limit: 10, remaining: 0, retryAfterMs: 3000 }, 1000);
    expect(state.rate).toBeCloseTo(0.009);
    const verdict = takeSlot(state, NOW, 60_000);
    expect(verdict).toEqual({ kind: 'go', waitMs: 3000 });
  });

  it('holds slots for waiting callers in order, and refuses past the wait bound', () => {
    const state = bucket({ cap: 10, tokens: 1, rate: 0.01, learned: true });
    expect(takeSlot(state, NOW, 2000)).toEqual({ kind: 'go', waitMs: 0 });
    expect(takeSlot(state, NOW, 2000)).toEqual({ kind: 'go', waitMs: 100 });
    expect(takeSlot(state, NOW, 2000)).toEqual({ kind: 'go', waitMs: 200 });
    for (let i = 3; i <= 20; i++) takeSlot(state, NOW, 2000);
    expect(takeSlot(state, NOW, 2000)).toEqual({
      kind: 'refused',
      retryAfterMs: 2100,
      limit: 10,
      perSecond: 10,
    });
  });

  it('before the first answer, holds no slot at the floor rate: callers ask again shortly', () => {
    const state = bucket();
    expect(takeSlot(state, NOW, 2000)).toEqual({ kind: 'go', waitMs: 0 });
    expect(takeSlot(state, NOW, 2000)).toEqual({ kind: 'go', waitMs: 0 });
    expect(takeSlot(state, NOW, 2000)).toEqual({ kind: 'ask_again', waitMs: 100 });
    expect(state.tokens).toBe(0);
    expect(takeSlot(state, NOW, 400)).toEqual({ kind: 'refused', retryAfterMs: 500, limit: 2, perSecond: 2 });
    learn(state, NOW, { status: 200, limit: 10, remaining: 8 }, 1000);
    expect(takeSlot(state, NOW, 2000)).toEqual({ kind: 'go', waitMs: 100 });
  });

  it('a tenant that answers without any rate-limit header is not held at the floor; a header or a 429 ends that', () => {
    const state = bucket();
    takeSlot(state, NOW, 2000);
    takeSlot(state, NOW, 2000);
    expect(takeSlot(state, NOW, 2000).kind).toBe('ask_again');
    // A 5xx without headers says nothing about limits.
    learn(state, NOW, { status: 503 }, 1000);
    expect(state.unreported).toBe(false);
    learn(state, NOW, { status: 200 }, 1000);
    expect(state.unreported).toBe(true);
    for (let i = 0; i < 50; i++) expect(takeSlot(state, NOW, 2000)).toEqual({ kind: 'go', waitMs: 0 });
    // Its 429 puts the floor back, emptied until the Retry-After.
    learn(state, NOW, { status: 429, retryAfterMs: 1000 }, 1000);
    expect(state.unreported).toBe(false);
    expect(takeSlot(state, NOW, 2000).kind).not.toBe('go');
    learn(state, NOW, { status: 200 }, 1000);
    expect(state.unreported).toBe(true);
    // Once it reports a limit, a silent answer never lifts the bucket again.
    learn(state, NOW, { status: 200, limit: 10, remaining: 0 }, 1000);
    learn(state, NOW, { status: 204 }, 1000);
    expect(state).toMatchObject({ unreported: false, learned: true, cap: 10 });
    // Limited again: the slot is held for a while, not given at once.
    const held = takeSlot(state, NOW, 2000);
    expect(held.kind === 'go' && held.waitMs > 0).toBe(true);
  });

  it('a clock that goes back refills nothing', () => {
    const state = bucket({ cap: 10, tokens: 0, rate: 0.01, learned: true });
    takeSlot(state, NOW - 60_000, 60_000);
    expect(state.tokens).toBe(-1);
    expect(state.ts).toBe(NOW);
  });
});

describe('the embedded budget', () => {
  it('never grants more than the limit in a burst plus the refill over a window', async () => {
    let now = NOW;
    const budget = createEmbeddedTenantBudget({ settings, now: () => now });
    await budget.observe({
      status: 200,
      headers: { 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '10' },
    });
    let sentAtOnce = 0;
    for (let i = 0; i < 20; i++) {
      const verdict = await budget.take();
      if (verdict.kind === 'go' && verdict.waitMs === 0) sentAtOnce++;
    }
    // The floor's 2 were spent by nothing; the learnt 10 refill from there.
    expect(sentAtOnce).toBe(2);
    now += 5000;
    const granted: number[] = [];
    for (let i = 0; i < 40; i++) {
      const verdict = await budget.take();
      if (verdict.kind === 'go') granted.push(verdict.waitMs);
    }
    // After 5 s: a full bucket of 10, then slots spaced 100 ms apart up to the 2 s wait bound.
    expect(granted.filter((ms) => ms === 0)).toHaveLength(10);
    expect(granted).toHaveLength(30);
    expect(Math.max(...granted)).toBeLessThanOrEqual(settings.maxWaitMs);
  });
});

describe('parseTenantBudgetEnv', () => {
  it('is off by default and shared when Redis is configured', () => {
    expect(parseTenantBudgetEnv({})).toEqual({ mode: 'off', ...TENANT_BUDGET_DEFAULTS });
    expect(parseTenantBudgetEnv({ TENANT_MCP_REDIS_URL: 'redis://127.0.0.1:6379' }).mode).toBe('shared');
    expect(
      parseTenantBudgetEnv({ TENANT_MCP_REDIS_URL: 'redis://x', TENANT_MCP_TENANT_BUDGET: 'embedded' }).mode,
    ).toBe('embedded');
  });

  it('reads every setting', () => {
    expect(
      parseTenantBudgetEnv({
        TENANT_MCP_TENANT_BUDGET: 'EMBEDDED',
        TENANT_MCP_TENANT_BUDGET_WAIT_MS: '500',
        TENANT_MCP_TENANT_BUDGET_FLOOR: '10',
        TENANT_MCP_TENANT_BUDGET_WINDOW_MS: '60000',
        TENANT_MCP_TENANT_BUDGET_REDIS_TIMEOUT_MS: '250',
      }),
    ).toEqual({ mode: 'embedded', maxWaitMs: 500, floor: 10, windowMs: 60_000, redisTimeoutMs: 250 });
  });

  const bad: Array<[Record<string, string>, RegExp]> = [
    [{ TENANT_MCP_TENANT_BUDGET: 'yes' }, /TENANT_MCP_TENANT_BUDGET="yes": use off, embedded or shared/],
    [{ TENANT_MCP_TENANT_BUDGET: 'shared' }, /TENANT_MCP_TENANT_BUDGET=shared needs TENANT_MCP_REDIS_URL/],
    [
      { TENANT_MCP_TENANT_BUDGET_WAIT_MS: '-1' },
      /TENANT_MCP_TENANT_BUDGET_WAIT_MS="-1": use a whole number from 0 to 60000/,
    ],
    [{ TENANT_MCP_TENANT_BUDGET_WAIT_MS: '99999999' }, /TENANT_MCP_TENANT_BUDGET_WAIT_MS/],
    [{ TENANT_MCP_TENANT_BUDGET_FLOOR: '0' }, /TENANT_MCP_TENANT_BUDGET_FLOOR="0"/],
    [{ TENANT_MCP_TENANT_BUDGET_FLOOR: '2.5' }, /TENANT_MCP_TENANT_BUDGET_FLOOR/],
    [{ TENANT_MCP_TENANT_BUDGET_WINDOW_MS: '10' }, /TENANT_MCP_TENANT_BUDGET_WINDOW_MS="10"/],
    [
      { TENANT_MCP_TENANT_BUDGET_REDIS_TIMEOUT_MS: 'soon' },
      /TENANT_MCP_TENANT_BUDGET_REDIS_TIMEOUT_MS="soon"/,
    ],
  ];
  for (const [env, message] of bad) {
    it(`refuses ${JSON.stringify(env)} naming the setting`, () => {
      expect(() => parseTenantBudgetEnv(env)).toThrow(message);
    });
  }
});
