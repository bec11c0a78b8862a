// Reproduces the ways "a person the agent cannot impersonate" broke, through the built CLI on the embedded
// sandbox, over stdio and (in `npm test`'s second pass) Streamable HTTP: a decline bypassed through another
// route, a failed confirmation answered as an internal error with no record, approvers who could not tell
// whom they approved (a one-letter prefix picked a real person; padding hid the sensitive fields).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ElicitResult } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { SEED } from '../../src/sandbox/seed.js';
import { type Connected, connectCli, E2E_ERA, E2E_TRANSPORT, tenantData } from '../helpers/mcp-client.js';

const U = SEED.users;
const ACCEPT: ElicitResult = { action: 'accept', content: { confirm: true } };

interface Person {
  server: Connected;
  asked: string[];
  stateDir: string;
  // biome-ignore lint/suspicious/noExplicitAny: audit records are JSON whose shape each test asserts
  audit(): Array<Record<string, any>>;
}

let open: Connected[] = [];
afterEach(async () => {
  await Promise.all(open.map((server) => server.close()));
  open = [];
});

/** A server on the sandbox whose client answers every confirmation form with `answer`. */
async function person(
  profile: string,
  answer: (message: string) => ElicitResult | Promise<ElicitResult>,
  extra: string[] = [],
): Promise<Person> {
  const asked: string[] = [];
  const stateDir = mkdtempSync(join(tmpdir(), 'tenant-mcp-person-'));
  const server = await connectCli(
    ['--profile', profile, ...extra],
    { TENANT_MCP_STATE_DIR: stateDir },
    {
      onElicit: (message) => {
        asked.push(message);
        return answer(message);
      },
    },
  );
  open.push(server);
  return {
    server,
    asked,
    stateDir,
    audit: () =>
      readFileSync(join(stateDir, 'audit.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line)),
  };
}

const blocked = async (server: Connected, id: string) =>
  (
    tenantData(
      (await server.call('invoke_read_operation', { operation: 'get_users_by_id', arguments: { id } })).text,
    ) as { blocked?: boolean }
  ).blocked === true;

describe(`a person's "no" holds on every route (${E2E_TRANSPORT})`, () => {
  it('after unblock_user is declined, the same change is refused by every other tool, and nobody is asked again', async () => {
    const { server, asked, audit } = await person('helpdesk', () => ({ action: 'decline' }), [
      '--toolsets',
      'users',
    ]);
    const declined = await server.call('unblock_user', { user: 'dave@northwind.example.com' });
    expect(declined.isError).toBe(true);
    expect(declined.text).toMatch(/A person declined unblock_user; nothing was sent/);
    expect(asked).toHaveLength(1);

    const same = { id: U.dave, blocked: false };
    const generic = await server.call('invoke_write_operation', {
      operation: 'patch_users_by_id',
      arguments: same,
    });
    const perOperation = await server.call('patch_users_by_id', same);
    const previewedThenRun = await server.call('patch_users_by_id', { ...same, dry_run: true });
    for (const refused of [generic, perOperation]) {
      expect(refused.isError, refused.text).toBe(true);
      expect(refused.text).toMatch(
        /declined patch_users_by_id with these arguments .*refused through every tool until/,
      );
    }
    // A dry run sends nothing and asks no one, so it is still allowed; the run after it is not.
    expect(previewedThenRun.isError).toBe(false);
    expect((await server.call('patch_users_by_id', same)).isError).toBe(true);
    expect(asked).toHaveLength(1);
    expect(await blocked(server, U.dave)).toBe(true);
    const reasons = audit()
      .filter((r) => r.unmapped.decision === 'refused')
      .map((r) => r.status_detail);
    expect(reasons.filter((text) => /declined patch_users_by_id/.test(text))).toHaveLength(3);

    // Another change to the same person is a different effect: it is asked about as usual.
    await server.call('invoke_write_operation', {
      operation: 'patch_users_by_id',
      arguments: { id: U.alice, blocked: true },
    });
    expect(asked).toHaveLength(2);
  });
});

describe(`a confirmation that fails is a refusal with a record (${E2E_TRANSPORT})`, () => {
  it.each([
    ['the client throws', () => Promise.reject(new Error('the host crashed'))],
    ['the form comes back empty', () => ({ action: 'accept', content: {} }) as ElicitResult],
    ['confirm is not a boolean', () => ({ action: 'accept', content: { confirm: 'yes' } }) as ElicitResult],
  ])('%s: the call is held out of band, never an internal error', async (name, answer) => {
    const { server, asked, audit } = await person('helpdesk', answer);
    if (E2E_ERA === 'modern' && name === 'the client throws') {
      // On 2026-07-28 the form travels in the call's answer (input_required); a client that fails to
      // show it never calls again, so the failure stays on its side. The server recorded the call as
      // waiting for a person, and sent nothing.
      await expect(server.call('block_user', { user: 'alice@northwind.example.com' })).rejects.toThrow(
        /the host crashed/,
      );
      expect(asked).toHaveLength(1);
      const decisions = audit().map((r) => `${r.unmapped.decision} ${r.api.operation}`);
      expect(decisions).toContain('held block_user');
      expect(decisions).not.toContain('approved patch_users_by_id');
      expect(decisions).not.toContain('sent patch_users_by_id');
      expect(await blocked(server, U.alice)).toBe(false);
      return;
    }
    const result = await server.call('block_user', { user: 'alice@northwind.example.com' });
    expect(asked).toHaveLength(1);
    expect(result.isError).toBe(true);
    expect(result.text).not.toMatch(/Internal error/);
    expect(result.text).toMatch(/No confirmation came from the client: /);
    expect(result.text).toMatch(/nothing was sent/);
    expect(result.text).toMatch(/approval_id: "apr_[a-z0-9]{24}"/);
    const decisions = audit().map((r) => `${r.unmapped.decision} ${r.api.operation}`);
    expect(decisions).toEqual(expect.arrayContaining(['refused block_user', 'held block_user']));
    const refused = audit().find((r) => r.unmapped.decision === 'refused')!;
    expect(refused.status_detail).toMatch(/No confirmation came from the client/);
    expect(refused.unmapped.operations).toEqual(['patch_users_by_id']);
    expect(await blocked(server, U.alice)).toBe(false);
  });
});

describe(`the approver sees whom and what (${E2E_TRANSPORT})`, () => {
  it('names the person (name, email, connection), who asked and the tenant', async () => {
    const { server, asked } = await person('helpdesk', () => ({ action: 'decline' }));
    await server.call('block_user', { user: 'alice@northwind.example.com' });
    const view = asked[0]!;
    expect(view).toMatch(
      /On user "auth0\|64f1a0c2e4b0a1b2c3d40001", tenant data: name "Alice Nguyen", email "alice@northwind\.example\.com", connection "Username-Password-Authentication"/,
    );
    expect(view).toMatch(/Asked by client "tenant-mcp-tests 1\.0\.0"/);
    if (E2E_TRANSPORT === 'http') expect(view).toMatch(/principal "token-1"/);
    expect(view).toMatch(/profile "helpdesk" · tool block_user/);
    expect(view).toMatch(/Tenant "sandbox"/);
    expect(view).toMatch(/! blocked: (false|\(absent\)) → true/);
  });

  it('refuses a one-letter prefix instead of picking the one person it matches', async () => {
    const { server, asked } = await person('helpdesk', () => ACCEPT);
    const result = await server.call('block_user', { user: 'a' });
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/matches only the start of a word of one person/);
    expect(JSON.parse(result.text).untrusted_tenant_data.candidates).toEqual([
      expect.objectContaining({ user_id: U.alice }),
    ]);
    expect(asked).toEqual([]);
    expect(await blocked(server, U.alice)).toBe(false);
    // The whole first name is a whole word: it names her.
    const named = await server.call('block_user', { user: 'alice', dry_run: true });
    expect(named.isError, named.text).toBe(false);
  });

  it('shows the sensitive fields first however many others pad the change, and refuses a change too long to show', async () => {
    const { server, asked } = await person('admin', () => ({ action: 'decline' }));
    const padding = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`note_${i}`, `x${i}`]));
    await server.call('invoke_write_operation', {
      operation: 'patch_users_by_id',
      arguments: {
        id: U.bob,
        user_metadata: padding,
        password: 'Correct-Horse-9!',
        app_metadata: { role: 'owner' },
        connection: 'Username-Password-Authentication',
      },
    });
    const view = asked[0]!;
    const first = (text: string) => view.indexOf(text);
    expect(first('! password: (absent) → "[masked]"')).toBeGreaterThan(0);
    expect(first('! app_metadata.role')).toBeGreaterThan(0);
    expect(first('· user_metadata.note_59')).toBeGreaterThan(0);
    expect(first('! password')).toBeLessThan(first('· user_metadata.note_0'));
    expect(first('! app_metadata.role')).toBeLessThan(first('· user_metadata.note_0'));
    expect(view).not.toContain('Correct-Horse-9!');

    const huge = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`note_${i}`, `padding-${i}`]));
    const refused = await server.call('invoke_write_operation', {
      operation: 'patch_users_by_id',
      arguments: { id: U.bob, user_metadata: huge, password: 'Correct-Horse-9!' },
    });
    expect(refused.isError).toBe(true);
    expect(refused.text).toMatch(
      /characters to show a person \(.*\), over the 8,000 characters a person is shown.*Nothing was sent/,
    );
    expect(asked).toHaveLength(1);
  });

  it('writes invisible characters out instead of showing them', async () => {
    const { server, asked } = await person('admin', () => ({ action: 'decline' }));
    await server.call('invoke_write_operation', {
      operation: 'patch_users_by_id',
      arguments: { id: U.bob, blocked: true, user_metadata: { note: 'pay\u202Eevil\u2066x\u200By\u2028z' } },
    });
    const view = asked[0]!;
    for (const hidden of ['\u202E', '\u2066', '\u200B', '\u2028']) expect(view).not.toContain(hidden);
    expect(view).toContain('pay\\u{202E}evil\\u{2066}x\\u{200B}y\\u{2028}z');
  });
});
