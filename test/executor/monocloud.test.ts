// Pins the executor under MonoCloud's options (issue 6): the X-API-KEY header, /api, problem+json words.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createExecutor,
  explainErrors,
  MONOCLOUD_PROVIDER,
  type Pagination,
  readPagination,
  resolveTenantUrls,
  statusHint,
  TenantError,
  type TenantErrorDetails,
  type TenantRequest,
} from '../../src/executor/index.js';
import {
  problemReply,
  type RecordingUpstream,
  type ReplyHandler,
  type ScriptedReply,
  startRecordingUpstream,
} from '../helpers/recording-upstream.js';
import { executorFor, MONOCLOUD_KEY, monoCloudExecutorFor, rejectionOf } from './fixtures.js';

let upstream: RecordingUpstream;
beforeEach(async () => {
  upstream = await startRecordingUpstream({ tokenEndpoint: false, apiKey: { key: MONOCLOUD_KEY } });
});
afterEach(async () => {
  await upstream.close();
});

const TRACE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00';
const getUser: TenantRequest = { method: 'GET', path: '/users/{user_id}', pathParams: { user_id: 'u1' } };
const createUser: TenantRequest = { method: 'POST', path: '/users', body: { email: 'a@x' } };

describe('wire', () => {
  it('sends the key in x-api-key, never an authorization header, under /api', async () => {
    const { executor } = monoCloudExecutorFor(upstream);
    const response = await executor.send({ ...createUser, headers: { 'x-trace': 't1' } });
    await executor.close();
    expect(response.status).toBe(200);
    const seen = upstream.requests[0];
    expect(seen?.url).toBe('/api/users');
    expect(seen?.headers).toMatchObject({
      'x-api-key': MONOCLOUD_KEY,
      accept: 'application/json',
      'content-type': 'application/json',
      'user-agent': 'tenant-mcp/9.9.9',
      'x-trace': 't1',
    });
    expect(seen?.headers.authorization).toBeUndefined();
    expect(upstream.tokenRequests).toHaveLength(0);
  });

  it.each<[string, Partial<TenantRequest>, string]>([
    [
      'a hostile id stays one segment',
      { path: '/users/{user_id}', pathParams: { user_id: 'x/../../applications?y=1#' } },
      '/api/users/x%2F..%2F..%2Fapplications%3Fy%3D1%23',
    ],
    [
      'a ".." id is not collapsed',
      { path: '/users/{user_id}/emails/{identifier_id}', pathParams: { user_id: '..', identifier_id: '.' } },
      '/api/users/%2E%2E/emails/%2E',
    ],
    [
      'page, size, filter and sort are encoded like any query',
      { path: '/users', query: { page: 2, size: 50, filter: 'email:"a+b@x.com"', sort: 'creation_time:-1' } },
      '/api/users?page=2&size=50&filter=email%3A%22a%2Bb%40x.com%22&sort=creation_time%3A-1',
    ],
  ])('%s', async (_name, request, expected) => {
    const { executor } = monoCloudExecutorFor(upstream);
    await executor.send({ method: 'GET', path: '/', ...request });
    await executor.close();
    expect(upstream.requests.map((r) => r.url)).toEqual([expected]);
  });

  it.each([
    ['acme.monocloud.com', 'https://acme.monocloud.com/api'],
    ['https://acme.monocloud.com/', 'https://acme.monocloud.com/api'],
    ['http://127.0.0.1:4010', 'http://127.0.0.1:4010/api'],
  ])('puts %s under /api', async (domain, base) => {
    const { executor } = monoCloudExecutorFor(upstream, { domain });
    expect(executor.baseUrl).toBe(base);
    await executor.close();
  });

  it('sends the key in a configured header', async () => {
    await upstream.close();
    upstream = await startRecordingUpstream({
      tokenEndpoint: false,
      apiKey: { key: MONOCLOUD_KEY, header: 'X-Tenant-Key' },
    });
    const { executor } = monoCloudExecutorFor(upstream, {
      auth: { kind: 'api_key', apiKey: MONOCLOUD_KEY, header: 'X-Tenant-Key' },
    });
    await executor.send({ method: 'GET', path: '/users' });
    await executor.close();
    expect(upstream.requests[0]?.headers['x-tenant-key']).toBe(MONOCLOUD_KEY);
    expect(upstream.requests[0]?.headers['x-api-key']).toBeUndefined();
  });

  it.each(['x-api-key', 'X-API-KEY', 'authorization', 'Authorization', 'host'])(
    'refuses a caller %s header and sends nothing',
    async (name) => {
      const { executor } = monoCloudExecutorFor(upstream);
      const error = await rejectionOf(
        executor.send({ method: 'GET', path: '/users', headers: { [name]: 'other-key-value' } }),
      );
      await executor.close();
      expect(error).toMatchObject({ code: 'invalid_request' });
      expect(upstream.requests).toHaveLength(0);
    },
  );

  it.each([
    ['authorization as the key header', { header: 'Authorization' }],
    ['host as the key header', { header: 'host' }],
    ['content-type as the key header', { header: 'content-type' }],
    ['a header name with a space', { header: 'x api key' }],
    ['an empty key', { apiKey: '' }],
    ['a key with a line break', { apiKey: 'abc\r\nx-evil: 1' }],
  ])('refuses %s at creation', (_name, change) => {
    expect(() =>
      createExecutor({
        domain: upstream.url,
        provider: MONOCLOUD_PROVIDER,
        auth: { kind: 'api_key', apiKey: MONOCLOUD_KEY, ...change },
      }),
    ).toThrow(TypeError);
  });

  it('has no token to read scopes from', async () => {
    const { executor } = monoCloudExecutorFor(upstream);
    expect(await executor.grantedScopes?.()).toBeUndefined();
    await executor.close();
    expect(upstream.requests).toHaveLength(0);
  });

  it('keeps success headers so x-pagination can be read', async () => {
    const paging = '{"total_count":120,"page_size":50,"current_page":2,"has_next":true,"has_previous":true}';
    upstream.script({ status: 200, headers: { 'X-Pagination': paging }, body: [{ user_id: 'u51' }] });
    const { executor } = monoCloudExecutorFor(upstream);
    const response = await executor.send({ method: 'GET', path: '/users', query: { page: 2, size: 50 } });
    await executor.close();
    expect(response.body).toEqual([{ user_id: 'u51' }]);
    expect(response.headers['x-pagination']).toBe(paging);
    expect(readPagination(response.headers)).toEqual({
      totalCount: 120,
      pageSize: 50,
      currentPage: 2,
      hasNext: true,
      hasPrevious: true,
    });
  });

  it('reads a 204 from a delete as no body', async () => {
    upstream.script({ status: 204 });
    const { executor } = monoCloudExecutorFor(upstream);
    const response = await executor.send({ method: 'DELETE', path: '/users/{id}', pathParams: { id: 'u1' } });
    await executor.close();
    expect(response).toMatchObject({ status: 204, body: undefined });
  });
});

describe('problem+json errors', () => {
  // Words are the whole message, or `part(...)` of it.
  const part = (words: string): unknown => expect.stringContaining(words);
  const cases: Array<[string, TenantRequest, ScriptedReply, unknown, Partial<TenantErrorDetails>]> = [
    [
      '404 with detail and traceId',
      getUser,
      problemReply(404, {
        type: 'https://httpstatuses.io/404',
        title: 'Not Found',
        detail: 'User not found',
        instance: '/api/users/u1',
        traceId: TRACE,
      }),
      `MonoCloud answered 404 Not Found for GET /users/{user_id}: User not found. Request id: ${TRACE}. Check the id or path values (list or search for the resource first) and call again.`,
      { status: 404, requestId: TRACE, upstreamMessage: 'User not found.' },
    ],
    [
      '409',
      createUser,
      problemReply(409, { title: 'Conflict', detail: 'A user with this email already exists.' }),
      'MonoCloud answered 409 Conflict for POST /users: A user with this email already exists. It conflicts with the current state (it may already exist); read the current state and adapt.',
      { status: 409, mayHaveReachedTenant: false },
    ],
    [
      '422 in the field form',
      createUser,
      problemReply(422, {
        type: 'https://httpstatuses.io/422#validation-error',
        title: 'One or more validation errors occurred.',
        traceId: 't-422',
        errors: { email: ['must be a valid email address'], username: ['already taken'] },
      }),
      'MonoCloud answered 422 Unprocessable Entity for POST /users: One or more validation errors occurred. email: must be a valid email address; username: already taken. Request id: t-422. Fix the values named above and call again (a value already in use needs another value, or the existing resource).',
      {
        status: 422,
        requestId: 't-422',
        upstreamMessage:
          'One or more validation errors occurred. email: must be a valid email address; username: already taken.',
        upstreamErrors: [
          { field: 'email', message: 'must be a valid email address' },
          { field: 'username', message: 'already taken' },
        ],
      },
    ],
    [
      '422 in the code form',
      createUser,
      problemReply(422, {
        type: 'https://httpstatuses.io/422#identity-validation-error',
        title: 'Identity validation failed.',
        errors: [{ code: 'IDENTIFIER_EXISTS', description: 'the email is already in use' }],
      }),
      part(
        'MonoCloud answered 422 Unprocessable Entity for POST /users: Identity validation failed. IDENTIFIER_EXISTS: the email is already in use. Fix the values named above',
      ),
      {
        status: 422,
        upstreamCode: 'IDENTIFIER_EXISTS',
        upstreamErrors: [{ code: 'IDENTIFIER_EXISTS', message: 'the email is already in use' }],
      },
    ],
    [
      '402 (plan limit)',
      createUser,
      problemReply(402, { title: 'Payment Required', detail: 'The plan allows 1000 users.' }),
      'MonoCloud answered 402 Payment Required for POST /users: The plan allows 1000 users. Your MonoCloud plan does not include this feature, or its limit is reached; do not retry: a person must change the plan.',
      { status: 402 },
    ],
    [
      '401 with an API key',
      getUser,
      problemReply(401, { title: 'Unauthorized' }),
      'MonoCloud answered 401 Unauthorized for GET /users/{user_id}: Unauthorized. The API key was refused: it may be wrong, revoked, or belong to another tenant. Check the credentials.',
      { status: 401 },
    ],
    [
      '403 without scope names',
      getUser,
      problemReply(403, { title: 'Forbidden', detail: 'Access denied.' }),
      'MonoCloud answered 403 Forbidden for GET /users/{user_id}: Access denied. The credentials are not allowed to do this (a missing scope or a tenant restriction); do not retry as is.',
      { status: 403 },
    ],
    [
      '400 with field errors',
      createUser,
      problemReply(400, { title: 'Bad Request', errors: { '': ['A non-empty request body is required.'] } }),
      'MonoCloud answered 400 Bad Request for POST /users: Bad Request. A non-empty request body is required. Fix the arguments MonoCloud names above and call again.',
      { status: 400, upstreamErrors: [{ field: '', message: 'A non-empty request body is required.' }] },
    ],
    [
      'a problem sent as plain JSON',
      getUser,
      { status: 404, body: { status: 404, title: 'Not Found', traceId: 't-plain' } },
      part(
        'MonoCloud answered 404 Not Found for GET /users/{user_id}: Not Found. Request id: t-plain. Check the id',
      ),
      { status: 404, requestId: 't-plain' },
    ],
    [
      'an announced problem that says nothing',
      getUser,
      problemReply(404),
      part('MonoCloud answered 404 Not Found for GET /users/{user_id}. Check the id'),
      { status: 404 },
    ],
    [
      'a traceId ahead of a request-id header',
      getUser,
      problemReply(404, { title: 'Not Found', traceId: 't-body' }, { 'x-request-id': 'h-1' }),
      part('Request id: t-body.'),
      { requestId: 't-body' },
    ],
    [
      '500 for a POST, not resent',
      createUser,
      problemReply(500, { title: 'An error occurred while processing your request.', traceId: 't-500' }),
      'MonoCloud answered 500 Internal Server Error for POST /users: An error occurred while processing your request. Request id: t-500. MonoCloud failed on its side. The request was not resent because it may have been applied: check the tenant state before trying again.',
      { status: 500, mayHaveReachedTenant: true },
    ],
  ];

  it.each(cases)('explains %s', async (_name, request, reply, words, details) => {
    upstream.script(reply);
    const { executor } = monoCloudExecutorFor(upstream);
    const error = (await rejectionOf(executor.send({ ...request, label: 'op' }))) as TenantError;
    await executor.close();
    expect(error).toBeInstanceOf(TenantError);
    expect(error.code).toBe('upstream_error');
    expect(error.message).toEqual(words);
    expect(error.details).toMatchObject({ attempts: 1, label: 'op', ...details });
    expect(upstream.requests).toHaveLength(1);
  });

  it('lists ten validation errors and counts the rest', () => {
    const items = Array.from({ length: 12 }, (_, i) => ({ field: `f${i}`, message: `bad ${i}.` }));
    expect(explainErrors(items)).toBe(
      'f0: bad 0; f1: bad 1; f2: bad 2; f3: bad 3; f4: bad 4; f5: bad 5; f6: bad 6; f7: bad 7; f8: bad 8; f9: bad 9; and 2 more',
    );
  });

  it('names each message of a field with several', async () => {
    upstream.script(problemReply(422, { errors: { password: ['is too short', 'needs a digit'] } }));
    const { executor } = monoCloudExecutorFor(upstream);
    const error = (await rejectionOf(executor.send(createUser))) as TenantError;
    await executor.close();
    expect(error.message).toContain(': password: is too short; password: needs a digit. Fix the values');
  });

  it('parses problem+json with Auth0 options too, in Auth0 words', async () => {
    upstream.script(problemReply(409, { title: 'Conflict', detail: 'Exists.' }));
    const { executor } = executorFor(upstream, {
      auth: { kind: 'api_key', apiKey: MONOCLOUD_KEY },
    });
    const error = (await rejectionOf(executor.send(createUser))) as TenantError;
    await executor.close();
    expect(upstream.requests[0]?.url).toBe('/api/v2/users');
    expect(error.message).toMatch(/^Auth0 answered 409 Conflict for POST \/users: Exists\. It conflicts/);
  });
});

describe('rate limits and failures', () => {
  const tooMany = (headers: Record<string, string>) =>
    problemReply(429, { title: 'Too Many Requests', traceId: 't-429' }, headers);
  const nowS = Date.UTC(2030, 0, 1) / 1000;

  it.each([
    ['Retry-After', { 'retry-after': '2' }, 2000],
    ['X-RateLimit-Reset', { 'x-ratelimit-reset': String(nowS + 4) }, 4000],
    ['no hint', {}, 250],
  ])('waits as told by %s after a 429, then succeeds, for a POST too', async (_name, headers, wait) => {
    upstream.script(tooMany(headers), { status: 201, body: { user_id: 'u1' } });
    const { executor, clock } = monoCloudExecutorFor(upstream);
    const response = await executor.send(createUser);
    await executor.close();
    expect(response).toMatchObject({ status: 201, attempts: 2, body: { user_id: 'u1' } });
    expect(clock.waits).toEqual([wait]);
    expect(upstream.requests).toHaveLength(2);
  });

  it('ends in rate_limited with MonoCloud words and the traceId', async () => {
    upstream.setFallback(tooMany({ 'retry-after': '1' }));
    const { executor } = monoCloudExecutorFor(upstream);
    const error = (await rejectionOf(executor.send(getUser))) as TenantError;
    await executor.close();
    expect(error).toMatchObject({
      code: 'rate_limited',
      details: { status: 429, attempts: 4, requestId: 't-429', retryAfterMs: 1000 },
    });
    expect(error.message).toMatch(
      /^MonoCloud answered 429 Too Many Requests for GET \/users\/\{user_id\}: Too Many Requests\. The tenant is rate limited/,
    );
    expect(error.message).toContain('Request id: t-429.');
  });

  it('retries a 503 for a GET but not a 500', async () => {
    upstream.script(problemReply(503, { title: 'Unavailable' }), { status: 200, body: { user_id: 'u1' } });
    const { executor } = monoCloudExecutorFor(upstream);
    expect((await executor.send(getUser)).attempts).toBe(2);
    upstream.script(problemReply(500, { title: 'Oops' }));
    const error = await rejectionOf(executor.send(getUser));
    await executor.close();
    expect(error).toMatchObject({ code: 'upstream_error', details: { status: 500, attempts: 1 } });
    expect((error as Error).message).toContain('MonoCloud failed on its side; try again later.');
  });

  it('words a timeout with the provider name', async () => {
    upstream.script({ stall: true });
    const { executor } = monoCloudExecutorFor(upstream, { timeoutMs: 100 });
    const error = (await rejectionOf(executor.send(createUser))) as TenantError;
    await executor.close();
    expect(error.code).toBe('timeout');
    expect(error.message).toContain('No answer from MonoCloud within 0.1 s for POST /users');
  });

  it('words a refused connection with the provider name', async () => {
    const gone = await startRecordingUpstream();
    await gone.close();
    const { executor } = monoCloudExecutorFor(gone, { maxRetries: 0 });
    const error = (await rejectionOf(executor.send(getUser))) as TenantError;
    await executor.close();
    expect(error.code).toBe('network');
    expect(error.message).toContain(`Could not connect to MonoCloud at ${gone.url}`);
  });

  it('words a malformed success body with the provider name', async () => {
    upstream.script({ status: 200, headers: { 'content-type': 'application/json' }, body: '[{"user_id":' });
    const { executor } = monoCloudExecutorFor(upstream);
    const error = (await rejectionOf(executor.send({ method: 'GET', path: '/users' }))) as TenantError;
    await executor.close();
    expect(error.message).toBe(
      'MonoCloud answered 200 OK for GET /users with malformed JSON: "[{"user_id":".',
    );
  });
});

describe('the API key never reaches an agent', () => {
  const echo =
    (status: number, form: 'fields' | 'codes' | 'text'): ReplyHandler =>
    (request) => {
      const key = String(request.headers['x-api-key']);
      if (form === 'text')
        return { status, headers: { 'content-type': 'text/plain' }, body: `denied ${key}` };
      return problemReply(
        status,
        {
          title: `Refused ${key}`,
          // Long enough that the excerpt is cut in the middle of the key.
          detail: `${'x'.repeat(490)} ${key} ${key}`,
          traceId: key,
          errors:
            form === 'fields'
              ? { [`header ${key}`]: [`unknown key ${key}`] }
              : [{ code: `BAD_${key}`, description: `unknown key ${key}` }],
        },
        { 'x-request-id': key },
      );
    };

  it.each([
    [400, 'fields'],
    [401, 'fields'],
    [402, 'codes'],
    [403, 'text'],
    [404, 'fields'],
    [409, 'codes'],
    [422, 'fields'],
    [422, 'codes'],
    [429, 'fields'],
    [500, 'text'],
  ] as const)('in a %i answer (%s)', async (status, form) => {
    upstream.setFallback(echo(status, form));
    const { executor } = monoCloudExecutorFor(upstream, { maxRetries: 0 });
    const error = (await rejectionOf(executor.send(createUser))) as TenantError;
    await executor.close();
    expect(error).toBeInstanceOf(TenantError);
    const seen = `${error.message} ${JSON.stringify(error.details)} ${error.stack}`;
    expect(seen).toContain('[redacted]');
    // No fragment of the key either: an excerpt cut inside it must not leave its first characters.
    expect(seen).not.toContain(MONOCLOUD_KEY.slice(0, 8));
  });
});

describe('pure helpers', () => {
  it.each<[string, Record<string, string> | undefined, Pagination | undefined]>([
    [
      'a full header',
      {
        'x-pagination':
          '{"total_count":3,"page_size":10,"current_page":1,"has_next":false,"has_previous":false}',
      },
      { totalCount: 3, pageSize: 10, currentPage: 1, hasNext: false, hasPrevious: false },
    ],
    [
      'numbers and flags as strings',
      { 'x-pagination': '{"total_count":"3","page_size":"10","has_next":"true"}' },
      { totalCount: 3, pageSize: 10, hasNext: true },
    ],
    ['a name in another case', { 'X-Pagination': '{"current_page":4}' }, { currentPage: 4 }],
    [
      'wrong types dropped field by field',
      {
        'x-pagination':
          '{"total_count":-1,"page_size":1.5,"current_page":null,"has_next":1,"has_previous":true}',
      },
      { hasPrevious: true },
    ],
    ['malformed JSON', { 'x-pagination': '{"total_count":3,' }, undefined],
    ['an array', { 'x-pagination': '[1,2]' }, undefined],
    ['a bare number', { 'x-pagination': '42' }, undefined],
    ['JSON null', { 'x-pagination': 'null' }, undefined],
    ['no known field', { 'x-pagination': '{"next":"/users?page=2"}' }, undefined],
    ['an empty value', { 'x-pagination': ' ' }, undefined],
    ['an oversized value', { 'x-pagination': `{"total_count":1,"pad":"${'x'.repeat(5000)}"}` }, undefined],
    ['no header', { 'content-type': 'application/json' }, undefined],
    ['no headers at all', undefined, undefined],
  ])('readPagination: %s', (_name, headers, expected) => {
    expect(readPagination(headers)).toEqual(expected);
  });

  it('resolveTenantUrls takes the API path as a third argument and keeps Auth0 as the default', () => {
    expect(resolveTenantUrls('acme.monocloud.com', undefined, '/api')).toEqual({
      origin: 'https://acme.monocloud.com',
      apiBase: 'https://acme.monocloud.com/api',
      tokenUrl: 'https://acme.monocloud.com/oauth/token',
      audience: 'https://acme.monocloud.com/api/',
    });
    expect(resolveTenantUrls('acme.monocloud.com', undefined, 'api/').apiBase).toBe(
      'https://acme.monocloud.com/api',
    );
    expect(resolveTenantUrls('http://127.0.0.1:1', undefined, '/').apiBase).toBe('http://127.0.0.1:1');
    expect(resolveTenantUrls('acme.eu.auth0.com').apiBase).toBe('https://acme.eu.auth0.com/api/v2');
    for (const bad of ['/api?x=1', '/api/../v2', '/a pi', '/api#x']) {
      expect(() => resolveTenantUrls('acme.monocloud.com', undefined, bad)).toThrow(TypeError);
    }
  });

  it.each([
    [400, {}, 'Fix the arguments Auth0 names above and call again.'],
    [400, { provider: 'MonoCloud' }, 'Fix the arguments MonoCloud names above and call again.'],
    [401, { credential: 'api_key' as const }, 'The API key was refused'],
    [401, {}, 'The Management API token was refused'],
    [402, { provider: 'MonoCloud' }, 'Your MonoCloud plan does not include this feature'],
    [429, { provider: 'MonoCloud' }, 'MonoCloud is rate limiting this tenant; wait before trying again.'],
    [418, { provider: 'MonoCloud' }, 'MonoCloud refused the request; adjust it as the message says.'],
  ])('statusHint(%i, %j)', (status, wording, words) => {
    expect(statusHint(status, 'GET', undefined, wording)).toContain(words);
  });
});
