// Pins the pure encoding rules (URLs, path segments, query, headers, bodies, retry delays) without a network.
import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  buildHeaders,
  buildPath,
  buildQuery,
  classifyNetworkError,
  encodeBody,
  excerpt,
  expiryMargin,
  missingScopes,
  resolveTenantUrls,
  retryDelayFromHeaders,
  TenantError,
} from '../../src/executor/index.js';
import { rejectionOf } from './fixtures.js';

describe('resolveTenantUrls', () => {
  it.each([
    ['acme.eu.auth0.com', undefined, 'https://acme.eu.auth0.com', 'https://acme.eu.auth0.com/api/v2/'],
    ['  ACME.us.auth0.com/ ', undefined, 'https://acme.us.auth0.com', 'https://acme.us.auth0.com/api/v2/'],
    ['http://127.0.0.1:4010/', undefined, 'http://127.0.0.1:4010', 'http://127.0.0.1:4010/api/v2/'],
    [
      'https://login.acme.com',
      'https://acme.eu.auth0.com/api/v2/',
      'https://login.acme.com',
      'https://acme.eu.auth0.com/api/v2/',
    ],
    [
      'http://localhost:4010/tenant-a/',
      undefined,
      'http://localhost:4010/tenant-a',
      'http://localhost:4010/tenant-a/api/v2/',
    ],
  ])('%s', (domain, audience, origin, expectedAudience) => {
    expect(resolveTenantUrls(domain, audience)).toEqual({
      origin,
      apiBase: `${origin}/api/v2`,
      tokenUrl: `${origin}/oauth/token`,
      audience: expectedAudience,
    });
  });

  it.each(['', 'acme.auth0.com/x?y', 'ftp://acme.auth0.com', 'https://u:p@acme.auth0.com', 'acme auth0.com'])(
    'refuses %j',
    (domain) => {
      expect(() => resolveTenantUrls(domain)).toThrow(TypeError);
    },
  );
});

describe('buildPath', () => {
  it.each([
    ['/users/{id}', { id: 'auth0|x/../../clients?x=1#' }, '/users/auth0%7Cx%2F..%2F..%2Fclients%3Fx%3D1%23'],
    ['/users/{id}/roles', { id: '..' }, '/users/%2E%2E/roles'],
    ['/users/{id}/roles', { id: '.' }, '/users/%2E/roles'],
    ['/users/{id}', { id: '...' }, '/users/...'],
    ['/users/{id}', { id: 'a b+c%20' }, '/users/a%20b%2Bc%2520'],
    ['/x/{n}/{b}', { n: 42, b: false }, '/x/42/false'],
    ['/users/{id}', { id: 'élan' }, '/users/%C3%A9lan'],
  ])('%s with %j', (template, params, expected) => {
    expect(buildPath(template, params)).toBe(expected);
  });

  it('throws a plain Error for a missing parameter (a bug in the caller, not the agent)', () => {
    expect(() => buildPath('/users/{id}', {})).toThrow(/"id" of \/users\/\{id\} has no value/);
    expect(() => buildPath('/users/{id}', {})).not.toThrow(TenantError);
  });

  it('refuses an empty value, which would address another operation', () => {
    expect(() => buildPath('/users/{id}', { id: '' })).toThrow(
      expect.objectContaining({ code: 'invalid_request' }),
    );
  });
});

describe('buildQuery', () => {
  it.each([
    [{}, ''],
    [{ a: undefined }, ''],
    [{ fields: ['email', 'name'], include_fields: true }, '?fields=email&fields=name&include_fields=true'],
    [{ page: 0, per_page: 50, flag: false }, '?page=0&per_page=50&flag=false'],
    [{ q: 'email:"a b"+x&y=z' }, '?q=email%3A%22a%20b%22%2Bx%26y%3Dz'],
    [{ 'we ird': 'é' }, '?we%20ird=%C3%A9'],
  ])('%j', (query, expected) => {
    expect(buildQuery(query)).toBe(expected);
  });

  it('refuses objects', () => {
    expect(() => buildQuery({ a: { b: 1 } as never })).toThrow(
      expect.objectContaining({ code: 'invalid_request' }),
    );
  });
});

describe('buildHeaders', () => {
  it('sets accept and user-agent and keeps caller headers', () => {
    expect(buildHeaders({ 'X-Custom': 'v' }, '1.2.3')).toEqual({
      accept: 'application/json',
      'user-agent': 'tenant-mcp/1.2.3',
      'x-custom': 'v',
    });
  });

  it.each(['Authorization', 'host', 'Content-Length', 'transfer-encoding', 'Proxy-Authorization'])(
    'refuses %s',
    (name) => {
      expect(() => buildHeaders({ [name]: 'x' })).toThrow(
        expect.objectContaining({ code: 'invalid_request' }),
      );
    },
  );

  it('refuses header injection', () => {
    expect(() => buildHeaders({ 'x-a': 'v\r\nauthorization: y' })).toThrow(TenantError);
  });
});

describe('encodeBody', () => {
  it('sends JSON by default', () => {
    expect(encodeBody('POST', { a: [1] })).toEqual({ body: '{"a":[1]}', contentType: 'application/json' });
  });

  it('sends nothing without a body', () => {
    expect(encodeBody('POST', undefined)).toEqual({ body: undefined, contentType: undefined });
  });

  it('encodes form fields like the query', () => {
    const encoded = encodeBody(
      'POST',
      { a: 'x y', b: [true, 2], c: undefined },
      'application/x-www-form-urlencoded',
    );
    expect(encoded.body).toBe('a=x%20y&b=true&b=2');
  });

  it('builds multipart from fields and files and leaves the boundary to undici', async () => {
    const encoded = encodeBody(
      'POST',
      {
        connection_id: 'con_1',
        upsert: true,
        users: { filename: 'u.json', content: '[]', contentType: 'application/json' },
      },
      'multipart/form-data',
    );
    expect(encoded.contentType).toBeUndefined();
    const form = encoded.body as FormData;
    expect(form.get('connection_id')).toBe('con_1');
    expect(form.get('upsert')).toBe('true');
    const file = form.get('users') as File;
    expect(file.name).toBe('u.json');
    expect(await file.text()).toBe('[]');
  });

  it.each([
    ['GET', { a: 1 }, undefined],
    ['POST', 'x', 'application/x-www-form-urlencoded'],
    ['POST', { a: 1 }, 'text/plain'],
    ['POST', { a: { deep: 1 } }, 'application/x-www-form-urlencoded'],
  ] as const)('refuses %s %j as %s', async (method, body, type) => {
    const error = await rejectionOf(Promise.resolve().then(() => encodeBody(method, body, type)));
    expect(error).toMatchObject({ code: 'invalid_request' });
  });
});

describe('retryDelayFromHeaders', () => {
  const now = Date.UTC(2030, 0, 1);
  it.each([
    [{ 'retry-after': '3' }, 3000],
    [{ 'retry-after': '0' }, 0],
    [{ 'retry-after': 'Tue, 01 Jan 2030 00:00:05 GMT' }, 5000],
    [{ 'retry-after': 'Mon, 31 Dec 2029 00:00:00 GMT' }, 0],
    [{ 'x-ratelimit-reset': String(now / 1000 + 7) }, 7000],
    [{ 'x-ratelimit-reset': '4' }, 4000],
    [{ 'retry-after': '2', 'x-ratelimit-reset': String(now / 1000 + 9) }, 2000],
    [{ 'retry-after': 'soon' }, undefined],
    [{}, undefined],
  ])('%j → %s ms', (headers, expected) => {
    expect(retryDelayFromHeaders(headers, now)).toBe(expected);
  });
});

describe('backoffDelay', () => {
  it('doubles, caps and jitters within [step/2, step]', () => {
    const policy = { baseBackoffMs: 500, maxBackoffMs: 3000 };
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, { ...policy, random: () => 0 }))).toEqual([
      250, 500, 1000, 1500,
    ]);
    expect(backoffDelay(0, { ...policy, random: () => 0.999_999 })).toBe(500);
  });
});

describe('words', () => {
  it('strips tags, scripts and entities from an excerpt and caps it', () => {
    const page = `<html><head><style>p{}</style><script>alert(1)</script></head><body><h1>502 Bad&nbsp;Gateway</h1>
      <p>cloudflare &amp; co</p></body></html>`;
    expect(excerpt(page)).toBe('502 Bad Gateway cloudflare & co');
    expect(excerpt('x'.repeat(500))).toHaveLength(200);
  });

  it('names the scopes of a 403', () => {
    expect(missingScopes('Insufficient scope, expected any of: read:users,read:user_idp_tokens')).toEqual([
      'read:users',
      'read:user_idp_tokens',
    ]);
    expect(missingScopes('Forbidden')).toEqual([]);
  });

  it('drops tokens 60 s early, or a tenth of a short life', () => {
    expect(expiryMargin(86_400_000)).toBe(60_000);
    expect(expiryMargin(300_000)).toBe(30_000);
  });
});

describe('classifyNetworkError', () => {
  const coded = (code: string) => Object.assign(new Error(code), { code });
  it.each([
    ['refused before connecting', coded('ECONNREFUSED'), { kind: 'network', sent: false, transient: true }],
    ['connect timeout', coded('UND_ERR_CONNECT_TIMEOUT'), { kind: 'network', sent: false, transient: true }],
    [
      'happy eyeballs, all refused',
      Object.assign(new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')]), {
        code: 'ECONNREFUSED',
      }),
      { kind: 'network', sent: false, transient: true },
    ],
    ['unknown host', coded('ENOTFOUND'), { kind: 'network', sent: false, transient: false }],
    ['bad certificate', coded('CERT_HAS_EXPIRED'), { kind: 'network', sent: false, transient: false }],
    ['reset', coded('ECONNRESET'), { kind: 'network', sent: true, transient: true }],
    ['socket closed', coded('UND_ERR_SOCKET'), { kind: 'network', sent: true, transient: true }],
    ['headers timeout', coded('UND_ERR_HEADERS_TIMEOUT'), { kind: 'timeout', sent: true, transient: true }],
    ['no code at all', new Error('?'), { kind: 'network', sent: true, transient: true }],
  ])('%s', (_name, error, expected) => {
    expect(classifyNetworkError(error)).toMatchObject(expected);
  });
});
