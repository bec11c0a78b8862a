// Drives the built CLI over stdio with the SDK Client against its embedded sandbox, as a host would.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, type Connected, connectCli, tenantData } from '../helpers/mcp-client.js';

describe('stdio server on the embedded sandbox (read-only default)', () => {
  let server: Connected;
  beforeAll(async () => {
    server = await connectCli();
  });
  afterAll(() => server.close());

  it('says in its instructions that it is on the sandbox, and logs only to stderr', async () => {
    expect(server.client.getInstructions()).toMatch(/SANDBOX/);
    expect(server.client.getServerVersion()?.name).toBe('tenant-mcp');
  });

  it('lists the reading tools only, each with all four annotations', async () => {
    const { tools } = await server.client.listTools();
    expect(tools.map((t) => t.name).slice(0, 3)).toEqual([
      'search_operations',
      'describe_operation',
      'invoke_read_operation',
    ]);
    expect(tools.map((t) => t.name)).not.toContain('invoke_write_operation');
    expect(tools.every((t) => t.annotations?.readOnlyHint === true)).toBe(true);
    for (const tool of tools) {
      for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint']) {
        expect(typeof (tool.annotations as Record<string, unknown>)[hint]).toBe('boolean');
      }
      expect(tool.inputSchema.type).toBe('object');
    }
  });

  it('searches by intent and finds the user listing first for "list users"', async () => {
    const { text, isError } = await server.call('search_operations', { query: 'list users' });
    expect(isError).toBe(false);
    expect(text.split('\n')[0]).toMatch(/^get_users: GET \/users /);
  });

  it('hides writes from search and describe in the read-only profile', async () => {
    const { text } = await server.call('search_operations', { query: 'delete user' });
    expect(text).not.toMatch(/delete_users_by_id/);
    const described = await server.call('describe_operation', { operation: 'delete_users_by_id' });
    expect(described.isError).toBe(true);
    expect(described.text).toMatch(/not allowed by the "read-only" profile/);
  });

  it('describes an operation with its input JSON Schema', async () => {
    const { text } = await server.call('describe_operation', { operation: 'get_users' });
    const described = JSON.parse(text);
    expect(described).toMatchObject({ operation: 'get_users', method: 'GET', path: '/users', risk: 'read' });
    expect(described.scopes).toContain('read:users');
    expect(described.arguments.properties.per_page).toMatchObject({ type: 'integer', maximum: 100 });
  });

  it('reads users from the sandbox, with fields and a cap', async () => {
    const { text, isError } = await server.call('invoke_read_operation', {
      operation: 'get_users',
      arguments: { per_page: 5 },
      fields: ['user_id', 'email'],
      max_items: 2,
    });
    expect(isError).toBe(false);
    const note = text.split('\n')[1];
    const users = tenantData(text) as Array<Record<string, unknown>>;
    expect(users).toHaveLength(2);
    expect(Object.keys(users[0]!).sort()).toEqual(['email', 'user_id']);
    expect(note).toMatch(/Showing 2 of the 5 items/);
  });

  it('refuses bad arguments by naming each field, sending nothing', async () => {
    const { text, isError } = await server.call('invoke_read_operation', {
      operation: 'get_users',
      arguments: { per_page: 'ten', pagee: 1 },
    });
    expect(isError).toBe(true);
    expect(text).toMatch(/arguments\.per_page/);
    expect(text).toMatch(/arguments\.pagee: not a field of this operation \(did you mean "page"\?\)/);
  });

  it('refuses a write through the read tool and an unknown operation with a suggestion', async () => {
    const write = await server.call('invoke_read_operation', { operation: 'post_users', arguments: {} });
    expect(write.isError).toBe(true);
    expect(write.text).toMatch(/not allowed/);
    const unknown = await server.call('invoke_read_operation', { operation: 'get_userz' });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toMatch(/Did you mean "get_users"\?/);
  });

  it('answers a tool error, not a crash, for malformed tool arguments', async () => {
    const { text, isError } = await server.call('search_operations', { query: 7, extra: true });
    expect(isError).toBe(true);
    expect(text).toMatch(/query/);
    expect(text).toMatch(/extra: not an argument/);
  });

  it('answers a JSON-RPC error for a tool that does not exist', async () => {
    await expect(server.client.callTool({ name: 'drop_tenant', arguments: {} })).rejects.toThrow(
      /Unknown tool/,
    );
  });

  it('refuses the write tool in read-only mode', async () => {
    await expect(server.client.callTool({ name: 'invoke_write_operation', arguments: {} })).rejects.toThrow(
      /Unknown tool/,
    );
  });
});

describe('stdio server on the sandbox as admin with per-operation tools', () => {
  let server: Connected;
  beforeAll(async () => {
    server = await connectCli(['--profile', 'admin', '--toolsets', 'roles']);
  });
  afterAll(() => server.close());

  it('lists the write tool and every roles operation as its own tool', async () => {
    const { tools } = await server.client.listTools();
    const names = tools.map((t) => t.name);
    expect(names.slice(0, 4)).toEqual([
      'search_operations',
      'describe_operation',
      'invoke_read_operation',
      'invoke_write_operation',
    ]);
    expect(names).toContain('post_roles');
    const deleteRole = tools.find((t) => t.name === 'delete_roles_by_id');
    expect(deleteRole?.annotations).toMatchObject({ destructiveHint: true, readOnlyHint: false });
    expect(JSON.stringify(tools)).not.toContain('$ref');
  });

  it('creates a role through the write tool and reads it back through its own tool', async () => {
    const created = await server.call('invoke_write_operation', {
      operation: 'post_roles',
      arguments: { name: 'e2e-auditor', description: 'made by the e2e test' },
    });
    expect(created.isError).toBe(false);
    const role = tenantData(created.text) as { id: string; name: string };
    expect(role.name).toBe('e2e-auditor');
    const read = await server.call('get_roles_by_id', { id: role.id });
    expect((tenantData(read.text) as { name: string }).name).toBe('e2e-auditor');
  });
});

describe('command line', () => {
  it.each([
    [['--profile', 'root'], {}, /unknown profile "root"/],
    [[], { AUTH0_DOMAIN: 'acme.auth0.com' }, /AUTH0_CLIENT_ID is missing/],
    [['--bogus'], {}, /bogus/],
  ])('exits 2 with one line for %j %j', (args, env, message) => {
    const run = spawnSync(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH, ...env },
      encoding: 'utf8',
    });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  });

  it('prints help on stdout', () => {
    const run = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/tenant-mcp sandbox \[--port N\]/);
  });
});
