// Drives the built CLI over stdio against a local recording upstream, to pin what actually goes over the
// wire: encoding, token reuse, retry rules, and that refused input sends nothing.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Connected, connectCli, tenantData } from '../helpers/mcp-client.js';
import { type RecordingUpstream, startRecordingUpstream } from '../helpers/recording-upstream.js';

let upstream: RecordingUpstream;
let admin: Connected;
let readOnly: Connected;

beforeAll(async () => {
  upstream = await startRecordingUpstream({
    tokenEndpoint: { clientId: 'cid', clientSecret: 'csecret-canary-5150' },
  });
  const env = {
    AUTH0_DOMAIN: upstream.url,
    AUTH0_CLIENT_ID: 'cid',
    AUTH0_CLIENT_SECRET: 'csecret-canary-5150',
  };
  admin = await connectCli(['--profile', 'admin'], env);
  readOnly = await connectCli([], env);
});
afterAll(async () => {
  await admin?.close();
  await readOnly?.close();
  await upstream?.close();
});
beforeEach(() => upstream.reset());

const read = (operation: string, args: Record<string, unknown>) =>
  admin.call('invoke_read_operation', { operation, arguments: args });
const write = (operation: string, args: Record<string, unknown>) =>
  admin.call('invoke_write_operation', { operation, arguments: args });

describe('against a recording upstream', () => {
  it('keeps a hostile path value in one encoded segment', async () => {
    upstream.script({ status: 200, body: { user_id: 'x' } });
    const { isError } = await read('get_users_by_id', { id: 'auth0|x/../../clients?x=1#' });
    expect(isError).toBe(false);
    expect(upstream.requests.map((r) => r.url)).toEqual([
      '/api/v2/users/auth0%7Cx%2F..%2F..%2Fclients%3Fx%3D1%23',
    ]);
  });

  it('serialises arrays by repeating the name and booleans as words', async () => {
    upstream.script({ status: 200, body: [] });
    await read('get_connections', { strategy: ['auth0', 'google-oauth2'], include_totals: false });
    const query = upstream.requests[0]!.query;
    expect(query.getAll('strategy')).toEqual(['auth0', 'google-oauth2']);
    expect(query.get('include_totals')).toBe('false');
  });

  it('pushes a fields projection down to the API', async () => {
    upstream.script({ status: 200, body: [{ user_id: 'a', email: 'a@example.com' }] });
    await admin.call('invoke_read_operation', { operation: 'get_users', arguments: {}, fields: ['email'] });
    const query = upstream.requests[0]!.query;
    expect(query.get('fields')).toBe('email');
    expect(query.get('include_fields')).toBe('true');
  });

  it('reuses one token across calls', async () => {
    for (let i = 0; i < 3; i++) await read('get_roles', {});
    // Only the admin process has reached the tenant so far: one token, fetched on its first call, reused.
    expect(upstream.issuedTokens).toHaveLength(1);
    expect(new Set(upstream.requests.map((r) => r.headers.authorization)).size).toBe(1);
  });

  it('waits out a 429 and then succeeds', async () => {
    upstream.script(
      { status: 429, headers: { 'retry-after': '0' }, body: { statusCode: 429 } },
      { status: 200, body: [] },
    );
    const { isError, text } = await read('get_roles', {});
    expect(isError).toBe(false);
    expect(tenantData(text)).toEqual([]);
    expect(upstream.requests).toHaveLength(2);
  });

  it('never sends a POST twice after a 503', async () => {
    upstream.script({
      status: 503,
      body: { statusCode: 503, error: 'Service Unavailable', message: 'busy' },
    });
    const { isError, text } = await write('post_roles', { name: 'auditors' });
    expect(isError).toBe(true);
    expect(text).toMatch(/503/);
    expect(upstream.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(upstream.requests[0]!.json()).toEqual({ name: 'auditors' });
  });

  it('refuses bad input with nothing sent', async () => {
    const bad = await write('post_roles', { name: 42, colour: 'red' });
    expect(bad.isError).toBe(true);
    expect(bad.text).toMatch(/arguments\.name/);
    expect(bad.text).toMatch(/arguments\.colour: not a field/);
    const oversized = await write('post_roles', { name: 'x'.repeat(300_000) });
    expect(oversized.isError).toBe(true);
    expect(upstream.requests).toHaveLength(0);
  });

  it('turns an Auth0 error into words with its code and request id', async () => {
    upstream.script({
      status: 404,
      headers: { 'x-request-id': 'req-77' },
      body: {
        statusCode: 404,
        error: 'Not Found',
        message: 'The user does not exist.',
        errorCode: 'inexistent_user',
      },
    });
    const { isError, text } = await read('get_users_by_id', { id: 'auth0|nobody' });
    expect(isError).toBe(true);
    expect(text).toMatch(/404/);
    expect(text).toMatch(/inexistent_user/);
    expect(text).toMatch(/The user does not exist/);
    expect(text).toMatch(/req-77/);
  });

  it.each([
    [
      'an HTML error page',
      {
        status: 500,
        headers: { 'content-type': 'text/html' },
        body: '<html><body><h1>Bad gateway thing</h1></body></html>',
      },
      /500/,
    ],
    [
      'malformed JSON',
      { status: 200, headers: { 'content-type': 'application/json' }, body: '{"users": [' },
      /JSON|could not/i,
    ],
  ])('answers %s with a clear error', async (_name, reply, message) => {
    upstream.script(reply);
    const { isError, text } = await read('get_roles', {});
    expect(isError).toBe(true);
    expect(text).toMatch(message);
    expect(text).not.toMatch(/<html/);
  });

  it('reports an empty 204 as done', async () => {
    upstream.script({ status: 204 });
    const { isError, text } = await write('delete_user-blocks_by_id', { id: 'auth0|1' });
    expect(isError).toBe(false);
    expect(text).toMatch(/HTTP 204/);
  });

  it('read-only sends nothing for a write, by either tool', async () => {
    const viaRead = await readOnly.call('invoke_read_operation', {
      operation: 'delete_roles_by_id',
      arguments: { id: 'r' },
    });
    expect(viaRead.isError).toBe(true);
    await expect(
      readOnly.client.callTool({
        name: 'invoke_write_operation',
        arguments: { operation: 'delete_roles_by_id' },
      }),
    ).rejects.toThrow();
    expect(upstream.requests).toHaveLength(0);
  });

  it('never shows the client secret to the agent or its logs', () => {
    expect(admin.stderr()).not.toContain('csecret-canary-5150');
    expect(readOnly.stderr()).not.toContain('csecret-canary-5150');
  });
});
