// Redis stopped mid-run (SIGKILL): what is held for a person or rate-limited is refused with a message
// naming Redis, nothing runs unapproved, reads go on only with TENANT_MCP_REDIS_DEGRADED=reads, and
// service resumes once redis-server is back on the same port (empty: the test runs it without persistence).
import { spawnSync } from 'node:child_process';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordingUpstream } from '../helpers/recording-upstream.js';
import { type RedisServer, startRedis } from '../shared/redis-server.js';
import {
  APPROVER,
  approvalIdOf,
  CLI,
  call,
  connectClient,
  deleteRole,
  type Replica,
  STATE_KEY,
  startReplica,
  startTenant,
  stopAll,
  stopReplica,
} from './cluster.js';

let redis: RedisServer;
let tenant: RecordingUpstream;
let strict: Replica;
let reads: Replica;
const clients: Client[] = [];

beforeAll(async () => {
  redis = await startRedis();
  tenant = await startTenant();
  // The tenant budget at its default (shared once Redis is set): with degraded reads it must fall back to
  // counting in the process, or the reads below would be refused for want of Redis.
  const env = {
    TENANT_MCP_REDIS_TIMEOUT_MS: '300',
    TENANT_MCP_TENANT_BUDGET: '',
    TENANT_MCP_TENANT_BUDGET_REDIS_TIMEOUT_MS: '300',
  };
  [strict, reads] = await Promise.all([
    startReplica({ id: 'strict', tenant, redisUrl: redis.url, env }),
    startReplica({
      id: 'reads',
      tenant,
      redisUrl: redis.url,
      env: { ...env, TENANT_MCP_REDIS_DEGRADED: 'reads' },
    }),
  ]);
}, 60_000);

afterAll(() => stopAll({ clients, replicas: [strict, reads], tenant, redis }));

const read = (client: Client) =>
  call(client, 'invoke_read_operation', { operation: 'get_roles', arguments: {} });
const deletes = () => tenant.requests.filter((r) => r.method === 'DELETE');
/** `tenant-mcp approve <id> --yes` against the shared Redis, as a person on any replica host would. */
const approve = (id: string) =>
  spawnSync(process.execPath, [CLI, 'approve', id, '--yes'], {
    env: { PATH: process.env.PATH ?? '', TENANT_MCP_REDIS_URL: redis.url, TENANT_MCP_STATE_KEY: STATE_KEY },
    encoding: 'utf8',
  });
const health = async (replica: Replica) =>
  (await (await fetch(`${replica.origin}/healthz`)).json()) as { status: string; down?: string[] };

async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('Redis lost mid-run', () => {
  it('fails closed, reads go on only when degraded reads are allowed, and service resumes', async () => {
    const toStrict = await connectClient(strict.origin, 'modern');
    const toReads = await connectClient(reads.origin, 'modern');
    clients.push(toStrict, toReads);

    // Before: a held call, approved by a person through the shared store, not yet used.
    const held = await deleteRole(toStrict, 'rol_L1');
    const approvedId = approvalIdOf(held.text)!;
    expect(approvedId, held.text).toBeDefined();
    const approval = approve(approvedId);
    expect(approval.status, approval.stderr).toBe(0);
    expect((await read(toStrict)).isError).toBe(false);

    await redis.kill();
    await until(async () => (await health(strict)).status === 'degraded', 5000);
    expect(await health(reads)).toMatchObject({ status: 'degraded', down: ['redis'] });

    // Strict: every MCP request needs the shared rate limit, so each is refused with a 503 naming Redis.
    await expect(read(toStrict)).rejects.toThrow(/Redis/);
    await expect(deleteRole(toStrict, 'rol_L1', approvedId)).rejects.toThrow(/Redis/);
    // Degraded reads: reads go on; the approved call, and a new one to hold, are refused naming Redis.
    expect((await read(toReads)).isError).toBe(false);
    const consume = await deleteRole(toReads, 'rol_L1', approvedId);
    expect(consume.isError).toBe(true);
    expect(consume.text).toMatch(/Redis \(TENANT_MCP_REDIS_URL\) is unavailable/);
    const hold = await deleteRole(toReads, 'rol_L2');
    expect(hold.isError).toBe(true);
    expect(hold.text).toMatch(/Redis/);
    expect(approvalIdOf(hold.text)).toBeUndefined();
    // A person cannot decide either: the page and the approve command name Redis and change nothing.
    const page = await fetch(`${reads.origin}/approvals/${approvedId}`, {
      headers: { authorization: `Bearer ${APPROVER}` },
    });
    expect(page.status).toBe(503);
    expect(await page.text()).toMatch(/Redis \(TENANT_MCP_REDIS_URL\) is unavailable/);
    const refusedApproval = approve(approvedId);
    expect(refusedApproval.status).toBe(1);
    expect(refusedApproval.stderr).toMatch(/Redis/);
    expect(deletes()).toHaveLength(0);

    await redis.restart();
    await until(
      async () => (await health(strict)).status === 'ok' && (await health(reads)).status === 'ok',
      10_000,
    );
    expect((await read(toStrict)).isError).toBe(false);
    // This Redis kept nothing (no persistence here; deploy/redis.conf.md says AOF): the old approval is gone,
    // so it cannot run: it is refused, never run unapproved.
    const gone = await deleteRole(toStrict, 'rol_L1', approvedId);
    expect(gone.isError).toBe(true);
    expect(gone.text).toMatch(/No approval/);
    const again = await deleteRole(toReads, 'rol_L1');
    const freshId = approvalIdOf(again.text)!;
    expect(freshId, again.text).toBeDefined();
    expect(approve(freshId).status).toBe(0);
    tenant.script({ status: 204 });
    expect((await deleteRole(toStrict, 'rol_L1', freshId)).isError).toBe(false);
    expect(deletes()).toHaveLength(1);
  }, 60_000);

  it('starts degraded while Redis is down and serves once it is up', async () => {
    await redis.kill();
    const late = await startReplica({ id: 'late', tenant, redisUrl: redis.url });
    try {
      expect(await health(late)).toMatchObject({ status: 'degraded', down: ['redis'] });
      expect(late.stderr()).toMatch(/starting degraded/);
      expect(late.stderr()).not.toMatch(/redis:\/\/[^@\s]*:[^@\s]*@/);
      await redis.restart();
      await until(async () => (await health(late)).status === 'ok', 10_000);
      const client = await connectClient(late.origin, 'modern');
      clients.push(client);
      expect((await read(client)).isError).toBe(false);
    } finally {
      await stopReplica(late);
    }
  }, 60_000);

  it('stops cleanly on SIGTERM while Redis is still down', async () => {
    await redis.kill();
    const lonely = await startReplica({ id: 'lonely', tenant, redisUrl: redis.url });
    const started = Date.now();
    lonely.child.kill('SIGTERM');
    expect(await lonely.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    await redis.restart();
  }, 30_000);
});
