// Each task tool against the sandbox's Northwind stories, through a real gate and executor, so what an agent
// gets for "why can't carol log in?" or "block dave" is pinned end to end, small and correct.
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TASK_TOOLS } from '../../src/policy/profiles.js';
import { type Sandbox, SEED, startSandbox } from '../../src/sandbox/index.js';
import { ACCEPT, connectTasks, type Json, type TaskHarness } from './harness.js';

const U = SEED.users;
let sandbox: Sandbox;
let helpdesk: TaskHarness;
let asked: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox();
  const tenant = { domain: sandbox.url, clientId: sandbox.clientId, clientSecret: sandbox.clientSecret };
  helpdesk = await connectTasks({
    ...tenant,
    profile: 'helpdesk',
    onElicit: (message) => {
      asked.push(message);
      return ACCEPT;
    },
  });
});
afterAll(async () => {
  await helpdesk?.close();
  await sandbox?.close();
});
afterEach(() => {
  sandbox.reset();
  asked = [];
});

const diagnose = (user: string) => helpdesk.call('diagnose_login', { user });
const causes = (json: Json) => json.findings.map((f: { cause: string }) => f.cause);

describe('diagnose_login on each sandbox story', () => {
  it('carol: a brute-force lock from the attacker IP, next unblock_user', async () => {
    const { json, text, isError } = await diagnose('carol@northwind.example.com');
    expect(isError).toBe(false);
    expect(causes(json)).toEqual(['brute_force_block']);
    expect(json.findings[0]).toMatchObject({ severity: 'blocks login', next: 'unblock_user' });
    const evidence = json.untrusted_tenant_data.evidence.brute_force_block;
    expect(evidence).toMatchObject({ ips: [SEED.attackerIp], wrong_passwords: 5 });
    expect(Object.keys(json.types)).toEqual(['fp', 'limit_wc']);
    expect(encode(text).length).toBeLessThanOrEqual(600);
  });

  it('dave: blocked by an administrator', async () => {
    const { json } = await diagnose('dave@northwind.example.com');
    expect(causes(json)).toEqual(['blocked']);
    expect(json.untrusted_tenant_data.evidence.blocked).toMatchObject({ blocked: true, types: ['f'] });
  });

  it('erin: refused until her email is verified, with the refusal quoted as tenant data', async () => {
    const { json } = await diagnose('erin@example.org');
    expect(causes(json)).toEqual(['email_unverified']);
    expect(json.findings[0].severity).toBe('blocks login');
    expect(json.findings[0].next).toMatch(/post_verification-email/);
    expect(json.untrusted_tenant_data.evidence.email_unverified.description).toMatch(/verify your email/);
  });

  it('frank: google-oauth2 is not enabled for the console', async () => {
    const { json } = await helpdesk.call('diagnose_login', { user: U.frank });
    expect(causes(json)).toEqual(['connection_disabled']);
    expect(json.untrusted_tenant_data.evidence.connection_disabled).toMatchObject({
      connection: 'google-oauth2',
      client_id: SEED.clients.spa,
      enabled_apps: 0,
    });
  });

  it('grace: a breached password first, then the reset link issued for it and not used', async () => {
    const { json } = await diagnose('Grace Liu');
    expect(causes(json)).toEqual(['breached_password', 'pending_password_reset']);
    expect(json.types).toHaveProperty('pwd_leak');
    const reset = json.untrusted_tenant_data.evidence.pending_password_reset;
    expect(Date.parse(reset.expires) - Date.parse(reset.issued)).toBe(5 * 86_400_000);
  });

  it('bob: MFA codes rejected until the MFA lock, with his enrolment', async () => {
    const { json } = await diagnose('bob');
    expect(causes(json)).toEqual(['mfa_trouble']);
    expect(json.untrusted_tenant_data.evidence.mfa_trouble).toMatchObject({
      count: 4,
      enrollments: [{ type: 'authenticator', status: 'confirmed' }],
    });
  });

  it('alice: nothing wrong, and it says what was checked', async () => {
    const { json } = await diagnose('alice@northwind.example.com');
    expect(json.findings).toEqual([]);
    expect(json.checked).toEqual(
      expect.arrayContaining([
        'logs',
        'brute-force locks',
        'MFA',
        'reset links',
        'IP blocks',
        'connection',
        'app',
      ]),
    );
    expect(json.not_checked).toBeUndefined();
  });

  it('mallory: no such user; it names the connections searched and the unknown-user attempts', async () => {
    const { json, isError } = await diagnose('mallory@example.org');
    expect(isError).toBe(false);
    expect(causes(json)).toEqual(['user_missing']);
    expect(json.tried).toEqual([{ lookup: 'users-by-email (every connection)', result: 'found 0' }]);
    expect(json.untrusted_tenant_data.evidence.user_missing).toMatchObject({
      searched_connections: ['Username-Password-Authentication', 'google-oauth2'],
      unknown_user_logins: { count: 2, ips: [SEED.throttledIp] },
    });
  });

  it('lists candidates when a name matches several people, and refuses a malformed email', async () => {
    const twin = {
      ...sandbox.state.users.get(U.alice)!,
      user_id: 'auth0|twin',
      email: 'alice.n@example.org',
    };
    sandbox.state.users.set(twin.user_id, twin);
    const ambiguous = await diagnose('Alice Nguyen');
    expect(ambiguous.isError).toBe(true);
    expect(ambiguous.json.error).toMatch(/matches 2 people/);
    expect(
      ambiguous.json.untrusted_tenant_data.candidates.map((c: { user_id: string }) => c.user_id),
    ).toEqual([U.alice, 'auth0|twin']);
    const malformed = await diagnose('carol@');
    expect(malformed.isError).toBe(true);
    expect(malformed.json.error).toMatch(/not one/);
  });
});

describe('reading tools', () => {
  it('find_users: by name prefix, email, id and expression, as compact rows', async () => {
    const byName = await helpdesk.call('find_users', { query: 'carol' });
    expect(byName.json).toMatchObject({ found: 1, untrusted_tenant_data: { users: [{ user_id: U.carol }] } });
    const byEmail = await helpdesk.call('find_users', { query: 'ERIN@example.org' });
    expect(byEmail.json.untrusted_tenant_data.users[0]).toMatchObject({
      user_id: U.erin,
      email_verified: false,
    });
    const byId = await helpdesk.call('find_users', { query: U.frank });
    expect(byId.json.untrusted_tenant_data.users[0].connection).toBe('google-oauth2');
    const expression = await helpdesk.call('find_users', {
      query: 'email:*@northwind.example.com',
      limit: 2,
    });
    expect(expression.json).toMatchObject({ found: 2, note: expect.stringMatching(/More match/) });
    const none = await helpdesk.call('find_users', { query: 'nobody@example.com' });
    expect(none.json.found).toBe(0);
  });

  it('get_user_overview: profile, roles, MFA, recent events and sessions in one answer', async () => {
    const { json, text } = await helpdesk.call('get_user_overview', { user: 'alice@northwind.example.com' });
    const data = json.untrusted_tenant_data;
    expect(data.user).toMatchObject({ user_id: U.alice, blocked: false, logins: 212 });
    expect(data.roles).toEqual(['admin', 'support']);
    expect(data.mfa).toEqual([expect.objectContaining({ type: 'guardian', status: 'confirmed' })]);
    expect(data.sessions.count).toBe(2);
    expect(data.recent_events[0]).toMatchObject({ type: 's' });
    expect(encode(text).length).toBeLessThanOrEqual(600);
  });

  it('list_security_events: tenant-wide in a window, by user, by kind, paged', async () => {
    const day = await helpdesk.call('list_security_events', { since: '24h' });
    const types = new Set(day.json.untrusted_tenant_data.events.map((e: { type: string }) => e.type));
    for (const type of ['limit_wc', 'limit_mu', 'fp', 'f', 'gd_otp_rate_limit_exceed'])
      expect(types).toContain(type);
    expect(day.json.types.limit_mu).toMatch(/IP blocked/);

    const carol = await helpdesk.call('list_security_events', { user: U.carol, kinds: ['blocks'] });
    expect(carol.json.untrusted_tenant_data.events).toEqual([expect.objectContaining({ type: 'limit_wc' })]);

    const paged = await helpdesk.call('list_security_events', { since: '7d', per_page: 3 });
    expect(paged.json).toMatchObject({ page: 0, shown: 3, next_page: 1 });
    const next = await helpdesk.call('list_security_events', { since: '7d', per_page: 3, page: 1 });
    expect(next.json.untrusted_tenant_data.events[0]).not.toEqual(paged.json.untrusted_tenant_data.events[0]);

    const old = await helpdesk.call('list_security_events', { since: '2020-01-01', until: '2020-01-02' });
    expect(old.json.shown).toBe(0);
    const bad = await helpdesk.call('list_security_events', { since: 'last tuesday' });
    expect(bad.isError).toBe(true);
    expect(bad.json.error).toMatch(/^since:/);
  });
});

describe('writing tools, confirmed by a person through elicitation', () => {
  it('unblock_user: dry run sends nothing; then carol’s lock is lifted without a person, as every route lifts it', async () => {
    const dry = await helpdesk.call('unblock_user', { user: U.carol, dry_run: true });
    expect(dry.json.untrusted_tenant_data.would_send).toEqual([
      expect.objectContaining({ operation: 'delete_user-blocks_by_id', method: 'DELETE' }),
    ]);
    expect(sandbox.state.blocks).toHaveLength(1);
    expect(asked).toEqual([]);

    const done = await helpdesk.call('unblock_user', { user: 'carol@northwind.example.com' });
    expect(done.json.done).toEqual(['brute-force locks lifted']);
    // Lifting a brute-force lock is a write in the helpdesk profile: invoke_write_operation would not ask
    // either, so the task does not (a confirmation belongs to the change, not to the tool).
    expect(asked).toEqual([]);
    expect(sandbox.state.blocks).toHaveLength(0);
    expect(causes((await diagnose('carol@northwind.example.com')).json)).not.toContain('brute_force_block');
  });

  it('unblock_user: lifts dave’s blocked flag after a person saw whom; nothing to do says so', async () => {
    await helpdesk.call('unblock_user', { user: 'dave@northwind.example.com' });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatch(
      /On user "auth0\|64f1a0c2e4b0a1b2c3d40004", tenant data: name "[^"]+", email "dave@northwind\.example\.com"/,
    );
    expect(asked[0]).toMatch(/! blocked: true → false/);
    expect(sandbox.state.users.get(U.dave)!.blocked).toBeUndefined();
    const again = await helpdesk.call('unblock_user', { user: 'dave@northwind.example.com' });
    expect(again.json.note).toMatch(/nothing was sent/);
  });

  it('block_user: sets the flag once; a second call sends nothing', async () => {
    const done = await helpdesk.call('block_user', { user: 'bob@northwind.example.com' });
    expect(done.json.done).toEqual(['blocked flag set']);
    expect(sandbox.state.users.get(U.bob)!.blocked).toBe(true);
    expect(causes((await diagnose('bob@northwind.example.com')).json)[0]).toBe('blocked');
    const again = await helpdesk.call('block_user', { user: U.bob });
    expect(again.json.note).toMatch(/Already blocked/);
    expect(asked).toHaveLength(1);
  });

  it('revoke_user_sessions: ends alice’s two sessions, or sessions and refresh tokens', async () => {
    const done = await helpdesk.call('revoke_user_sessions', { user: U.alice });
    expect(done.json).toMatchObject({ done: ['sessions ended'], sessions: 2 });
    expect([...sandbox.state.sessions.values()].filter((s) => s.user_id === U.alice)).toHaveLength(0);
    const none = await helpdesk.call('revoke_user_sessions', { user: U.alice });
    expect(none.json.note).toMatch(/No open sessions/);
    const bob = await helpdesk.call('revoke_user_sessions', { user: U.bob, refresh_tokens: true });
    expect(bob.json.done).toEqual(['sessions and refresh tokens revoked']);
    expect([...sandbox.state.sessions.values()].filter((s) => s.user_id === U.bob)).toHaveLength(0);
  });
});

describe('create_password_change_ticket', () => {
  it('creates a link after one confirmation; the agent gets it (the point of the task), the audit trail never', async () => {
    const before = sandbox.tickets().length;
    const { json, text } = await helpdesk.call('create_password_change_ticket', { user_id: U.bob });
    expect(json).toMatchObject({
      created: true,
      lifetime: expect.stringMatching(/5 days: the tenant default/),
    });
    expect(asked).toHaveLength(1);
    const issued = sandbox.tickets().at(-1)!;
    expect(sandbox.tickets()).toHaveLength(before + 1);
    expect(issued.user_id).toBe(U.bob);
    expect(text).toContain(issued.id);
    expect(json.link).toMatch(/credential/);
    expect(JSON.stringify(helpdesk.audit())).not.toContain(issued.id);
    const diagnosis = await diagnose('bob@northwind.example.com');
    expect(causes(diagnosis.json)).toContain('pending_password_reset');
  });

  it('by email with connection_id, with its own lifetime', async () => {
    const { json } = await helpdesk.call('create_password_change_ticket', {
      email: 'carol@northwind.example.com',
      connection_id: SEED.connections.database,
      ttl_sec: 3600,
    });
    expect(json.lifetime).toBe('3600 s');
    const issued = sandbox.tickets().at(-1)!;
    expect(issued.user_id).toBe(U.carol);
    expect(Date.parse(issued.expires_at) - Date.parse(issued.created_at)).toBe(3_600_000);
  });

  it('a field the helpdesk profile forbids is refused before anyone is asked', async () => {
    const before = sandbox.tickets().length;
    const { isError, text } = await helpdesk.call('create_password_change_ticket', {
      user_id: U.bob,
      mark_email_as_verified: true,
    });
    expect(isError).toBe(true);
    expect(text).toMatch(/mark_email_as_verified/);
    expect(asked).toEqual([]);
    expect(sandbox.tickets()).toHaveLength(before);
  });

  it('a social user gets the tenant’s refusal, and no link', async () => {
    const { isError, json } = await helpdesk.call('create_password_change_ticket', { user_id: U.frank });
    expect(isError).toBe(true);
    expect(json.error).toMatch(/No link was created.*database connections/);
  });
});

describe('profiles', () => {
  it('read-only lists only the reading task tools and refuses a writing one by name', async () => {
    const readOnly = await connectTasks({
      domain: sandbox.url,
      clientId: sandbox.clientId,
      clientSecret: sandbox.clientSecret,
      profile: 'read-only',
    });
    try {
      const { tools } = await readOnly.client.listTools();
      const listed = tools.map((t) => t.name).filter((name) => Object.hasOwn(TASK_TOOLS, name));
      expect(listed).toEqual(Object.keys(TASK_TOOLS).filter((name) => !TASK_TOOLS[name]!.writes));
      const blocked = await readOnly.call('block_user', { user: U.alice });
      expect(blocked.isError).toBe(true);
      expect(blocked.text).toMatch(/not allowed by the "read-only" profile/);
      expect(sandbox.state.users.get(U.alice)!.blocked).toBeUndefined();
      expect((await readOnly.call('diagnose_login', { user: U.carol })).isError).toBe(false);
    } finally {
      await readOnly.close();
    }
  });

  it('every request a task makes is on the audit trail under the task’s name, writes after their approval', async () => {
    // Unblocked first (whatever ran before), then blocked again: his story as seeded, and a person confirms.
    await helpdesk.call('unblock_user', { user: U.dave });
    const start = helpdesk.audit().length;
    await helpdesk.call('block_user', { user: U.dave });
    const records = helpdesk.audit().slice(start);
    expect(records.every((r) => r.src_endpoint.name === 'block_user')).toBe(true);
    const decisions = records.map((r) => `${r.unmapped.decision} ${r.api.operation}`);
    expect(decisions).toContain('sent get_users_by_id');
    const approved = decisions.indexOf('approved block_user');
    expect(approved).toBeGreaterThan(-1);
    expect(decisions.indexOf('sent patch_users_by_id')).toBeGreaterThan(approved);
  });
});
