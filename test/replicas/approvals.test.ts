// Three built replicas share one Redis behind HAProxy (deploy/haproxy.cfg): a held call created through
// A is approved on the page B serves (real form posts: login on A, form from B), consumed through C
// exactly once, and refused on every later try; 2026-07-28 requests spread over the replicas, and a
// 2025-11-25 session sticks to the replica that opened it.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordingUpstream } from '../helpers/recording-upstream.js';
import { type RedisServer, startRedis } from '../shared/redis-server.js';
import {
  approvalIdOf,
  type Balancer,
  call,
  connectClient,
  deleteRole,
  formToken,
  PageVisitor,
  type Replica,
  startFleet,
  startTenant,
  stopAll,
} from './cluster.js';

let redis: RedisServer;
let tenant: RecordingUpstream;
let replicas: Replica[] = [];
let balancer: Balancer;
const clients: Client[] = [];

beforeAll(async () => {
  redis = await startRedis();
  tenant = await startTenant();
  ({ replicas, balancer } = await startFleet({
    tenant,
    redisUrl: redis.url,
    env: { TENANT_MCP_RATE_LIMIT: '1000:2000' },
  }));
}, 60_000);

afterAll(() => stopAll({ clients, balancer, replicas, tenant, redis }));

const deletes = () => tenant.requests.filter((r) => r.method === 'DELETE');

describe('three replicas behind HAProxy, one Redis', () => {
  it('holds on A, approves on the page of B, runs once through C, refuses every replay', async () => {
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    const viaA = await connectClient(a.origin, 'modern');
    const viaC = await connectClient(c.origin, 'modern');
    const viaLb = await connectClient(balancer.origin, 'modern');
    clients.push(viaA, viaC, viaLb);

    const held = await deleteRole(viaA, 'rol_R1');
    expect(held.isError).toBe(true);
    const id = approvalIdOf(held.text)!;
    expect(id, held.text).toBeDefined();
    expect(held.text).toContain(`${balancer.origin}/approvals/${id}`);
    expect(deletes()).toHaveLength(0);

    // Not approved yet: C refuses it as pending.
    expect((await deleteRole(viaC, 'rol_R1', id)).text).toMatch(/still waiting for a person/);

    const person = new PageVisitor(balancer.origin);
    await person.login(a.origin, 'Pat');
    // The session opened on A is known on B: B lists the call A held.
    const list = await person.get(b.origin, '/approvals');
    expect(list.status).toBe(200);
    expect(list.html).toContain(id);
    const page = await person.get(b.origin, `/approvals/${id}`);
    expect(page.status).toBe(200);
    const csrf = formToken(page.html, 'approve')!;
    expect(csrf).toBeDefined();
    const approved = await person.post(b.origin, `/approvals/${id}/approve`, { csrf });
    expect(approved.status).toBe(303);
    // The same form again, through C: already submitted (single-use across replicas).
    const replayedForm = await person.post(c.origin, `/approvals/${id}/approve`, { csrf });
    expect(replayedForm.status).toBe(409);
    expect(replayedForm.html).toMatch(/already submitted/i);

    tenant.script({ status: 204 });
    const ran = await deleteRole(viaC, 'rol_R1', id);
    expect(ran.isError, ran.text).toBe(false);
    expect(deletes()).toHaveLength(1);
    expect(deletes()[0]!.path).toBe('/api/v2/roles/rol_R1');

    for (const client of [viaA, viaC, viaLb, viaLb, viaLb]) {
      const again = await deleteRole(client, 'rol_R1', id);
      expect(again.isError).toBe(true);
      expect(again.text).toMatch(/already used/);
    }
    expect(deletes()).toHaveLength(1);
  });

  it('runs an approved call once when 50 clients repeat it at the same moment through the balancer', async () => {
    const [a] = replicas as [Replica, Replica, Replica];
    const racers: Client[] = [];
    for (let i = 0; i < 50; i++) racers.push(await connectClient(balancer.origin, 'modern'));
    clients.push(...racers);
    const held = await deleteRole(racers[0]!, 'rol_R50');
    const id = approvalIdOf(held.text)!;
    const person = new PageVisitor(balancer.origin);
    await person.login(a.origin, 'Pat');
    const page = await person.get(balancer.origin, `/approvals/${id}`);
    expect(
      (
        await person.post(balancer.origin, `/approvals/${id}/approve`, {
          csrf: formToken(page.html, 'approve')!,
        })
      ).status,
    ).toBe(303);
    const before = deletes().length;
    tenant.setFallback({ status: 204 });
    const results = await Promise.all(racers.map((client) => deleteRole(client, 'rol_R50', id)));
    tenant.setFallback({ status: 200, body: {} });
    expect(results.filter((r) => !r.isError)).toHaveLength(1);
    expect(results.filter((r) => r.isError && /already used/.test(r.text))).toHaveLength(49);
    expect(deletes().length - before).toBe(1);
  }, 30_000);

  it('spreads 2026-07-28 requests over all three replicas', async () => {
    const client = await connectClient(balancer.origin, 'modern');
    clients.push(client);
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const result = await call(client, 'invoke_read_operation', { operation: 'get_roles', arguments: {} });
      expect(result.isError, result.text).toBe(false);
    }
    // Each replica wrote an "approved" audit record for some of them.
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    for (const replica of replicas) {
      const lines = readFileSync(join(replica.stateDir, 'audit.jsonl'), 'utf8').split('\n').filter(Boolean);
      if (lines.some((line) => line.includes('get_roles'))) seen.add(replica.id);
    }
    expect([...seen].sort()).toEqual(['a', 'b', 'c']);
  });

  it('keeps a 2025-11-25 session on the replica that opened it', async () => {
    const legacy = await connectClient(balancer.origin, 'legacy');
    clients.push(legacy);
    // Without stickiness two of every three requests would reach a replica that never saw the session (404).
    for (let i = 0; i < 9; i++) {
      const result = await call(legacy, 'invoke_read_operation', { operation: 'get_roles', arguments: {} });
      expect(result.isError, result.text).toBe(false);
    }
  });

  it('answers /healthz through the balancer without authentication or secrets', async () => {
    const res = await fetch(`${balancer.origin}/healthz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.status).toBe('ok');
    expect(['a', 'b', 'c']).toContain(body.replica);
    expect(JSON.stringify(body)).not.toMatch(/redis:\/\/|token|secret/i);
  });
});
