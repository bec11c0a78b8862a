// Pins how the sandbox authenticates like Auth0: client-credentials tokens, 401 for missing, forged or
// expired bearers, 403 naming the scope a token lacks, and the error shapes and headers clients rely on.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH0_MODEL } from '../../src/sandbox/auth0-model.generated.js';

const AUTH0_SCOPES = AUTH0_MODEL.scopes;

import {
  DEFAULT_SANDBOX_CLIENT_ID,
  DEFAULT_SANDBOX_CLIENT_SECRET,
  type Sandbox,
  startSandbox,
} from '../../src/sandbox/index.js';
import { api, call, token } from './harness.js';

// biome-ignore lint/suspicious/noExplicitAny: decoded claims are checked by expect(), not by the compiler.
function claims(jwt: string): Record<string, any> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));
}

describe('sandbox authentication', () => {
  let clock = Date.parse('2025-03-01T12:00:00Z');
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ now: () => clock });
  });
  afterAll(() => sandbox.close());

  it('binds loopback with the documented well-known credentials by default', () => {
    expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sandbox.clientId).toBe(DEFAULT_SANDBOX_CLIENT_ID);
    expect(sandbox.clientSecret).toBe(DEFAULT_SANDBOX_CLIENT_SECRET);
    expect(sandbox.audience).toBe(`${sandbox.url}/api/v2/`);
  });

  it('issues an HS256 client-credentials JWT carrying every scope by default', async () => {
    const reply = await call(sandbox, 'POST', '/oauth/token', {
      body: {
        grant_type: 'client_credentials',
        client_id: sandbox.clientId,
        client_secret: sandbox.clientSecret,
        audience: sandbox.audience,
      },
    });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('x-request-id')).toBeTruthy();
    expect(reply.body).toMatchObject({ token_type: 'Bearer', expires_in: 86400 });
    const jwt = reply.body.access_token as string;
    expect(JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString())).toMatchObject({
      alg: 'HS256',
    });
    const c = claims(jwt);
    expect(c).toMatchObject({
      iss: `${sandbox.url}/`,
      sub: `${sandbox.clientId}@clients`,
      aud: `${sandbox.url}/api/v2/`,
      iat: clock / 1000,
      exp: clock / 1000 + 86400,
      gty: 'client-credentials',
    });
    expect(c.scope.split(' ').sort()).toEqual([...AUTH0_SCOPES].sort());
    expect(reply.body.scope).toBe(c.scope);
  });

  it('accepts a form body and HTTP Basic client authentication', async () => {
    const basic = Buffer.from(`${sandbox.clientId}:${sandbox.clientSecret}`).toString('base64');
    const reply = await call(sandbox, 'POST', '/oauth/token', {
      rawBody: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'read:users read:logs',
      }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.scope).toBe('read:users read:logs');
  });

  it.each([
    ['a wrong secret', { client_secret: 'guess' }, 401, 'access_denied'],
    ['an unknown client', { client_id: 'someone-else' }, 401, 'access_denied'],
    ['another grant', { grant_type: 'password' }, 403, 'unauthorized_client'],
    ['another audience', { audience: 'https://billing.example.com/' }, 403, 'access_denied'],
    ['a scope the API does not define', { scope: 'read:users launch:rockets' }, 403, 'access_denied'],
    ['no grant type', { grant_type: undefined }, 400, 'invalid_request'],
  ])('refuses a token request with %s', async (_, change, status, error) => {
    const reply = await call(sandbox, 'POST', '/oauth/token', {
      body: {
        grant_type: 'client_credentials',
        client_id: sandbox.clientId,
        client_secret: sandbox.clientSecret,
        ...change,
      },
    });
    expect(reply.status).toBe(status);
    expect(reply.body.error).toBe(error);
    expect(typeof reply.body.error_description).toBe('string');
  });

  it('answers a broken token request body in OAuth shape', async () => {
    const reply = await call(sandbox, 'POST', '/oauth/token', {
      rawBody: '{"grant_type":',
      headers: { 'content-type': 'application/json' },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toBe('invalid_request');
  });

  it('answers 401 in Auth0 shape without a bearer, with a forged one and with a foreign one', async () => {
    const missing = await call(sandbox, 'GET', '/api/v2/users');
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Missing authentication',
      errorCode: 'missing_authentication',
    });
    expect(missing.headers.get('x-request-id')).toBeTruthy();

    const good = await token(sandbox);
    const [h, , s] = good.split('.');
    const forgedBody = Buffer.from(JSON.stringify({ ...claims(good), scope: 'god:mode' })).toString(
      'base64url',
    );
    for (const bad of ['not-a-jwt', `${h}.${forgedBody}.${s}`]) {
      const reply = await call(sandbox, 'GET', '/api/v2/users', { token: bad });
      expect(reply.status).toBe(401);
      expect(reply.body).toMatchObject({
        statusCode: 401,
        error: 'Unauthorized',
        errorCode: 'invalid_token',
      });
    }
    const other = await startSandbox();
    try {
      const foreign = await token(other);
      expect((await call(sandbox, 'GET', '/api/v2/users', { token: foreign })).status).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('answers 401 once a token has expired', async () => {
    const bearer = await token(sandbox);
    expect((await api(sandbox, bearer)('GET', '/roles')).status).toBe(200);
    clock += 86_400_000;
    const reply = await api(sandbox, bearer)('GET', '/roles');
    expect(reply.status).toBe(401);
    expect(reply.body.message).toMatch(/expired/i);
    clock -= 86_400_000;
  });

  it('answers 403 naming the expected scopes when the token lacks them', async () => {
    const narrow = await token(sandbox, ['read:roles']);
    expect(claims(narrow).scope).toBe('read:roles');
    const call1 = api(sandbox, narrow);
    expect((await call1('GET', '/roles')).status).toBe(200);
    const denied = await call1('GET', '/users');
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({
      statusCode: 403,
      error: 'Forbidden',
      message: 'Insufficient scope, expected any of: read:users, read:user_idp_tokens',
      errorCode: 'insufficient_scope',
    });
    const write = await call1('DELETE', '/roles/rol_N0rthw1ndAdm1n00');
    expect(write.status).toBe(403);
    expect(write.body.message).toContain('delete:roles');
  });

  it('issues tokens to an application created through the API with exactly its grant, read at each request', async () => {
    const admin = api(sandbox, await token(sandbox));
    const ask = (clientId: string, clientSecret: string, scope?: string) =>
      call(sandbox, 'POST', '/oauth/token', {
        body: {
          grant_type: 'client_credentials',
          client_id: clientId,
          client_secret: clientSecret,
          audience: sandbox.audience,
          ...(scope ? { scope } : {}),
        },
      });
    const app = (await admin('POST', '/clients', { name: 'agent', app_type: 'non_interactive' })).body;
    const id = app.client_id as string;
    const secret = app.client_secret as string;
    // No grant to the Management API yet: refused, naming the API.
    const ungranted = await ask(id, secret);
    expect([ungranted.status, ungranted.body.error]).toEqual([403, 'access_denied']);
    expect(ungranted.body.error_description).toContain(sandbox.audience);

    const grant = await admin('POST', '/client-grants', {
      client_id: id,
      audience: sandbox.audience,
      scope: ['read:users', 'read:logs'],
    });
    expect(grant.status).toBe(201);
    const issued = await ask(id, secret);
    expect(issued.status).toBe(200);
    expect(claims(issued.body.access_token as string)).toMatchObject({
      sub: `${id}@clients`,
      azp: id,
      scope: 'read:users read:logs',
    });
    const bearer = api(sandbox, issued.body.access_token as string);
    expect((await bearer('GET', '/users?per_page=1')).status).toBe(200);
    expect((await bearer('GET', '/roles')).status).toBe(403);
    // It may not ask for more than its grant, nor use a wrong secret.
    expect((await ask(id, secret, 'read:users delete:users')).status).toBe(403);
    expect((await ask(id, `${secret}x`)).status).toBe(401);

    // The grant and the secret are read at each request: a change takes effect at once.
    await admin('PATCH', `/client-grants/${grant.body.id as string}`, { scope: ['read:roles'] });
    expect(claims((await ask(id, secret)).body.access_token as string).scope).toBe('read:roles');
    const rotated = await admin('POST', `/clients/${id}/rotate-secret`);
    expect((await ask(id, secret)).status).toBe(401);
    expect((await ask(id, rotated.body.client_secret as string)).status).toBe(200);
    await admin('DELETE', `/client-grants/${grant.body.id as string}`);
    expect((await ask(id, rotated.body.client_secret as string)).status).toBe(403);

    // An application without the client-credentials grant type gets none.
    const spa = (await admin('POST', '/clients', { name: 'web', app_type: 'spa' })).body;
    expect((await ask(spa.client_id as string, String(spa.client_secret))).body.error).toBe(
      'unauthorized_client',
    );
  });

  it('answers 404 for unknown routes and 400 for malformed JSON, each with a request id', async () => {
    const bearer = await token(sandbox);
    const unknown = await api(sandbox, bearer)('GET', '/no-such-thing');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    const outside = await call(sandbox, 'GET', '/elsewhere');
    expect(outside.status).toBe(404);
    const broken = await call(sandbox, 'POST', '/api/v2/roles', {
      token: bearer,
      rawBody: '{"name": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(broken.status).toBe(400);
    expect(broken.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'Invalid request payload JSON format',
      errorCode: 'invalid_body',
    });
    const ids = new Set([unknown, outside, broken].map((r) => r.headers.get('x-request-id')));
    expect(ids.size).toBe(3);
  });
});

describe('sandbox lifecycle', () => {
  it('rejects with a message naming the port when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startSandbox({ port })).rejects.toThrow(`port ${port} is already in use`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('starts fast, starts empty without the seed, and accepts other credentials', async () => {
    const started = performance.now();
    const sandbox = await startSandbox({ seed: false, clientId: 'ci-client', clientSecret: 'ci-secret' });
    const elapsed = performance.now() - started;
    try {
      expect(elapsed).toBeLessThan(1000);
      const bearer = await token(sandbox);
      const users = await api(sandbox, bearer)('GET', '/users');
      expect(users.body).toEqual([]);
    } finally {
      await sandbox.close();
    }
  });

  it('reset() brings back the starting tenant', async () => {
    const sandbox = await startSandbox();
    try {
      const bearer = await token(sandbox);
      const call1 = api(sandbox, bearer);
      expect((await call1('DELETE', '/users/auth0%7C64f1a0c2e4b0a1b2c3d40001')).status).toBe(204);
      expect((await call1('GET', '/users/auth0%7C64f1a0c2e4b0a1b2c3d40001')).status).toBe(404);
      sandbox.reset();
      expect((await call1('GET', '/users/auth0%7C64f1a0c2e4b0a1b2c3d40001')).status).toBe(200);
    } finally {
      await sandbox.close();
    }
  });
});
