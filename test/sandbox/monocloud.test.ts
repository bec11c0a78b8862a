// Pins the MonoCloud sandbox's promises to callers: the X-API-KEY wall, every problem+json form, the
// x-pagination header and filter subset, and state that changes the way a real tenant's would.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_MONOCLOUD_API_KEY,
  IDENTITY_VALIDATION_ERROR_TYPE,
  MONOCLOUD_SEED,
  type MonoCloudSandbox,
  startMonoCloudSandbox,
  VALIDATION_ERROR_TYPE,
} from '../../src/sandbox/monocloud/index.js';

const S = MONOCLOUD_SEED;
const U = S.users;
const enc = encodeURIComponent;
/** A well-formed bcrypt hash (cost 10, 22-character salt, 31-character digest) of nothing in particular. */
const BCRYPT = `$2b$10$${'N0rthw1ndR0b0t1csSandb0xHashForImportTests'.padEnd(53, 'A').slice(0, 53)}`;

/** An answer read whole. */
interface Reply {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read many ad-hoc shapes; expect() does the checking.
  body: any;
  text: string;
}

async function send(
  sandbox: MonoCloudSandbox,
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; headers?: Record<string, string>; key?: string | null } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.key !== null) headers['x-api-key'] = options.key ?? sandbox.apiKey;
  let body = options.raw;
  if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(`${sandbox.url}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  const json = (res.headers.get('content-type') ?? '').includes('json') && text !== '';
  return { status: res.status, headers: res.headers, body: json ? JSON.parse(text) : text, text };
}

const pagination = (reply: Reply) => JSON.parse(reply.headers.get('x-pagination') ?? 'null');

/** Checks the RFC 7807 envelope every error shares, and that the body's trace id is the header's. */
function expectProblem(reply: Reply, status: number, instance?: string): void {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(reply.body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
  expect(typeof reply.body.type).toBe('string');
  expect(reply.body.traceId).toBe(reply.headers.get('x-trace-id'));
  if (instance) expect(reply.body.instance).toBe(instance);
}

describe('MonoCloud sandbox', () => {
  let sandbox: MonoCloudSandbox;
  const api = (method: string, path: string, body?: unknown) =>
    send(sandbox, method, `/api${path}`, body !== undefined ? { body } : {});

  beforeAll(async () => {
    sandbox = await startMonoCloudSandbox();
  });
  beforeEach(() => {
    sandbox.reset();
    sandbox.plan = 'secure_plus';
    sandbox.throttle(0);
  });
  afterAll(() => sandbox.close());

  describe('authentication', () => {
    it('accepts the well-known key by default', async () => {
      expect(sandbox.apiKey).toBe(DEFAULT_MONOCLOUD_API_KEY);
      expect((await api('GET', '/users')).status).toBe(200);
    });

    it('refuses a missing key with a 401 problem', async () => {
      const reply = await send(sandbox, 'GET', '/api/users', { key: null });
      expectProblem(reply, 401, '/api/users');
      expect(reply.body.type).toBe('https://httpstatuses.io/401');
      expect(reply.body.detail).toMatch(/X-API-KEY/);
    });

    it('refuses a wrong key', async () => {
      const reply = await send(sandbox, 'GET', `/api/users/${U.alice}`, { key: 'guess' });
      expectProblem(reply, 401);
      expect(reply.body.detail).toMatch(/not valid/);
    });

    it('does not read an Authorization header, and says where the key goes', async () => {
      const reply = await send(sandbox, 'GET', '/api/users', {
        key: null,
        headers: { authorization: `Bearer ${sandbox.apiKey}` },
      });
      expectProblem(reply, 401);
      expect(reply.body.detail).toMatch(/Authorization header is not read.*X-API-KEY/);
    });

    it('checks the key before anything else, even on unknown paths', async () => {
      expectProblem(await send(sandbox, 'GET', '/api/nope', { key: 'guess' }), 401);
      expectProblem(await send(sandbox, 'DELETE', `/api/users/${U.alice}`, { key: null }), 401);
      expect(sandbox.state.users.has(U.alice)).toBe(true);
    });

    it('takes a key of the caller’s choosing', async () => {
      const other = await startMonoCloudSandbox({ apiKey: 'northwind-test-key', seed: false });
      try {
        expect((await send(other, 'GET', '/api/users', { key: 'northwind-test-key' })).status).toBe(200);
        expectProblem(await send(other, 'GET', '/api/users', { key: DEFAULT_MONOCLOUD_API_KEY }), 401);
      } finally {
        await other.close();
      }
    });
  });

  describe('errors', () => {
    it('puts a trace id on every answer, success included', async () => {
      const ok = await api('GET', `/users/${U.alice}`);
      expect(ok.headers.get('x-trace-id')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      const again = await api('GET', `/users/${U.alice}`);
      expect(again.headers.get('x-trace-id')).not.toBe(ok.headers.get('x-trace-id'));
    });

    it('answers 400 for malformed JSON', async () => {
      const reply = await send(sandbox, 'POST', '/api/users', { raw: '{"email": ' });
      expectProblem(reply, 400, '/api/users');
      expect(reply.body.type).toBe('https://httpstatuses.io/400');
      expect(reply.body.detail).toMatch(/not valid JSON/);
    });

    it('answers 415 for a body that is not JSON', async () => {
      const reply = await send(sandbox, 'POST', '/api/users', {
        raw: 'email=x@example.org',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expectProblem(reply, 415);
    });

    it('answers 404 for an unknown user, identifier, session, group and route', async () => {
      const missing = '00000000-0000-4000-8000-000000000000';
      for (const path of [
        `/users/${missing}`,
        `/users/${U.alice}/emails/${missing}/primary`,
        `/users/${U.alice}/sessions/${missing}`,
        `/users/${U.alice}/groups/${missing}`,
        `/users/groups/${missing}/assigned`,
        `/users/${U.bob}/sessions/${S.sessions.aliceLaptop}`,
      ]) {
        const method = path.endsWith('/primary') ? 'POST' : 'GET';
        expectProblem(await api(method, path), 404, `/api${path}`);
      }
      const route = await api('GET', '/applications/archived/all');
      expectProblem(route, 404);
      expect(route.body.detail).toMatch(/No operation answers GET/);
    });

    it('answers 409 when another user holds an email, phone or username', async () => {
      const cases: Array<[string, string, unknown]> = [
        ['POST', '/users', { email: 'ALICE@northwind.example.com', password: 'Fresh-Start-1' }],
        ['POST', '/users', { username: 'alice.nguyen' }],
        ['POST', `/users/${U.bob}/emails`, { email: 'erin@example.org' }],
        ['POST', `/users/${U.bob}/phones`, { phone_number: '+447700900123' }],
        ['PUT', `/users/${U.bob}/username`, { username: 'Dave.W' }],
        ['POST', `/users/${U.alice}/groups/${S.groups.fleetAdmins}`, undefined],
      ];
      for (const [method, path, body] of cases) {
        const reply = await api(method, path, body);
        expectProblem(reply, 409);
        expect(reply.body.type).toBe('https://httpstatuses.io/409');
      }
    });

    it('answers 422 in the field form, naming every bad field at once', async () => {
      const reply = await api('POST', '/users', {
        email: 'not-an-email',
        phone_number: '0117 496 0000',
        email_verified: 'true',
        password_hash: BCRYPT,
      });
      expectProblem(reply, 422, '/api/users');
      expect(reply.body.type).toBe(VALIDATION_ERROR_TYPE);
      expect(Object.keys(reply.body.errors).sort()).toEqual(
        ['email', 'email_verified', 'password_hash_algorithm', 'phone_number'].sort(),
      );
      for (const messages of Object.values(reply.body.errors)) expect(messages).toEqual([expect.any(String)]);
      expect(reply.body.errors.email[0]).toMatch(/not-an-email/);
    });

    it.each([
      [
        'an unknown authenticator',
        'POST',
        `/users/${U.frank}/external_authenticator/disconnect`,
        { authenticator: 'myspace', provider_user_id: '1' },
        'authenticator',
      ],
      [
        'a hash algorithm not offered',
        'PUT',
        `/users/${U.bob}/password`,
        { password_hash: 'x', password_hash_algorithm: 'md5' },
        'password_hash_algorithm',
      ],
      [
        'both a password and a hash',
        'PUT',
        `/users/${U.bob}/password`,
        { password: 'Abcdefg-1', password_hash: BCRYPT, password_hash_algorithm: 'bcrypt' },
        'password',
      ],
      ['no password at all', 'PUT', `/users/${U.bob}/password`, {}, 'password'],
      ['a missing username', 'PUT', `/users/${U.bob}/username`, {}, 'username'],
      [
        'a string where a boolean goes',
        'POST',
        `/users/${U.bob}/disable`,
        { revoke_sessions: 'yes' },
        'revoke_sessions',
      ],
      [
        'a bad IP',
        'POST',
        `/users/${U.carol}/blocked_ips/unblock`,
        { ip_address: 'everything' },
        'ip_address',
      ],
      [
        'data that is not an object',
        'PATCH',
        `/users/${U.bob}/public_data`,
        { public_data: [1, 2] },
        'public_data',
      ],
      ['a relative picture URL', 'PATCH', `/users/${U.bob}/claims`, { picture: 'bob.png' }, 'picture'],
      ['a link lifetime out of range', 'POST', `/users/${U.carol}/password/reset`, { expiry: 10 }, 'expiry'],
      ['a body that is an array', 'PUT', `/users/${U.bob}/username`, ['bob'], 'body'],
      ['no identifier', 'POST', '/users', { name: 'Nobody' }, 'email'],
    ])('answers 422 in the field form for %s', async (_name, method, path, body, field) => {
      const reply = await api(method, path, body);
      expectProblem(reply, 422);
      expect(reply.body.type).toBe(VALIDATION_ERROR_TYPE);
      expect(Object.keys(reply.body.errors)).toContain(field);
    });

    it('answers 422 in the field form for bad paging, sorting and filters', async () => {
      for (const [query, field] of [
        ['page=0', 'page'],
        ['page=two', 'page'],
        ['size=101', 'size'],
        ['sort=email:1', 'sort'],
        ['sort=creation_time:asc', 'sort'],
        ['filter=password:secret', 'filter'],
        [`filter=${enc('email:"unterminated')}`, 'filter'],
      ] as const) {
        const reply = await api('GET', `/users?${query}`);
        expectProblem(reply, 422);
        expect(reply.body.errors, query).toHaveProperty(field);
      }
    });

    it('answers 422 in the identity form for a weak password, listing every broken rule', async () => {
      const reply = await api('POST', '/users', { email: 'weak@example.org', password: 'robots' });
      expectProblem(reply, 422);
      expect(reply.body.type).toBe(IDENTITY_VALIDATION_ERROR_TYPE);
      expect(reply.body.errors.map((e: { code: string }) => e.code)).toEqual([
        'PasswordTooShort',
        'PasswordRequiresDigit',
        'PasswordRequiresUpper',
      ]);
      for (const e of reply.body.errors)
        expect(e).toEqual({ code: expect.any(String), description: expect.any(String) });
      expect(sandbox.state.users.size).toBe(7);
    });

    it('lets a migration skip the password policy', async () => {
      const reply = await api('POST', '/users', {
        email: 'legacy@example.org',
        password: 'robots',
        skip_password_policy_checks: true,
      });
      expect(reply.status, reply.text).toBe(200);
      expect(reply.body.has_password).toBe(true);
    });

    it.each([
      [
        'an address the user already has',
        'POST',
        `/users/${U.alice}/emails`,
        { email: 'Alice@Northwind.example.com' },
        'DuplicateEmail',
      ],
      [
        'a number the user already has',
        'POST',
        `/users/${U.alice}/phones`,
        { phone_number: '+447700900123' },
        'DuplicatePhoneNumber',
      ],
      [
        'a username with spaces',
        'PUT',
        `/users/${U.bob}/username`,
        { username: 'bob okafor' },
        'InvalidUserName',
      ],
      [
        'a wrong old password',
        'PUT',
        `/users/${U.bob}/password/change`,
        { old_password: 'nope', new_password: 'Support-Bob-200' },
        'PasswordMismatch',
      ],
      [
        'a change for a user with no password',
        'PUT',
        `/users/${U.frank}/password/change`,
        { old_password: 'x', new_password: 'Support-Bob-200' },
        'PasswordMismatch',
      ],
      [
        'a weak new password',
        'PUT',
        `/users/${U.bob}/password/change`,
        { old_password: S.passwords.bob, new_password: 'password' },
        'PasswordRequiresUpper',
      ],
    ])('answers 422 in the identity form for %s', async (_name, method, path, body, code) => {
      const reply = await api(method, path, body);
      expectProblem(reply, 422);
      expect(reply.body.type).toBe(IDENTITY_VALIDATION_ERROR_TYPE);
      expect(reply.body.errors.map((e: { code: string }) => e.code)).toContain(code);
    });

    it('refuses to remove a user’s last identifier', async () => {
      const disconnect = await api('POST', `/users/${U.frank}/external_authenticator/disconnect`, {
        authenticator: 'google',
        provider_user_id: '104729384756102938475',
      });
      expect(disconnect.status).toBe(200);
      expect(disconnect.body.connections).toEqual([]);
      const reply = await api('DELETE', `/users/${U.frank}/emails/${S.emails.frank}`);
      expectProblem(reply, 422);
      expect(reply.body.errors).toEqual([{ code: 'IdentifierRequired', description: expect.any(String) }]);
    });

    it('answers 402 for what the plan does not include', async () => {
      sandbox.plan = 'free';
      const sessions = await api('GET', `/users/${U.alice}/sessions`);
      expectProblem(sessions, 402);
      expect(sessions.body.detail).toMatch(/plan \(free\) does not include get_all_user_sessions.*pro/);
      expect((await api('GET', `/users/${U.alice}`)).status).toBe(200);

      sandbox.plan = 'pro';
      expect((await api('GET', `/users/${U.alice}/sessions`)).status).toBe(200);
      expect((await api('GET', `/users/${U.alice}/grants/clients`)).status).toBe(200);
      expectProblem(await api('DELETE', `/users/${U.frank}/grants/consents/${S.consents.frankMobile}`), 402);
      expect(sandbox.state.consents.some((c) => c.id === S.consents.frankMobile)).toBe(true);
      expect(() => {
        (sandbox as { plan: string }).plan = 'platinum';
      }).toThrow(/Unknown plan/);
    });

    it('answers 429 when told to, with Retry-After if asked, then recovers', async () => {
      sandbox.throttle(2, 7);
      for (let i = 0; i < 2; i++) {
        const reply = await api('GET', '/users');
        expectProblem(reply, 429);
        expect(reply.headers.get('retry-after')).toBe('7');
      }
      expect((await api('GET', '/users')).status).toBe(200);

      sandbox.throttle(1);
      const bare = await api('GET', '/users');
      expectProblem(bare, 429);
      expect(bare.headers.get('retry-after')).toBeNull();
    });
  });

  describe('paging, sorting and filtering', () => {
    it('pages users with the x-pagination header', async () => {
      const first = await api('GET', '/users?size=3');
      expect(first.body).toHaveLength(3);
      expect(pagination(first)).toEqual({
        total_count: 7,
        page_size: 3,
        current_page: 1,
        has_next: true,
        has_previous: false,
      });
      const last = await api('GET', '/users?size=3&page=3');
      expect(last.body).toHaveLength(1);
      expect(pagination(last)).toMatchObject({ current_page: 3, has_next: false, has_previous: true });
      const past = await api('GET', '/users?size=3&page=9');
      expect(past.body).toEqual([]);
      expect(pagination(past)).toMatchObject({ total_count: 7, has_next: false });

      const seen = new Set<string>();
      for (let page = 1; page <= 3; page++)
        for (const u of (await api('GET', `/users?size=3&page=${page}`)).body) seen.add(u.user_id);
      expect(seen.size).toBe(7);
    });

    it('defaults to 10 a page and answers a bare array of summaries', async () => {
      const reply = await api('GET', '/users');
      expect(Array.isArray(reply.body)).toBe(true);
      expect(pagination(reply)).toMatchObject({ page_size: 10, current_page: 1 });
      expect(reply.body[0]).not.toHaveProperty('private_data');
      expect(reply.body[0]).not.toHaveProperty('public_data');
    });

    it('sorts by an allowed field either way', async () => {
      const newest = await api('GET', '/users?sort=creation_time:-1&size=1');
      expect(newest.body[0].user_id).toBe(U.erin);
      const oldest = await api('GET', '/users?sort=creation_time:1&size=1');
      expect(oldest.body[0].user_id).toBe(U.dave);
      const failing = await api('GET', '/users?sort=failure_count:-1&size=2');
      expect(failing.body.map((u: { user_id: string }) => u.user_id)).toEqual([U.carol, U.grace]);
    });

    it.each([
      ['email:erin@example.org', [U.erin]],
      ['email:Erin@Example.ORG', [U.erin]],
      ['email:*@example.org', [U.erin]],
      ['okafor', [U.bob]],
      ['northwind AND disabled:true', [U.dave]],
      ['northwind disabled:false force_password_reset:true', [U.grace]],
      ['email_verified:false', [U.erin]],
      ['name:"Frank Castillo"', [U.frank]],
      ['idp:google OR idp:github', [U.bob, U.frank]],
      ['has_password:false', [U.frank]],
      ['username:alice.nguyen', [U.alice]],
      ['phone_number:+12025550143', [U.erin]],
      ['northwind NOT username:*', [U.bob, U.carol, U.grace]],
      ['nobody-matches-this', []],
    ])('filters users by %s', async (filter, expected) => {
      const reply = await api('GET', `/users?filter=${enc(filter)}`);
      expect(reply.status, reply.text).toBe(200);
      expect(reply.body.map((u: { user_id: string }) => u.user_id).sort()).toEqual([...expected].sort());
      expect(pagination(reply).total_count).toBe(expected.length);
    });

    it('filters and pages a group’s users the same way', async () => {
      const reply = await api(
        'GET',
        `/users/groups/${S.groups.customers}/assigned?filter=${enc('email:*example.net')}`,
      );
      expect(reply.body.map((u: { user_id: string }) => u.user_id)).toEqual([U.frank]);
      const empty = await api('GET', `/users/groups/${S.groups.betaTesters}/assigned`);
      expect(empty.body).toEqual([]);
      expect(pagination(empty)).toMatchObject({ total_count: 0, has_next: false });
    });

    it('pages sessions and filters them by application', async () => {
      const all = await api('GET', `/users/${U.alice}/sessions?size=1&sort=initiated_at:1`);
      expect(all.body.map((s: { session_id: string }) => s.session_id)).toEqual([S.sessions.alicePhone]);
      expect(pagination(all)).toEqual({
        total_count: 2,
        page_size: 1,
        current_page: 1,
        has_next: true,
        has_previous: false,
      });
      const console = await api('GET', `/users/${U.alice}/sessions?client_id=${S.clients.mobile}`);
      expect(console.body.map((s: { session_id: string }) => s.session_id)).toEqual([S.sessions.alicePhone]);
    });

    it('filters blocked IPs', async () => {
      const reply = await api(
        'GET',
        `/users/${U.carol}/blocked_ips?filter=${enc(`ip:${S.secondAttackerIp}`)}`,
      );
      expect(reply.body.map((r: { ip: string }) => r.ip)).toEqual([S.secondAttackerIp]);
    });
  });

  describe('the seeded tenant', () => {
    it('tells carol’s lockout: account lockout, two blocked IPs, her office IP not among them', async () => {
      const carol = (await api('GET', `/users/${U.carol}`)).body;
      const now = Math.floor(Date.now() / 1000);
      expect(carol.failure_count).toBe(5);
      expect(carol.block_until).toBeGreaterThan(now);
      expect(carol.last_sign_in_attempt_ip).toBe(S.secondAttackerIp);
      expect(carol.last_sign_in_success).toBeLessThan(carol.last_sign_in_attempt);
      const ips = await api('GET', `/users/${U.carol}/blocked_ips?sort=block_until:1`);
      expect(ips.body.map((r: { ip: string }) => r.ip)).toEqual([S.attackerIp, S.secondAttackerIp]);
      for (const r of ips.body) expect(r.block_until).toBeGreaterThan(now);
    });

    it('tells the other stories', async () => {
      const get = async (id: string) => (await api('GET', `/users/${id}`)).body;
      expect((await get(U.dave)).disabled).toBe(true);
      const erin = await get(U.erin);
      expect(erin.emails).toEqual([
        expect.objectContaining({ email: 'erin@example.org', primary: true, verified: false }),
      ]);
      expect(erin.phone_numbers[0].verified).toBe(false);
      const grace = await get(U.grace);
      expect(grace.force_password_reset).toBe(true);
      expect(sandbox.state.links.find((l) => l.user_id === U.grace)?.kind).toBe('password_reset');
      const frank = await get(U.frank);
      expect(frank.has_password).toBe(false);
      expect(frank.external_providers[0]).toMatchObject({ authenticator: 'google' });
      const alice = await get(U.alice);
      expect(alice.passkeys).toHaveLength(2);
      expect(alice.username.username).toBe('alice.nguyen');
      // bob's expired session is kept but never listed.
      const bob = await api('GET', `/users/${U.bob}/sessions`);
      expect(bob.body.map((s: { session_id: string }) => s.session_id)).toEqual([S.sessions.bobDesktop]);
    });

    it('dates everything relative to the clock it was given', async () => {
      const fixed = Date.UTC(2030, 0, 1);
      const other = await startMonoCloudSandbox({ now: () => fixed });
      try {
        const alice = (await send(other, 'GET', `/api/users/${U.alice}`)).body;
        expect(alice.creation_time).toBe(fixed / 1000 - 400 * 86400);
        expect(alice.last_activity).toBe(fixed / 1000 - 20 * 60);
      } finally {
        await other.close();
      }
    });

    it('starts empty when asked', async () => {
      const other = await startMonoCloudSandbox({ seed: false });
      try {
        const reply = await send(other, 'GET', '/api/users');
        expect(reply.body).toEqual([]);
        expect(pagination(reply).total_count).toBe(0);
      } finally {
        await other.close();
      }
    });

    it('serves the reset and verification links it issued while they are valid', async () => {
      const grace = await send(sandbox, 'GET', `/reset-password?token=${S.graceResetToken}`, { key: null });
      expect(grace.status).toBe(200);
      expect(grace.text).toMatch(/password reset link/);
      const erin = await send(sandbox, 'GET', `/verify-email?token=${S.erinVerifyToken}`, { key: null });
      expect(erin.status).toBe(404);
      expectProblem(await send(sandbox, 'GET', '/elsewhere', { key: null }), 404);
    });
  });

  describe('state across calls', () => {
    it('creates a user that the next calls find, list and filter', async () => {
      const created = await api('POST', '/users', {
        email: 'hana.sato@example.org',
        phone_number: '+14155550188',
        phone_number_verified: true,
        username: 'hana',
        password: 'Robots-Rule-7',
        is_temporary_password: true,
        name: 'Hana Sato',
        picture: 'https://avatars.example.com/hana.png',
      });
      expect(created.status, created.text).toBe(200);
      const user = created.body;
      expect(user).toMatchObject({
        disabled: false,
        has_password: true,
        force_password_reset: true,
        connections: [{ idp: 'monocloud' }],
        claims: { name: 'Hana Sato', picture: 'https://avatars.example.com/hana.png' },
        username: { username: 'hana' },
        emails: [{ email: 'hana.sato@example.org', primary: true, verified: false }],
        phone_numbers: [{ phone: '+14155550188', primary: true, verified: true }],
        failure_count: 0,
      });
      expect(user.creation_time).toBe(user.last_updated);
      expect((await api('GET', `/users/${user.user_id}`)).body).toEqual(user);
      const found = await api('GET', `/users?filter=${enc('hana')}`);
      expect(found.body.map((u: { user_id: string }) => u.user_id)).toEqual([user.user_id]);
      expect(pagination(await api('GET', '/users')).total_count).toBe(8);
      // The temporary password still lets a password change through, which lifts the forced reset.
      const changed = await api('PUT', `/users/${user.user_id}/password/change`, {
        old_password: 'Robots-Rule-7',
        new_password: 'Robots-Rule-8',
      });
      expect(changed.body.force_password_reset).toBe(false);
    });

    it('disables, shows it, signs the user out everywhere, and enables again', async () => {
      const disabled = await api('POST', `/users/${U.alice}/disable`, { revoke_sessions: true });
      expect(disabled.body.disabled).toBe(true);
      expect((await api('GET', `/users/${U.alice}`)).body.disabled).toBe(true);
      expect((await api('GET', `/users?filter=${enc('disabled:true')}`)).body).toHaveLength(2);
      expect((await api('GET', `/users/${U.alice}/sessions`)).body).toEqual([]);
      expect((await api('GET', `/users/${U.alice}/grants/reference_tokens`)).body).toEqual([]);
      // A refresh token that was not bound to its session outlives it.
      const refresh = await api('GET', `/users/${U.alice}/grants/refresh_tokens`);
      expect(refresh.body.map((t: { id: string }) => t.id)).toEqual([S.refreshTokens.alicePhone]);
      const enabled = await api('POST', `/users/${U.alice}/enable`);
      expect(enabled.body.disabled).toBe(false);
    });

    it('disables without signing out when not asked to', async () => {
      await api('POST', `/users/${U.bob}/disable`, {});
      expect((await api('GET', `/users/${U.bob}/sessions`)).body).toHaveLength(1);
      const noBody = await api('POST', `/users/${U.erin}/disable`);
      expect(noBody.status).toBe(200);
    });

    it('adds an email, makes it primary, verifies it, and removes the old one', async () => {
      const added = await api('POST', `/users/${U.erin}/emails`, {
        email: 'erin.k@example.com',
        is_verified: true,
      });
      const fresh = added.body.emails.find((e: { email: string }) => e.email === 'erin.k@example.com');
      expect(fresh).toMatchObject({ primary: false, verified: true });
      const primary = await api('POST', `/users/${U.erin}/emails/${fresh.id}/primary`);
      expect(
        primary.body.emails.map((e: { email: string; primary: boolean }) => [e.email, e.primary]),
      ).toEqual([
        ['erin@example.org', false],
        ['erin.k@example.com', true],
      ]);
      expect((await api('GET', `/users/${U.erin}`)).body.emails[1].primary).toBe(true);
      const removed = await api('DELETE', `/users/${U.erin}/emails/${S.emails.erin}`);
      expect(removed.body.emails.map((e: { email: string }) => e.email)).toEqual(['erin.k@example.com']);
      expect((await api('GET', `/users?filter=${enc('email:erin@example.org')}`)).body).toEqual([]);
    });

    it('hands primacy on when the primary address is removed', async () => {
      await api('POST', `/users/${U.bob}/emails`, { email: 'bob.home@example.net' });
      const removed = await api('DELETE', `/users/${U.bob}/emails/${S.emails.bob}`);
      expect(removed.body.emails).toEqual([
        expect.objectContaining({ email: 'bob.home@example.net', primary: true }),
      ]);
    });

    it('marks emails and phones verified and unverified', async () => {
      const email = await api('POST', `/users/${U.erin}/emails/${S.emails.erin}/verify`);
      expect(email.body.emails[0]).toMatchObject({ verified: true, verification_source: 'management_api' });
      expect((await api('GET', `/users?filter=${enc('email_verified:false')}`)).body).toEqual([]);
      const back = await api('POST', `/users/${U.erin}/emails/${S.emails.erin}/unverify`);
      expect(back.body.emails[0]).toMatchObject({ verified: false, verification_source: null });
      const phone = await api('POST', `/users/${U.erin}/phones/${S.phones.erin}/verify`);
      expect(phone.body.phone_numbers[0].verified).toBe(true);
    });

    it('sends a verification link and records it', async () => {
      const before = Math.floor(Date.now() / 1000);
      const reply = await api('POST', `/users/${U.erin}/emails/${S.emails.erin}/verify/link`, {
        expiry: 3600,
      });
      expect(reply.body).toEqual({ expires_at: expect.any(Number), email_sent: true });
      expect(reply.body.expires_at - before).toBeGreaterThanOrEqual(3599);
      const link = sandbox.state.links.at(-1)!;
      expect(link).toMatchObject({
        kind: 'email_verification',
        user_id: U.erin,
        identifier_id: S.emails.erin,
      });
      const page = await send(sandbox, 'GET', new URL(link.link).pathname + new URL(link.link).search, {
        key: null,
      });
      expect(page.status).toBe(200);
    });

    it('adds and removes phones and usernames', async () => {
      const phone = await api('POST', `/users/${U.bob}/phones`, {
        phone_number: '+14155550123',
        is_verified: true,
      });
      const bobPhone = phone.body.phone_numbers[0];
      expect(bobPhone).toMatchObject({ phone: '+14155550123', primary: true, verified: true });
      const gone = await api('DELETE', `/users/${U.bob}/phones/${bobPhone.id}`);
      expect(gone.body.phone_numbers).toEqual([]);
      const named = await api('PUT', `/users/${U.bob}/username`, { username: 'bob.okafor' });
      expect(named.body.username).toMatchObject({ username: 'bob.okafor' });
      expect((await api('GET', `/users?filter=${enc('username:bob.okafor')}`)).body).toHaveLength(1);
      const renamed = await api('PUT', `/users/${U.bob}/username`, { username: 'bokafor' });
      expect(renamed.body.username.id).toBe(named.body.username.id);
      expect((await api('DELETE', `/users/${U.bob}/username`)).body.username).toBeNull();
      expectProblem(await api('DELETE', `/users/${U.bob}/username`), 404);
    });

    it('revokes a session, which the list then lacks, ending only the tokens bound to it', async () => {
      expect((await api('DELETE', `/users/${U.alice}/sessions/${S.sessions.aliceLaptop}`)).status).toBe(204);
      const left = await api('GET', `/users/${U.alice}/sessions`);
      expect(left.body.map((s: { session_id: string }) => s.session_id)).toEqual([S.sessions.alicePhone]);
      expectProblem(await api('GET', `/users/${U.alice}/sessions/${S.sessions.aliceLaptop}`), 404);
      const refresh = await api('GET', `/users/${U.alice}/grants/refresh_tokens`);
      expect(refresh.body.map((t: { id: string }) => t.id)).toEqual([S.refreshTokens.alicePhone]);
      expect((await api('GET', `/users/${U.alice}/grants/reference_tokens`)).body).toEqual([]);

      await api('DELETE', `/users/${U.alice}/sessions/${S.sessions.alicePhone}`);
      expect((await api('GET', `/users/${U.alice}/grants/codes`)).body).toEqual([]);
      expect((await api('GET', `/users/${U.alice}/grants/refresh_tokens`)).body).toHaveLength(1);
    });

    it('lifts lockouts: one IP, then all IPs, then the account', async () => {
      const one = await api('POST', `/users/${U.carol}/blocked_ips/unblock`, { ip_address: S.attackerIp });
      expect(one.status).toBe(200);
      const left = await api('GET', `/users/${U.carol}/blocked_ips`);
      expect(left.body.map((r: { ip: string }) => r.ip)).toEqual([S.secondAttackerIp]);
      expectProblem(
        await api('POST', `/users/${U.carol}/blocked_ips/unblock`, { ip_address: S.attackerIp }),
        404,
      );
      await api('POST', `/users/${U.carol}/blocked_ips/unblock`, { ip_address: 'all' });
      expect((await api('GET', `/users/${U.carol}/blocked_ips`)).body).toEqual([]);
      expect((await api('GET', `/users/${U.carol}`)).body.block_until).not.toBeNull();
      const unblocked = await api('POST', `/users/${U.carol}/unblock`);
      expect(unblocked.body).toMatchObject({ block_until: null, failure_count: 0 });
    });

    it('sets, forces, resets and removes passwords', async () => {
      const set = await api('PUT', `/users/${U.grace}/password`, {
        password: 'Ledger-Grace-2025',
        is_temporary_password: true,
        revoke_sessions: true,
      });
      expect(set.body.force_password_reset).toBe(true);
      expect(set.body.password_updated_at).toBeGreaterThan(set.body.creation_time);
      const change = await api('PUT', `/users/${U.grace}/password/change`, {
        old_password: 'Ledger-Grace-2025',
        new_password: 'Ledger-Grace-2026',
      });
      expect(change.status, change.text).toBe(200);
      expect(change.body.force_password_reset).toBe(false);
      expectProblem(
        await api('PUT', `/users/${U.grace}/password/change`, {
          old_password: 'Ledger-Grace-2025',
          new_password: 'Ledger-Grace-2027',
        }),
        422,
      );

      expect((await api('POST', `/users/${U.bob}/password/force_reset`)).body.force_password_reset).toBe(
        true,
      );
      expect((await api('DELETE', `/users/${U.bob}/password/force_reset`)).body.force_password_reset).toBe(
        false,
      );

      const reset = await api('POST', `/users/${U.bob}/password/reset`, {});
      expect(reset.body).toEqual({
        link: expect.any(String),
        expires_at: expect.any(Number),
        email_sent: true,
      });
      const link = new URL(reset.body.link);
      expect(link.origin).toBe(sandbox.url);
      expect((await send(sandbox, 'GET', link.pathname + link.search, { key: null })).status).toBe(200);
      const quiet = await api('POST', `/users/${U.bob}/password/reset`, { send_email: false });
      expect(quiet.body.email_sent).toBe(false);

      expect((await api('DELETE', `/users/${U.bob}/password`)).status).toBe(204);
      expect((await api('GET', `/users/${U.bob}`)).body).toMatchObject({
        has_password: false,
        password_updated_at: null,
      });
      expectProblem(await api('DELETE', `/users/${U.bob}/password`), 404);
    });

    it('imports a bcrypt hash as a password', async () => {
      const reply = await api('PUT', `/users/${U.frank}/password`, {
        password_hash: BCRYPT,
        password_hash_algorithm: 'bcrypt',
      });
      expect(reply.status, reply.text).toBe(200);
      expect(reply.body.has_password).toBe(true);
    });

    it('removes a passkey', async () => {
      await api('DELETE', `/users/${U.alice}/passkeys/${S.passkeys.aliceLaptop}`);
      const alice = (await api('GET', `/users/${U.alice}`)).body;
      expect(alice.passkeys.map((p: { passkey_id: string }) => p.passkey_id)).toEqual([
        S.passkeys.alicePhone,
      ]);
      expectProblem(await api('DELETE', `/users/${U.alice}/passkeys/${S.passkeys.aliceLaptop}`), 404);
    });

    it('merges claims, removing those sent as null', async () => {
      const reply = await api('PATCH', `/users/${U.alice}/claims`, {
        nickname: null,
        locale: 'fr-FR',
        birthdate: '1990-04-02',
        address: { locality: 'Leeds', country: 'GB', unknown: 'dropped' },
      });
      expect(reply.body.claims).toEqual({
        name: 'Alice Nguyen',
        given_name: 'Alice',
        family_name: 'Nguyen',
        picture: 'https://avatars.example.com/alice.png',
        locale: 'fr-FR',
        zoneinfo: 'Europe/London',
        birthdate: '1990-04-02',
        address: { locality: 'Leeds', country: 'GB' },
      });
      const loose = await api('PATCH', `/users/${U.alice}/claims`, {
        picture: 'alice.png',
        skip_conformance_checks: true,
      });
      expect(loose.body.claims.picture).toBe('alice.png');
    });

    it('merges private and public data one level deep, null removing a key', async () => {
      const priv = await api('PATCH', `/users/${U.alice}/private_data`, {
        private_data: { department: null, cost_centre: 'CC-7', manager: { name: 'Sam' } },
      });
      expect(priv.body).toEqual({
        private_data: { employee_id: 'NW-0042', cost_centre: 'CC-7', manager: { name: 'Sam' } },
      });
      expect((await api('GET', `/users/${U.alice}/private_data`)).body).toEqual(priv.body);
      await api('PATCH', `/users/${U.alice}/private_data`, {
        private_data: { manager: { email: 'sam@example.com' } },
      });
      expect((await api('GET', `/users/${U.alice}/private_data`)).body.private_data.manager).toEqual({
        email: 'sam@example.com',
      });
      const pub = await api('PATCH', `/users/${U.erin}/public_data`, { public_data: { newsletter: null } });
      expect(pub.body).toEqual({ public_data: { fleet_size: 3 } });
      expect((await api('GET', `/users/${U.erin}`)).body.public_data).toEqual({ fleet_size: 3 });
    });

    it('assigns, lists and removes group members', async () => {
      const assigned = await api('POST', `/users/${U.erin}/groups/${S.groups.betaTesters}`);
      expect(assigned.body).toEqual({
        group_id: S.groups.betaTesters,
        user_id: U.erin,
        creation_time: expect.any(Number),
        group_name: 'Beta Testers',
      });
      const erinGroups = await api('GET', `/users/${U.erin}/groups`);
      expect(erinGroups.body.map((g: { group_name: string }) => g.group_name)).toEqual([
        'Customers',
        'Beta Testers',
      ]);
      const members = await api('GET', `/users/groups/${S.groups.betaTesters}/assigned`);
      expect(members.body.map((u: { user_id: string }) => u.user_id)).toEqual([U.erin]);
      expect((await api('DELETE', `/users/${U.erin}/groups/${S.groups.betaTesters}`)).status).toBe(204);
      expectProblem(await api('GET', `/users/${U.erin}/groups/${S.groups.betaTesters}`), 404);
    });

    it('summarises and revokes grants per application', async () => {
      const before = await api('GET', `/users/${U.alice}/grants/clients`);
      expect(before.body).toEqual([
        {
          client_id: S.clients.console,
          consented: true,
          refresh_tokens: 1,
          reference_tokens: 1,
          authorization_codes: 0,
        },
        {
          client_id: S.clients.mobile,
          consented: true,
          refresh_tokens: 1,
          reference_tokens: 0,
          authorization_codes: 1,
        },
      ]);
      await api('DELETE', `/users/${U.alice}/grants/clients/${S.clients.mobile}`);
      const after = await api('GET', `/users/${U.alice}/grants/clients`);
      expect(after.body.map((g: { client_id: string }) => g.client_id)).toEqual([S.clients.console]);
      expectProblem(await api('DELETE', `/users/${U.alice}/grants/clients/${S.clients.mobile}`), 404);

      await api('DELETE', `/users/${U.alice}/grants/consents/${S.consents.aliceConsole}`);
      expect((await api('GET', `/users/${U.alice}/grants/consents`)).body).toEqual([]);
      expectProblem(
        await api('DELETE', `/users/${U.bob}/grants/refresh_tokens/${S.refreshTokens.erinPhone}`),
        404,
      );
    });

    it('deletes a user and everything that hung off them', async () => {
      expect((await api('DELETE', `/users/${U.alice}`)).status).toBe(204);
      expectProblem(await api('GET', `/users/${U.alice}`), 404);
      expectProblem(await api('DELETE', `/users/${U.alice}`), 404);
      const admins = await api('GET', `/users/groups/${S.groups.fleetAdmins}/assigned`);
      expect(admins.body).toEqual([]);
      expect([...sandbox.state.sessions.values()].some((s) => s.user_id === U.alice)).toBe(false);
      expect(sandbox.state.refreshTokens.some((t) => t.user_id === U.alice)).toBe(false);
      // Her address is free again.
      const reused = await api('POST', '/users', { email: 'alice@northwind.example.com' });
      expect(reused.status).toBe(200);
    });

    it('forgets every change on reset', async () => {
      await api('DELETE', `/users/${U.alice}`);
      sandbox.reset();
      expect((await api('GET', `/users/${U.alice}`)).status).toBe(200);
    });
  });
});
