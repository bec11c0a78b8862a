// Pins token handling: one token fetch under concurrency, refresh on expiry and on 401, and no leaked secrets.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTokenProvider, TenantError } from '../../src/executor/index.js';
import { type RecordingUpstream, startRecordingUpstream } from '../helpers/recording-upstream.js';
import { executorFor, rejectionOf } from './fixtures.js';

const SECRET = 'sup3r-s3cret-value';
const credentials = { kind: 'client_credentials', clientId: 'cid', clientSecret: SECRET } as const;

let upstream: RecordingUpstream;
beforeEach(async () => {
  upstream = await startRecordingUpstream({
    tokenEndpoint: { clientId: 'cid', clientSecret: SECRET, delayMs: 30 },
  });
});
afterEach(async () => {
  await upstream.close();
});

describe('client credentials', () => {
  it('fetches one token for 20 concurrent calls and reuses it', async () => {
    const { executor } = executorFor(upstream, { auth: credentials });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => executor.send({ method: 'GET', path: `/users/u${i}` })),
    );
    await executor.send({ method: 'GET', path: '/users/again' });
    await executor.close();
    expect(upstream.tokenRequests).toHaveLength(1);
    expect(upstream.tokenRequests[0]?.json()).toEqual({
      grant_type: 'client_credentials',
      client_id: 'cid',
      client_secret: SECRET,
      audience: `${upstream.url}/api/v2/`,
    });
    expect(upstream.requests).toHaveLength(21);
    expect(new Set(upstream.requests.map((r) => r.headers.authorization))).toEqual(
      new Set(['Bearer token-1']),
    );
  });

  it('sends a configured audience (custom domains)', async () => {
    const { executor } = executorFor(upstream, {
      auth: { ...credentials, audience: 'https://acme.auth0.com/api/v2/' },
    });
    await executor.send({ method: 'GET', path: '/users' });
    await executor.close();
    expect(upstream.tokenRequests[0]?.json()).toMatchObject({ audience: 'https://acme.auth0.com/api/v2/' });
  });

  it('fetches a new token shortly before the old one expires', async () => {
    await upstream.close();
    upstream = await startRecordingUpstream({ tokenEndpoint: { expiresIn: 3600 } });
    const { executor, clock } = executorFor(upstream, { auth: credentials });
    await executor.send({ method: 'GET', path: '/a' });
    clock.advance(3600_000 - 61_000); // still outside the 60 s margin
    await executor.send({ method: 'GET', path: '/b' });
    clock.advance(2_000); // inside it
    await executor.send({ method: 'GET', path: '/c' });
    await executor.close();
    expect(upstream.requests.map((r) => r.headers.authorization)).toEqual([
      'Bearer token-1',
      'Bearer token-1',
      'Bearer token-2',
    ]);
  });

  it('on a 401 with a cached token, fetches one new token and resends once, even a POST', async () => {
    const { executor } = executorFor(upstream, { auth: credentials });
    await executor.send({ method: 'GET', path: '/warm' });
    upstream.reset();
    upstream.script({
      status: 401,
      body: { statusCode: 401, error: 'Unauthorized', message: 'Expired token' },
    });
    const response = await executor.send({ method: 'POST', path: '/users', body: { email: 'a@x' } });
    await executor.close();
    expect(response.attempts).toBe(2);
    expect(upstream.tokenRequests).toHaveLength(1);
    expect(upstream.requests.map((r) => r.headers.authorization)).toEqual([
      'Bearer token-1',
      'Bearer token-2',
    ]);
  });

  it('gives up after the one refresh when the new token is refused too', async () => {
    const { executor } = executorFor(upstream, { auth: credentials });
    await executor.send({ method: 'GET', path: '/warm' });
    upstream.reset();
    const refused = {
      status: 401,
      body: { statusCode: 401, error: 'Unauthorized', message: 'Invalid token' },
    };
    upstream.script(refused, refused, refused);
    const error = await rejectionOf(executor.send({ method: 'GET', path: '/users' }));
    await executor.close();
    expect(error).toMatchObject({ code: 'upstream_error', details: { status: 401, attempts: 2 } });
    expect(upstream.requests).toHaveLength(2);
    expect(upstream.tokenRequests).toHaveLength(1);
  });

  it('does not fetch yet another token when a brand-new one is refused', async () => {
    upstream.script({
      status: 401,
      body: { statusCode: 401, error: 'Unauthorized', message: 'Bad audience' },
    });
    const { executor } = executorFor(upstream, { auth: credentials });
    const error = await rejectionOf(executor.send({ method: 'GET', path: '/users' }));
    await executor.close();
    expect(error).toMatchObject({ code: 'upstream_error', details: { status: 401, attempts: 1 } });
    expect(upstream.tokenRequests).toHaveLength(1);
  });

  it('reports a refused grant as auth_failed with Auth0 words and without the secret', async () => {
    const { executor } = executorFor(upstream, {
      auth: { ...credentials, clientSecret: 'wrong-secret-value' },
    });
    const error = await rejectionOf(executor.send({ method: 'GET', path: '/users' }));
    await executor.close();
    expect(error).toBeInstanceOf(TenantError);
    expect(error).toMatchObject({
      code: 'auth_failed',
      details: { status: 401, upstreamCode: 'access_denied', upstreamMessage: 'Unauthorized' },
    });
    const text = `${(error as Error).message} ${JSON.stringify((error as TenantError).details)} ${(error as Error).stack}`;
    expect(text).toContain('access_denied: Unauthorized');
    expect(text).not.toContain('wrong-secret-value');
    expect(upstream.requests).toHaveLength(0);
  });

  it('redacts the secret even when the token endpoint echoes it back', async () => {
    upstream.scriptToken((request) => ({
      status: 400,
      body: { error: 'invalid_request', error_description: `bad body ${request.body}` },
    }));
    const { executor } = executorFor(upstream, { auth: credentials });
    const error = (await rejectionOf(executor.send({ method: 'GET', path: '/users' }))) as TenantError;
    await executor.close();
    expect(error.code).toBe('auth_failed');
    expect(error.message).toContain('[redacted]');
    expect(`${error.message} ${error.details.upstreamMessage}`).not.toContain(SECRET);
  });

  it('retries a rate-limited token endpoint and still fetches once for everyone', async () => {
    upstream.scriptToken({
      status: 429,
      headers: { 'retry-after': '1' },
      body: { error: 'too_many_requests' },
    });
    const { executor, clock } = executorFor(upstream, { auth: credentials });
    await Promise.all([
      executor.send({ method: 'GET', path: '/a' }),
      executor.send({ method: 'GET', path: '/b' }),
    ]);
    await executor.close();
    expect(upstream.tokenRequests).toHaveLength(2);
    expect(clock.waits).toEqual([1000]);
  });
});

describe('static token', () => {
  it('reports a 401 without resending and without the token', async () => {
    upstream.script({
      status: 401,
      body: { statusCode: 401, error: 'Unauthorized', message: 'Invalid token static-token-123' },
    });
    const { executor } = executorFor(upstream);
    const error = (await rejectionOf(executor.send({ method: 'GET', path: '/users' }))) as TenantError;
    await executor.close();
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.tokenRequests).toHaveLength(0);
    expect(error.message).toMatch(/401 Unauthorized.*check the credentials/i);
    expect(`${error.message} ${error.details.upstreamMessage}`).not.toContain('static-token-123');
  });
});

describe('createTokenProvider', () => {
  it('shares one failing fetch, then tries afresh on the next call', async () => {
    let calls = 0;
    const provider = createTokenProvider(async () => {
      calls++;
      if (calls === 1) throw new Error('down');
      return { accessToken: `t${calls}`, lifetimeMs: 60_000 };
    }, Date.now);
    const results = await Promise.allSettled([provider.get(), provider.get()]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await provider.get()).toEqual({ token: 't2', fresh: true });
    expect(await provider.get()).toEqual({ token: 't2', fresh: false });
    expect(calls).toBe(2);
  });

  it('lets one caller give up without cancelling the shared fetch', async () => {
    let release: (value: { accessToken: string; lifetimeMs: number }) => void = () => {};
    const provider = createTokenProvider(() => new Promise((resolve) => (release = resolve)), Date.now);
    const controller = new AbortController();
    const quitter = provider.get(controller.signal);
    const stayer = provider.get();
    controller.abort();
    await expect(quitter).rejects.toMatchObject({ code: 'aborted' });
    release({ accessToken: 'shared', lifetimeMs: 60_000 });
    expect(await stayer).toEqual({ token: 'shared', fresh: true });
  });

  it('only forgets the token it is told is bad', async () => {
    let n = 0;
    const provider = createTokenProvider(
      async () => ({ accessToken: `t${++n}`, lifetimeMs: 60_000 }),
      Date.now,
    );
    await provider.get();
    provider.invalidate('some-older-token');
    expect(await provider.get()).toEqual({ token: 't1', fresh: false });
    provider.invalidate('t1');
    expect(await provider.get()).toEqual({ token: 't2', fresh: true });
  });
});
