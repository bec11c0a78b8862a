// The task tools through the built CLI over stdio on its embedded sandbox, as a host would drive them:
// the helpdesk profile from the command line, a confirmation by elicitation, the fix visible afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Connected, connectCli } from '../helpers/mcp-client.js';

describe('task tools over stdio (helpdesk, embedded sandbox)', () => {
  let server: Connected;
  const asked: string[] = [];
  beforeAll(async () => {
    server = await connectCli(
      ['--profile', 'helpdesk'],
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

  it('lists the eleven task tools after the generic ones', async () => {
    const { tools } = await server.client.listTools();
    expect(tools.map((t) => t.name).slice(-11)).toEqual([
      'find_users',
      'get_user_overview',
      'diagnose_login',
      'list_security_events',
      'review_security_settings',
      'snapshot_tenant',
      'diff_tenant',
      'block_user',
      'unblock_user',
      'revoke_user_sessions',
      'create_password_change_ticket',
    ]);
  });

  it('diagnoses carol, lifts her lock (a write: no person, as on every route), and the diagnosis changes', async () => {
    const before = JSON.parse(
      (await server.call('diagnose_login', { user: 'carol@northwind.example.com' })).text,
    );
    expect(before.findings[0]).toMatchObject({ cause: 'brute_force_block', next: 'unblock_user' });
    const fixed = await server.call('unblock_user', { user: 'carol@northwind.example.com' });
    expect(JSON.parse(fixed.text).done).toEqual(['brute-force locks lifted']);
    expect(asked).toHaveLength(0);
    const after = JSON.parse(
      (await server.call('diagnose_login', { user: 'carol@northwind.example.com' })).text,
    );
    expect(after.findings.map((f: { cause: string }) => f.cause)).not.toContain('brute_force_block');
  });

  it('unblocks dave after one confirmation that names him, and the diagnosis changes', async () => {
    const before = JSON.parse(
      (await server.call('diagnose_login', { user: 'dave@northwind.example.com' })).text,
    );
    expect(before.findings.map((f: { cause: string }) => f.cause)).toContain('blocked');
    const fixed = await server.call('unblock_user', { user: 'dave@northwind.example.com' });
    expect(fixed.isError, fixed.text).toBe(false);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatch(/tenant data: name "[^"]+", email "dave@northwind\.example\.com"/);
    const after = JSON.parse(
      (await server.call('diagnose_login', { user: 'dave@northwind.example.com' })).text,
    );
    expect(after.findings.map((f: { cause: string }) => f.cause)).not.toContain('blocked');
  });

  it('answers bad input as a tool error naming the field', async () => {
    const { isError, text } = await server.call('diagnose_login', {
      user: 'carol@northwind.example.com',
      extra: 1,
    });
    expect(isError).toBe(true);
    expect(text).toMatch(/extra: not an argument of diagnose_login/);
  });
});
