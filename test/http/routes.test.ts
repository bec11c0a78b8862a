// Pins the route hook the approvals page mounts on: routes run before /mcp and after the Host/Origin
// checks, see the authenticated principal (or none) and the public base URL, and may decline a request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../src/server/http/guards.js';
import { type HttpServer, type RouteContext, startHttpServer } from '../../src/server/http/index.js';
import { raw } from './raw-request.js';

const TOKEN = 'route-token-0123456789abcdef';

describe('route hook', () => {
  let server: HttpServer;
  const seen: RouteContext[] = [];
  beforeAll(async () => {
    server = await startHttpServer({
      port: 0,
      auth: { kind: 'tokens', tokens: [TOKEN] },
      defaultProfile: 'helpdesk',
      publicUrl: 'https://tenant-mcp.example/mcp',
      createMcpServer: () => {
        throw new Error('not used');
      },
      routes: [
        async (req, res, ctx) => {
          if (!ctx.url.pathname.startsWith('/approvals')) return false;
          seen.push(ctx);
          res
            .writeHead(200, { 'content-type': 'text/plain' })
            .end(`${ctx.principal?.id ?? 'nobody'} ${req.method}`);
          return true;
        },
      ],
    });
  });
  afterAll(() => server?.close());

  it('passes the principal, the public base URL and the resource URL', async () => {
    const res = await raw(server.url.replace(/\/mcp$/, '/approvals/apr_1?x=1'), { token: TOKEN });
    expect(res.body).toBe('token-1 GET');
    expect(seen.at(-1)).toMatchObject({
      principal: { id: 'token-1', profile: 'helpdesk', approver: false, via: 'token' },
      baseUrl: 'https://tenant-mcp.example',
      resourceUrl: 'https://tenant-mcp.example/mcp',
    });
    expect(seen.at(-1)?.url.href).toBe('https://tenant-mcp.example/approvals/apr_1?x=1');
  });

  it('gives no principal for a missing or wrong token, and leaves the decision to the route', async () => {
    expect((await raw(server.url.replace(/\/mcp$/, '/approvals'))).body).toBe('nobody GET');
    expect((await raw(server.url.replace(/\/mcp$/, '/approvals'), { token: 'wrong' })).body).toBe(
      'nobody GET',
    );
  });

  it('runs after the Origin check: the public origin passes, a foreign one never reaches the route', async () => {
    const count = seen.length;
    const foreign = await raw(server.url.replace(/\/mcp$/, '/approvals'), {
      method: 'POST',
      body: 'a=1',
      headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(foreign.status).toBe(403);
    expect(seen.length).toBe(count);
    const own = await raw(server.url.replace(/\/mcp$/, '/approvals'), {
      method: 'POST',
      body: 'a=1',
      headers: { origin: 'https://tenant-mcp.example', 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(own.status).toBe(200);
  });

  it('falls through to /mcp when the route declines', async () => {
    expect((await raw(server.url, { body: '{}' })).status).toBe(401);
  });
});

describe('rate limiter', () => {
  it('refills at its rate up to the burst and says how long to wait', () => {
    let now = 0;
    const limiter = createRateLimiter(2, 3, () => now);
    expect([1, 2, 3, 4].map(() => limiter.take('a'))).toEqual([0, 0, 0, 1]);
    expect(limiter.take('b')).toBe(0);
    now = 500;
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(1);
    now = 100_000;
    expect([1, 2, 3, 4].map(() => limiter.take('a'))).toEqual([0, 0, 0, 1]);
  });
});
