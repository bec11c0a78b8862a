// Regression: an internal error (a bug of ours, here an executor that throws something unexpected) gave
// the agent a reference but left nothing on the audit trail; now every one writes a `failed` record with
// the same reference, and the digest rule keeps a refused call's huge arguments out of the trail.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { openAuditLog } from '../../src/policy/audit/index.js';
import { createGate } from '../../src/policy/index.js';
import { getProfile } from '../../src/policy/profiles.js';
import { createServer } from '../../src/server/create-server.js';
import { auth0Catalog } from '../../src/tools/auth0/index.js';

async function connect(send: () => Promise<never>) {
  const path = join(mkdtempSync(join(tmpdir(), 'tenant-mcp-internal-')), 'audit.jsonl');
  const audit = openAuditLog(path, { productVersion: 't' });
  const gate = createGate({
    catalog: auth0Catalog,
    profile: getProfile('read-only', auth0Catalog),
    executor: { baseUrl: 'http://stub.invalid', send, close: async () => {} },
    tenant: { name: 'test', domain: 'stub.invalid' },
    audit,
  });
  const server = createServer({ gate, catalog: auth0Catalog, sandbox: false, version: 't', log: () => {} });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(b);
  const client = new Client({ name: 'internal-error-test', version: '1' });
  await client.connect(a);
  const records = () =>
    readFileSync(path, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  return { client, records, close: () => client.close().then(() => audit.close()) };
}

describe('internal errors and oversized refusals on the trail', () => {
  it('records a failed entry with the reference the agent was given', async () => {
    const { client, records, close } = await connect(() => Promise.reject(new TypeError('a bug of ours')));
    try {
      const result = (await client.callTool({
        name: 'invoke_read_operation',
        arguments: { operation: 'get_roles', arguments: {} },
      })) as CallToolResult;
      const text = (result.content[0] as { text: string }).text;
      const ref = /ref ([0-9a-f]{8})/.exec(text)?.[1];
      expect(ref, text).toBeDefined();
      const failed = records().filter((r) => r.unmapped.decision === 'failed');
      expect(failed).toHaveLength(1);
      expect(failed[0].status_detail).toContain(`ref ${ref}`);
      expect(failed[0].api.operation).toBe('get_roles');
      expect(JSON.stringify(failed[0])).not.toContain('a bug of ours');
    } finally {
      await close();
    }
  });

  it('keeps a digest, not the whole, of a refused call’s arguments', async () => {
    const { client, records, close } = await connect(() => Promise.reject(new Error('not reached')));
    try {
      const big = 'x'.repeat(200_000);
      await client.callTool({
        name: 'invoke_read_operation',
        arguments: { operation: 'get_roles', arguments: { per_page: 'many', padding: big } },
      });
      const [refused] = records().filter((r) => r.unmapped.decision === 'refused');
      const line = JSON.stringify(refused);
      expect(line.length).toBeLessThan(4_000);
      expect(refused.resources[0].data.digest).toMatchObject({
        bytes: expect.any(Number),
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        fields: expect.arrayContaining(['per_page']),
      });
    } finally {
      await close();
    }
  });
});
