// Pins the HTTP transport's security rules through the built CLI: authentication, Host/Origin checks,
// sessions bound to their principal, bounded and well-formed bodies, rate limits, start-up refusals,
// graceful SIGTERM, and the client's token never reaching the tenant.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, connectHttp, type HttpCli, startHttpCli, tenantData } from '../helpers/mcp-client.js';
import { type RecordingUpstream, startRecordingUpstream } from '../helpers/recording-upstream.js';
import { INITIALIZE, raw } from './raw-request.js';

const ALICE = 'alice-token-0123456789abcdef';
const BOB = 'bob-token-0123456789abcdef';
const BOB_HASH = `sha256:${createHash('sha256').update(BOB).digest('hex')}`;

async function openSession(url: string, token: string): Promise<string> {
  const res = await raw(url, { token, body: INITIALIZE });
  expect(res.status).toBe(200);
  return res.headers['mcp-session-id'] as string;
}

describe('HTTP with bearer tokens', () => {
  let cli: HttpCli;
  beforeAll(async () => {
    cli = await startHttpCli([], { TENANT_MCP_HTTP_TOKEN: `${ALICE},${BOB_HASH}` });
  }, 30_000);
  afterAll(() => cli?.stop());

  it('answers 401 with WWW-Authenticate when no token is sent', async () => {
    const res = await raw(cli.url, { body: INITIALIZE });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
    expect(res.json()).toMatchObject({ jsonrpc: '2.0', error: { message: /bearer token is required/ } });
  });

  it('answers 401 invalid_token for a wrong token, and for the hash itself sent as a token', async () => {
    for (const token of ['wrong-token-0123456789', BOB_HASH, `${ALICE}x`]) {
      const res = await raw(cli.url, { token, body: INITIALIZE });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/error="invalid_token"/);
    }
  });

  it('accepts a literal token and a token configured as its sha256', async () => {
    expect((await raw(cli.url, { token: ALICE, body: INITIALIZE })).status).toBe(200);
    expect((await raw(cli.url, { token: BOB, body: INITIALIZE })).status).toBe(200);
  });

  it('refuses a foreign Origin and a foreign Host with 403, and accepts its own origin', async () => {
    const foreignOrigin = await raw(cli.url, {
      token: ALICE,
      body: INITIALIZE,
      headers: { origin: 'https://evil.example' },
    });
    expect(foreignOrigin.status).toBe(403);
    expect(foreignOrigin.json()).toMatchObject({
      error: { message: 'Origin "https://evil.example" is not allowed.' },
    });
    const { port } = new URL(cli.url);
    const rebinding = await raw(cli.url, {
      token: ALICE,
      body: INITIALIZE,
      headers: { host: `evil.example:${port}` },
    });
    expect(rebinding.status).toBe(403);
    const own = await raw(cli.url, {
      token: ALICE,
      body: INITIALIZE,
      headers: { origin: `http://localhost:${port}`, host: `localhost:${port}` },
    });
    expect(own.status).toBe(200);
  });

  it("never serves one principal's session to another (404, as for an unknown id)", async () => {
    const session = await openSession(cli.url, ALICE);
    const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
    const headers = { 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' };
    const stolen = await raw(cli.url, { token: BOB, body: list, headers });
    expect(stolen.status).toBe(404);
    const unknown = await raw(cli.url, {
      token: ALICE,
      body: list,
      headers: { ...headers, 'mcp-session-id': 'no-such-session' },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toMatchObject({ error: { message: /Session not found/ } });
    expect(stolen.body).toBe(unknown.body);
    const owner = await raw(cli.url, { token: ALICE, body: list, headers });
    expect(owner.status).toBe(200);
    expect(owner.body).toMatch(/search_operations/);
    const deleted = await raw(cli.url, { token: BOB, method: 'DELETE', headers });
    expect(deleted.status).toBe(404);
  });

  it('answers 413 for an oversized body, 415 for a wrong content type, 400 for malformed JSON', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024, 0x20);
    const oversized = await raw(cli.url, { token: ALICE, body: big });
    expect(oversized.status).toBe(413);
    const form = await raw(cli.url, {
      token: ALICE,
      body: INITIALIZE,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    const malformed = await raw(cli.url, { token: ALICE, body: '{"jsonrpc": "2.0", "id": 1,' });
    expect(malformed.status).toBe(400);
    expect(malformed.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32700 }, id: null });
    const notRpc = await raw(cli.url, { token: ALICE, body: '[1, 2, 3]' });
    expect(notRpc.status).toBe(400);
    const other = await raw(cli.url.replace(/\/mcp$/, '/admin'), { token: ALICE });
    expect(other.status).toBe(404);
  });

  it('is still serving after all of that bad input', async () => {
    const client = await connectHttp(cli.url, ALICE);
    const { isError } = await client.call('search_operations', { query: 'users' });
    expect(isError).toBe(false);
    await client.close();
    expect(cli.child.exitCode).toBeNull();
  });
});

describe('HTTP rate limits', () => {
  it('answers 429 with Retry-After once a principal spent its burst, without touching another', async () => {
    const cli = await startHttpCli([], {
      TENANT_MCP_HTTP_TOKEN: `${ALICE},${BOB}`,
      TENANT_MCP_RATE_LIMIT: '1:3',
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++)
        statuses.push((await raw(cli.url, { token: ALICE, body: INITIALIZE })).status);
      expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
      expect(statuses.slice(3)).toEqual([429, 429]);
      const limited = await raw(cli.url, { token: ALICE, body: INITIALIZE });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect((await raw(cli.url, { token: BOB, body: INITIALIZE })).status).toBe(200);
    } finally {
      await cli.stop();
    }
  }, 30_000);
});

describe('HTTP start-up refusals', () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [CLI, '--transport', 'http', '--port', '0', ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      encoding: 'utf8',
      timeout: 10_000,
    });

  it.each([
    [['--host', '0.0.0.0'], {}, /Refusing to listen on 0\.0\.0\.0 without authentication/],
    [['--host', '0.0.0.0', '--insecure-no-auth'], {}, /only accepted on a loopback address/],
    [[], {}, /HTTP needs client authentication/],
    [['--insecure-no-auth'], { TENANT_MCP_HTTP_TOKEN: ALICE }, /contradicts/],
    [[], { TENANT_MCP_HTTP_TOKEN: 'short' }, /at least 16 characters/],
    [[], { TENANT_MCP_OAUTH_ISSUER: 'http://issuer.example' }, /must use https/],
    [['--transport', 'carrier-pigeon'], {}, /Unknown transport/],
  ])('refuses %j with %j: one line, exit 2', (args, env, message) => {
    const result = run(args, env as Record<string, string>);
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });

  it('starts on loopback with --insecure-no-auth, warning on stderr', async () => {
    const cli = await startHttpCli(['--insecure-no-auth']);
    try {
      expect(cli.stderr()).toMatch(/WARNING: --insecure-no-auth/);
      const client = await connectHttp(cli.url);
      expect((await client.client.listTools()).tools.length).toBeGreaterThan(2);
      await client.close();
    } finally {
      await cli.stop();
    }
  }, 30_000);
});

describe('HTTP in front of a real-looking tenant', () => {
  let upstream: RecordingUpstream;
  let cli: HttpCli;
  beforeAll(async () => {
    upstream = await startRecordingUpstream({ tokenEndpoint: { clientId: 'cid', clientSecret: 'csecret' } });
    cli = await startHttpCli([], {
      TENANT_MCP_HTTP_TOKEN: ALICE,
      AUTH0_DOMAIN: upstream.url,
      AUTH0_CLIENT_ID: 'cid',
      AUTH0_CLIENT_SECRET: 'csecret',
    });
  }, 30_000);
  afterAll(async () => {
    await cli?.stop();
    await upstream?.close();
  });

  it("never passes the client's token upstream, in any header or body", async () => {
    upstream.setFallback({ status: 200, body: [{ user_id: 'auth0|1', email: 'a@example.com' }] });
    const client = await connectHttp(cli.url, ALICE);
    const { text, isError } = await client.call('invoke_read_operation', {
      operation: 'get_users',
      arguments: {},
    });
    expect(isError).toBe(false);
    expect(tenantData(text)).toEqual([{ user_id: 'auth0|1', email: 'a@example.com' }]);
    await client.close();
    const seen = [...upstream.requests, ...upstream.tokenRequests];
    expect(upstream.requests.length).toBeGreaterThan(0);
    for (const request of seen) {
      expect(JSON.stringify(request.headers)).not.toContain(ALICE);
      expect(request.body).not.toContain(ALICE);
      expect(request.url).not.toContain(ALICE);
    }
    expect(upstream.requests[0]?.headers.authorization).toBe(`Bearer ${upstream.issuedTokens[0]}`);
  });

  it('on SIGTERM finishes the call in flight, answers new requests 503, then exits 0', async () => {
    upstream.setFallback({ status: 200, delayMs: 1500, body: [{ user_id: 'auth0|slow' }] });
    const client = await connectHttp(cli.url, ALICE);
    const before = upstream.requests.length;
    const pending = client.call('invoke_read_operation', { operation: 'get_users', arguments: {} });
    while (upstream.requests.length === before) await new Promise((resolve) => setTimeout(resolve, 20));
    cli.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const refused = await raw(cli.url, { token: ALICE, body: INITIALIZE });
    expect(refused.status).toBe(503);
    const { text, isError } = await pending;
    expect(isError).toBe(false);
    expect(tenantData(text)).toEqual([{ user_id: 'auth0|slow' }]);
    expect(await cli.exited).toBe(0);
    await client.close().catch(() => {});
  }, 30_000);
});
