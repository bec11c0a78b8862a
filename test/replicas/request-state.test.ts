// A 2026-07-28 confirmation across replicas: the form is asked through A, the ticked answer runs once
// through B (the state sealed with the shared key), and the same answer replayed through C is refused:
// the single-use marker is in Redis, not in one process's memory.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordingUpstream } from '../helpers/recording-upstream.js';
import { raw } from '../http/raw-request.js';
import { type RedisServer, startRedis } from '../shared/redis-server.js';
import { type Replica, startReplica, startTenant, stopAll, TOKEN } from './cluster.js';

const REVISION = '2026-07-28';
let redis: RedisServer;
let tenant: RecordingUpstream;
let replicas: Replica[] = [];
const clients: Client[] = [];
let id = 1;

beforeAll(async () => {
  redis = await startRedis();
  tenant = await startTenant();
  replicas = await Promise.all(
    ['a', 'b', 'c'].map((name) =>
      startReplica({
        id: name,
        tenant,
        redisUrl: redis.url,
        // A person uses this client, so it may confirm in its own form (input_required).
        env: { TENANT_MCP_HTTP_TOKEN: `${TOKEN}@+elicitation` },
      }),
    ),
  );
}, 60_000);

afterAll(() => stopAll({ clients, replicas, tenant, redis }));

interface WireResult {
  resultType?: string;
  isError?: boolean;
  content?: Array<{ text: string }>;
  requestState?: string;
}

async function deleteRole(replica: Replica, requestState?: string): Promise<WireResult> {
  const params = {
    name: 'invoke_write_operation',
    arguments: { operation: 'delete_roles_by_id', arguments: { id: 'rol_S1' } },
    _meta: {
      'io.modelcontextprotocol/protocolVersion': REVISION,
      'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} } },
      'io.modelcontextprotocol/clientInfo': { name: 'raw-2026', version: '1' },
    },
    ...(requestState
      ? { requestState, inputResponses: { confirm: { action: 'accept', content: { confirm: true } } } }
      : {}),
  };
  const response = await raw(`${replica.origin}/mcp`, {
    token: TOKEN,
    headers: {
      'mcp-protocol-version': REVISION,
      'mcp-method': 'tools/call',
      'mcp-name': 'invoke_write_operation',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: id++, method: 'tools/call', params }),
  });
  expect(response.status, response.body).toBe(200);
  return response.json().result as WireResult;
}

const text = (result: WireResult) => (result.content ?? []).map((c) => c.text).join('\n');

describe('a sealed confirmation across replicas', () => {
  it('is asked through A, runs once through B, and is refused when replayed through C', async () => {
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    const first = await deleteRole(a);
    expect(first.resultType).toBe('input_required');
    expect(first.requestState).toMatch(/^v1\./);
    tenant.script({ status: 204 });
    const ran = await deleteRole(b, first.requestState);
    expect(ran.isError, text(ran)).toBeFalsy();
    const replay = await deleteRole(c, first.requestState);
    expect(replay.isError).toBe(true);
    expect(text(replay)).toMatch(/this answer was already used once/);
    expect(tenant.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
  });
});
