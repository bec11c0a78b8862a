// Pins what reaches the tenant on the wire: the raw URL, headers and bodies as a real server receives them.

import { Agent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TenantRequest } from '../../src/executor/index.js';
import { type RecordingUpstream, startRecordingUpstream } from '../helpers/recording-upstream.js';
import { executorFor, rejectionOf } from './fixtures.js';

let upstream: RecordingUpstream;
beforeEach(async () => {
  upstream = await startRecordingUpstream();
});
afterEach(async () => {
  await upstream.close();
});

describe('raw URL seen by the tenant', () => {
  it.each<[string, Partial<TenantRequest>, string]>([
    [
      'a hostile id stays one segment',
      { path: '/users/{id}', pathParams: { id: 'auth0|x/../../clients?x=1#' } },
      '/api/v2/users/auth0%7Cx%2F..%2F..%2Fclients%3Fx%3D1%23',
    ],
    [
      'a ".." id is not collapsed',
      { path: '/users/{id}/roles', pathParams: { id: '..' } },
      '/api/v2/users/%2E%2E/roles',
    ],
    [
      'a "." id is not collapsed',
      { path: '/users/{id}/roles', pathParams: { id: '.' } },
      '/api/v2/users/%2E/roles',
    ],
    [
      'query arrays repeat and booleans are words',
      {
        path: '/users',
        query: { fields: ['email', 'user_id'], include_fields: true, page: 2, q: undefined },
      },
      '/api/v2/users?fields=email&fields=user_id&include_fields=true&page=2',
    ],
    [
      'query values are percent-encoded',
      { path: '/users', query: { q: 'email:"a+b@x.com" AND name:é' } },
      '/api/v2/users?q=email%3A%22a%2Bb%40x.com%22%20AND%20name%3A%C3%A9',
    ],
  ])('%s', async (_name, request, expected) => {
    const { executor } = executorFor(upstream);
    await executor.send({ method: 'GET', path: '/', ...request });
    await executor.close();
    expect(upstream.requests.map((r) => r.url)).toEqual([expected]);
  });

  it('puts a scheme-less domain behind https and the API base under /api/v2', async () => {
    const { executor } = executorFor(upstream, { domain: 'acme.eu.auth0.com' });
    expect(executor.baseUrl).toBe('https://acme.eu.auth0.com/api/v2');
    await executor.close();
  });
});

describe('headers', () => {
  it('sends the static token as a bearer, accept and the versioned user-agent', async () => {
    const { executor } = executorFor(upstream);
    await executor.send({ method: 'GET', path: '/users', headers: { 'x-trace': 't1' } });
    await executor.close();
    expect(upstream.requests[0]?.headers).toMatchObject({
      authorization: 'Bearer static-token-123',
      accept: 'application/json',
      'user-agent': 'tenant-mcp/9.9.9',
      'x-trace': 't1',
    });
  });

  it.each(['authorization', 'Authorization', 'host'])(
    'refuses a caller %s header and sends nothing',
    async (name) => {
      const { executor } = executorFor(upstream);
      const error = await rejectionOf(
        executor.send({ method: 'GET', path: '/users', headers: { [name]: 'Bearer evil' } }),
      );
      await executor.close();
      expect(error).toMatchObject({ code: 'invalid_request' });
      expect(upstream.requests).toHaveLength(0);
    },
  );
});

describe('bodies', () => {
  it('sends JSON by default', async () => {
    const { executor } = executorFor(upstream);
    await executor.send({ method: 'POST', path: '/roles', body: { name: 'admin', description: 'é' } });
    await executor.close();
    const seen = upstream.requests[0];
    expect(seen?.headers['content-type']).toBe('application/json');
    expect(seen?.json()).toEqual({ name: 'admin', description: 'é' });
  });

  it('sends a form body when asked', async () => {
    const { executor } = executorFor(upstream);
    await executor.send({
      method: 'POST',
      path: '/x',
      body: { a: 'x y', b: ['1', '2'] },
      contentType: 'application/x-www-form-urlencoded',
    });
    await executor.close();
    expect(upstream.requests[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(upstream.requests[0]?.body).toBe('a=x%20y&b=1&b=2');
  });

  it('sends multipart with a boundary, fields and a file', async () => {
    const { executor } = executorFor(upstream);
    await executor.send({
      method: 'POST',
      path: '/jobs/users-imports',
      contentType: 'multipart/form-data',
      body: { connection_id: 'con_1', users: { filename: 'users.json', content: '[{"email":"a@x"}]' } },
    });
    await executor.close();
    const seen = upstream.requests[0];
    expect(seen?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(seen?.body).toContain('name="connection_id"');
    expect(seen?.body).toContain('filename="users.json"');
    expect(seen?.body).toContain('[{"email":"a@x"}]');
  });

  it('sends a DELETE body (Auth0 takes role ids that way)', async () => {
    const { executor } = executorFor(upstream);
    await executor.send({
      method: 'DELETE',
      path: '/users/{id}/roles',
      pathParams: { id: 'u1' },
      body: { roles: ['r'] },
    });
    await executor.close();
    expect(upstream.requests[0]?.json()).toEqual({ roles: ['r'] });
  });
});

describe('connections', () => {
  it('reuses one keep-alive connection and releases it on close', async () => {
    const { executor } = executorFor(upstream);
    for (let i = 0; i < 6; i++) await executor.send({ method: 'GET', path: `/n${i}` });
    await executor.close();
    // undici may spread sequential calls over two sockets, but not open one per call.
    const ports = new Set(upstream.requests.map((r) => r.remotePort));
    expect(ports.size).toBeLessThanOrEqual(2);
    await expect(executor.send({ method: 'GET', path: '/after-close' })).rejects.toThrow(
      'The executor is closed.',
    );
    expect(upstream.requests).toHaveLength(6);
  });

  it('leaves an injected dispatcher open', async () => {
    const dispatcher = new Agent();
    const { executor } = executorFor(upstream, { dispatcher });
    await executor.send({ method: 'GET', path: '/a' });
    await executor.close();
    const again = executorFor(upstream, { dispatcher }).executor;
    await again.send({ method: 'GET', path: '/b' });
    await dispatcher.close();
    expect(upstream.requests).toHaveLength(2);
  });
});
