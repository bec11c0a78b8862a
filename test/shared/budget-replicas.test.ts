// Issue 14's acceptance test for the shared tenant budget: three replicas (three Node processes) sharing one
// Redis call one tenant that allows 10 requests/s the way Auth0 does; together they hold that rate within
// 10% and the tenant answers no 429. The same replicas with embedded budgets drive it into 429s, which is
// what shows the sharing, not luck, holds the limit.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../src/sandbox/rate-limit.js';
import { startTestRedis, type TestRedis } from '../helpers/budget-redis.js';
import { type RecordingUpstream, startRecordingUpstream } from '../helpers/recording-upstream.js';

const REPLICA = join(import.meta.dirname, 'fixtures', 'budget-replica.ts');
const LIMIT = 10;

/** What one replica reports. */
interface ReplicaCounts {
  ok: number;
  refused: number;
  rateLimitedByTenant: number;
  failed: number;
  ms: number;
}

/**
 * A tenant enforcing `limit` requests per second with a bucket of `limit`, answering Auth0's headers
 * (`X-RateLimit-Limit`, `-Remaining`, `-Reset` in epoch seconds) and 429 with `Retry-After` past it; it
 * records when each request was let through.
 */
async function startLimitedTenant(limit: number) {
  const limiter = createRateLimiter({ limit, perSecond: limit });
  const accepted: number[] = [];
  let refused = 0;
  const upstream: RecordingUpstream = await startRecordingUpstream({
    fallback: () => {
      const now = Date.now();
      const verdict = limiter.take(now);
      const headers = limiter.headers(now);
      if (verdict.retryAfterSec !== undefined) {
        refused++;
        return {
          status: 429,
          headers: { ...headers, 'retry-after': String(verdict.retryAfterSec) },
          body: { statusCode: 429, error: 'Too Many Requests', message: 'Global limit has been reached' },
        };
      }
      accepted.push(now);
      return { status: 200, headers, body: [] };
    },
  });
  return { upstream, accepted, refused: () => refused };
}

/** Starts `count` replicas, lets them go at once, and collects their counts (within 30 s). */
async function runReplicas(
  count: number,
  config: { redisUrl?: string; tenant: string; calls: number; concurrency: number },
): Promise<ReplicaCounts[]> {
  const children: ChildProcess[] = [];
  try {
    const results = Array.from({ length: count }, () => {
      const child = spawn(process.execPath, ['--import', 'tsx', REPLICA, JSON.stringify(config)], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      children.push(child);
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const lines = createInterface({ input: child.stdout! });
      const ready = new Promise<void>((resolve, reject) => {
        lines.once('line', (line) => (line === 'ready' ? resolve() : reject(new Error(line))));
        child.once('exit', (code) => reject(new Error(`replica exited (${code}) before ready: ${stderr}`)));
      });
      const done = new Promise<ReplicaCounts>((resolve, reject) => {
        lines.on('line', (line) => {
          if (line.startsWith('{')) resolve(JSON.parse(line) as ReplicaCounts);
        });
        child.once('exit', (code) => reject(new Error(`replica exited (${code}) without counts: ${stderr}`)));
      });
      return { child, ready, done };
    });
    const deadline = (what: string) =>
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`replicas: ${what} timed out`)), 30_000),
      );
    await Promise.race([Promise.all(results.map((r) => r.ready)), deadline('start')]);
    for (const { child } of results) child.stdin?.write('go\n');
    return await Promise.race([Promise.all(results.map((r) => r.done)), deadline('run')]);
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  }
}

/**
 * Requests per second the tenant let through, after its first second: the tenant's own burst of `limit`
 * would otherwise count as rate.
 */
function heldRate(accepted: number[]): number {
  const first = accepted[0]!;
  const window = accepted.filter((at) => at >= first + 1000);
  return (window.length - 1) / ((window.at(-1)! - window[0]!) / 1000);
}

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
