// The approvals page as a person uses it: real headless Chromium against the real HTTP transport, so the
// login cookie, the forms, the CSP and the browser's own Origin headers are what a deployment sees.
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApprovalStore, type FileApprovalStore } from '../../src/policy/approvals.js';
import { createApprovalsRoutes } from '../../src/server/http/approvals-page.js';
import { type HttpServer, type Principal, startHttpServer } from '../../src/server/http/index.js';
import { AGENT_TOKEN, APPROVER_TOKEN, ATTACKER_NAME, holdCall } from './serve.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = join(tmpdir(), 'tenant-mcp-approvals-page.png');

let browser: Browser;
let http: HttpServer;
let base: string;
let store: FileApprovalStore;
let attacker: Server;
let attackerUrl: string;
let attackerPage = '';

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the approvals page is tested in Debian's chromium. Install it with ` +
        '`apt-get install -y chromium` (.ci/run does this in CI).',
    );
  }
  store = createApprovalStore({ stateDir: mkdtempSync(join(tmpdir(), 'tenant-mcp-apr-browser-')) });
  // Mounted as the CLI does: the routes take the public base URL from the server with each request.
  http = await startHttpServer({
    port: 0,
    auth: { kind: 'tokens', tokens: [AGENT_TOKEN] },
    defaultProfile: 'helpdesk',
    createMcpServer: () => {
      throw new Error('this test never opens an MCP session');
    },
    routes: [
      createApprovalsRoutes<Principal>({
        store,
        approverToken: APPROVER_TOKEN,
        agentTokens: [AGENT_TOKEN],
      }),
    ],
  });
  base = new URL(http.publicUrl).origin;
  // Another origin on the same site (loopback, another port): SameSite=Strict still sends the cookie
  // there, so only the Origin check and the form token stand between it and a decision.
  attacker = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(attackerPage);
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  attackerUrl = `http://localhost:${(attacker.address() as AddressInfo).port}`;
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
});

afterAll(async () => {
  await browser?.close();
  await http?.close();
  await new Promise((resolve) => attacker?.close(resolve));
});

/** A fresh browser profile signed in through the login form, sitting on the approval's page. */
async function signedIn(id: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const first = await page.goto(`${base}/approvals/${id}`);
  expect(first?.status()).toBe(401);
  await page.getByLabel('Your name').fill('Pat Person');
  await page.getByLabel('Approver token').fill(APPROVER_TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/approvals/${id}`);
  return { context, page };
}

describe('approvals page in Chromium', () => {
  it('approves: sign in with the approver token, read the summary, click Approve', async () => {
    const record = holdCall(store, ATTACKER_NAME);
    const { context, page } = await signedIn(record.id);
    const cookies = await context.cookies();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/approvals' });

    await expect.poll(() => page.locator('h1').innerText()).toBe('delete_users_by_id on prod');
    const summary = await page.locator('pre.summary').innerText();
    expect(summary).toContain('This removes the user and cannot be undone.');
    // The attacker's name is shown as the text it is: no element, no script ran.
    expect(summary).toContain(`name: ${ATTACKER_NAME}`);
    expect(await page.locator('main img, main script').count()).toBe(0);
    expect(await page.title()).not.toBe('pwned');
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(`${base}/approvals/${record.id}`);
    expect(await page.locator('.outcome').innerText()).toContain('Approved by Pat Person (approvals page)');
    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    expect(store.get(record.id)).toMatchObject({ approvedBy: 'Pat Person (approvals page)' });
    await context.close();
  });

  it('denies: from the list of waiting calls, click Deny', async () => {
    const record = holdCall(store);
    const { context, page } = await signedIn(record.id);
    await page.goto(`${base}/approvals`);
    const row = page.locator('tr', { has: page.locator(`a[href="/approvals/${record.id}"]`) });
    expect(await row.innerText()).toMatch(/delete_users_by_id\s+prod\s+destructive/);
    await row.getByRole('link').click();
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL(`${base}/approvals/${record.id}`);
    expect(await page.locator('.outcome').innerText()).toContain('Denied by Pat Person');
    const stored = store.get(record.id);
    expect(stored.deniedBy).toBe('Pat Person (approvals page)');
    expect(stored.approvedAt).toBeUndefined();
    await context.close();
  });

  it("refuses the agent's MCP token, as a header and in the login form", async () => {
    const record = holdCall(store);
    const context = await browser.newContext({
      extraHTTPHeaders: { authorization: `Bearer ${AGENT_TOKEN}` },
    });
    const page = await context.newPage();
    for (const path of ['/approvals', `/approvals/${record.id}`]) {
      const answer = await page.goto(`${base}${path}`);
      expect(answer?.status()).toBe(403);
      expect(await page.locator('.error').innerText()).toContain('cannot open approvals');
    }
    await context.close();

    const plain = await browser.newContext();
    const login = await plain.newPage();
    await login.goto(`${base}/approvals/${record.id}`);
    await login.getByLabel('Your name').fill('agent');
    await login.getByLabel('Approver token').fill(AGENT_TOKEN);
    await login.getByRole('button', { name: 'Sign in' }).click();
    expect(await login.locator('.error').innerText()).toBe('That is not the approver token.');
    expect(await plain.cookies()).toHaveLength(0);
    expect(await login.locator('pre.summary').count()).toBe(0);
    expect(store.get(record.id).approvedAt).toBeUndefined();
    await plain.close();
  });

  it('refuses a form posted from another origin, even one carrying a valid form token', async () => {
    const record = holdCall(store);
    const { context, page } = await signedIn(record.id);
    const csrf = await page.locator(`form[action$="/approve"] input[name=csrf]`).inputValue();
    attackerPage =
      `<!doctype html><form method="post" action="${base}/approvals/${record.id}/approve">` +
      `<input type="hidden" name="csrf" value="${csrf}"><button>Win a prize</button></form>`;
    const evil = await context.newPage();
    await evil.goto(attackerUrl);
    const [answer] = await Promise.all([
      evil.waitForResponse(`${base}/approvals/${record.id}/approve`),
      evil.getByRole('button', { name: 'Win a prize' }).click(),
    ]);
    expect(answer.status()).toBe(403);
    expect(store.get(record.id).approvedAt).toBeUndefined();
    await context.close();
  });

  it('refuses a form whose token was stripped, and a replayed form from a second tab', async () => {
    const record = holdCall(store);
    const { context, page } = await signedIn(record.id);

    await page.locator('form[action$="/approve"] input[name=csrf]').evaluate((input) => input.remove());
    const [stripped] = await Promise.all([
      page.waitForResponse(`${base}/approvals/${record.id}/approve`),
      page.getByRole('button', { name: 'Approve' }).click(),
    ]);
    expect(stripped.status()).toBe(403);
    expect(await page.locator('.error').innerText()).toContain('no valid form token');
    expect(store.get(record.id).approvedAt).toBeUndefined();

    await page.goto(`${base}/approvals/${record.id}`);
    // Two more tabs opened before the decision: their forms are replays once it is made.
    const second = await context.newPage();
    await second.goto(`${base}/approvals/${record.id}`);
    const third = await context.newPage();
    await third.goto(`${base}/approvals/${record.id}`);
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(`${base}/approvals/${record.id}`);
    const approvedAt = store.get(record.id).approvedAt;
    expect(approvedAt).toBeDefined();
    const [replayed] = await Promise.all([
      second.waitForResponse(`${base}/approvals/${record.id}/approve`),
      second.getByRole('button', { name: 'Approve' }).click(),
    ]);
    expect(replayed.status()).toBe(409);
    expect(await second.locator('.error').innerText()).toContain('already submitted');
    const [late] = await Promise.all([
      third.waitForResponse(`${base}/approvals/${record.id}/deny`),
      third.getByRole('button', { name: 'Deny' }).click(),
    ]);
    expect(late.status()).toBe(409);
    expect(await third.locator('.error').innerText()).toContain('already approved');
    expect(store.get(record.id)).toMatchObject({ approvedAt });
    expect(store.get(record.id).deniedAt).toBeUndefined();
    await context.close();
  });
});
