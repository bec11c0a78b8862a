// Pins OAuth resource-server mode through the built CLI against a local issuer's JWKS on loopback: the
// audience is this server's URL, expiry and signature are checked, and scopes pick the profile.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectHttp, type HttpCli, startHttpCli } from '../helpers/mcp-client.js';
import { INITIALIZE, raw } from './raw-request.js';

type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

describe('HTTP in OAuth resource-server mode', () => {
  let jwks: Server;
  let issuer: string;
  let key: Key;
  let strangerKey: Key;
  let cli: HttpCli;

  const sign = (claims: JWTPayload, options: { audience?: string; expires?: string; signer?: Key } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(issuer)
      .setSubject('agent-7')
      .setAudience(options.audience ?? cli.url)
      .setIssuedAt()
      .setExpirationTime(options.expires ?? '5m')
      .sign(options.signer ?? key);

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    key = pair.privateKey;
    strangerKey = (await generateKeyPair('ES256')).privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    jwks = createServer((req, res) => {
      if (req.url !== '/.well-known/jwks.json') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}`;
    cli = await startHttpCli([], { TENANT_MCP_OAUTH_ISSUER: issuer });
  }, 30_000);
  afterAll(async () => {
    await cli?.stop();
    await new Promise((resolve) => jwks?.close(resolve));
  });

  it('publishes protected-resource metadata (RFC 9728) and points 401s at it', async () => {
    const metadataUrl = cli.url.replace(/\/mcp$/, '/.well-known/oauth-protected-resource');
    const metadata = await raw(metadataUrl);
    expect(metadata.status).toBe(200);
    expect(JSON.parse(metadata.body)).toEqual({
      resource: cli.url,
      authorization_servers: [issuer],
      scopes_supported: [
        'tenant-mcp:admin',
        'tenant-mcp:helpdesk',
        'tenant-mcp:read',
        'tenant-mcp:approve',
        'tenant-mcp:elicitation',
      ],
      bearer_methods_supported: ['header'],
      resource_name: 'tenant-mcp',
    });
    expect((await raw(`${metadataUrl}/mcp`)).status).toBe(200);
    const res = await raw(cli.url, { body: INITIALIZE });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(
      `Bearer resource_metadata="${metadataUrl}/mcp", error_description="An OAuth access token is required."`,
    );
  });

  it('serves a good token with the profile its strongest scope names', async () => {
    const reader = await connectHttp(cli.url, await sign({ scope: 'openid tenant-mcp:read' }));
    const readTools = (await reader.client.listTools()).tools.map((t) => t.name);
    expect(readTools).not.toContain('invoke_write_operation');
    expect(reader.client.getInstructions()).toMatch(/Profile "read-only"/);
    await reader.close();
    const admin = await connectHttp(cli.url, await sign({ scope: 'tenant-mcp:read tenant-mcp:admin' }));
    expect((await admin.client.listTools()).tools.map((t) => t.name)).toContain('invoke_write_operation');
    expect(admin.client.getInstructions()).toMatch(/Profile "admin"/);
    await admin.close();
    const helpdesk = await connectHttp(cli.url, await sign({ scp: ['tenant-mcp:helpdesk'] }));
    expect(helpdesk.client.getInstructions()).toMatch(/Profile "helpdesk"/);
    await helpdesk.close();
  });

  it.each([
    [
      'a wrong audience',
      { scope: 'tenant-mcp:admin' },
      { audience: 'https://other.example/mcp' },
      /"aud" claim/,
    ],
    ['an expired token', { scope: 'tenant-mcp:admin' }, { expires: '-1m' }, /expired/],
    [
      'a stranger signature',
      { scope: 'tenant-mcp:admin' },
      { signer: 'stranger' },
      /not signed by the issuer/,
    ],
  ] as const)('answers 401 invalid_token for %s', async (_name, claims, options, reason) => {
    const token = await sign(claims, {
      ...('audience' in options ? { audience: options.audience } : {}),
      ...('expires' in options ? { expires: options.expires } : {}),
      ...('signer' in options ? { signer: strangerKey } : {}),
    });
    const res = await raw(cli.url, { token, body: INITIALIZE });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/error="invalid_token"/);
    expect(res.json()).toMatchObject({ error: { message: reason } });
  });

  it('answers 401 for a malformed token and 403 insufficient_scope for a token with no known scope', async () => {
    expect((await raw(cli.url, { token: 'not.a.jwt', body: INITIALIZE })).status).toBe(401);
    const res = await raw(cli.url, { token: await sign({ scope: 'openid profile' }), body: INITIALIZE });
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toMatch(/error="insufficient_scope"/);
    // Regression: an approve-only token got the same 403 and no hint that approvers use the page.
    const approver = await raw(cli.url, {
      token: await sign({ scope: 'tenant-mcp:approve' }),
      body: INITIALIZE,
    });
    expect(approver.status).toBe(403);
    expect(approver.json()).toMatchObject({
      error: {
        message: expect.stringMatching(/tenant-mcp:approve only: approvers sign in on the approvals page/),
      },
    });
  });

  it('lets a principal with tenant-mcp:elicitation confirm in its client, and no one else', async () => {
    for (const [scope, expected] of [
      ['tenant-mcp:helpdesk', 0],
      ['tenant-mcp:helpdesk tenant-mcp:elicitation', 1],
    ] as const) {
      const asked: string[] = [];
      const client = await connectHttp(cli.url, await sign({ scope }), {
        onElicit: (message) => {
          asked.push(message);
          return { action: 'decline' };
        },
      });
      try {
        await client.call('block_user', { user: 'alice@northwind.example.com' });
        expect(asked, scope).toHaveLength(expected);
      } finally {
        await client.close();
      }
    }
  });

  it('keeps one subject from using a session another subject opened', async () => {
    const first = await raw(cli.url, { token: await sign({ scope: 'tenant-mcp:read' }), body: INITIALIZE });
    const session = first.headers['mcp-session-id'] as string;
    const other = await new SignJWT({ scope: 'tenant-mcp:read' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(issuer)
      .setSubject('agent-8')
      .setAudience(cli.url)
      .setExpirationTime('5m')
      .sign(key);
    const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
    const res = await raw(cli.url, {
      token: other,
      body: list,
      headers: { 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' },
    });
    expect(res.status).toBe(404);
  });
});

describe('HTTP in OAuth mode when the issuer keys cannot be fetched', () => {
  it('answers 503 with Retry-After, not a 401 that blames the token', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const issuer = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const cli = await startHttpCli([], { TENANT_MCP_OAUTH_ISSUER: issuer });
    try {
      const { privateKey } = await generateKeyPair('ES256');
      const token = await new SignJWT({ scope: 'tenant-mcp:read' })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer(issuer)
        .setSubject('agent-8')
        .setAudience(cli.url)
        .setExpirationTime('5m')
        .sign(privateKey);
      const res = await raw(cli.url, { body: INITIALIZE, token });
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.body).toMatch(/issuer keys could not be fetched/);
    } finally {
      await cli.stop();
    }
  });
});
