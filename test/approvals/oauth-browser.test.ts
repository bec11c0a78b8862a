// Regression: in OAuth mode the approvals page wanted a Bearer header whose token carried a profile scope
// and the approver scope, and a browser got "sign in there" with no link. Now a person signs in with the
// issuer in a browser (authorization code + PKCE, state, nonce), an approve-only identity is enough, and
// no access token opens the page. Driven end to end: a local OpenID provider (panva's oidc-provider) on
// loopback, the built CLI over HTTP in OAuth mode, and Debian's chromium.
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Provider, { interactionPolicy } from 'oidc-provider';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApprovalStore } from '../../src/policy/approvals.js';
import { type HttpCli, startHttpCli } from '../helpers/mcp-client.js';

const CHROMIUM = '/usr/bin/chromium';
const CLIENT_SECRET = 'approvals-client-secret-0123456789abcdef';

/** Who may sign in, and whether the issuer grants them the approver scope. */
const PEOPLE: Record<string, { name: string; email: string; approver: boolean }> = {
  alice: { name: 'Alice Adams', email: 'alice@example.com', approver: true },
  bob: { name: 'Bob Brown', email: 'bob@example.com', approver: false },
};

let browser: Browser;
let op: Server;
let issuer: string;
let cli: HttpCli;
let base: string;
const stateDir = mkdtempSync(join(tmpdir(), 'tenant-mcp-oauth-browser-'));

/** Reserves a loopback port (the CLI must know its public URL before the provider registers it). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install chromium (.ci/run does).`);
  const opPort = await freePort();
  const mcpPort = await freePort();
  issuer = `http://127.0.0.1:${opPort}`;
  base = `http://127.0.0.1:${mcpPort}`;
  // No consent page: the scopes an account gets are what loadExistingGrant says, as an issuer's admin set them.
  const policy = interactionPolicy.base();
  policy.remove('consent');
  const provider = new Provider(issuer, {
    interactions: { policy },
    clients: [
      {
        client_id: 'tenant-mcp-approvals',
        client_secret: CLIENT_SECRET,
        redirect_uris: [`${base}/approvals/callback`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    scopes: ['openid', 'profile', 'email', 'tenant-mcp:approve'],
    claims: { openid: ['sub'], profile: ['name'], email: ['email'] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx, sub) {
      const person = PEOPLE[sub];
      if (!person) return undefined;
      return { accountId: sub, claims: async () => ({ sub, name: person.name, email: person.email }) };
    },
    // The issuer decides who holds the approver scope: granted to Alice, never to Bob, without a consent page.
    async loadExistingGrant(ctx) {
      const accountId = ctx.oidc.session?.accountId;
      const clientId = ctx.oidc.client?.clientId;
      if (!accountId || !clientId) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId, accountId });
      grant.addOIDCScope(
        PEOPLE[accountId]?.approver ? 'openid profile email tenant-mcp:approve' : 'openid profile email',
      );
      await grant.save();
      return grant;
    },
  });
  op = provider.listen(opPort, '127.0.0.1');
  cli = await startHttpCli(['--profile', 'helpdesk', '--port', String(mcpPort)], {
    TENANT_MCP_OAUTH_ISSUER: issuer,
    TENANT_MCP_OAUTH_JWKS_URL: `${issuer}/jwks`,
    TENANT_MCP_PUBLIC_URL: `${base}/mcp`,
    TENANT_MCP_APPROVALS_CLIENT_ID: 'tenant-mcp-approvals',
    TENANT_MCP_APPROVALS_CLIENT_SECRET: CLIENT_SECRET,
    TENANT_MCP_STATE_DIR: stateDir,
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await cli?.stop();
  await new Promise((resolve) => op?.close(resolve));
});

/** A held call, as the gate leaves it for a person. */
function hold() {
  return createApprovalStore({ stateDir }).create({
    tenant: 'sandbox',
    operation: 'block_user',
    effects: [{ operation: 'patch_users_by_id', arguments: { id: 'auth0|1', blocked: true } }],
    risk: 'destructive',
    summary: 'Change 1 of 1: patch_users_by_id (destructive)\n  On user "auth0|1", tenant data: name "Carol"',
  });
}

/** Follows the page's sign-in link and signs in at the provider's own login form. */
async function signIn(page: import('playwright-core').Page, login: string) {
  await page.getByRole('link', { name: /Sign in with 127\.0\.0\.1/ }).click();
  await page.waitForURL((url) => url.origin === issuer);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.locator('button[type="submit"]').click();
}

describe('approvals page, OAuth sign-in in Chromium', () => {
  it('an approver signs in with the issuer and approves; the decision names them', async () => {
    const record = hold();
    const context = await browser.newContext();
    const page = await context.newPage();
    const first = await page.goto(`${base}/approvals/${record.id}`);
    expect(first?.status()).toBe(401);
    await signIn(page, 'alice');
    await page.waitForURL(`${base}/approvals/${record.id}`);
    expect(await page.locator('pre.summary').innerText()).toContain('name "Carol"');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(`${base}/approvals/${record.id}`);
    expect(await page.locator('.outcome').innerText()).toContain(
      'Approved by Alice Adams <alice@example.com> (oauth:alice)',
    );
    expect(createApprovalStore({ stateDir }).get(record.id).approvedBy).toMatch(
      /^Alice Adams <alice@example\.com>/,
    );
    await context.close();
  });

  it('someone the issuer does not grant the approver scope is refused, and a replayed callback too', async () => {
    const record = hold();
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/approvals/${record.id}`);
    await signIn(page, 'bob');
    await page.waitForURL((url) => url.pathname === '/approvals/callback');
    expect(await page.locator('.error').innerText()).toMatch(
      /Signed in as Bob Brown .* did not grant tenant-mcp:approve/,
    );
    const replay = await page.goto(page.url());
    expect(replay?.status()).toBe(400);
    expect(await page.locator('.error').innerText()).toMatch(/already used|not started here/);
    expect(createApprovalStore({ stateDir }).get(record.id).approvedAt).toBeUndefined();
    await context.close();
  });

  it('no access token opens the page, and the MCP endpoint explains an approve-only token', async () => {
    const record = hold();
    const page = await fetch(`${base}/approvals/${record.id}`, {
      headers: { authorization: 'Bearer not-a-browser' },
    });
    expect(page.status).toBe(403);
    expect(await page.text()).toMatch(/Access tokens do not open approvals/);
  });
});
