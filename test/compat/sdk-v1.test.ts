// Hosts still on the v1 SDK (@modelcontextprotocol/sdk, 2025-11-25 only) keep working: over stdio and over
// HTTP with a session, listing, reading, and a destructive call confirmed through a pushed elicitation.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type CallToolResult, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, type HttpCli, startHttpCli } from '../helpers/mcp-client.js';

const TOKEN = 'v1-host-token-0123456789abcdef';

function v1Client(asked: string[]): Client {
  const client = new Client(
    { name: 'v1-host', version: '1.32.2' },
    { capabilities: { elicitation: { form: {} } } },
  );
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    asked.push(request.params.message);
    return { action: 'accept', content: { confirm: true } };
  });
  return client;
}

async function exercise(client: Client, asked: string[]): Promise<void> {
  expect(client.getServerVersion()?.name).toBe('tenant-mcp');
  const { tools } = await client.listTools();
  expect(tools.map((tool) => tool.name)).toContain('block_user');
  const roles = (await client.callTool({
    name: 'invoke_read_operation',
    arguments: { operation: 'get_roles', arguments: {} },
  })) as CallToolResult;
  expect(roles.isError).toBeFalsy();
  const blocked = (await client.callTool({
    name: 'block_user',
    arguments: { user: 'bob@northwind.example.com' },
  })) as CallToolResult;
  expect(blocked.isError, JSON.stringify(blocked.content)).toBeFalsy();
  expect(asked).toHaveLength(1);
  expect(asked[0]).toMatch(/name "Bob Okafor"/);
}

describe('a v1 SDK host', () => {
  let cli: HttpCli;
  beforeAll(async () => {
    cli = await startHttpCli(['--profile', 'helpdesk'], {
      TENANT_MCP_HTTP_TOKEN: `${TOKEN}@+elicitation`,
      TENANT_MCP_RATE_LIMIT: '0',
    });
  });
  afterAll(async () => {
    await cli?.stop();
  });

  it('over stdio', async () => {
    const asked: string[] = [];
    const client = v1Client(asked);
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [CLI, '--profile', 'helpdesk'],
        env: {
          PATH: process.env.PATH ?? '',
          TENANT_MCP_STATE_DIR: mkdtempSync(join(tmpdir(), 'tenant-mcp-v1-')),
        },
        stderr: 'ignore',
      }),
    );
    try {
      await exercise(client, asked);
    } finally {
      await client.close();
    }
  });

  it('over Streamable HTTP, with a session', async () => {
    const asked: string[] = [];
    const client = v1Client(asked);
    const transport = new StreamableHTTPClientTransport(new URL(cli.url), {
      requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
    });
    await client.connect(transport);
    try {
      expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
      await exercise(client, asked);
    } finally {
      await transport.terminateSession();
      await client.close();
    }
  });
});
