// Pins how answers are read and how failures are worded, since agents act on these words.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TenantError } from '../../src/executor/index.js';
import {
  type RecordingUpstream,
  type ScriptedReply,
  startRecordingUpstream,
} from '../helpers/recording-upstream.js';
import { executorFor, rejectionOf } from './fixtures.js';

let upstream: RecordingUpstream;
beforeEach(async () => {
  upstream = await startRecordingUpstream();
});
afterEach(async () => {
  await upstream.close();
});

describe('2xx', () => {
  it.each([
    ['JSON', { status: 200, body: { user_id: 'u1' } }, { user_id: 'u1' }],
    [
      'problem+json',
      { status: 200, headers: { 'content-type': 'application/problem+json' }, body: '[1]' },
      [1],
    ],
    ['204', { status: 204 }, undefined],
    [
      'empty 200 announced as JSON',
      { status: 200, headers: { 'content-type': 'application/json' }, body: '' },
      undefined,
    ],
    ['text', { status: 200, headers: { 'content-type': 'text/csv' }, body: 'a,b' }, 'a,b'],
  ] as Array<[string, ScriptedReply, unknown]>)('reads %s', async (_name, reply, expected) => {
    upstream.script({ ...reply, headers: { 'x-request-id': 'req-1', ...reply.headers } });
    const { executor } = executorFor(upstream);
    const response = await executor.send({ method: 'GET', path: '/users' });
    await executor.close();
    expect(response).toMatchObject({ status: reply.status, requestId: 'req-1', attempts: 1, durationMs: 0 });
    expect(response.body).toEqual(expected);
    expect(response.headers['x-request-id']).toBe('req-1');
  });

  it('returns no body for HEAD', async () => {
    const { executor } = executorFor(upstream);
    const response = await executor.send({ method: 'HEAD', path: '/users' });
    await executor.close();
    expect(response.body).toBeUndefined();
  });

  it('reports malformed JSON as bad_response with the status and an excerpt', async () => {
    upstream.script({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"users": [tru' });
    const { executor } = executorFor(upstream);
    const error = (await rejectionOf(executor.send({ method: 'GET', path: '/users' }))) as TenantError;
    await executor.close();
    expect(error).toBeInstanceOf(TenantError);
    expect(error.code).toBe('bad_response');
    expect(error.message).toBe('Auth0 answered 200 OK for GET /users with malformed JSON: "{"users": [tru".');
  });

  it('says a POST with a malformed answer was probably applied', async () => {
    upstream.script({ status: 201, headers: { 'content-type': 'application/json' }, body: 'nope' });
    const { executor } = executorFor(upstream);
    const error = (await rejectionOf(
      executor.send({ method: 'POST', path: '/users', body: {} }),
    )) as TenantError;
    await executor.close();
    expect(error.details.mayHaveReachedTenant).toBe(true);
    expect(error.message).toContain('probably applied');
  });

  it.each([
    ['declared', { 'content-length': '2048' }],
    ['chunked', {}],
  ])('refuses a body over the cap (%s length)', async (_name, headers) => {
    upstream.script({
      status: 200,
      headers: { 'content-type': 'application/json', ...headers },
      body: `"${'x'.repeat(2046)}"`,
    });
    const { executor } = executorFor(upstream, { maxResponseBytes: 1024 });
    const error = (await rejectionOf(executor.send({ method: 'GET', path: '/logs' }))) as TenantError;
    await executor.close();
    expect(error.code).toBe('bad_response');
    expect(error.message).toContain('larger than the executor reads');
  });
});

describe('errors', () => {
  it.each([
    [
      'an Auth0 JSON error',
      {
        status: 404,
        headers: { 'x-request-id': 'abc' },
        body: {
          statusCode: 404,
          error: 'Not Found',
          message: 'The user does not exist.',
          errorCode: 'inexistent_user',
        },
      },
      'Auth0 answered 404 Not Found for GET /users/{id} (inexistent_user): The user does not exist. Request id: abc. Check the id',
      {
        status: 404,
        upstreamCode: 'inexistent_user',
        upstreamMessage: 'The user does not exist.',
        requestId: 'abc',
      },
    ],
    [
      'a 403 naming the missing scope',
      {
        status: 403,
        body: {
          statusCode: 403,
          error: 'Forbidden',
          message: 'Insufficient scope, expected any of: read:users',
          errorCode: 'insufficient_scope',
        },
      },
      'The token lacks the scope read:users',
      { status: 403, upstreamCode: 'insufficient_scope' },
    ],
    [
      'a 400 without errorCode',
      {
        status: 400,
        body: { statusCode: 400, error: 'Bad Request', message: 'Payload validation error: x' },
      },
      'Auth0 answered 400 Bad Request for GET /users/{id}: Payload validation error: x. Fix the arguments',
      { status: 400, upstreamMessage: 'Payload validation error: x' },
    ],
    [
      'an HTML page',
      {
        status: 403,
        headers: { 'content-type': 'text/html', 'cf-ray': 'ray-9' },
        body: `<html><head><title>Attention</title><script>var x=1</script></head><body><h1>Access denied</h1><p>${'blocked '.repeat(60)}</p></body></html>`,
      },
      'Auth0 answered 403 Forbidden for GET /users/{id}: "Attention Access denied blocked',
      { status: 403, requestId: 'ray-9' },
    ],
    [
      'an empty body',
      { status: 500 },
      'Auth0 answered 500 Internal Server Error for GET /users/{id} with an empty body. Auth0 failed on its side; try again later.',
      { status: 500 },
    ],
    [
      'a 409',
      {
        status: 409,
        body: {
          statusCode: 409,
          error: 'Conflict',
          message: 'The user already exists.',
          errorCode: 'auth0_idp_error',
        },
      },
      'read the current state and adapt',
      { status: 409, upstreamCode: 'auth0_idp_error' },
    ],
  ])('shapes %s', async (_name, reply, words, details) => {
    upstream.script(reply);
    const { executor } = executorFor(upstream);
    const error = (await rejectionOf(
      executor.send({ method: 'GET', path: '/users/{id}', pathParams: { id: 'u1' }, label: 'get_user' }),
    )) as TenantError;
    await executor.close();
    expect(error).toBeInstanceOf(TenantError);
    expect(error.code).toBe('upstream_error');
    expect(error.message).toContain(words);
    expect(error.details).toMatchObject({ ...details, attempts: 1, label: 'get_user' });
  });

  it('caps an HTML excerpt', async () => {
    upstream.script({
      status: 502,
      headers: { 'content-type': 'text/html' },
      body: `<p>${'word '.repeat(200)}</p>`,
    });
    const { executor } = executorFor(upstream, { maxRetries: 0 });
    const error = (await rejectionOf(executor.send({ method: 'GET', path: '/users' }))) as TenantError;
    await executor.close();
    const quoted = error.message.match(/: "([^"]*)"/)?.[1] ?? '';
    expect(quoted.length).toBeLessThanOrEqual(200);
    expect(quoted.endsWith('…')).toBe(true);
    expect(error.message).not.toContain('<');
  });

  it('keeps Auth0 errors typed and stable', async () => {
    upstream.script({ status: 404, body: { statusCode: 404, error: 'Not Found', message: 'x' } });
    const { executor } = executorFor(upstream);
    const error = await rejectionOf(executor.send({ method: 'GET', path: '/x' }));
    await executor.close();
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'TenantError', code: 'upstream_error' });
  });
});
