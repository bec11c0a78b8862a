// A rolling restart behind HAProxy: SIGTERM takes a replica out (/healthz 503), lets its call in flight
// finish, refuses new work with a clear 503 that the balancer retries elsewhere, and exits 0; the held
// call survives in Redis, and a replica started afterwards lists it and lets a person approve it.
import { spawnSync } from 'node:child_process';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordingUpstream } from '../helpers/recording-upstream.js';
import { type RedisServer, startRedis } from '../shared/redis-server.js';
import {
  APPROVER,
  approvalIdOf,
  type Balancer,
  CLI,
  call,
  connectClient,
  formToken,
  PageVisitor,
  type Replica,
  STATE_KEY,
  startFleet,
  startReplica,
  startTenant,
  stopAll,
} from './cluster.js';

let redis: RedisServer;
let tenant: RecordingUpstream;
let replicas: Replica[] = [];
let balancer: Balancer;
let publicUrl: string;
const clients: Client[] = [];

beforeAll(async () => {
  redis = await startRedis();
  tenant = await startTenant();
  tenant.setFallback((request) =>
    request.path.includes('slow') ? { status: 200, body: {}, delayMs: 1500 } : { status: 200, body: {} },
  );
  ({ replicas, balancer, publicUrl } = await startFleet({
    tenant,
    redisUrl: redis.url,
    env: { TENANT_MCP_SHUTDOWN_GRACE_SECONDS: '5' },
  }));
}, 60_000);

afterAll(() => stopAll({ clients, balancer, replicas, tenant, redis }));

describe('graceful rolling restart', () => {
  it('drains a call in flight, exits 0, and the held call outlives it; a late replica sees it', async () => {
    const [a] = replicas as [Replica, Replica, Replica];
    const viaLb = await connectClient(balancer.origin, 'modern');
    const viaA = await connectClient(a.origin, 'modern');
    clients.push(viaLb, viaA);
    const held = await call(viaLb, 'invoke_write_operation', {
      operation: 'delete_roles_by_id',
      arguments: { id: 'rol_T1' },
    });
    const id = approvalIdOf(held.text)!;
    expect(id, held.text).toBeDefined();

    const slow = call(viaA, 'invoke_read_operation', {
      operation: 'get_users_by_id',
      arguments: { id: 'slow-1' },
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    a.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Draining: out of the balancer's checks, and new work on it is refused in words.
    const draining = await fetch(`${a.origin}/healthz`);
    expect(draining.status).toBe(503);
    expect(await draining.json()).toMatchObject({ status: 'draining' });
    const refused = await fetch(`${a.origin}/mcp`, { method: 'POST', body: '{}' });
    expect(refused.status).toBe(503);
    expect(await refused.text()).toMatch(/shutting down/);
    // Meanwhile every call through the balancer succeeds (a 503 from the draining replica is retried once).
    for (let i = 0; i < 9; i++) {
      const result = await call(viaLb, 'invoke_read_operation', { operation: 'get_roles', arguments: {} });
      expect(result.isError, result.text).toBe(false);
    }
    const finished = await slow;
    expect(finished.isError, finished.text).toBe(false);
    expect(await a.exited).toBe(0);
    expect(a.stderr()).toMatch(/shutting down: finishing calls in flight/);

    // A replica that joins now (in A's place) sees the pending call and lets a person approve it.
    const late = await startReplica({ id: 'd', tenant, redisUrl: redis.url, publicUrl, port: a.port });
    replicas[0] = late;
    const listing = await fetch(`${late.origin}/approvals`, {
      headers: { authorization: `Bearer ${APPROVER}` },
    });
    expect(listing.status).toBe(200);
    expect(await listing.text()).toContain(id);
    const list = spawnSync(process.execPath, [CLI, 'approve', '--list'], {
      env: { PATH: process.env.PATH ?? '', TENANT_MCP_REDIS_URL: redis.url, TENANT_MCP_STATE_KEY: STATE_KEY },
      encoding: 'utf8',
    });
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toContain(id);
    const person = new PageVisitor(balancer.origin);
    await person.login(late.origin, 'Sam');
    const page = await person.get(late.origin, `/approvals/${id}`);
    expect(
      (await person.post(late.origin, `/approvals/${id}/approve`, { csrf: formToken(page.html, 'approve')! }))
        .status,
    ).toBe(303);
    tenant.script({ status: 204 });
    const ran = await call(viaLb, 'invoke_write_operation', {
      operation: 'delete_roles_by_id',
      arguments: { id: 'rol_T1' },
      approval_id: id,
    });
    expect(ran.isError, ran.text).toBe(false);
    expect(tenant.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
  }, 60_000);
});
