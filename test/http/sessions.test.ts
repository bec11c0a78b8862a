// Pins the session lifecycle of the HTTP transport in process: one server per session, DELETE and idle
// time close it, the cap on open sessions, and stateless mode keeping none.
import { afterEach, describe, expect, it } from 'vitest';
import { createGate } from '../../src/policy/index.js';
import { getProfile } from '../../src/policy/profiles.js';
import { createServer } from '../../src/server/create-server.js';
import { type HttpServer, type HttpServerOptions, startHttpServer } from '../../src/server/http/index.js';
import { auth0Catalog } from '../../src/tools/auth0/index.js';
import { createStubExecutor } from '../helpers/in-process.js';
import { connectHttp } from '../helpers/mcp-client.js';
import { INITIALIZE, raw } from './raw-request.js';

const TOKEN = 'session-token-0123456789abcdef';

function start(options: Partial<HttpServerOptions> = {}): Promise<HttpServer> {
  const executor = createStubExecutor();
  const made: string[] = [];
  return startHttpServer({
    port: 0,
    auth: { kind: 'tokens', tokens: [TOKEN] },
    defaultProfile: 'read-only',
    createMcpServer: (principal) => {
      made.push(principal.id);
      const gate = createGate({
        catalog: auth0Catalog,
        profile: getProfile('read-only', auth0Catalog),
        executor,
        tenant: { name: 'test', domain: 'stub.invalid' },
      });
      return createServer({ gate, catalog: auth0Catalog, sandbox: false, version: 'test', log: () => {} });
    },
    ...options,
  });
}

describe('HTTP sessions', () => {
  let server: HttpServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('opens one session per initialize and closes it on DELETE', async () => {
    server = await start();
    const client = await connectHttp(server.url, TOKEN);
    await client.client.listTools();
    expect(server.sessionCount()).toBe(1);
    await client.close();
    expect(server.sessionCount()).toBe(0);
  });

  it('closes sessions idle longer than the limit', async () => {
    server = await start({ sessionIdleMs: 50 });
    await raw(server.url, { token: TOKEN, body: INITIALIZE });
    expect(server.sessionCount()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(server.sessionCount()).toBe(0);
  });

  it('answers 503 past the session cap', async () => {
    server = await start({ maxSessions: 1 });
    expect((await raw(server.url, { token: TOKEN, body: INITIALIZE })).status).toBe(200);
    expect((await raw(server.url, { token: TOKEN, body: INITIALIZE })).status).toBe(503);
  });

  it('keeps no session and refuses GET in stateless mode', async () => {
    server = await start({ stateless: true });
    const client = await connectHttp(server.url, TOKEN);
    expect((await client.client.listTools()).tools.length).toBeGreaterThan(2);
    expect(server.sessionCount()).toBe(0);
    await client.close();
    expect((await raw(server.url, { token: TOKEN })).status).toBe(405);
  });
});

describe('HTTP limits per principal (issue 11)', () => {
  const OTHER = 'other-session-token-0123456789ab';
  let server: HttpServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  function startCounting(options: Partial<HttpServerOptions> = {}) {
    const executor = createStubExecutor();
    const started = startHttpServer({
      port: 0,
      auth: { kind: 'tokens', tokens: [TOKEN, OTHER] },
      defaultProfile: 'read-only',
      createMcpServer: () =>
        createServer({
          gate: createGate({
            catalog: auth0Catalog,
            profile: getProfile('read-only', auth0Catalog),
            executor,
            tenant: { name: 'test', domain: 'stub.invalid' },
          }),
          catalog: auth0Catalog,
          sandbox: false,
          version: 'test',
          log: () => {},
        }),
      ...options,
    });
    return { started, executor };
  }

  async function session(url: string, token: string): Promise<string> {
    const opened = await raw(url, { token, body: INITIALIZE });
    const id = String(opened.headers['mcp-session-id']);
    await raw(url, {
      token,
      headers: { 'mcp-session-id': id },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    });
    return id;
  }

  const calls = (n: number) =>
    JSON.stringify(
      Array.from({ length: n }, (_, i) => ({
        jsonrpc: '2.0',
        id: 100 + i,
        method: 'tools/call',
        params: { name: 'invoke_read_operation', arguments: { operation: 'get_roles' } },
      })),
    );

  it('counts every message of a JSON-RPC batch against the rate limit (1,000 calls in 10 POSTs got through)', async () => {
    const { started, executor } = startCounting({ rateLimit: { perSecond: 1, burst: 10 } });
    server = await started;
    const id = await session(server.url, TOKEN);
    const huge = await raw(server.url, { token: TOKEN, headers: { 'mcp-session-id': id }, body: calls(100) });
    expect(huge.status).toBe(429);
    expect(huge.body).toContain('batch of 100');
    const spent = await raw(server.url, { token: TOKEN, headers: { 'mcp-session-id': id }, body: calls(8) });
    expect(spent.status).toBe(429);
    expect(Number(spent.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(executor.requests).toHaveLength(0);
  });

  it('answers JSON that is no JSON-RPC message with -32600 for its id (it was -32700, a parse error)', async () => {
    const { started } = startCounting();
    server = await started;
    const id = await session(server.url, TOKEN);
    for (const [body, answerId] of [
      ['{"hello":1,"id":3}', 3],
      ['{"jsonrpc":"1.0","id":"p","method":"ping"}', 'p'],
      ['[]', null],
      ['[{"jsonrpc":"2.0","id":5,"method":"ping"},{"id":6}]', 6],
    ] as const) {
      const answer = await raw(server.url, { token: TOKEN, headers: { 'mcp-session-id': id }, body });
      expect(answer.status).toBe(400);
      expect(answer.json()).toMatchObject({ error: { code: -32600 }, id: answerId });
    }
    const broken = await raw(server.url, { token: TOKEN, headers: { 'mcp-session-id': id }, body: '{"id":' });
    expect(broken.json()).toMatchObject({ error: { code: -32700 } });
  });

  it('caps the sessions one principal may hold, leaving room for the others', async () => {
    const { started } = startCounting({ maxSessionsPerPrincipal: 2, maxSessions: 10 });
    server = await started;
    expect((await raw(server.url, { token: TOKEN, body: INITIALIZE })).status).toBe(200);
    expect((await raw(server.url, { token: TOKEN, body: INITIALIZE })).status).toBe(200);
    const third = await raw(server.url, { token: TOKEN, body: INITIALIZE });
    expect(third.status).toBe(429);
    expect(third.body).toContain('already has 2 open sessions');
    expect((await raw(server.url, { token: OTHER, body: INITIALIZE })).status).toBe(200);
    expect(server.sessionCount()).toBe(3);
  });
});
