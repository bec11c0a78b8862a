// describe_operation tells what an agent would otherwise learn by failing: the cross-field rules in words,
// the scopes a token needs, and a minimal example that passes the operation's own schema, for every
// operation of both providers; a dry run of the example passes the gate's checks.
import { describe, expect, it } from 'vitest';
import { minimalExample } from '../../src/server/describe.js';
import { toClientJsonSchema } from '../../src/server/json-schema.js';
import { auth0Catalog } from '../../src/tools/auth0/index.js';
import { monocloudCatalog } from '../../src/tools/monocloud/index.js';
import { connectInProcess } from '../helpers/in-process.js';

describe('minimal examples', () => {
  for (const catalog of [auth0Catalog, monocloudCatalog]) {
    it(`${catalog.provider}: every operation gets one, and its schema accepts it`, async () => {
      const without: string[] = [];
      for (const op of catalog.operations) {
        const validator = await catalog.inputSchema(op.id);
        const example = minimalExample(op, toClientJsonSchema(validator), validator);
        if (!example) without.push(op.id);
        else expect(validator.safeParse(example).success, op.id).toBe(true);
      }
      expect(without).toEqual([]);
    });
  }

  it('keeps the cross-field rules: the password-change ticket names the user one way only', async () => {
    const op = auth0Catalog.operations.find((o) => o.id === 'post_password-change')!;
    const validator = await auth0Catalog.inputSchema(op.id);
    const example = minimalExample(op, toClientJsonSchema(validator), validator)!;
    expect(example.user_id !== undefined).not.toBe(example.email !== undefined);
    expect(example.connection_id === undefined || example.email !== undefined).toBe(true);
  });
});

describe('describe_operation', async () => {
  const client = await connectInProcess({ profile: 'admin' });
  const describeOp = async (operation: string) => {
    const result = await client.callTool({ name: 'describe_operation', arguments: { operation } });
    return JSON.parse((result.content as Array<{ text: string }>)[0]!.text);
  };

  it('says the rules in words, the scopes a token needs, and gives an example', async () => {
    const ticket = await describeOp('post_password-change');
    expect(ticket.rules).toEqual(
      expect.arrayContaining([
        'Identify the user with user_id, or with email together with connection_id.',
        'connection_id is only accepted with email; drop it when sending user_id.',
      ]),
    );
    expect(ticket.rules).toHaveLength(4);
    expect(ticket.token_needs).toBe('a tenant token with create:user_tickets');
    expect(ticket.example.arguments).toEqual({ user_id: expect.any(String) });
    const update = await describeOp('patch_users_by_id');
    expect(update.destructive_when).toMatch(/password, blocked or email/);
    expect(update.example.arguments).toEqual({ id: expect.stringMatching(/\|/) });
    expect((await describeOp('get_roles_by_id')).example.arguments.id).toMatch(/^rol_/);
  });

  it("sends every write's example as a dry run without a validation error", async () => {
    const writes = auth0Catalog.operations.filter((op) => op.risk !== 'read').filter((_, i) => i % 6 === 0);
    expect(writes.length).toBeGreaterThan(30);
    for (const op of writes) {
      const { example } = await describeOp(op.id);
      const result = await client.callTool({
        name: 'invoke_write_operation',
        arguments: { operation: op.id, arguments: example.arguments, dry_run: true },
      });
      const text = (result.content as Array<{ text: string }>)[0]!.text;
      expect(result.isError, `${op.id}: ${text}`).toBeFalsy();
      expect(JSON.parse(text).dry_run, op.id).toBe(true);
    }
  });
});
