// Pins the user rules agents trip over on a real tenant: a required connection, unique emails per
// connection, Lucene-style search and paging, one-level metadata merges, and the difference between
// `blocked` and a brute-force block.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Sandbox, SEED, startSandbox } from '../../src/sandbox/index.js';
import { api, type Reply, token } from './harness.js';

const U = SEED.users;
const DB = 'Username-Password-Authentication';
const enc = encodeURIComponent;

describe('sandbox users', () => {
  let sandbox: Sandbox;
  let req: (method: string, path: string, body?: unknown) => Promise<Reply>;

  beforeAll(async () => {
    sandbox = await startSandbox();
    req = api(sandbox, await token(sandbox));
  });
  beforeEach(() => sandbox.reset());
  afterAll(() => sandbox.close());

  const ids = (reply: Reply) => (reply.body as Array<{ user_id: string }>).map((u) => u.user_id);
  const search = async (q: string) => {
    const reply = await req('GET', `/users?q=${enc(q)}`);
    expect(reply.status, reply.text).toBe(200);
    return ids(reply);
  };

  it('creates, reads, projects and deletes a user', async () => {
    const created = await req('POST', '/users', {
      connection: DB,
      email: 'Hana.Sato@example.org',
      password: 'Longer-than-eight',
      user_metadata: { fleet_size: 2 },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      email: 'Hana.Sato@example.org',
      email_verified: false,
      identities: [{ connection: DB, provider: 'auth0', isSocial: false }],
      user_metadata: { fleet_size: 2 },
      logins_count: 0,
    });
    expect(created.body.user_id).toMatch(/^auth0\|[0-9a-f]{24}$/);
    expect(created.body).not.toHaveProperty('password');
    const id = enc(created.body.user_id);

    const some = await req('GET', `/users/${id}?fields=email,user_id`);
    expect(some.body).toEqual({ user_id: created.body.user_id, email: 'Hana.Sato@example.org' });
    const without = await req('GET', `/users/${id}?fields=identities,picture&include_fields=false`);
    expect(without.body).not.toHaveProperty('identities');
    expect(without.body).toHaveProperty('email');

    expect((await req('DELETE', `/users/${id}`)).status).toBe(204);
    const gone = await req('GET', `/users/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'The user does not exist.',
      errorCode: 'inexistent_user',
    });
    expect((await req('DELETE', `/users/${id}`)).status).toBe(404);
  });

  it.each([
    ['no connection', { email: 'x@example.org', password: 'long-enough-1' }, 400, /connection/],
    [
      'an unknown connection',
      { connection: 'nope', email: 'x@example.org', password: 'long-enough-1' },
      400,
      /connection/,
    ],
    ['no password', { connection: DB, email: 'x@example.org' }, 400, /password/],
    [
      'a short password',
      { connection: DB, email: 'x@example.org', password: 'short' },
      400,
      /PasswordStrengthError: Password is too weak/,
    ],
    ['a bad email', { connection: DB, email: 'not-an-email', password: 'long-enough-1' }, 400, /email/],
    [
      'an unknown field',
      { connection: DB, email: 'x@example.org', password: 'long-enough-1', role: 'admin' },
      400,
      /role/,
    ],
    ['a social connection', { connection: 'google-oauth2', email: 'x@example.org' }, 400, /provider/],
    [
      'an email taken on the connection',
      { connection: DB, email: 'ALICE@northwind.example.com', password: 'long-enough-1' },
      409,
      /already exists/,
    ],
  ])('refuses to create a user with %s', async (_, body, status, message) => {
    const reply = await req('POST', '/users', body);
    expect(reply.status).toBe(status);
    expect(reply.body.message).toMatch(message);
    expect(reply.body).toHaveProperty('errorCode');
  });

  it('searches with q like Auth0 does', async () => {
    expect(await search('email:"alice@northwind.example.com"')).toEqual([U.alice]);
    expect(await search('email:alice@northwind.example.com')).toEqual([U.alice]);
    expect(await search('name:"Alice Nguyen"')).toEqual([U.alice]);
    expect(await search('alice')).toEqual([U.alice]);
    expect(await search('Kowalski')).toEqual([U.erin]);
    expect(await search('email:*@northwind.example.com')).toEqual([U.alice, U.bob, U.carol, U.dave, U.grace]);
    expect(await search('name:Ca*')).toEqual([U.carol]);
    expect(await search('blocked:true')).toEqual([U.dave]);
    expect(await search('email_verified:false')).toEqual([U.erin]);
    expect(await search('identities.connection:"google-oauth2"')).toEqual([U.frank]);
    expect(await search('app_metadata.department:support OR app_metadata.department:finance')).toEqual([
      U.bob,
      U.grace,
    ]);
    expect(await search('email:*@northwind.example.com AND NOT blocked:true')).toEqual([
      U.alice,
      U.bob,
      U.carol,
      U.grace,
    ]);
    expect(await search('logins_count:[100 TO *]')).toEqual([U.alice, U.dave]);
    expect(await search('_exists_:blocked')).toEqual([U.dave]);
    expect(await search('nobody-by-this-name')).toEqual([]);
    const bad = await req('GET', `/users?q=${enc('(email:x')}`);
    expect(bad.status).toBe(400);
    expect(bad.body.errorCode).toBe('invalid_query_string');
  });

  it('pages with page, per_page and include_totals', async () => {
    const all = await req('GET', '/users');
    expect(all.body).toHaveLength(7);
    const page = await req('GET', '/users?per_page=2&page=1&include_totals=true');
    expect(page.body).toMatchObject({ start: 2, limit: 2, length: 2, total: 7 });
    expect(page.body.users.map((u: { user_id: string }) => u.user_id)).toEqual([U.carol, U.dave]);
    const last = await req('GET', '/users?per_page=5&page=1&include_totals=true');
    expect(last.body).toMatchObject({ start: 5, limit: 5, length: 2, total: 7 });
    expect((await req('GET', '/users?per_page=101')).status).toBe(400);
    const sorted = await req('GET', '/users?sort=created_at:1&fields=user_id');
    expect(ids(sorted)[0]).toBe(U.dave);
    const byConnection = await req('GET', `/users?connection=google-oauth2`);
    expect(ids(byConnection)).toEqual([U.frank]);
  });

  it('merges metadata one level deep on update, with null removing a key and {} clearing', async () => {
    const alice = `/users/${enc(U.alice)}`;
    const merged = await req('PATCH', alice, {
      user_metadata: { theme: 'light', locale: null, font: 'large' },
      app_metadata: { on_call: true },
    });
    expect(merged.status).toBe(200);
    expect(merged.body.user_metadata).toEqual({ theme: 'light', font: 'large' });
    expect(merged.body.app_metadata).toEqual({
      department: 'platform',
      employee_id: 'NW-0042',
      on_call: true,
    });
    const nested = await req('PATCH', alice, { user_metadata: { prefs: { a: 1 } } });
    const replaced = await req('PATCH', alice, { user_metadata: { prefs: { b: 2 } } });
    expect(nested.body.user_metadata.prefs).toEqual({ a: 1 });
    expect(replaced.body.user_metadata.prefs).toEqual({ b: 2 });
    const cleared = await req('PATCH', alice, { app_metadata: {} });
    expect(cleared.body).not.toHaveProperty('app_metadata');
    expect(Date.parse(cleared.body.updated_at)).toBeGreaterThan(
      Date.parse(sandbox.state.users.get(U.bob)!.updated_at),
    );
  });

  it('blocks, unblocks and verifies through PATCH, and refuses what Auth0 refuses', async () => {
    const erin = `/users/${enc(U.erin)}`;
    expect((await req('PATCH', erin, { blocked: true })).body.blocked).toBe(true);
    expect((await req('PATCH', erin, { blocked: false })).body).not.toHaveProperty('blocked');
    expect((await req('PATCH', erin, { email_verified: true })).body.email_verified).toBe(true);
    const moved = await req('PATCH', erin, { email: 'erin.k@example.org' });
    expect(moved.body).toMatchObject({ email: 'erin.k@example.org', email_verified: false });
    expect((await req('PATCH', erin, { name: null })).body).not.toHaveProperty('name');

    const taken = await req('PATCH', erin, { email: 'bob@northwind.example.com' });
    expect(taken.status).toBe(400);
    expect(taken.body.message).toMatch(/already exists/);
    expect((await req('PATCH', erin, { blocked: 'yes' })).status).toBe(400);
    expect((await req('PATCH', erin, { favourite_colour: 'teal' })).status).toBe(400);
    expect((await req('PATCH', erin, {})).status).toBe(400);
    expect((await req('PATCH', `/users/${enc(U.frank)}`, { password: 'new-password-1' })).status).toBe(400);
    expect((await req('PATCH', '/users/auth0%7Cnobody', { blocked: true })).status).toBe(404);
  });

  it('finds users by email case-insensitively', async () => {
    const found = await req('GET', `/users-by-email?email=${enc('Grace@NORTHWIND.example.com')}`);
    expect(found.status).toBe(200);
    expect(ids(found)).toEqual([U.grace]);
    expect((await req('GET', '/users-by-email?email=nobody@example.org')).body).toEqual([]);
    expect((await req('GET', '/users-by-email')).status).toBe(400);
  });

  it('reports and lifts brute-force blocks by user id and by identifier', async () => {
    const carol = `/user-blocks/${enc(U.carol)}`;
    const blocked = await req('GET', carol);
    expect(blocked.body).toEqual({
      blocked_for: [{ identifier: 'carol@northwind.example.com', ip: SEED.attackerIp, connection: DB }],
    });
    const byIdentifier = await req('GET', `/user-blocks?identifier=${enc('CAROL@northwind.example.com')}`);
    expect(byIdentifier.body.blocked_for).toHaveLength(1);
    // An administrator's block is a different thing: dave has no brute-force block.
    expect((await req('GET', `/user-blocks/${enc(U.dave)}`)).body).toEqual({ blocked_for: [] });

    expect((await req('DELETE', carol)).status).toBe(204);
    expect((await req('GET', carol)).body).toEqual({ blocked_for: [] });

    sandbox.reset();
    expect((await req('DELETE', '/user-blocks?identifier=carol@northwind.example.com')).status).toBe(204);
    expect((await req('GET', carol)).body).toEqual({ blocked_for: [] });

    expect((await req('GET', '/user-blocks')).status).toBe(400);
    expect((await req('GET', '/user-blocks/auth0%7Cnobody')).status).toBe(404);
  });
});
