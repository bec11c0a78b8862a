// Issue 14's acceptance test for the shared tenant budget: three replicas (three Node processes) sharing one
// Redis call one tenant that allows 10 requests/s the way Auth0 does; together they hold that rate within
// 10% and the tenant answers no 429. The same replicas with embedded budgets drive it into 429s, which is
// what shows the sharing, not luck, holds the limit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../helpers/budget-redis.js';
import { heldRate, runReplicas, startLimitedTenant } from '../helpers/budget-replicas.js';

const LIMIT = 10;

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
}, 20_000);
afterAll(async () => {
  await redis?.stop();
});

describe('a tenant rate budget shared by three replicas', () => {
  it('a tenant limit of 10 requests/s is held by the replicas together within 10%, with 0 429s from the upstream', async () => {
    const tenant = await startLimitedTenant(LIMIT);
    try {
      const counts = await runReplicas(3, {
        redisUrl: redis.url,
        tenant: tenant.upstream.url,
        calls: 25,
        concurrency: 4,
      });
      const rate = heldRate(tenant.accepted);
      process.stderr.write(
        `budget replicas: ${tenant.accepted.length} sent, held ${rate.toFixed(2)}/s against ${LIMIT}/s, ${tenant.refused()} 429s, replicas ${JSON.stringify(counts)}\n`,
      );
      expect(tenant.refused()).toBe(0);
      expect(counts.every((c) => c.rateLimitedByTenant === 0 && c.failed === 0)).toBe(true);
      // Every call was made, none refused by the budget: the load fitted the 2 s wait bound.
      expect(counts.reduce((sum, c) => sum + c.ok, 0)).toBe(75);
      expect(tenant.accepted).toHaveLength(75);
      expect(rate).toBeGreaterThanOrEqual(LIMIT * 0.9);
      expect(rate).toBeLessThanOrEqual(LIMIT * 1.1);
    } finally {
      await tenant.upstream.close();
    }
  }, 40_000);

  it('without sharing, the same three replicas drive the tenant into 429s', async () => {
    const tenant = await startLimitedTenant(LIMIT);
    try {
      await runReplicas(3, { tenant: tenant.upstream.url, calls: 15, concurrency: 4 });
      expect(tenant.refused()).toBeGreaterThan(0);
    } finally {
      await tenant.upstream.close();
    }
  }, 40_000);
});
