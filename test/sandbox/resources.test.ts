// Pins the stateful resources besides users: roles and assignments from both ends, the login history
// that explains the seeded stories, ticket rules, clients, connections and sessions.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Sandbox, SEED, startSandbox } from '../../src/sandbox/index.js';
import { api, call, type Reply, token } from './harness.js';

const U = SEED.users;
const R = SEED.roles;
const enc = encodeURIComponent;

describe('sandbox resources', () => {
  let sandbox: Sandbox;
  let req: (method: string, path: string, body?: unknown) => Promise<Reply>;

  beforeAll(async () => {
    sandbox = await startSandbox();
    req = api(sandbox, await token(sandbox));
  });
  beforeEach(() => sandbox.reset());
  afterAll(() => sandbox.close());

  describe('roles', () => {
    it('lists, creates, reads, renames and deletes roles', async () => {
      const list = await req('GET', '/roles');
      expect(list.body.map((r: { name: string }) => r.name)).toEqual(['admin', 'support', 'viewer']);
      expect((await req('GET', '/roles?name_filter=SUP')).body).toEqual([
        { id: R.support, name: 'support', description: 'Helps customers: reads and updates user accounts.' },
      ]);
      expect((await req('GET', '/roles?include_totals=true&per_page=1')).body).toMatchObject({
        start: 0,
        limit: 1,
        total: 3,
        roles: [{ name: 'admin' }],
      });

      const created = await req('POST', '/roles', { name: 'auditor', description: 'Reads the audit trail.' });
      expect(created.status).toBe(200);
      expect(created.body.id).toMatch(/^rol_[A-Za-z0-9]{16}$/);
      expect((await req('POST', '/roles', { name: 'Auditor' })).status).toBe(409);
      expect((await req('POST', '/roles', {})).status).toBe(400);

      const renamed = await req('PATCH', `/roles/${created.body.id}`, { name: 'compliance' });
      // The description survives a rename and is returned, as on a real tenant.
      expect(renamed.body).toEqual({
        id: created.body.id,
        name: 'compliance',
        description: 'Reads the audit trail.',
      });
      expect((await req('GET', `/roles/${created.body.id}`)).body.name).toBe('compliance');
      expect((await req('DELETE', `/roles/${created.body.id}`)).status).toBe(200);
      const gone = await req('GET', `/roles/${created.body.id}`);
      expect(gone.status).toBe(404);
      expect(gone.body.errorCode).toBe('inexistent_role');
    });

    it('assigns and removes roles from both ends', async () => {
      const alice = `/users/${enc(U.alice)}/roles`;
      expect((await req('GET', alice)).body).toEqual([
        expect.objectContaining({ id: R.admin, name: 'admin' }),
        expect.objectContaining({ id: R.support, name: 'support' }),
      ]);
      expect((await req('POST', `/users/${enc(U.bob)}/roles`, { roles: [R.viewer] })).status).toBe(204);
      const viewers = await req('GET', `/roles/${R.viewer}/users`);
      expect(viewers.body.map((u: { user_id: string }) => u.user_id)).toEqual([U.grace, U.erin, U.bob]);
      expect(viewers.body[0]).toEqual({
        user_id: U.grace,
        email: 'grace@northwind.example.com',
        picture: expect.any(String),
        name: 'Grace Liu',
      });
      expect((await req('DELETE', alice, { roles: [R.admin] })).status).toBe(204);
      expect((await req('GET', `${alice}?include_totals=true`)).body).toEqual({
        start: 0,
        limit: 50,
        total: 1,
        roles: [expect.objectContaining({ id: R.support, name: 'support' })],
      });
      expect((await req('POST', `/roles/${R.admin}/users`, { users: [U.carol] })).status).toBe(200);
      expect((await req('GET', `/users/${enc(U.carol)}/roles`)).body).toEqual([
        expect.objectContaining({ id: R.admin, name: 'admin' }),
      ]);

      expect((await req('POST', alice, { roles: ['rol_doesnotexist0000'] })).status).toBe(404);
      expect((await req('POST', alice, { roles: [] })).status).toBe(400);
      expect((await req('POST', `/roles/${R.admin}/users`, { users: ['auth0|ghost'] })).status).toBe(404);
      expect((await req('GET', `/roles/${R.viewer}/users?take=1`)).body).toEqual({
        users: [expect.objectContaining({ user_id: U.grace })],
        next: '1',
      });
    });
  });

  describe('logs', () => {
    it('tells the locked-out user story: wrong passwords, then a block', async () => {
      const reply = await req('GET', `/logs?q=${enc(`user_id:"${U.carol}"`)}&sort=date:1`);
      expect(reply.status).toBe(200);
      expect(reply.body.map((l: { type: string }) => l.type)).toEqual([
        'fp',
        'fp',
        'fp',
        'fp',
        'fp',
        'limit_wc',
      ]);
      for (const log of reply.body) {
        expect(log).toMatchObject({
          ip: SEED.attackerIp,
          user_name: 'carol@northwind.example.com',
          connection: 'Username-Password-Authentication',
          client_id: SEED.clients.spa,
          client_name: 'Northwind Fleet Console',
        });
        expect(log.log_id).toMatch(/^\d{56}$/);
        expect(typeof log.description).toBe('string');
      }
      const userLogs = await req('GET', `/users/${enc(U.carol)}/logs?include_totals=true&per_page=2`);
      expect(userLogs.body).toMatchObject({ start: 0, limit: 2, length: 2, total: 6 });
      expect(userLogs.body.logs[0].type).toBe('limit_wc');
    });

    it('searches, pages and reads single events', async () => {
      const failures = await req('GET', `/logs?q=${enc('type:fp OR type:fu OR type:f')}`);
      const types = new Set(failures.body.map((l: { type: string }) => l.type));
      expect(types).toEqual(new Set(['fp', 'fu', 'f']));
      const alice = await req('GET', `/logs?q=${enc(`type:s AND user_id:"${U.alice}"`)}`);
      expect(alice.body).toHaveLength(3);
      expect(Date.parse(alice.body[0].date)).toBeGreaterThan(Date.parse(alice.body[2].date));
      expect((await req('GET', '/logs?search=type:limit_wc')).body).toHaveLength(1);

      const page = await req('GET', '/logs?per_page=5&page=1&include_totals=true');
      expect(page.body).toMatchObject({ start: 5, limit: 5, length: 5, total: sandbox.state.logs.length });

      const first = sandbox.state.logs[0]!;
      expect((await req('GET', `/logs/${first.log_id}`)).body).toMatchObject({
        log_id: first.log_id,
        type: 's',
      });
      expect((await req('GET', '/logs/900000')).status).toBe(404);
      const some = await req('GET', `/logs?fields=log_id,type&per_page=1`);
      expect(Object.keys(some.body[0]).sort()).toEqual(['log_id', 'type']);
    });

    it('pages by checkpoint with from and take', async () => {
      const all = sandbox.state.logs;
      const latest = await req('GET', '/logs?take=2');
      expect(latest.body.map((l: { log_id: string }) => l.log_id)).toEqual([
        all.at(-1)!.log_id,
        all.at(-2)!.log_id,
      ]);
      const after = await req('GET', `/logs?from=${all[2]!.log_id}&take=3`);
      expect(after.body.map((l: { log_id: string }) => l.log_id)).toEqual(
        all.slice(3, 6).map((l) => l.log_id),
      );
    });

    it('writes an sapi event for each management write', async () => {
      const before = sandbox.state.logs.length;
      await req('PATCH', `/users/${enc(U.erin)}`, { email_verified: true });
      const reply = await req('GET', '/logs?take=1');
      expect(sandbox.state.logs.length).toBe(before + 1);
      expect(reply.body[0]).toMatchObject({
        type: 'sapi',
        client_id: sandbox.clientId,
        details: { request: { method: 'PATCH' }, response: { statusCode: 200 } },
      });
    });
  });

  describe('tickets', () => {
    it('issues a password-change ticket and records it as a pending reset', async () => {
      expect(sandbox.tickets().filter((t) => t.user_id === U.grace)).toHaveLength(1);
      const reply = await req('POST', '/tickets/password-change', { user_id: U.bob, ttl_sec: 3600 });
      expect(reply.status).toBe(201);
      expect(reply.body.ticket).toMatch(new RegExp(`^${sandbox.url}/lo/reset\\?ticket=[A-Za-z0-9]{32}$`));
      const issued = sandbox.tickets().at(-1)!;
      expect(issued).toMatchObject({ kind: 'password-change', user_id: U.bob, url: reply.body.ticket });
      expect(Date.parse(issued.expires_at) - Date.parse(issued.created_at)).toBe(3_600_000);
      const page = await call(
        sandbox,
        'GET',
        new URL(reply.body.ticket).pathname + new URL(reply.body.ticket).search,
      );
      expect(page.status).toBe(200);
      expect(page.text).toContain(U.bob);

      const byEmail = await req('POST', '/tickets/password-change', {
        email: 'carol@northwind.example.com',
        connection_id: SEED.connections.database,
      });
      expect(byEmail.status).toBe(201);
      expect(sandbox.tickets().at(-1)!.user_id).toBe(U.carol);
    });

    it.each([
      ['neither user_id nor email', {}, 400],
      ['user_id with email', { user_id: U.bob, email: 'bob@northwind.example.com' }, 400],
      ['user_id with connection_id', { user_id: U.bob, connection_id: SEED.connections.database }, 400],
      ['email without connection_id', { email: 'bob@northwind.example.com' }, 400],
      [
        'client_id with result_url',
        { user_id: U.bob, client_id: SEED.clients.spa, result_url: 'https://a.example.com' },
        400,
      ],
      ['an unknown user', { user_id: 'auth0|nobody' }, 404],
      ['an unknown email', { email: 'nobody@example.org', connection_id: SEED.connections.database }, 404],
      [
        'an unknown connection',
        { email: 'bob@northwind.example.com', connection_id: 'con_0000000000000000' },
        404,
      ],
      ['a social user', { user_id: U.frank }, 400],
    ])('refuses a password-change ticket for %s', async (_, body, status) => {
      const reply = await req('POST', '/tickets/password-change', body);
      expect(reply.status).toBe(status);
      expect(reply.body).toHaveProperty('errorCode');
    });

    it('issues email-verification tickets', async () => {
      const reply = await req('POST', '/tickets/email-verification', { user_id: U.erin });
      expect(reply.status).toBe(201);
      expect(reply.body.ticket).toMatch(new RegExp(`^${sandbox.url}/lo/verify_email\\?ticket=`));
      expect((await req('POST', '/tickets/email-verification', {})).status).toBe(400);
      expect((await req('POST', '/tickets/email-verification', { user_id: 'auth0|nobody' })).status).toBe(
        404,
      );
    });
  });

  describe('clients', () => {
    it('lists, creates, updates and deletes applications with their secrets', async () => {
      const list = await req('GET', '/clients');
      expect(list.body.map((c: { name: string }) => c.name)).toEqual([
        'All Applications',
        'Northwind Tenant Automation (tenant-mcp)',
        'Northwind Fleet Console',
      ]);
      expect((await req('GET', '/clients?is_global=true')).body.map((c: { name: string }) => c.name)).toEqual(
        ['All Applications'],
      );
      expect(list.body.every((c: { client_secret?: string }) => typeof c.client_secret === 'string')).toBe(
        true,
      );
      expect((await req('GET', '/clients?app_type=spa')).body).toHaveLength(1);
      expect((await req('GET', '/clients?include_totals=true')).body).toMatchObject({ total: 3, start: 0 });

      const created = await req('POST', '/clients', { name: 'Warehouse Kiosk', app_type: 'native' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        name: 'Warehouse Kiosk',
        app_type: 'native',
        token_endpoint_auth_method: 'none',
      });
      expect(created.body.client_id).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(created.body.client_secret).toHaveLength(64);
      expect((await req('POST', '/clients', { app_type: 'spa' })).status).toBe(400);

      const id = created.body.client_id as string;
      expect(
        (await req('PATCH', `/clients/${id}`, { callbacks: ['https://kiosk.example.com/cb'] })).body
          .callbacks,
      ).toEqual(['https://kiosk.example.com/cb']);
      expect((await req('PATCH', `/clients/${id}`, { client_id: 'other' })).status).toBe(400);
      expect((await req('DELETE', `/clients/${SEED.clients.spa}`)).status).toBe(204);
      expect((await req('GET', `/clients/${SEED.clients.spa}`)).status).toBe(404);
      expect((await req('GET', `/connections/${SEED.connections.database}`)).body.enabled_clients).toEqual([
        sandbox.clientId,
      ]);
    });
  });

  describe('connections', () => {
    it('filters, reads enabled clients and tells which app cannot use Google', async () => {
      const list = await req('GET', '/connections');
      expect(list.body.map((c: { name: string }) => c.name)).toEqual([
        'Username-Password-Authentication',
        'google-oauth2',
      ]);
      expect(list.body[0]).not.toHaveProperty('enabled_clients');
      expect((await req('GET', '/connections?strategy=google-oauth2')).body).toHaveLength(1);
      expect((await req('GET', '/connections?name=Username-Password-Authentication')).body[0].id).toBe(
        SEED.connections.database,
      );
      const db = await req('GET', `/connections/${SEED.connections.database}`);
      expect(db.body).toMatchObject({
        id: SEED.connections.database,
        strategy: 'auth0',
        options: { brute_force_protection: true, requires_username: false },
        enabled_clients: [SEED.clients.spa, sandbox.clientId],
      });
      const google = await req('GET', `/connections/${SEED.connections.google}`);
      expect(google.body.enabled_clients).not.toContain(SEED.clients.spa);
      expect((await req('GET', `/connections/${SEED.connections.google}/clients`)).body).toEqual({
        clients: [],
      });
      expect((await req('GET', `/clients/${SEED.clients.spa}/connections`)).body.connections).toHaveLength(1);
    });

    it('creates, replaces options wholesale, enables clients and deletes with users', async () => {
      const created = await req('POST', '/connections', { name: 'partners-db', strategy: 'auth0' });
      expect(created.status).toBe(201);
      expect(created.body.id).toMatch(/^con_[A-Za-z0-9]{16}$/);
      expect(created.body.options.brute_force_protection).toBe(true);
      expect((await req('POST', '/connections', { name: 'partners-db', strategy: 'auth0' })).status).toBe(
        409,
      );
      expect((await req('POST', '/connections', { name: '-bad-', strategy: 'auth0' })).status).toBe(400);
      expect((await req('POST', '/connections', { name: 'x' })).status).toBe(400);

      const db = `/connections/${SEED.connections.database}`;
      const patched = await req('PATCH', db, { options: { requires_username: true } });
      expect(patched.body.options).toEqual({ requires_username: true });
      expect((await req('PATCH', db, { name: 'renamed' })).status).toBe(400);
      expect((await req('PATCH', db, {})).status).toBe(400);

      const google = `/connections/${SEED.connections.google}`;
      expect(
        (await req('PATCH', `${google}/clients`, [{ client_id: SEED.clients.spa, status: true }])).status,
      ).toBe(204);
      expect((await req('GET', google)).body.enabled_clients).toEqual([SEED.clients.spa]);

      expect((await req('DELETE', google)).status).toBe(202);
      expect((await req('GET', google)).status).toBe(404);
      expect((await req('GET', `/users/${enc(U.frank)}`)).status).toBe(404);
    });
  });

  describe('sessions', () => {
    it('lists, updates and ends sessions', async () => {
      const alice = `/users/${enc(U.alice)}/sessions`;
      expect((await req('GET', alice)).body.sessions.map((s: { id: string }) => s.id)).toEqual([
        SEED.sessions.aliceLaptop,
        SEED.sessions.alicePhone,
      ]);
      const one = `/sessions/${SEED.sessions.alicePhone}`;
      expect((await req('GET', one)).body).toMatchObject({
        user_id: U.alice,
        device: { initial_ip: '198.51.100.24' },
      });
      expect((await req('PATCH', one, { session_metadata: { kiosk: false } })).body.session_metadata).toEqual(
        {
          kiosk: false,
        },
      );
      expect((await req('DELETE', one)).status).toBe(202);
      expect((await req('GET', one)).status).toBe(404);
      expect((await req('DELETE', alice)).status).toBe(202);
      expect((await req('GET', alice)).body).toEqual({ sessions: [] });
      expect((await req('GET', `/users/${enc(U.bob)}/sessions`)).body.sessions).toHaveLength(1);
    });
  });
});
