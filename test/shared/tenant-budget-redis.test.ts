// The shared budget against a real redis-server: the Lua script follows the embedded bucket's rules, a
// take is atomic across clients, each tenant has its own bucket, and a Redis that is gone or silent makes
// the budget refuse (fail closed) instead of letting calls through uncounted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BudgetVerdict } from '../../src/executor/index.js';
import {
  type BudgetRedis,
  budgetKey,
  createEmbeddedTenantBudget,
  createSharedTenantBudget,
  TENANT_BUDGET_DEFAULTS,
  TenantBudgetUnavailableError,
} from '../../src/shared/tenant-budget.js';
import { connectBudgetRedis, startTestRedis, type TestRedis } from '../helpers/budget-redis.js';

let server: TestRedis;
const clients: Array<{ redis: BudgetRedis; close(): Promise<void> }> = [];

beforeAll(async () => {
  server = await startTestRedis();
  for (let i = 0; i < 4; i++) clients.push(await connectBudgetRedis(server.url));
}, 20_000);

afterAll(async () => {
  for (const client of clients) await client.close();
  await server?.stop();
});

const settings = { ...TENANT_BUDGET_DEFAULTS };
let tenantCount = 0;
/** A tenant of its own per test: buckets never leak between tests. */
const freshTenant = () => `t${++tenantCount}-${process.pid}.eu.auth0.com`;

/** `X-RateLimit-Reset` `seconds` after the tenant's `Date` (both whole seconds, as Auth0 sends them). */
const resetIn = (seconds: number) => {
  const now = Math.floor(Date.now() / 1000);
  return { 'x-ratelimit-reset': String(now + seconds), date: new Date(now * 1000).toUTCString() };
};

const headers = (limit: number, remaining: number, extra: Record<string, string> = {}) => ({
  'x-ratelimit-limit': String(limit),
  'x-ratelimit-remaining': String(remaining),
  ...extra,
});

describe('the shared budget', () => {
  it('follows the same rules as the embedded one', async () => {
    const shared = createSharedTenantBudget({ redis: clients[0]!.redis, tenant: freshTenant(), settings });
    const embedded = createEmbeddedTenantBudget({ settings });
    const steps: Array<{ observe: { status: number; headers: Record<string, string> } } | { takes: number }> =
      [
        { takes: 3 }, // the floor: 2 now, then ask again
        { observe: { status: 200, headers: headers(10, 9) } },
        { takes: 25 },
        { observe: { status: 200, headers: headers(10, 0) } },
        { takes: 3 },
        { observe: { status: 429, headers: { ...headers(10, 0), 'retry-after': '1' } } },
        { takes: 2 },
        // The tenant refills more slowly than 10/s: 8 missing, full in 5 s on its own clock.
        { observe: { status: 200, headers: headers(10, 2, resetIn(5)) } },
        { takes: 2 },
        // ... and vouches for 5/s: 10 missing, full in 2 s.
        { observe: { status: 200, headers: headers(10, 0, resetIn(2)) } },
        { takes: 2 },
      ];
    const verdicts: Array<[BudgetVerdict, BudgetVerdict]> = [];
    for (const step of steps) {
      if ('observe' in step) {
        await shared.observe(step.observe);
        await embedded.observe(step.observe);
        continue;
      }
      for (let i = 0; i < step.takes; i++) verdicts.push([await shared.take(), await embedded.take()]);
    }
    for (const [a, b] of verdicts) {
      expect(a.kind).toBe(b.kind);
      // Both clocks run while the test does: waits agree to a few milliseconds.
      const waitA = a.kind === 'refused' ? a.retryAfterMs : a.waitMs;
      const waitB = b.kind === 'refused' ? b.retryAfterMs : b.waitMs;
      expect(Math.abs(waitA - waitB)).toBeLessThan(50);
      if (a.kind === 'refused' && b.kind === 'refused') {
        expect([a.limit, a.perSecond]).toEqual([b.limit, b.perSecond]);
      }
    }
    // The refusals carried each rate the answers taught: 10/s, slowed by the 429, by Reset, raised again.
    const rates = verdicts.flatMap(([a]) => (a.kind === 'refused' ? [Number(a.perSecond.toFixed(3))] : []));
    expect([...new Set(rates)]).toEqual([10, 9, 1.6, 5]);
    // The sequence reached every kind of verdict, so the comparison covered them all.
    const kinds = new Set(verdicts.map(([a]) => (a.kind === 'go' && a.waitMs > 0 ? 'wait' : a.kind)));
    expect([...kinds].sort()).toEqual(['ask_again', 'go', 'refused', 'wait']);
  });

  it('follows the embedded rules for a tenant that reports no limit', async () => {
    const shared = createSharedTenantBudget({ redis: clients[0]!.redis, tenant: freshTenant(), settings });
    const embedded = createEmbeddedTenantBudget({ settings });
    const silent = { status: 200, headers: {} };
    const steps: Array<{ observe: { status: number; headers: Record<string, string> } } | { takes: number }> =
      [
        { takes: 3 }, // the floor: 2 now, then ask again
        { observe: silent },
        { takes: 20 }, // no limit reported: every take goes at once
        { observe: { status: 429, headers: { 'retry-after': '1' } } },
        { takes: 2 },
        { observe: silent },
        { takes: 5 },
        { observe: { status: 200, headers: headers(10, 0) } },
        { observe: silent }, // it reported once: a silent answer lifts nothing
        { takes: 3 },
      ];
    const kinds: Array<[string, string]> = [];
    for (const step of steps) {
      if ('observe' in step) {
        await shared.observe(step.observe);
        await embedded.observe(step.observe);
        continue;
      }
      for (let i = 0; i < step.takes; i++) {
        const [a, b] = [await shared.take(), await embedded.take()];
        kinds.push([
          a.kind === 'go' && a.waitMs > 0 ? 'wait' : a.kind,
          b.kind === 'go' && b.waitMs > 0 ? 'wait' : b.kind,
        ]);
      }
    }
    for (const [a, b] of kinds) expect(a).toBe(b);
    const shown = kinds.map(([a]) => a);
    expect(shown.slice(0, 23)).toEqual(['go', 'go', 'ask_again', ...Array(20).fill('go')]);
    expect(shown.slice(23, 25)).not.toContain('go');
    expect(shown.slice(25, 30)).toEqual(Array(5).fill('go'));
    expect(shown.slice(30)).not.toContain('go');
  });

  it('learns the capacity from the first answer without filling the bucket', async () => {
    const tenant = freshTenant();
    const slow = { ...settings, maxWaitMs: 0, windowMs: 86_400_000 }; // refill: 30 a day, nothing in the test
    const budgets = clients.map(({ redis }) => createSharedTenantBudget({ redis, tenant, settings: slow }));
    await budgets[0]!.observe({ status: 200, headers: headers(30, 30) });
    // Only the floor's 2 slots are there: the requests in flight that the tenant has not counted yet are
    // why Remaining never raises the bucket.
    const takes = await Promise.all(
      Array.from({ length: 200 }, (_, i) => budgets[i % budgets.length]!.take()),
    );
    expect(takes.filter((v) => v.kind === 'go')).toHaveLength(2);
    const refused = takes.find((v) => v.kind === 'refused');
    expect(refused).toMatchObject({ kind: 'refused', limit: 30 });
  });

  it('holds the capacity exactly when many clients take from a full bucket', async () => {
    const tenant = freshTenant();
    const settled = { ...settings, floor: 40, maxWaitMs: 0, windowMs: 86_400_000 };
    const budgets = clients.map(({ redis }) =>
      createSharedTenantBudget({ redis, tenant, settings: settled }),
    );
    const takes = await Promise.all(
      Array.from({ length: 300 }, (_, i) => budgets[i % budgets.length]!.take()),
    );
    expect(takes.filter((v) => v.kind === 'go')).toHaveLength(40);
  });

  it('keeps one bucket per tenant', async () => {
    const a = freshTenant();
    const b = freshTenant();
    const one = { ...settings, floor: 1, maxWaitMs: 0, windowMs: 86_400_000 };
    const budgetA = createSharedTenantBudget({ redis: clients[0]!.redis, tenant: a, settings: one });
    const budgetB = createSharedTenantBudget({ redis: clients[1]!.redis, tenant: b, settings: one });
    expect((await budgetA.take()).kind).toBe('go');
    expect((await budgetA.take()).kind).toBe('refused');
    expect((await budgetB.take()).kind).toBe('go');
    expect(budgetKey(a)).not.toBe(budgetKey(b));
    expect(budgetKey('X'.repeat(5000))).toMatch(/^tenant-mcp:budget:sha256:[0-9a-f]{64}$/);
  });

  it('survives hostile headers and stays usable', async () => {
    const budget = createSharedTenantBudget({ redis: clients[2]!.redis, tenant: freshTenant(), settings });
    const hostile: Array<Record<string, string>> = [
      { 'x-ratelimit-limit': '-1', 'x-ratelimit-remaining': 'NaN', 'x-ratelimit-reset': '-9' },
      { 'x-ratelimit-limit': '9'.repeat(100_000), 'x-ratelimit-reset': '99999999999999', date: 'nope' },
      { 'x-ratelimit-limit': '100000', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' },
    ];
    for (const bad of hostile) {
      await budget.observe({ status: 200, headers: bad });
    }
    const verdict = await budget.take();
    // Capacity bounded to 10 000; the bucket was emptied by the last answer and refills again.
    expect(verdict).toMatchObject({ kind: 'go' });
    expect((verdict as { waitMs: number }).waitMs).toBeLessThan(settings.maxWaitMs);
  });
});

describe('fail closed', () => {
  it('refuses with TenantBudgetUnavailableError when Redis is gone', async () => {
    const own = await startTestRedis();
    const client = await connectBudgetRedis(own.url);
    const budget = createSharedTenantBudget({ redis: client.redis, tenant: 'gone.eu.auth0.com', settings });
    expect((await budget.take()).kind).toBe('go');
    await own.stop();
    const error = await budget.take().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TenantBudgetUnavailableError);
    expect((error as TenantBudgetUnavailableError).code).toBe('budget_unavailable');
    expect((error as Error).message).toMatch(/shared rate budget of gone\.eu\.auth0\.com is unavailable/);
    // Observing never throws, even with Redis gone.
    await expect(budget.observe({ status: 200, headers: headers(10, 1) })).resolves.toBeUndefined();
    await client.close();
  });

  it('refuses when Redis does not answer in time', async () => {
    const silent: BudgetRedis = { eval: () => new Promise(() => {}) };
    const budget = createSharedTenantBudget({
      redis: silent,
      tenant: 'silent.eu.auth0.com',
      settings: { ...settings, redisTimeoutMs: 50 },
    });
    const started = Date.now();
    await expect(budget.take()).rejects.toBeInstanceOf(TenantBudgetUnavailableError);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('refuses when the store answers something that is not the script', async () => {
    const wrong: BudgetRedis = { eval: async () => 'OK' };
    const budget = createSharedTenantBudget({ redis: wrong, tenant: 'odd.eu.auth0.com', settings });
    await expect(budget.take()).rejects.toBeInstanceOf(TenantBudgetUnavailableError);
  });
});
