// Pins the retry rules: 429 for any method, 5xx and cut connections only where a repeat cannot double a change.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TenantError, TenantRequest } from '../../src/executor/index.js';
import { type RecordingUpstream, startRecordingUpstream } from '../helpers/recording-upstream.js';
import { executorFor, rejectionOf } from './fixtures.js';

let upstream: RecordingUpstream;
beforeEach(async () => {
  upstream = await startRecordingUpstream();
});
afterEach(async () => {
  await upstream.close();
});

const NOW_S = Date.UTC(2030, 0, 1) / 1000;
const tooMany = (headers: Record<string, string>) => ({
  status: 429,
  headers,
  body: {
    statusCode: 429,
    error: 'Too Many Requests',
    message: 'Global limit has been reached',
    errorCode: 'too_many_requests',
  },
});
const unavailable = {
  status: 503,
  body: { statusCode: 503, error: 'Service Unavailable', message: 'Try later' },
};

const requests: Record<string, TenantRequest> = {
  GET: { method: 'GET', path: '/users/{id}', pathParams: { id: 'u1' } },
  HEAD: { method: 'HEAD', path: '/users/{id}', pathParams: { id: 'u1' } },
  PUT: { method: 'PUT', path: '/users/{id}/roles', pathParams: { id: 'u1' }, body: { roles: ['r'] } },
  DELETE: { method: 'DELETE', path: '/users/{id}', pathParams: { id: 'u1' } },
  POST: { method: 'POST', path: '/users', body: { email: 'a@x' } },
  PATCH: { method: 'PATCH', path: '/users/{id}', pathParams: { id: 'u1' }, body: { blocked: true } },
};

describe('429', () => {
  it.each([
    ['Retry-After seconds', { 'retry-after': '3' }, 3000],
    ['Retry-After HTTP date', { 'retry-after': 'Tue, 01 Jan 2030 00:00:05 GMT' }, 5000],
    [
      'X-RateLimit-Reset epoch seconds',
      { 'x-ratelimit-reset': String(NOW_S + 7), 'x-ratelimit-remaining': '0' },
      7000,
    ],
    ['no hint: backoff', {}, 250],
  ])('waits as told by %s, then succeeds, for a POST too', async (_name, headers, wait) => {
    upstream.script(tooMany(headers), { status: 201, body: { user_id: 'u1' } });
    const { executor, clock } = executorFor(upstream);
    const response = await executor.send(requests.POST!);
    await executor.close();
    expect(response).toMatchObject({ status: 201, body: { user_id: 'u1' }, attempts: 2, durationMs: wait });
    expect(clock.waits).toEqual([wait]);
    expect(upstream.requests).toHaveLength(2);
  });

  it('backs off exponentially without hints and stops after maxRetries with rate_limited', async () => {
    upstream.setFallback(tooMany({}));
    const { executor, clock } = executorFor(upstream);
    const error = (await rejectionOf(executor.send(requests.GET!))) as TenantError;
    await executor.close();
    expect(clock.waits).toEqual([250, 500, 1000]);
    expect(upstream.requests).toHaveLength(4);
    expect(error).toMatchObject({
      code: 'rate_limited',
      details: { status: 429, attempts: 4, upstreamCode: 'too_many_requests', retryAfterMs: 2000 },
    });
  });

  it('fails at once when the wait would pass the time budget, saying when to retry', async () => {
    upstream.script(tooMany({ 'x-ratelimit-reset': String(NOW_S + 90) }));
    const { executor, clock } = executorFor(upstream);
    const error = (await rejectionOf(executor.send(requests.GET!))) as TenantError;
    await executor.close();
    expect(clock.waits).toEqual([]);
    expect(upstream.requests).toHaveLength(1);
    expect(error.code).toBe('rate_limited');
    expect(error.details.retryAfterMs).toBe(90_000);
    expect(error.message).toContain('Retry after 2030-01-01T00:01:30Z (in 90 s)');
    expect(error.message).toContain('Global limit has been reached');
  });

  it('counts earlier waits against the budget', async () => {
    upstream.setFallback(tooMany({ 'retry-after': '25' }));
    const { executor, clock } = executorFor(upstream, { maxRetries: 10 });
    const error = await rejectionOf(executor.send(requests.GET!));
    await executor.close();
    expect(clock.waits).toEqual([25_000, 25_000]);
    expect(error).toMatchObject({ code: 'rate_limited', details: { attempts: 3 } });
  });
});

describe('5xx', () => {
  it.each(['GET', 'HEAD', 'PUT', 'DELETE'])('retries a 503 for %s', async (method) => {
    upstream.script(unavailable, { status: 200, body: { ok: true } });
    const { executor } = executorFor(upstream);
    const response = await executor.send(requests[method]!);
    await executor.close();
    expect(response.attempts).toBe(2);
    expect(upstream.requests).toHaveLength(2);
  });

  it.each(['POST', 'PATCH'])('never resends a %s after a 503 and says to check state', async (method) => {
    upstream.script(unavailable);
    const { executor } = executorFor(upstream);
    const error = (await rejectionOf(executor.send(requests[method]!))) as TenantError;
    await executor.close();
    expect(upstream.requests).toHaveLength(1);
    expect(error).toMatchObject({
      code: 'upstream_error',
      details: { status: 503, mayHaveReachedTenant: true },
    });
    expect(error.message).toMatch(/not resent.*check the tenant state/);
  });

  it('reports the last 5xx after the retries are spent', async () => {
    upstream.setFallback({
      status: 502,
      headers: { 'content-type': 'text/html' },
      body: '<h1>Bad gateway</h1>',
    });
    const { executor } = executorFor(upstream);
    const error = await rejectionOf(executor.send(requests.GET!));
    await executor.close();
    expect(upstream.requests).toHaveLength(4);
    expect(error).toMatchObject({ code: 'upstream_error', details: { status: 502, attempts: 4 } });
  });

  it('does not retry a 500 (a bug, not a passing problem)', async () => {
    upstream.script({ status: 500, body: {} });
    const { executor } = executorFor(upstream);
    await rejectionOf(executor.send(requests.GET!));
    await executor.close();
    expect(upstream.requests).toHaveLength(1);
  });

  it('a retried DELETE answering 404 warns that the first attempt may have done it', async () => {
    upstream.script(
      { destroy: true },
      { status: 404, body: { statusCode: 404, error: 'Not Found', message: 'Gone' } },
    );
    const { executor } = executorFor(upstream);
    const error = (await rejectionOf(executor.send(requests.DELETE!))) as TenantError;
    await executor.close();
    expect(upstream.requests).toHaveLength(2);
    expect(error.details).toMatchObject({ status: 404, mayHaveReachedTenant: true });
    expect(error.message).toContain('earlier attempt was cut off and may already have applied this change');
  });
});

describe('connection failures', () => {
  it.each(['GET', 'PUT', 'DELETE'])('retries a reset connection for %s', async (method) => {
    upstream.script({ destroy: true }, { status: 200, body: {} });
    const { executor } = executorFor(upstream);
    const response = await executor.send(requests[method]!);
    await executor.close();
    expect(response.attempts).toBe(2);
    expect(upstream.requests).toHaveLength(2);
  });

  it.each(['POST', 'PATCH'])('never resends a %s whose connection was reset', async (method) => {
    upstream.script({ destroy: true }, { status: 200, body: {} });
    const { executor } = executorFor(upstream);
    const error = (await rejectionOf(executor.send(requests[method]!))) as TenantError;
    await executor.close();
    expect(upstream.requests).toHaveLength(1);
    expect(error).toMatchObject({ code: 'network', details: { attempts: 1, mayHaveReachedTenant: true } });
    expect(error.message).toMatch(/not resent.*check the tenant state/);
  });

  it('resends a POST whose connection was refused: no byte can have reached the tenant', async () => {
    const port = upstream.port;
    await upstream.close();
    const { executor } = executorFor(upstream, {
      sleep: async () => {
        // Bring the tenant back on the same port during the backoff.
        upstream = await startRecordingUpstream({ port });
      },
    });
    const response = await executor.send({ ...requests.POST!, label: 'create_user' });
    await executor.close();
    expect(response.attempts).toBe(2);
    expect(upstream.requests).toHaveLength(1);
  });

  it('reports refused connections as network errors that did not reach the tenant', async () => {
    const port = upstream.port;
    await upstream.close();
    const { executor } = executorFor(upstream);
    const error = (await rejectionOf(executor.send(requests.POST!))) as TenantError;
    await executor.close();
    expect(error).toMatchObject({ code: 'network', details: { attempts: 4, mayHaveReachedTenant: false } });
    expect(error.message).toContain(`http://127.0.0.1:${port}`);
    expect(error.message).toContain('ECONNREFUSED');
    upstream = await startRecordingUpstream({ port });
  });
});

describe('timeouts', () => {
  it('retries a GET that timed out', async () => {
    upstream.script({ stall: true }, { status: 200, body: { ok: 1 } });
    const { executor } = executorFor(upstream, { timeoutMs: 100 });
    const response = await executor.send(requests.GET!);
    await executor.close();
    expect(response).toMatchObject({ attempts: 2, body: { ok: 1 } });
  });

  it('times out a body that stops half way', async () => {
    upstream.script({
      status: 200,
      headers: { 'content-length': '100' },
      body: '{"users":[',
      unfinished: true,
    });
    const { executor } = executorFor(upstream, { timeoutMs: 100, maxRetries: 0 });
    const error = await rejectionOf(executor.send(requests.GET!));
    await executor.close();
    expect(error).toMatchObject({ code: 'timeout', details: { attempts: 1 } });
  });

  it.each(['POST', 'PATCH'])('never resends a %s that timed out and flags it', async (method) => {
    upstream.script({ stall: true }, { status: 200, body: {} });
    const { executor } = executorFor(upstream, { timeoutMs: 100 });
    const error = (await rejectionOf(executor.send(requests[method]!))) as TenantError;
    await executor.close();
    expect(upstream.requests).toHaveLength(1);
    expect(error).toMatchObject({ code: 'timeout', details: { attempts: 1, mayHaveReachedTenant: true } });
    expect(error.message).toContain('No answer from Auth0 within 0.1 s');
    expect(error.message).toMatch(/may have reached the tenant.*before trying again/);
  });
});

describe('cancellation', () => {
  it('aborts an attempt in flight', async () => {
    upstream.script({ stall: true });
    const { executor } = executorFor(upstream);
    const controller = new AbortController();
    const pending = executor.send({ ...requests.POST!, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const error = await rejectionOf(pending);
    await executor.close();
    expect(error).toMatchObject({ code: 'aborted', details: { mayHaveReachedTenant: true } });
  });

  it('aborts a retry wait', async () => {
    upstream.script(tooMany({ 'retry-after': '30' }));
    const controller = new AbortController();
    const { executor } = executorFor(upstream, {
      sleep: (_ms, signal) =>
        new Promise((resolve) => {
          signal?.addEventListener('abort', () => resolve());
          controller.abort();
        }),
    });
    const error = await rejectionOf(executor.send({ ...requests.GET!, signal: controller.signal }));
    await executor.close();
    expect(error).toMatchObject({ code: 'aborted', details: { attempts: 1 } });
    expect(upstream.requests).toHaveLength(1);
  });

  it('sends nothing when already aborted', async () => {
    const { executor } = executorFor(upstream);
    const error = await rejectionOf(executor.send({ ...requests.GET!, signal: AbortSignal.abort() }));
    await executor.close();
    expect(error).toMatchObject({ code: 'aborted' });
    expect(upstream.requests).toHaveLength(0);
  });
});
