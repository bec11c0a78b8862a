/**
 * The core end-to-end cases, written once and run by a stdio file and an HTTP file: a host must see the
 * same server whichever transport it uses (the transports only attach one shared `createServer`).
 */
import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Connected, tenantData } from '../helpers/mcp-client.js';

/** Starts the built CLI with these arguments and connects a client to it over one transport. */
export type Connect = (args: string[]) => Promise<Connected>;

/** Registers the shared cases for one transport. */
export function defineSharedCases(transport: string, connect: Connect): void {
  describe(`${transport}: read-only profile on the embedded sandbox`, () => {
    let server: Connected;
    beforeAll(async () => {
      server = await connect([]);
    }, 30_000);
    afterAll(() => server?.close());

    it('lists the reading tools, each with its annotations, and no write tool', async () => {
      const { tools } = await server.client.listTools();
      const names = tools.map((t) => t.name);
      expect(names.slice(0, 3)).toEqual(['search_operations', 'describe_operation', 'invoke_read_operation']);
      expect(names).not.toContain('invoke_write_operation');
      expect(tools.every((t) => t.annotations?.readOnlyHint === true)).toBe(true);
      expect(server.client.getInstructions()).toMatch(/SANDBOX/);
    });

    it('searches by intent', async () => {
      const { text, isError } = await server.call('search_operations', { query: 'list users' });
      expect(isError).toBe(false);
      expect(text.split('\n')[0]).toMatch(/^get_users: GET \/users /);
    });

    it('describes an operation with its input JSON Schema', async () => {
      const { text } = await server.call('describe_operation', { operation: 'get_users' });
      expect(JSON.parse(text)).toMatchObject({ operation: 'get_users', method: 'GET', risk: 'read' });
    });

    it('lets the audit agent review, snapshot into the state directory and diff', async () => {
      const review = await server.call('review_security_settings', {});
      expect(review.isError, review.text).toBe(false);
      expect(JSON.parse(review.text).findings.map((f: { id: string }) => f.id)).toContain(
        'breached_passwords_off',
      );
      const snap = await server.call('snapshot_tenant', {});
      expect(snap.isError, snap.text).toBe(false);
      const { file, snapshot } = JSON.parse(snap.text);
      expect(file).toMatch(/[/\\]snapshots[/\\]sandbox[/\\]snap_/);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const diff = await server.call('diff_tenant', { snapshot });
      expect(JSON.parse(diff.text)).toMatchObject({ snapshot, changes: 0 });
    });

    it('reads users from the sandbox with fields and a cap', async () => {
      const { text, isError } = await server.call('invoke_read_operation', {
        operation: 'get_users',
        arguments: { per_page: 5 },
        fields: ['user_id', 'email'],
        max_items: 2,
      });
      expect(isError).toBe(false);
      const users = tenantData(text) as Array<Record<string, unknown>>;
      expect(users).toHaveLength(2);
      expect(Object.keys(users[0]!).sort()).toEqual(['email', 'user_id']);
    });

    it('refuses bad arguments naming the field', async () => {
      const { text, isError } = await server.call('invoke_read_operation', {
        operation: 'get_users',
        arguments: { per_page: 'ten' },
      });
      expect(isError).toBe(true);
      expect(text).toMatch(/arguments\.per_page/);
    });

    it('refuses writes: through the read tool, and the write tool is unknown', async () => {
      const write = await server.call('invoke_read_operation', { operation: 'post_users', arguments: {} });
      expect(write.isError).toBe(true);
      expect(write.text).toMatch(/not allowed/);
      await expect(server.client.callTool({ name: 'invoke_write_operation', arguments: {} })).rejects.toThrow(
        /Unknown tool/,
      );
    });
  });

  describe(`${transport}: admin profile`, () => {
    let server: Connected;
    beforeAll(async () => {
      server = await connect(['--profile', 'admin', '--toolsets', 'roles']);
    }, 30_000);
    afterAll(() => server?.close());

    it('creates a role and reads it back through its own tool', async () => {
      const created = await server.call('invoke_write_operation', {
        operation: 'post_roles',
        arguments: { name: `shared-${transport}`, description: 'made by the shared e2e cases' },
      });
      expect(created.isError).toBe(false);
      const role = tenantData(created.text) as { id: string };
      const read = await server.call('get_roles_by_id', { id: role.id });
      expect((tenantData(read.text) as { name: string }).name).toBe(`shared-${transport}`);
    });
  });
}
