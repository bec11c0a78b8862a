// Runs the approval store contract against both stores, and races 50 consumers of one approval over
// several Redis connections: exactly one may win.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApprovalStore } from '../../src/policy/approvals.js';
import { createRedisApprovalStore } from '../../src/policy/approvals-redis.js';
import { connectSharedRedis, type SharedRedis } from '../../src/shared/redis.js';
import { approvalStoreContract } from './approval-store-contract.js';
import { type RedisServer, startRedis } from './redis-server.js';

let server: RedisServer;
const connections: SharedRedis[] = [];
let namespaces = 0;

beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await Promise.all(connections.map((c) => c.close()));
  await server?.stop();
});

async function connect(namespace: string): Promise<SharedRedis> {
  const redis = connectSharedRedis({ url: server.url, namespace, timeoutMs: 2000 });
  connections.push(redis);
  await redis.ready(5000);
  return redis;
}

approvalStoreContract('files', async (now, options) =>
  createApprovalStore({ stateDir: mkdtempSync(join(tmpdir(), 'tenant-mcp-contract-')), now, ...options }),
);

approvalStoreContract('redis', async (now, options) =>
  // A namespace per case: the stores are as empty as a fresh state directory.
  createRedisApprovalStore({ redis: await connect(`contract-${++namespaces}`), now, ...options }),
);

describe('redis approval store under contention', () => {
  it('gives one approval to exactly 1 of 50 concurrent consumers on 5 connections', async () => {
    const links = await Promise.all([1, 2, 3, 4, 5].map(() => connect('race')));
    const stores = links.map((redis) => createRedisApprovalStore({ redis }));
    const call = { tenant: 'prod', operation: 'delete_users_by_id', arguments: { id: 'auth0|1' } };
    const { id } = await stores[0]!.create({ ...call, risk: 'destructive', summary: 's' });
    await stores[1]!.approve(id, 'ops');
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => stores[i % stores.length]!.consume(id, call)),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(49);
    expect(new Set(lost.map((r) => (r.reason as { code: string }).code))).toEqual(new Set(['used']));
  });

  it('refuses with SharedStateUnavailable, naming Redis, while Redis is gone, and resumes after', async () => {
    const own = await startRedis();
    const redis = connectSharedRedis({ url: own.url, namespace: 'outage', timeoutMs: 500 });
    connections.push(redis);
    await redis.ready(5000);
    const store = createRedisApprovalStore({ redis });
    const call = { tenant: 'prod', operation: 'delete_users_by_id', arguments: { id: 'auth0|1' } };
    await store.create({ ...call, risk: 'destructive', summary: 's' });
    await own.kill();
    await expect(store.create({ ...call, risk: 'destructive', summary: 's' })).rejects.toMatchObject({
      name: 'SharedStateUnavailable',
      message: expect.stringContaining('Redis'),
    });
    expect(redis.healthy()).toBe(false);
    await own.restart();
    await redis.ready(5000);
    expect(redis.healthy()).toBe(true);
    expect((await store.create({ ...call, risk: 'destructive', summary: 's' })).id).toMatch(/^apr_/);
    await own.stop();
  });
});
