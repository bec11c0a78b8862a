// A real `redis-server` for one test file (the replica tests' starter in test/shared/redis-server.ts),
// and the ten-line adapter that gives the tenant budget its `BudgetRedis` over `@redis/client`.
import { createHash } from 'node:crypto';
import { createClient } from '@redis/client';
import type { BudgetRedis } from '../../src/shared/tenant-budget.js';
import { type RedisServer, startRedis } from '../shared/redis-server.js';

/** A running redis-server: the replica tests' own starter, shared. */
export type TestRedis = RedisServer;

/** Starts redis-server on a free loopback port (fails, never skips, when it is not installed). */
export const startTestRedis = (): Promise<TestRedis> => startRedis();

/** A connected client and the budget's view of it (EVALSHA, EVAL when the script is not loaded yet). */
export async function connectBudgetRedis(
  url: string,
): Promise<{ redis: BudgetRedis; close(): Promise<void> }> {
  // Fail fast instead of reconnecting for ever: a test wants to see Redis gone as an error.
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 2_000 } });
  client.on('error', () => {});
  await client.connect();
  const shas = new Map<string, string>();
  const redis: BudgetRedis = {
    async eval(script, keys, args) {
      const sha = shas.get(script) ?? createHash('sha1').update(script).digest('hex');
      shas.set(script, sha);
      try {
        return await client.evalSha(sha, { keys, arguments: args });
      } catch (error) {
        if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
        return client.eval(script, { keys, arguments: args });
      }
    },
  };
  return { redis, close: () => client.close().catch(() => {}) };
}
