import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MONOCLOUD_PROVIDER } from '../../src/executor/index.js';
import { MONOCLOUD_HELPDESK_WRITES, type ProfileName } from '../../src/policy/profiles.js';
import {
  MONOCLOUD_SEED,
  type MonoCloudSandbox,
  startMonoCloudSandbox,
} from '../../src/sandbox/monocloud/index.js';
import { monocloudCatalog } from '../../src/tools/monocloud/index.js';
import { taskToolsFor } from '../../src/tools/tasks/index.js';
import { ACCEPT, connectTasks, type Json, type TaskHarness } from './harness.js';

const S = MONOCLOUD_SEED;
let sandbox: MonoCloudSandbox;
let asked: string[] = [];

type Agent = TaskHarness;

/** A server on the MonoCloud catalog for `profile`, joined in process to a client (eliciting when asked). */
function connect(profile: ProfileName, elicit: boolean): Promise<Agent> {
  return connectTasks({
    domain: sandbox.url,
    auth: { kind: 'api_key', apiKey: sandbox.apiKey },
    provider: MONOCLOUD_PROVIDER,
    catalog: monocloudCatalog,
    profile,
    ...(elicit
      ? {
          onElicit: (message: string) => {
            asked.push(message);
            return ACCEPT;
          },
        }
      : {}),
  });
}

let helpdesk: Agent;
beforeAll(async () => {
  sandbox = await startMonoCloudSandbox();
  helpdesk = await connect('helpdesk', true);
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
const tenant = (json: Json) => json.untrusted_tenant_data;

describe('listing on a MonoCloud catalog', () => {
  it('helpdesk lists the Auth0 names except list_security_events, within the token budget', async () => {
    const { tools } = await helpdesk.client.listTools();
    const names = tools.map((t) => t.name);
    expect(names.slice(-10)).toEqual([
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
    expect(names).not.toContain('list_security_events');
    expect(encode(JSON.stringify(tools)).length).toBeLessThanOrEqual(2000);
  });

  it('read-only lists only the reading tools, and refuses a writing one by name', async () => {
    const reader = await connect('read-only', false);
    try {
      const { tools } = await reader.client.listTools();
      expect(tools.map((t) => t.name).slice(-6)).toEqual([
        'find_users',
        'get_user_overview',
        'diagnose_login',
        'review_security_settings',
        'snapshot_tenant',
        'diff_tenant',
      ]);
      const refused = await reader.call('block_user', { user: 'dave@northwind.example.com' });
      expect(refused.isError).toBe(true);
      expect(refused.text).toMatch(/not allowed by the "read-only" profile/);
    } finally {
      await reader.close();
    }
  });

  it('call only operations the MonoCloud catalog has, and write only what helpdesk may', async () => {
    const { readFileSync, readdirSync } = await import('node:fs');
    const dir = new URL('../../src/tools/tasks/monocloud/', import.meta.url);
    const used = new Set<string>();
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(new URL(file, dir), 'utf8');
      for (const m of text.matchAll(/(?:read|write|preview)\(\s*'([^']+)'|operation: '([^']+)'/g))
        used.add(m[1] ?? m[2]!);
    }
    const byId = new Map(monocloudCatalog.operations.map((op) => [op.id, op]));
    expect(used.size).toBeGreaterThan(8);
    for (const id of used) {
      expect(byId.has(id), id).toBe(true);
      if (byId.get(id)!.risk !== 'read') expect(Object.hasOwn(MONOCLOUD_HELPDESK_WRITES, id), id).toBe(true);
    }
  });

  it('the two providers share names, and MonoCloud drops the Auth0-only inputs', () => {
    const auth0 = new Map(taskToolsFor('auth0').map((t) => [t.name, t]));
    for (const tool of taskToolsFor('monocloud')) {
      expect(auth0.has(tool.name), tool.name).toBe(true);
      expect(tool.writes).toBe(auth0.get(tool.name)!.writes);
    }
    const ticket = taskToolsFor('monocloud').find((t) => t.name === 'create_password_change_ticket')!;
    expect(Object.keys(ticket.input.shape)).toEqual([
      'user_id',
      'email',
      'ttl_sec',
      'send_email',
      'dry_run',
      'approval_id',
    ]);
  });
});

describe('find_users and get_user_overview', () => {
  it('finds by email, by id, by a name word and by a filter expression', async () => {
    const byEmail = await helpdesk.call('find_users', { query: 'carol@northwind.example.com' });
    expect(byEmail.json).toMatchObject({ found: 1, lookup: 'users by email' });
    expect(tenant(byEmail.json).users[0]).toMatchObject({
      user_id: S.users.carol,
      locked_until: expect.any(String),
    });
    const byId = await helpdesk.call('find_users', { query: S.users.dave });
    expect(byId.json.lookup).toBe('user by id');
    expect(tenant(byId.json).users[0]).toMatchObject({ user_id: S.users.dave, disabled: true });
    const byName = await helpdesk.call('find_users', { query: 'frank' });
    expect(tenant(byName.json).users.map((u: Json) => u.user_id)).toEqual([S.users.frank]);
    const byFilter = await helpdesk.call('find_users', { query: 'disabled:true' });
    expect(tenant(byFilter.json).users.map((u: Json) => u.user_id)).toEqual([S.users.dave]);
    const none = await helpdesk.call('find_users', { query: 'nobody@example.com' });
    expect(none.json).toMatchObject({ found: 0, next: expect.any(String) });
  });

  it('a filter the tenant refuses comes back as an error naming the field', async () => {
    const { isError, json } = await helpdesk.call('find_users', { query: 'shoe_size:9' });
    expect(isError).toBe(true);
    expect(json.error).toMatch(/refused the search.*filter/s);
  });

  it('carol: profile, lockout, blocked IPs and no sessions, in a few hundred tokens', async () => {
    const { json, text } = await helpdesk.call('get_user_overview', { user: 'carol@northwind.example.com' });
    expect(json.checked).toEqual(['blocked IPs', 'sessions']);
    const data = tenant(json);
    expect(data.user).toMatchObject({ user_id: S.users.carol, email_verified: true, disabled: false });
    expect(data.lockout).toMatchObject({ failures: 5, last_attempt_ip: S.secondAttackerIp });
    expect(data.blocked_ips.map((b: Json) => b.ip).sort()).toEqual([S.attackerIp, S.secondAttackerIp]);
    expect(data.sessions).toEqual({ count: 0, latest: [] });
    expect(encode(text).length).toBeLessThanOrEqual(450);
  });

  it('alice: verified phone, passkeys and her two sessions', async () => {
    const { json } = await helpdesk.call('get_user_overview', { user: S.users.alice });
    const data = tenant(json);
    expect(data.user).toMatchObject({ phone_verified: true, passkeys: 2, username: 'alice.nguyen' });
    expect(data.sessions.count).toBe(2);
    expect(data.blocked_ips).toBeUndefined();
  });

  it('an ambiguous name lists candidates and does nothing else', async () => {
    const { isError, json } = await helpdesk.call('get_user_overview', { user: 'northwind' });
    expect(isError).toBe(true);
    expect(json.error).toMatch(/matches 5 people/);
    expect(tenant(json).candidates).toHaveLength(5);
  });
});

describe('diagnose_login on each MonoCloud story', () => {
  it('carol: locked out until block_until, and two blocked IPs; next unblock_user', async () => {
    const { json, text, isError } = await diagnose('carol@northwind.example.com');
    expect(isError).toBe(false);
    expect(causes(json)).toEqual(['locked_out', 'ip_blocked']);
    expect(json.findings[0]).toMatchObject({ severity: 'blocks login', next: 'unblock_user' });
    const evidence = tenant(json).evidence;
    expect(evidence.locked_out).toMatchObject({ failures: 5, last_attempt_ip: S.secondAttackerIp });
    expect(Date.parse(evidence.locked_out.until)).toBeGreaterThan(Date.now());
    expect(evidence.ip_blocked.ips.map((b: Json) => b.ip).sort()).toEqual([S.attackerIp, S.secondAttackerIp]);
    expect(encode(text).length).toBeLessThanOrEqual(500);
  });

  it('dave: disabled by an administrator', async () => {
    const { json } = await diagnose('dave@northwind.example.com');
    expect(causes(json)).toEqual(['disabled']);
    expect(json.findings[0]).toMatchObject({ severity: 'blocks login', next: 'unblock_user' });
  });

  it('erin: neither email nor phone verified', async () => {
    const { json } = await diagnose('erin@example.org');
    expect(causes(json)).toEqual(['unverified']);
    expect(tenant(json).evidence.unverified).toEqual({ email_verified: false, phone_verified: false });
  });

  it('grace: a forced password reset pending, with her failures as evidence', async () => {
    const { json } = await diagnose('Grace Liu');
    expect(causes(json)).toEqual(['password_reset_required']);
    expect(json.findings[0].next).toMatch(/create_password_change_ticket/);
    expect(tenant(json).evidence.password_reset_required).toMatchObject({ failures: 2 });
  });

  it('frank: no password, Google only', async () => {
    const { json } = await diagnose('frank.castillo@example.net');
    expect(causes(json)).toEqual(['external_only']);
    expect(tenant(json).evidence.external_only).toMatchObject({ has_password: false, idps: ['google'] });
  });

  it('alice: nothing found, said plainly', async () => {
    const { json } = await diagnose('alice@northwind.example.com');
    expect(json.findings).toEqual([]);
    expect(json.diagnosis).toMatch(/No cause found/);
  });

  it('a missing user: user_missing, with the lookup that ran', async () => {
    const { json } = await diagnose('zoe@northwind.example.com');
    expect(causes(json)).toEqual(['user_missing']);
    expect(json.tried).toEqual([{ lookup: 'users by email', result: 'found 0' }]);
  });
});

describe('writes, one confirmation per task', () => {
  it('block_user disables erin after one confirmation; diagnose then says disabled', async () => {
    const { json } = await helpdesk.call('block_user', { user: 'erin@example.org' });
    expect(json.done).toEqual(['disabled']);
    expect(asked).toHaveLength(1);
    expect(sandbox.state.users.get(S.users.erin)?.disabled).toBe(true);
    expect(causes((await diagnose('erin@example.org')).json)[0]).toBe('disabled');
    const again = await helpdesk.call('block_user', { user: 'erin@example.org' });
    expect(again.json.note).toMatch(/Already disabled/);
    expect(asked).toHaveLength(1);
  });

  it('unblock_user lifts carol’s lockout and each blocked IP, writes that need no person in any route', async () => {
    const dry = await helpdesk.call('unblock_user', { user: 'carol@northwind.example.com', dry_run: true });
    expect(dry.json.steps).toEqual(['lockout lifted', 'IP unblocked', 'IP unblocked']);
    expect(asked).toHaveLength(0);
    const { json } = await helpdesk.call('unblock_user', { user: 'carol@northwind.example.com' });
    expect(json.done).toEqual(['lockout lifted', 'IP unblocked ×2']);
    expect(asked).toHaveLength(0);
    expect((await diagnose('carol@northwind.example.com')).json.findings).toEqual([]);
    const decisions = helpdesk.audit().map((r) => `${r.unmapped.decision} ${r.api.operation}`);
    const approved = decisions.indexOf('approved unblock_user');
    expect(approved).toBeGreaterThan(-1);
    expect(decisions.slice(approved).filter((d) => /^sent (unblock|enable)/.test(d))).toEqual([
      'sent unblock_user',
      'sent unblock_ip',
      'sent unblock_ip',
    ]);
  });

  it('unblock_user enables dave; nothing to do for alice', async () => {
    const { json } = await helpdesk.call('unblock_user', { user: 'dave@northwind.example.com' });
    expect(json.done).toEqual(['enabled']);
    expect(sandbox.state.users.get(S.users.dave)?.disabled).toBe(false);
    const none = await helpdesk.call('unblock_user', { user: 'alice@northwind.example.com' });
    expect(none.json.note).toMatch(/nothing was sent/);
    expect(asked).toHaveLength(1);
  });

  it('revoke_user_sessions revokes each of alice’s sessions under one confirmation', async () => {
    const { json } = await helpdesk.call('revoke_user_sessions', { user: 'alice@northwind.example.com' });
    expect(json).toMatchObject({ done: ['session revoked ×2'], sessions: 2 });
    expect(asked).toHaveLength(1);
    const after = await helpdesk.call('get_user_overview', { user: 'alice@northwind.example.com' });
    expect(tenant(after.json).sessions.count).toBe(0);
    const none = await helpdesk.call('revoke_user_sessions', { user: 'alice@northwind.example.com' });
    expect(none.json.note).toMatch(/No open sessions/);
  });

  it('create_password_change_ticket: one confirmation, the link revealed to the agent only', async () => {
    const { json, text } = await helpdesk.call('create_password_change_ticket', {
      email: 'grace@northwind.example.com',
      ttl_sec: 3600,
    });
    expect(json).toMatchObject({ created: true, email_sent: false });
    expect(tenant(json).ticket).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/reset-password\?token=/);
    expect(asked).toHaveLength(1);
    expect(Date.parse(json.expires) - Date.now()).toBeGreaterThan(3500_000);
    expect(encode(text).length).toBeLessThanOrEqual(200);
    expect(JSON.stringify(helpdesk.audit())).not.toContain(tenant(json).ticket);
  });

  it('create_password_change_ticket refuses Auth0-only or clashing fields before sending', async () => {
    const clash = await helpdesk.call('create_password_change_ticket', {
      user_id: S.users.grace,
      email: 'grace@northwind.example.com',
    });
    expect(clash.isError).toBe(true);
    expect(clash.json.problems).toEqual(['user_id, email: send one of them, never both.']);
    const auth0Only = await helpdesk.call('create_password_change_ticket', {
      user_id: S.users.grace,
      connection_id: 'con_0123456789abcdef',
    });
    expect(auth0Only.text).toMatch(/connection_id: not an argument of create_password_change_ticket/);
    expect(asked).toHaveLength(0);
  });

  it('without elicitation: held with an approval id; approved, the repeat runs once', async () => {
    const agent = await connect('helpdesk', false);
    try {
      const held = await agent.call('block_user', { user: 'bob@northwind.example.com' });
      expect(held.isError).toBe(true);
      const id = /apr_[a-z0-9]{24}/.exec(held.text)?.[0];
      expect(id, held.text).toBeDefined();
      expect(sandbox.state.users.get(S.users.bob)?.disabled).toBe(false);
      agent.approvals.approve(id!, 'tester');
      const done = await agent.call('block_user', { user: 'bob@northwind.example.com', approval_id: id });
      expect(done.json.done).toEqual(['disabled']);
      expect(sandbox.state.users.get(S.users.bob)?.disabled).toBe(true);
      const replay = await agent.call('unblock_user', { user: 'bob@northwind.example.com', approval_id: id });
      expect(replay.isError).toBe(true);
      expect(sandbox.state.users.get(S.users.bob)?.disabled).toBe(true);
    } finally {
      await agent.close();
    }
  });
});
