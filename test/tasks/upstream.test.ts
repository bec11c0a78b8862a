// Task tools against a recording upstream with scripted answers: every diagnose_login cause from data we
// choose, a tenant that refuses one lookup, every ticket field rule with nothing sent, and block/unblock
// confirmed by elicitation (accept, decline) and by an approval id, pinned on the wire.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type RecordedRequest,
  type RecordingUpstream,
  startRecordingUpstream,
} from '../helpers/recording-upstream.js';
import { ACCEPT, connectTasks, type Json, type TaskHarness } from './harness.js';

const USER_ID = 'auth0|abc123';
const EMAIL = 'pat@example.com';
const APP = 'AppClientId000000000000000000001';
const CONNECTION = {
  id: 'con_AbCdEfGhIjKlMnOp',
  name: 'Username-Password-Authentication',
  strategy: 'auth0',
};
const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
const event = (type: string, minutes: number, extra: Json = {}) => ({
  type,
  date: ago(minutes),
  ip: '198.51.100.9',
  client_id: APP,
  user_id: USER_ID,
  ...extra,
});

/** What the scripted tenant holds for the one user it knows. */
interface Story {
  user?: Json;
  blocks?: Json[];
  events?: Json[];
  enrollments?: Json[];
  sapi?: Json[];
  limitMu?: Json[];
  enabledFor?: string[];
  /** Lookups answered with an error status instead, by name. */
  fail?: Partial<Record<Lookup, number>>;
}
type Lookup =
  | 'byEmail'
  | 'byId'
  | 'search'
  | 'blocks'
  | 'logs'
  | 'enrollments'
  | 'tenantLogs'
  | 'connections'
  | 'clients';

const base = (): Json => ({
  user_id: USER_ID,
  email: EMAIL,
  email_verified: true,
  name: 'Pat Doe',
  identities: [{ connection: CONNECTION.name, provider: 'auth0', user_id: 'abc123' }],
});

function auth0Error(status: number) {
  const names: Record<number, [string, string]> = {
    403: ['Forbidden', 'insufficient_scope'],
    404: ['Not Found', 'inexistent_user'],
    500: ['Internal Server Error', 'internal'],
  };
  const [error, errorCode] = names[status] ?? ['Error', 'error'];
  return { status, body: { statusCode: status, error, message: `${error}.`, errorCode } };
}

/** Answers every read a task makes from `story`; writes answer 204 (or 201 with a ticket). */
function scripted(story: Story) {
  return (request: RecordedRequest) => {
    const path = decodeURIComponent(request.path).replace(/^\/api\/v2/, '');
    const search = request.query.get('search') ?? '';
    const answer = (lookup: Lookup, body: unknown) =>
      story.fail?.[lookup] ? auth0Error(story.fail[lookup]!) : { status: 200, body };
    const user = story.user === undefined ? base() : story.user;
    if (request.method === 'POST' && path === '/tickets/password-change')
      return { status: 201, body: { ticket: 'https://tenant.example.com/lo/reset?ticket=SECRET-TICKET-77' } };
    if (request.method !== 'GET') return { status: 204 };
    if (path === '/users-by-email')
      return answer('byEmail', user && request.query.get('email') === EMAIL ? [user] : []);
    if (path === '/users') return answer('search', user ? [user] : []);
    if (path === `/users/${USER_ID}`) return user ? answer('byId', user) : auth0Error(404);
    if (path === `/user-blocks/${USER_ID}`) return answer('blocks', { blocked_for: story.blocks ?? [] });
    if (path === `/users/${USER_ID}/logs`) return answer('logs', story.events ?? []);
    if (path === `/users/${USER_ID}/enrollments`) return answer('enrollments', story.enrollments ?? []);
    if (path === `/users/${USER_ID}/sessions`) return { status: 200, body: { sessions: [{ id: 's1' }] } };
    if (path === `/users/${USER_ID}/roles`) return { status: 200, body: [{ id: 'rol_1', name: 'support' }] };
    if (path === '/logs')
      return answer('tenantLogs', search.includes('limit_mu') ? (story.limitMu ?? []) : (story.sapi ?? []));
    if (path === '/connections') return answer('connections', [CONNECTION]);
    if (path === `/connections/${CONNECTION.id}/clients`)
      return answer('clients', { clients: (story.enabledFor ?? [APP]).map((client_id) => ({ client_id })) });
    return { status: 404, body: { statusCode: 404, error: 'Not Found', message: `no route ${path}` } };
  };
}

let upstream: RecordingUpstream;
let agent: TaskHarness;
const tenant = () => ({ domain: upstream.url, clientId: 'cid', clientSecret: 'csecret-task-tests' });

beforeAll(async () => {
  upstream = await startRecordingUpstream({
    tokenEndpoint: { clientId: 'cid', clientSecret: 'csecret-task-tests' },
  });
  agent = await connectTasks({ ...tenant(), profile: 'admin' });
});
afterAll(async () => {
  await agent?.close();
  await upstream?.close();
});
beforeEach(() => upstream.reset());

const writesSent = () => upstream.requests.filter((r) => r.method !== 'GET');

async function diagnoseWith(story: Story, user = EMAIL) {
  upstream.setFallback(scripted(story));
  const result = await agent.call('diagnose_login', { user });
  expect(result.isError, result.text).toBe(false);
  return { ...result, causes: result.json.findings.map((f: { cause: string }) => f.cause) as string[] };
}

describe('diagnose_login: each cause from scripted tenant data', () => {
  it('blocked flag', async () => {
    const { causes, json } = await diagnoseWith({
      user: { ...base(), blocked: true },
      events: [event('f', 5, { description: 'user is blocked' })],
    });
    expect(causes).toEqual(['blocked']);
    expect(json.untrusted_tenant_data.evidence.blocked).toMatchObject({ blocked: true, count: 1 });
  });

  it('brute-force lock with the IP, wrong passwords counted', async () => {
    const { causes, json } = await diagnoseWith({
      blocks: [{ identifier: EMAIL, ip: '203.0.113.9', connection: CONNECTION.name }],
      events: [event('limit_wc', 1), event('fp', 2), event('fp', 3), event('s', 600)],
    });
    expect(causes).toEqual(['brute_force_block']);
    expect(json.untrusted_tenant_data.evidence.brute_force_block).toMatchObject({
      ips: ['203.0.113.9'],
      wrong_passwords: 2,
    });
  });

  it('an IP the user signs in from blocked tenant-wide (limit_mu)', async () => {
    const { causes, json } = await diagnoseWith({
      events: [event('f', 1, { description: 'blocked ip' })],
      limitMu: [
        { type: 'limit_mu', date: ago(2), ip: '198.51.100.9' },
        { type: 'limit_mu', date: ago(3), ip: '192.0.2.1' },
      ],
    });
    expect(causes).toContain('ip_blocked');
    expect(json.untrusted_tenant_data.evidence.ip_blocked.ips).toEqual(['198.51.100.9']);
    expect(json.types.limit_mu).toMatch(/IP blocked/);
  });

  it('breached password (pwd_leak), next a reset link', async () => {
    const { causes, json } = await diagnoseWith({ events: [event('pwd_leak', 4)] });
    expect(causes).toEqual(['breached_password']);
    expect(json.findings[0].next).toBe('create_password_change_ticket');
    expect(json.types.pwd_leak).toMatch(/breach/);
  });

  it('pending reset from a Management API ticket (by user_id or by email), gone once used or expired', async () => {
    const ticket = (minutes: number, body: Json) => ({
      type: 'sapi',
      date: ago(minutes),
      details: { request: { method: 'POST', path: '/api/v2/tickets/password-change', body } },
    });
    const byId = await diagnoseWith({ sapi: [ticket(30, { user_id: USER_ID })] });
    expect(byId.causes).toEqual(['pending_password_reset']);
    const byEmail = await diagnoseWith({
      sapi: [ticket(30, { email: EMAIL, connection_id: CONNECTION.id })],
    });
    expect(byEmail.causes).toEqual(['pending_password_reset']);
    const used = await diagnoseWith({ sapi: [ticket(30, { user_id: USER_ID })], events: [event('scp', 10)] });
    expect(used.causes).toEqual([]);
    const expired = await diagnoseWith({ sapi: [ticket(120, { user_id: USER_ID, ttl_sec: 3600 })] });
    expect(expired.causes).toEqual([]);
    const other = await diagnoseWith({ sapi: [ticket(30, { user_id: 'auth0|someone-else' })] });
    expect(other.causes).toEqual([]);
  });

  it('MFA trouble: rejected codes, or an enrolment never finished', async () => {
    const failing = await diagnoseWith({
      events: [event('gd_auth_failed', 2), event('gd_auth_rejected', 3)],
    });
    expect(failing.causes).toEqual(['mfa_trouble']);
    expect(failing.json.findings[0].severity).toBe('likely');
    const pending = await diagnoseWith({
      enrollments: [{ id: 'e1', status: 'pending', auth_method: 'sms' }],
    });
    expect(pending.causes).toEqual(['mfa_trouble']);
    expect(pending.json.findings[0].why).toMatch(/never completed/);
  });

  it('unverified email: blocks login when a failure says so, otherwise only informs', async () => {
    const unverified = { ...base(), email_verified: false };
    const refused = await diagnoseWith({
      user: unverified,
      events: [event('f', 1, { description: 'Please verify your email before logging in.' })],
    });
    expect(refused.json.findings[0]).toMatchObject({ cause: 'email_unverified', severity: 'blocks login' });
    const quiet = await diagnoseWith({ user: unverified });
    expect(quiet.json.findings).toEqual([
      expect.objectContaining({ cause: 'email_unverified', severity: 'info' }),
    ]);
  });

  it('connection not enabled for the app, found from the failed login’s client_id', async () => {
    const { causes, json } = await diagnoseWith({
      events: [event('f', 1, { description: 'connection disabled' })],
      enabledFor: ['SomeOtherApp'],
    });
    expect(causes).toEqual(['connection_disabled']);
    expect(json.untrusted_tenant_data.user.app).toBe(APP);
    const clients = upstream.requests.find((r) => r.path.endsWith('/clients'));
    expect(clients?.path).toBe(`/api/v2/connections/${CONNECTION.id}/clients`);
  });

  it('wrong passwords since the last success, and other failures with their descriptions', async () => {
    const wrong = await diagnoseWith({ events: [event('fp', 1), event('s', 60), event('fp', 120)] });
    expect(wrong.causes).toEqual(['wrong_password']);
    expect(wrong.json.untrusted_tenant_data.evidence.wrong_password.count).toBe(1);
    const other = await diagnoseWith({ events: [event('f', 1, { description: 'Rule denied access' })] });
    expect(other.causes).toEqual(['other_failures']);
    expect(other.json.untrusted_tenant_data.evidence.other_failures.descriptions).toEqual([
      'Rule denied access',
    ]);
  });

  it('user missing: says which lookup ran and which connections exist', async () => {
    const { causes, json } = await diagnoseWith({ user: null as unknown as Json }, 'ghost@example.com');
    expect(causes).toEqual(['user_missing']);
    expect(json.tried).toEqual([{ lookup: 'users-by-email (every connection)', result: 'found 0' }]);
    expect(json.untrusted_tenant_data.evidence.user_missing.searched_connections).toEqual([CONNECTION.name]);
  });

  it('ranks what stops the login first, and stays short', async () => {
    const { json } = await diagnoseWith({
      user: { ...base(), email_verified: false, blocked: true },
      events: [event('pwd_leak', 1), event('fp', 2)],
      blocks: [{ identifier: EMAIL, ip: '203.0.113.9' }],
    });
    const severities = json.findings.map((f: { severity: string }) => f.severity);
    expect(severities).toEqual([...severities].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b)));
    expect(json.findings.at(-1).cause).toBe('email_unverified');
  });
});
const ORDER = ['blocks login', 'likely', 'info'];

describe('a tenant that refuses one lookup', () => {
  it('403 on the brute-force locks: the rest is checked and the answer says what was not', async () => {
    const { json } = await diagnoseWith({
      user: { ...base(), blocked: true },
      fail: { blocks: 403, enrollments: 404 },
    });
    expect(json.findings.map((f: { cause: string }) => f.cause)).toEqual(['blocked']);
    expect(json.not_checked).toEqual({
      'brute-force locks': 'HTTP 403 insufficient_scope',
      MFA: 'HTTP 404 inexistent_user',
      // No event names an application, so whether the connection is enabled for it cannot be told.
      app: 'no application known; pass client_id',
    });
    expect(json.checked).toContain('logs');
  });

  it('403 on the logs: overview still answers with the rest', async () => {
    upstream.setFallback(scripted({ fail: { logs: 403 } }));
    const { json, isError } = await agent.call('get_user_overview', { user: USER_ID });
    expect(isError).toBe(false);
    expect(json.not_checked).toEqual({ logs: 'HTTP 403 insufficient_scope' });
    expect(json.untrusted_tenant_data.user.user_id).toBe(USER_ID);
  });

  it('404 on a user id is "missing"; 403 on users-by-email is "could not look up", never a crash', async () => {
    upstream.setFallback(scripted({ user: null as unknown as Json }));
    const missing = await agent.call('get_user_overview', { user: 'auth0|nobody' });
    expect(missing.isError).toBe(true);
    expect(missing.json).toMatchObject({ tried: [{ lookup: 'user by id', result: 'found 0' }] });
    upstream.setFallback(scripted({ fail: { byEmail: 403 } }));
    const refused = await agent.call('diagnose_login', { user: EMAIL });
    expect(refused.isError).toBe(true);
    expect(refused.json.tried).toEqual([
      { lookup: 'users-by-email (every connection)', result: 'not checked: HTTP 403 insufficient_scope' },
    ]);
    upstream.setFallback(scripted({ fail: { tenantLogs: 500 } }));
    const events = await agent.call('list_security_events', {});
    expect(events.isError).toBe(true);
    expect(events.json.error).toMatch(/HTTP 500/);
  });
});

describe('create_password_change_ticket: every field rule, checked before anything is sent', () => {
  const cases: Array<[string, Json, RegExp]> = [
    ['no user at all', {}, /user_id or email/],
    [
      'user_id with email',
      { user_id: USER_ID, email: EMAIL, connection_id: CONNECTION.id },
      /user_id, email: send one/,
    ],
    [
      'connection_id with user_id',
      { user_id: USER_ID, connection_id: CONNECTION.id },
      /connection_id: only accepted with email/,
    ],
    ['email without connection_id', { email: EMAIL }, /email, connection_id: email needs connection_id/],
    ['malformed email', { email: 'pat@', connection_id: CONNECTION.id }, /email: not a valid email/],
    [
      'result_url with organization_id',
      { user_id: USER_ID, result_url: 'https://a.example.com', organization_id: 'org_1' },
      /result_url, organization_id/,
    ],
    [
      'result_url not a URL',
      { user_id: USER_ID, result_url: 'javascript:alert(1)' },
      /result_url: must be an http/,
    ],
    [
      'identity without user_id',
      { email: EMAIL, connection_id: CONNECTION.id, identity: { user_id: 'x', provider: 'auth0' } },
      /identity, user_id/,
    ],
    [
      'identity connection_id pattern',
      { user_id: USER_ID, identity: { user_id: 'x', provider: 'auth0', connection_id: 'con_short' } },
      /identity.connection_id/,
    ],
    ['connection_id pattern', { email: EMAIL, connection_id: 'con_short' }, /connection_id must be con_/],
    ['ttl_sec negative', { user_id: USER_ID, ttl_sec: -1 }, /ttl_sec must be 0 or more/],
    ['ttl_sec fractional', { user_id: USER_ID, ttl_sec: 1.5 }, /ttl_sec must be a whole number/],
    [
      'identity provider not auth0',
      { user_id: USER_ID, identity: { user_id: 'x', provider: 'google-oauth2' } },
      /identity.provider must be auth0/,
    ],
    ['unknown field', { user_id: USER_ID, password: 'x' }, /password: not an argument/],
  ];
  it.each(cases)('%s', async (_, args, message) => {
    const { isError, text } = await agent.call('create_password_change_ticket', args);
    expect(isError).toBe(true);
    expect(text).toMatch(message);
    expect(text).toMatch(/nothing was sent/);
    expect(upstream.requests).toHaveLength(0);
  });

  it('sends every field as given once a person accepts, and says the default lifetime', async () => {
    const person = await connectTasks({ ...tenant(), profile: 'admin', onElicit: () => ACCEPT });
    try {
      upstream.setFallback(scripted({}));
      const fields = {
        user_id: USER_ID,
        client_id: APP,
        organization_id: 'org_AbC123',
        ttl_sec: 0,
        mark_email_as_verified: true,
        includeEmailInRedirect: false,
        identity: { user_id: 'abc123', provider: 'auth0', connection_id: CONNECTION.id },
      };
      const { json, text } = await person.call('create_password_change_ticket', fields);
      expect(json.lifetime).toMatch(/5 days: the tenant default/);
      expect(writesSent().map((r) => r.json())).toEqual([fields]);
      // The person confirmed this link's creation, so the agent gets it to pass on; the audit trail never does.
      expect(text).toContain('SECRET-TICKET-77');
      expect(JSON.stringify(person.audit())).not.toContain('SECRET-TICKET-77');
    } finally {
      await person.close();
    }
  });
});

describe('block and unblock: one confirmation per task', () => {
  it('elicitation accepted: one question, then the PATCH', async () => {
    const questions: string[] = [];
    const person = await connectTasks({
      ...tenant(),
      profile: 'helpdesk',
      onElicit: (message) => {
        questions.push(message);
        return ACCEPT;
      },
    });
    try {
      upstream.setFallback(
        scripted({ user: { ...base(), blocked: true }, blocks: [{ identifier: EMAIL, ip: '203.0.113.9' }] }),
      );
      const { json } = await person.call('unblock_user', { user: EMAIL });
      expect(json.done).toEqual(['blocked flag lifted', 'brute-force locks lifted']);
      expect(questions).toHaveLength(1);
      // The person confirms the step that needs them; the view names the one that does not, too.
      expect(questions[0]).toMatch(/Change 1 of 1: patch_users_by_id/);
      expect(questions[0]).toMatch(
        /also runs, without a confirmation in this profile: delete_user-blocks_by_id \(write\)/,
      );
      expect(writesSent().map((r) => `${r.method} ${decodeURIComponent(r.path)}`)).toEqual([
        `PATCH /api/v2/users/${USER_ID}`,
        `DELETE /api/v2/user-blocks/${USER_ID}`,
      ]);
      expect(writesSent()[0]!.json()).toEqual({ blocked: false });
    } finally {
      await person.close();
    }
  });

  it('elicitation declined or cancelled: nothing is sent, and the answer says so', async () => {
    for (const action of ['decline', 'cancel'] as const) {
      upstream.reset();
      const person = await connectTasks({ ...tenant(), profile: 'helpdesk', onElicit: () => ({ action }) });
      try {
        upstream.setFallback(scripted({}));
        const { isError, text } = await person.call('block_user', { user: EMAIL });
        expect(isError).toBe(true);
        expect(text).toMatch(action === 'decline' ? /declined block_user; nothing was sent/ : /cancelled/);
        expect(writesSent()).toEqual([]);
      } finally {
        await person.close();
      }
    }
  });

  it('no elicitation: held with an approval id; approved, the repeat runs once; replay refused', async () => {
    upstream.setFallback(scripted({}));
    const held = await agent.call('block_user', { user: EMAIL });
    expect(held.isError).toBe(true);
    const id = /apr_[a-z0-9]{24}/.exec(held.text)?.[0];
    expect(id, held.text).toBeDefined();
    expect(held.text).toMatch(/tenant-mcp approve/);
    expect(writesSent()).toEqual([]);

    const early = await agent.call('block_user', { user: EMAIL, approval_id: id });
    expect(early.isError).toBe(true);
    expect(writesSent()).toEqual([]);

    agent.approvals.approve(id!, 'tester');
    const other = await agent.call('revoke_user_sessions', { user: EMAIL, approval_id: id });
    expect(other.isError).toBe(true);
    expect(other.text).toMatch(/approv/i);
    const done = await agent.call('block_user', { user: EMAIL, approval_id: id });
    expect(done.json.done).toEqual(['blocked flag set']);
    expect(writesSent().map((r) => r.json())).toEqual([{ blocked: true }]);

    const replay = await agent.call('block_user', { user: EMAIL, approval_id: id });
    expect(replay.isError).toBe(true);
    expect(writesSent()).toHaveLength(1);
  });

  it('dry run shows the requests and asks no one', async () => {
    upstream.setFallback(scripted({ blocks: [{ identifier: EMAIL, ip: '203.0.113.9' }] }));
    const { json } = await agent.call('unblock_user', { user: EMAIL, dry_run: true });
    expect(json.dry_run).toBe(true);
    expect(json.untrusted_tenant_data.would_send).toEqual([
      { operation: 'delete_user-blocks_by_id', method: 'DELETE', path: '/api/v2/user-blocks/auth0%7Cabc123' },
    ]);
    expect(writesSent()).toEqual([]);
  });

  it('a failing step is reported beside the one that worked', async () => {
    const person = await connectTasks({ ...tenant(), profile: 'admin', onElicit: () => ACCEPT });
    try {
      const story = scripted({
        user: { ...base(), blocked: true },
        blocks: [{ identifier: EMAIL, ip: '203.0.113.9' }],
      });
      upstream.setFallback((request) => (request.method === 'DELETE' ? auth0Error(500) : story(request)));
      const { isError, json } = await person.call('unblock_user', { user: EMAIL });
      expect(isError).toBe(true);
      expect(json.done).toEqual(['blocked flag lifted']);
      // Failures quote the tenant, so they come back as its data.
      expect(json.untrusted_tenant_data.failed.map((f: { step: string }) => f.step)).toEqual([
        'brute-force locks lifted',
      ]);
    } finally {
      await person.close();
    }
  });
});
