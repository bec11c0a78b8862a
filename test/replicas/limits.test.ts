// Limits and lockouts are shared by replicas through Redis: a principal gets its rate once across
// replicas, not once per replica; wrong tokens from one address count on every replica; and only a
// trusted proxy's X-Forwarded-For names the client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordingUpstream } from '../helpers/recording-upstream.js';
import { type RedisServer, startRedis } from '../shared/redis-server.js';
import { type Replica, startReplica, startTenant, stopAll, TOKEN } from './cluster.js';

let redis: RedisServer;
let tenant: RecordingUpstream;
let replicas: Replica[] = [];

beforeAll(async () => {
  redis = await startRedis();
  tenant = await startTenant();
  replicas = await Promise.all(
    ['p', 'q'].map((id) =>
      startReplica({ id, tenant, redisUrl: redis.url, env: { TENANT_MCP_RATE_LIMIT: '0.01:6' } }),
    ),
  );
}, 60_000);

afterAll(() => stopAll({ replicas, tenant, redis }));

const ping = (replica: Replica, headers: Record<string, string>) =>
  fetch(`${replica.origin}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'server/discover',
      ...headers,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'server/discover',
      params: {
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientCapabilities': {},
          'io.modelcontextprotocol/clientInfo': { name: 'limits', version: '1' },
        },
      },
    }),
  });

describe('limits shared through Redis', () => {
  it('gives a principal its burst once across two replicas', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await ping(replicas[i % 2]!, { authorization: `Bearer ${TOKEN}` });
      await res.body?.cancel();
      statuses.push(res.status);
    }
    // A burst of 6 in all: per-replica buckets would have let all 12 through.
    expect(statuses.filter((s) => s === 200)).toHaveLength(6);
    expect(statuses.filter((s) => s === 429)).toHaveLength(6);
  });

  it('locks an address out on every replica after wrong tokens on either, by X-Forwarded-For from a trusted proxy', async () => {
    // The test reaches the replicas from 127.0.0.1, which they trust as a proxy: the forwarded address counts.
    const wrong = async (replica: Replica, forwardedFor: string) => {
      const res = await ping(replica, {
        authorization: 'Bearer wrong-token-0123456789',
        'x-forwarded-for': forwardedFor,
      });
      await res.body?.cancel();
      return res.status;
    };
    const first: number[] = [];
    for (let i = 0; i < 10; i++) first.push(await wrong(replicas[i % 2]!, '198.51.100.7'));
    expect(first.every((s) => s === 401)).toBe(true);
    // The eleventh guess, on either replica, is locked out; another client address is not.
    expect(await wrong(replicas[0]!, '198.51.100.7')).toBe(429);
    expect(await wrong(replicas[1]!, '198.51.100.7')).toBe(429);
    expect(await wrong(replicas[1]!, '198.51.100.8')).toBe(401);
    // The hop list is read from the right: a client cannot pick its own address by prepending one.
    expect(await wrong(replicas[0]!, '198.51.100.9, 198.51.100.7')).toBe(429);
  });
});
