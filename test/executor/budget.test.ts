// The executor and the tenant's rate budget: asked before every attempt (retries too, the token request
// not), told every answer, a refusal never sent, a budget that cannot be read refusing the call, and the
// sandbox's own rate limit kept by one executor without a single 429.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_BUDGET_ASKS } from '../../src/executor/budget.js';
import {
  type BudgetObservation,
  type BudgetVerdict,
  createExecutor,
  type RateBudget,
  TenantError,
} from '../../src/executor/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import {
  createEmbeddedTenantBudget,
  createSharedTenantBudget,
  TENANT_BUDGET_DEFAULTS,
  TenantBudgetUnavailableError,
} from '../../src/shared/tenant-budget.js';
import { connectBudgetRedis, startTestRedis, type TestRedis } from '../helpers/budget-redis.js';
import { type RecordingUpstream, startRecordingUpstream } from '../helpers/recording-upstream.js';
import { executorFor, rejectionOf } from './fixtures.js';

/** A budget that answers from a list and records what it was told. */
function scriptedBudget(...verdicts: Array<BudgetVerdict | Error>) {
  const observed: BudgetObservation[] = [];
  let takes = 0;
  const budget: RateBudget = {
    async take() {
      const next = verdicts[Math.min(takes++, verdicts.length - 1)]!;
      if (next instanceof Error) throw next;
      return next;
    },
    async observe(answer) {
      observed.push(answer);
    },
  };
  return { budget, observed, takes: () => takes };
}

const GRANT: BudgetVerdict = { kind: 'go', waitMs: 0 };

describe('an executor with a budget', () => {
  let upstream: RecordingUpstream;
  beforeEach(async () => {
    upstream = await startRecordingUpstream();
  });
  afterEach(async () => {
    await upstream.close();
  });

  it('does not send a call the budget refuses, and says the limit and when to retry', async () => {
    const { budget } = scriptedBudget({ kind: 'refused', retryAfterMs: 2300, limit: 10, perSecond: 10 });
    const { executor } = executorFor(upstream, { budget });
    const error = (await rejectionOf(
      executor.send({ method: 'POST', path: '/users', body: { email: 'a@x' }, label: 'post_users' }),
    )) as TenantError;
    expect(error).toBeInstanceOf(TenantError);
    expect(error.details).toMatchObject({
      code: 'rate_limited',
      retryAfterMs: 3000,
      attempts: 0,
      mayHaveReachedTenant: false,
      label: 'post_users',
    });
    expect(error.message).toBe(
      "POST /users was not sent: it would exceed the tenant's Auth0 rate limit (10 at once, 10/s after), shared by every replica. Retry after 2030-01-01T00:00:03Z (in 3 s), or make fewer calls.",
    );
    expect(upstream.requests).toHaveLength(0);
    await executor.close();
  });

  it('waits for the slot the budget holds, then sends', async () => {
    const { budget } = scriptedBudget({ kind: 'go', waitMs: 250 });
    const { executor, clock } = executorFor(upstream, { budget });
    await executor.send({ method: 'GET', path: '/users' });
    expect(clock.waits).toEqual([250]);
    expect(upstream.requests).toHaveLength(1);
    await executor.close();
  });

  it('asks again while the budget is still learning the limit, a bounded number of times', async () => {
    const learning = scriptedBudget(
      { kind: 'ask_again', waitMs: 100 },
      { kind: 'ask_again', waitMs: 100 },
      GRANT,
    );
    const { executor, clock } = executorFor(upstream, { budget: learning.budget });
    await executor.send({ method: 'GET', path: '/users' });
    expect(clock.waits).toEqual([100, 100]);
    expect(learning.takes()).toBe(3);

    const stuck = scriptedBudget({ kind: 'ask_again', waitMs: 100 });
    const second = executorFor(upstream, { budget: stuck.budget });
    const error = (await rejectionOf(second.executor.send({ method: 'GET', path: '/users' }))) as TenantError;
    expect(error.details).toMatchObject({ code: 'rate_limited', retryAfterMs: 1000 });
    expect(stuck.takes()).toBe(MAX_BUDGET_ASKS);
    expect(upstream.requests).toHaveLength(1);
    await executor.close();
    await second.executor.close();
  });

  it('asks before every attempt, retries included, and tells it every answer', async () => {
    upstream.script(
      {
        status: 429,
        headers: { 'retry-after': '1', 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '0' },
      },
      { status: 200, headers: { 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '7' }, body: [] },
    );
    const script = scriptedBudget(GRANT);
    const { executor } = executorFor(upstream, { budget: script.budget });
    await executor.send({ method: 'GET', path: '/users' });
    expect(script.takes()).toBe(2);
    expect(script.observed.map((o) => [o.status, o.headers['x-ratelimit-remaining']])).toEqual([
      [429, '0'],
      [200, '7'],
    ]);
    await executor.close();
  });

  it('refuses a retry the budget refuses, counting the attempt that was made', async () => {
    upstream.script({ status: 429, headers: { 'retry-after': '1' } });
    const script = scriptedBudget(GRANT, { kind: 'refused', retryAfterMs: 5000, limit: 2, perSecond: 0.5 });
    const { executor } = executorFor(upstream, { budget: script.budget });
    const error = (await rejectionOf(executor.send({ method: 'GET', path: '/users' }))) as TenantError;
    expect(error.details).toMatchObject({ code: 'rate_limited', attempts: 1, retryAfterMs: 5000 });
    expect(error.message).toMatch(/\(2 at once, 0\.5\/s after\)/);
    expect(upstream.requests).toHaveLength(1);
    await executor.close();
  });

  it("does not count the token request: Auth0's /oauth/token is the Authentication API, limited apart", async () => {
    const script = scriptedBudget(GRANT);
    const { executor } = executorFor(upstream, {
      budget: script.budget,
      auth: { kind: 'client_credentials', clientId: 'cid', clientSecret: 'a-long-client-secret' },
    });
    await executor.send({ method: 'GET', path: '/users' });
    expect(upstream.tokenRequests).toHaveLength(1);
    expect(script.takes()).toBe(1);
    expect(script.observed).toHaveLength(1);
    await executor.close();
  });

  it('refuses the call, sending nothing, when the budget cannot be read', async () => {
    const { budget } = scriptedBudget(new TenantBudgetUnavailableError('acme.eu.auth0.com'));
    const { executor } = executorFor(upstream, { budget });
    const error = (await rejectionOf(
      executor.send({ method: 'DELETE', path: '/users/{id}', pathParams: { id: 'u1' } }),
    )) as TenantError;
    expect(error).toBeInstanceOf(TenantError);
    expect(error.details).toMatchObject({ code: 'budget_unavailable', mayHaveReachedTenant: false });
    expect(error.message).toBe(
      "The shared rate budget of acme.eu.auth0.com is unavailable (Redis did not answer), so the tenant's rate limit cannot be kept across replicas. The call DELETE /users/{id} was not sent to Auth0; try again once the operator has restored it.",
    );
    expect(error.cause).toBeInstanceOf(TenantBudgetUnavailableError);
    expect(upstream.requests).toHaveLength(0);
    await executor.close();
  });

  it('lets a budget bug through as it is', async () => {
    const bug = new TypeError('bucket is undefined');
    const { executor } = executorFor(upstream, { budget: scriptedBudget(bug).budget });
    expect(await rejectionOf(executor.send({ method: 'GET', path: '/users' }))).toBe(bug);
  });

  it('stops waiting for a slot when the caller aborts, and sends nothing', async () => {
    const { budget } = scriptedBudget({ kind: 'go', waitMs: 10_000 });
    const executor = createExecutor({
      domain: upstream.url,
      auth: { kind: 'token', token: 'static-token-123' },
      budget,
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const started = Date.now();
    const error = (await rejectionOf(
      executor.send({ method: 'GET', path: '/users', signal: controller.signal }),
    )) as TenantError;
    expect(error.code).toBe('aborted');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(upstream.requests).toHaveLength(0);
    await executor.close();
  });
});

describe("the sandbox's own rate limit, kept by one executor", () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis();
  }, 20_000);
  afterAll(async () => {
    await redis?.stop();
  });

  // A bucket of 20 refilled at 8/s: its Limit overstates the sustained rate, so only Reset tells the truth.
  const RATE = { limit: 20, perSecond: 8 };

  for (const kind of ['embedded', 'shared'] as const) {
    it(`${kind}: 48 calls from 4 callers, no 429, at no more than the sandbox's rate`, async () => {
      const sandbox = await startSandbox({ rateLimit: RATE, seed: 'none' });
      const client = kind === 'shared' ? await connectBudgetRedis(redis.url) : undefined;
      const settings = { ...TENANT_BUDGET_DEFAULTS, maxWaitMs: 5_000 };
      const budget = client
        ? createSharedTenantBudget({ redis: client.redis, tenant: sandbox.url, settings })
        : createEmbeddedTenantBudget({ settings });
      const executor = createExecutor({
        domain: sandbox.url,
        auth: { kind: 'client_credentials', clientId: sandbox.clientId, clientSecret: sandbox.clientSecret },
        budget,
        // A 429 would be retried out of sight: with no retries, one shows as a failed call.
        maxRetries: 0,
      });
      const started = Date.now();
      const outcomes: Array<{ ok: boolean; status?: number; code?: string }> = [];
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          for (let i = 0; i < 12; i++) {
            try {
              await executor.send({ method: 'GET', path: '/clients' });
              outcomes.push({ ok: true });
            } catch (error) {
              const { code, status } = (error as TenantError).details;
              outcomes.push({ ok: false, code, ...(status ? { status } : {}) });
            }
          }
        }),
      );
      const elapsed = (Date.now() - started) / 1000;
      await executor.close();
      await client?.close();
      await sandbox.close();
      expect(outcomes.filter((o) => o.status === 429)).toEqual([]);
      expect(outcomes.filter((o) => !o.ok)).toEqual([]);
      // 20 at once, then 28 at 8/s: no faster than 3.5 s, however the budget learnt.
      expect(elapsed).toBeGreaterThanOrEqual((48 - RATE.limit) / RATE.perSecond - 0.1);
      // And not starved: the budget learnt a rate near the sandbox's (within 3x; at the floor's 2/s it would take 14 s).
      expect(elapsed).toBeLessThan(((48 - RATE.limit) / RATE.perSecond) * 3 + 1);
    }, 20_000);
  }
});
