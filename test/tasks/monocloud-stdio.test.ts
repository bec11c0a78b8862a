// The MonoCloud task tools through the built CLI over stdio (`--provider monocloud --profile helpdesk`, on
// the embedded sandbox), as a host drives them: the Auth0 names listed, carol diagnosed, fixed after one
// confirmation by elicitation, and the diagnosis changing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Connected, connectCli } from '../helpers/mcp-client.js';

describe('MonoCloud task tools over stdio (helpdesk, embedded sandbox)', () => {
  let server: Connected;
  const asked: string[] = [];
  beforeAll(async () => {
    server = await connectCli(
      ['--provider', 'monocloud', '--profile', 'helpdesk'],
      {},
      {
        onElicit: (message) => {
          asked.push(message);
          return { action: 'accept', content: { confirm: true } };
        },
      },
    );
  });
  afterAll(() => server.close());

  it('lists ten task tools after the generic ones, without list_security_events', async () => {
    const { tools } = await server.client.listTools();
    expect(tools.map((t) => t.name).slice(-10)).toEqual([
      'find_users',
      'get_user_overview',
      'diagnose_login',
      'review_security_settings',
      'snapshot_tenant',
      'diff_tenant',
      'block_user',
      'unblock_user',
      'revoke_user_sessions',
      'create_password_change_ticket',
    ]);
    expect(tools.map((t) => t.name)).not.toContain('list_security_events');
  });

  it('diagnoses carol, lifts her lockout and IP blocks (writes: no person, as on every route), and the diagnosis changes', async () => {
    const before = JSON.parse(
      (await server.call('diagnose_login', { user: 'carol@northwind.example.com' })).text,
    );
    expect(before.findings.map((f: { cause: string }) => f.cause)).toEqual(['locked_out', 'ip_blocked']);
    const fixed = await server.call('unblock_user', { user: 'carol@northwind.example.com' });
    expect(JSON.parse(fixed.text).done).toEqual(['lockout lifted', 'IP unblocked ×2']);
    expect(asked).toHaveLength(0);
    const after = JSON.parse(
      (await server.call('diagnose_login', { user: 'carol@northwind.example.com' })).text,
    );
    expect(after.findings).toEqual([]);
  });

  it('unblocks dave after one confirmation that names him, and the diagnosis changes', async () => {
    const before = JSON.parse(
      (await server.call('diagnose_login', { user: 'dave@northwind.example.com' })).text,
    );
    expect(before.findings.map((f: { cause: string }) => f.cause)).toContain('disabled');
    const fixed = await server.call('unblock_user', { user: 'dave@northwind.example.com' });
    expect(fixed.isError, fixed.text).toBe(false);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatch(/tenant data: name "[^"]+", email "dave@northwind\.example\.com"/);
    const after = JSON.parse(
      (await server.call('diagnose_login', { user: 'dave@northwind.example.com' })).text,
    );
    expect(after.findings.map((f: { cause: string }) => f.cause)).not.toContain('disabled');
  });

  it('answers an Auth0-only argument as a tool error naming the field', async () => {
    const { isError, text } = await server.call('diagnose_login', {
      user: 'carol@northwind.example.com',
      client_id: 'abc',
    });
    expect(isError).toBe(true);
    expect(text).toMatch(/client_id: not an argument of diagnose_login/);
  });
});
