// Issue 14's tenant-budget acceptance through the real deployment: three built replicas behind HAProxy
// (deploy/haproxy.cfg), one Redis, one Auth0-like tenant allowing 10 requests a second (its headers, 429
// past it). The composition root gives each replica's executor the shared budget by default once
// TENANT_MCP_REDIS_URL is set, so together they hold the tenant's rate within 10% with no 429; the same
// fleet with the budget off runs into the tenant's 429s (the control).
import { afterEach, describe, expect, it } from 'vitest';
import { heldRate, startLimitedTenant } from '../helpers/budget-replicas.js';
import { type RedisServer, startRedis } from '../shared/redis-server.js';
import { type Balancer, call, connectClient, type Replica, startFleet, stopAll } from './cluster.js';

const LIMIT = 10;
const CALLS = 60;
const CLIENTS = 6;

let redis: RedisServer | undefined;
let tenant: Awaited<ReturnType<typeof startLimitedTenant>> | undefined;
let replicas: Replica[] = [];
let balancer: Balancer | undefined;

afterEach(async () => {
  await stopAll({ balancer, replicas, tenant: tenant?.upstream, redis });
  replicas = [];
  balancer = undefined;
  tenant = undefined;
  redis = undefined;
});

async function fleetLoad(budget?: 'off'): Promise<{ errors: string[]; ms: number }> {
  redis = await startRedis();
  tenant = await startLimitedTenant(LIMIT);
  const upstream = tenant.upstream;
  ({ replicas, balancer } = await startFleet({
    tenant: upstream,
    redisUrl: redis.url,
    env: {
      TENANT_MCP_RATE_LIMIT: '0',
      // Calls wait up to 8 s for a slot rather than being refused: the load asks for 6 at once.
      TENANT_MCP_TENANT_BUDGET_WAIT_MS: '8000',
      // Empty: the default, shared once TENANT_MCP_REDIS_URL is set.
      TENANT_MCP_TENANT_BUDGET: budget ?? '',
    },
  }));
  const clients = await Promise.all(
    Array.from({ length: CLIENTS }, () => connectClient(balancer!.origin, 'modern')),
  );
  const errors: string[] = [];
  let left = CALLS;
  const started = Date.now();
  const deadline = started + 40_000;
  await Promise.all(
    clients.map(async (client) => {
      while (left > 0 && Date.now() < deadline) {
        left--;
        const { isError, text } = await call(client, 'invoke_read_operation', {
          operation: 'get_roles',
          arguments: {},
        });
        if (isError) errors.push(text.slice(0, 300));
      }
    }),
  );
  await Promise.all(clients.map((client) => client.close()));
  return { errors, ms: Date.now() - started };
}

describe('the tenant rate budget across built replicas', () => {
  it('three replicas behind HAProxy hold a tenant limit of 10 requests/s together within 10%, with 0 429s', async () => {
    const { errors } = await fleetLoad();
    expect(errors).toEqual([]);
    expect(tenant!.refused()).toBe(0);
    expect(tenant!.accepted.length).toBe(CALLS);
    const rate = heldRate(tenant!.accepted);
    expect(rate).toBeGreaterThanOrEqual(LIMIT * 0.9);
    expect(rate).toBeLessThanOrEqual(LIMIT * 1.1);
  }, 90_000);

  it('with the budget off, the same fleet and load draw 429s from the tenant (the control)', async () => {
    await fleetLoad('off');
    expect(tenant!.refused()).toBeGreaterThan(0);
  }, 90_000);
});
