// MonoCloud end to end: the built CLI over stdio, driven by the SDK Client, against a recording upstream
// (what goes over the wire: X-API-KEY, paths under /api, paging, each problem+json form) and against the
// embedded MonoCloud sandbox (`--provider monocloud` with no credentials).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { monocloudCatalog } from '../../src/tools/monocloud/index.js';
import { type Connected, connectCli, tenantData } from '../helpers/mcp-client.js';
import {
  problemReply,
  type RecordingUpstream,
  startRecordingUpstream,
} from '../helpers/recording-upstream.js';

const KEY = 'mc-canary-key-8812';

describe('MonoCloud against a recording upstream', () => {
  let upstream: RecordingUpstream;
  let server: Connected;
  beforeAll(async () => {
    upstream = await startRecordingUpstream({ tokenEndpoint: false, apiKey: { key: KEY } });
    server = await connectCli(['--profile', 'admin'], {
      MONOCLOUD_MANAGEMENT_DOMAIN: upstream.url,
      MONOCLOUD_MANAGEMENT_API_KEY: KEY,
    });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });
  beforeEach(() => upstream.reset());

  const read = (operation: string, args: Record<string, unknown>) =>
    server.call('invoke_read_operation', { operation, arguments: args });

  it('says it manages MonoCloud, and sends the key in X-API-KEY, never as a bearer', async () => {
    expect(server.client.getInstructions()).toMatch(/MonoCloud tenant/);
    upstream.script({ status: 200, body: [] });
    await read('get_all_users', {});
    const [request] = upstream.requests;
    expect(request?.path).toBe('/api/users');
    expect(request?.headers['x-api-key']).toBe(KEY);
    expect(request?.headers.authorization).toBeUndefined();
  });

  it('surfaces the x-pagination header so the agent can page', async () => {
    upstream.script({
      status: 200,
      headers: {
        'x-pagination': JSON.stringify({
          total_count: 37,
          page_size: 10,
          current_page: 2,
          has_next: true,
          has_previous: true,
        }),
      },
      body: [{ user_id: 'u1' }],
    });
    const { text } = await read('get_all_users', { page: 2, size: 10 });
    expect(upstream.requests[0]?.url).toBe('/api/users?page=2&size=10');
    expect(text).toMatch(/Page 2 of 4 \(37 in all\); for more call again with page: 3\./);
  });

  it('keeps a hostile id in one encoded segment', async () => {
    upstream.script({ status: 200, body: { user_id: 'x' } });
    await read('find_user_by_id', { user_id: 'a/../../options?x=1#' });
    expect(upstream.requests[0]?.url).toBe('/api/users/a%2F..%2F..%2Foptions%3Fx%3D1%23');
  });

  it.each([
    [
      '404',
      problemReply(404, { title: 'Not Found', detail: 'User not found', traceId: 'trace-404' }),
      [/MonoCloud answered 404/, /User not found/, /trace-404/],
    ],
    [
      '409',
      problemReply(409, { title: 'Conflict', detail: 'The email is already in use' }),
      [/409/, /conflicts with the current state/],
    ],
    [
      '422 with field errors',
      problemReply(422, {
        title: 'One or more validation errors occurred.',
        errors: { email: ['must be a valid email address'] },
      }),
      [/422/, /email: must be a valid email address/],
    ],
    [
      '422 with identity codes',
      problemReply(422, {
        title: 'Identity validation failed.',
        errors: [{ code: 'DuplicateEmail', description: 'The email is taken' }],
      }),
      [/DuplicateEmail: The email is taken/],
    ],
    [
      '402',
      problemReply(402, { title: 'Payment Required', detail: 'Sessions need a higher plan' }),
      [/402/, /plan does not include/],
    ],
  ])('explains a %s problem', async (_name, reply, patterns) => {
    upstream.script(reply);
    const { isError, text } = await read('find_user_by_id', { user_id: 'u1' });
    expect(isError).toBe(true);
    for (const pattern of patterns) expect(text).toMatch(pattern);
  });

  it('waits out a 429 like on Auth0', async () => {
    upstream.script(problemReply(429, { title: 'Too Many Requests' }, { 'retry-after': '0' }), {
      status: 200,
      body: [],
    });
    const { isError } = await read('get_all_users', {});
    expect(isError).toBe(false);
    expect(upstream.requests).toHaveLength(2);
  });

  it.each([
    ['a non-string id', 'find_user_by_id', { user_id: 42 }, /arguments\.user_id/],
    [
      'a boolean given as a string',
      'disable_user',
      { user_id: 'u1', revoke_sessions: 'true' },
      /arguments\.revoke_sessions/,
    ],
    [
      'an unknown external authenticator',
      'external_authenticator_disconnect',
      { user_id: 'u1', authenticator: 'myspace', provider_user_id: '1' },
      /arguments\.authenticator/,
    ],
    [
      'a password hash without its algorithm',
      'create_user',
      { email: 'a@example.com', password_hash: '$2a$10$abc' },
      /password_hash_algorithm/,
    ],
  ])('refuses %s before sending', async (_name, operation, args, field) => {
    const { isError, text } = await server.call('invoke_write_operation', { operation, arguments: args });
    const viaRead = operation === 'find_user_by_id' ? await read(operation, args) : { isError, text };
    expect(viaRead.isError).toBe(true);
    expect(viaRead.text).toMatch(field);
    expect(upstream.requests).toHaveLength(0);
  });

  it('never shows the API key', () => {
    expect(server.stderr()).not.toContain(KEY);
  });
});

describe('MonoCloud on the embedded sandbox', () => {
  let server: Connected;
  beforeAll(async () => {
    server = await connectCli(['--provider', 'monocloud', '--profile', 'admin']);
  });
  afterAll(() => server?.close());

  it('describes every Users operation', async () => {
    const users = monocloudCatalog.operations.filter((op) => op.toolset === 'users');
    expect(users).toHaveLength(53);
    for (const op of users) {
      const { isError, text } = await server.call('describe_operation', { operation: op.id });
      expect(isError, op.id).toBe(false);
      expect(JSON.parse(text).arguments.type).toBe('object');
    }
  });

  it('lists seeded users with a paging note, and finds the locked-out one', async () => {
    const { isError, text } = await server.call('invoke_read_operation', {
      operation: 'get_all_users',
      arguments: { size: 3 },
      fields: ['user_id', 'email'],
    });
    expect(isError).toBe(false);
    expect(tenantData(text)).toHaveLength(3);
    expect(text).toMatch(/Page 1 of \d+ \(\d+ in all\); for more call again with page: 2\./);
    const search = await server.call('search_operations', { query: 'unblock a user' });
    expect(search.text).toMatch(/unblock_user|unblock_ip/);
  });

  it('holds disable_user for a person, like any destructive call', async () => {
    const list = await server.call('invoke_read_operation', {
      operation: 'get_all_users',
      arguments: { size: 1 },
    });
    const [user] = tenantData(list.text) as Array<{ user_id: string }>;
    const held = await server.call('invoke_write_operation', {
      operation: 'disable_user',
      arguments: { user_id: user!.user_id },
    });
    expect(held.isError).toBe(true);
    expect(held.text).toMatch(/tenant-mcp approve apr_/);
  });
});
