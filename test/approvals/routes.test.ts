// Pins the approvals page's security at the HTTP level, one credential and one forged form at a time:
// only the approver's credential opens it, the agent's MCP token never does, POSTs need the page's own
// origin and a per-form token, decisions happen once, and tenant data is escaped.
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createApprovalStore, type FileApprovalStore } from '../../src/policy/approvals.js';
import { createApprovalsRoutes } from '../../src/server/http/approvals-page.js';
import {
  AGENT_TOKEN,
  APPROVER_TOKEN,
  ATTACKER_NAME,
  holdCall,
  OAUTH_APPROVER_TOKEN,
  type Served,
  serveApprovals,
} from './serve.js';

let served: Served | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

async function start(options: Parameters<typeof serveApprovals>[0] = {}): Promise<Served> {
  served = await serveApprovals(options);
  return served;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

async function call(
  url: string,
  init: { method?: 'GET' | 'POST'; headers?: Record<string, string>; form?: Record<string, string> } = {},
): Promise<Answer> {
  const headers = { ...init.headers };
  let body: string | undefined;
  if (init.form) {
    body = new URLSearchParams(init.form).toString();
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
  }
  const res = await request(url, { method: init.method ?? (init.form ? 'POST' : 'GET'), headers, body });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Signs in through the login form; returns the Cookie header to send. */
async function signIn(s: Served, name = 'Pat'): Promise<string> {
  const answer = await call(`${s.url}/approvals/login`, {
    headers: { origin: s.url },
    form: { token: APPROVER_TOKEN, name, next: '/approvals' },
  });
  expect(answer.status).toBe(303);
  const cookie = String(answer.headers['set-cookie']);
  return cookie.split(';')[0]!;
}

function csrfOf(page: string, action: 'approve' | 'deny'): string {
  const match = new RegExp(
    `action="[^"]*/${action}">\\s*<input type="hidden" name="csrf" value="([^"]+)"`,
  ).exec(page);
  if (!match) throw new Error(`no ${action} form on the page:\n${page}`);
  return match[1]!;
}

describe('approvals page: who may open it', () => {
  it('asks for the approver token, with the page locked down (CSP, nosniff, no framing, no script)', async () => {
    const s = await start();
    const record = holdCall(s.store);
    for (const path of ['/approvals', `/approvals/${record.id}`]) {
      const answer = await call(`${s.url}${path}`);
      expect(answer.status).toBe(401);
      expect(answer.text).toContain('name="token"');
      expect(answer.text).not.toContain(record.summary.split('\n')[0]!);
      expect(answer.headers['content-security-policy']).toBe(
        "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'",
      );
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['referrer-policy']).toBe('same-origin');
      expect(answer.headers['x-frame-options']).toBe('DENY');
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(answer.text).not.toMatch(/<script|\son\w+=|style=/i);
    }
    const css = await call(`${s.url}/approvals/style.css`);
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
  });

  it("refuses the agent's MCP token everywhere, as a bearer header and in the login form", async () => {
    const s = await start();
    const record = holdCall(s.store);
    for (const path of ['/approvals', `/approvals/${record.id}`]) {
      const answer = await call(`${s.url}${path}`, { headers: bearer(AGENT_TOKEN) });
      expect(answer.status).toBe(403);
      expect(answer.text).toContain('cannot open approvals');
      expect(answer.text).not.toContain('This removes the user');
    }
    const post = await call(`${s.url}/approvals/${record.id}/approve`, {
      headers: { ...bearer(AGENT_TOKEN), origin: s.url },
      form: { csrf: 'x' },
    });
    expect(post.status).toBe(403);
    const login = await call(`${s.url}/approvals/login`, {
      headers: { origin: s.url },
      form: { token: AGENT_TOKEN, name: 'agent', next: '/approvals' },
    });
    expect(login.status).toBe(401);
    expect(login.headers['set-cookie']).toBeUndefined();
    expect(login.text).toContain('That is not the approver token.');
    expect(s.store.get(record.id).approvedAt).toBeUndefined();
    expect(s.logs.some((line) => line.includes('wrong approver token'))).toBe(true);
  });

  it('opens with the approver token as a bearer header and shows the list and the summary', async () => {
    const s = await start();
    const record = holdCall(s.store);
    const list = await call(`${s.url}/approvals`, { headers: bearer(APPROVER_TOKEN) });
    expect(list.status).toBe(200);
    expect(list.text).toContain(`href="/approvals/${record.id}"`);
    expect(list.text).toContain('delete_users_by_id');
    expect(list.text).toContain('prod');
    const detail = await call(`${s.url}/approvals/${record.id}`, { headers: bearer(APPROVER_TOKEN) });
    expect(detail.status).toBe(200);
    expect(detail.text).toContain('This removes the user and cannot be undone.');
    expect(detail.text).toContain('>Approve</button>');
    expect(detail.text).toContain('>Deny</button>');
  });

  it('signs a person in with an HttpOnly, SameSite=Strict cookie scoped to the page (Secure and __Host- on https)', async () => {
    const s = await start();
    const answer = await call(`${s.url}/approvals/login`, {
      headers: { origin: s.url },
      form: { token: APPROVER_TOKEN, name: 'Pat', next: '/approvals' },
    });
    expect(answer.status).toBe(303);
    expect(answer.headers.location).toBe('/approvals');
    const cookie = String(answer.headers['set-cookie']);
    expect(cookie).toMatch(/^tenant-mcp-approver=[A-Za-z0-9_-]{43}; /);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/approvals');
    expect(cookie).not.toContain('Secure');

    await s.close();
    const https = await start({ publicUrl: 'https://approvals.example.test' });
    const secure = await call(`${https.url}/approvals/login`, {
      headers: { origin: 'https://approvals.example.test' },
      form: { token: APPROVER_TOKEN, name: 'Pat' },
    });
    expect(secure.status).toBe(303);
    expect(String(secure.headers['set-cookie'])).toMatch(
      /^__Host-tenant-mcp-approver=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict; Secure$/,
    );
  });

  it('only redirects to its own pages after signing in', async () => {
    const s = await start();
    for (const next of ['https://evil.example/', '//evil.example/approvals', '/mcp', '/approvals/../mcp']) {
      const answer = await call(`${s.url}/approvals/login`, {
        headers: { origin: s.url },
        form: { token: APPROVER_TOKEN, name: 'Pat', next },
      });
      expect(answer.headers.location).toBe('/approvals');
    }
  });

  it('slows guessing: after ten wrong tokens from one address even the right one waits', async () => {
    let clock = 1_800_000_000_000;
    const s = await start({ now: () => clock });
    const attempt = (token: string) =>
      call(`${s.url}/approvals/login`, { headers: { origin: s.url }, form: { token, name: 'x' } });
    for (let i = 0; i < 10; i += 1) expect((await attempt(`wrong-${i}`)).status).toBe(401);
    expect((await attempt(APPROVER_TOKEN)).status).toBe(429);
    clock += 11 * 60_000;
    expect((await attempt(APPROVER_TOKEN)).status).toBe(303);
  });

  it('slows guessing as a bearer header too (a regression: 300 wrong headers, then the right one, got 200)', async () => {
    let clock = 1_800_000_000_000;
    const s = await start({ now: () => clock });
    const attempt = (token: string) => call(`${s.url}/approvals`, { headers: bearer(token) });
    for (let i = 0; i < 10; i += 1) expect((await attempt(`wrong-token-${i}-xxxxxxxx`)).status).toBe(403);
    const locked = await attempt(APPROVER_TOKEN);
    expect(locked.status).toBe(429);
    expect(locked.text).toContain('Too many wrong credentials');
    // The login form shares the allowance: guessing cannot alternate between the two doors.
    const form = await call(`${s.url}/approvals/login`, {
      headers: { origin: s.url },
      form: { token: APPROVER_TOKEN, name: 'x' },
    });
    expect(form.status).toBe(429);
    clock += 11 * 60_000;
    expect((await attempt(APPROVER_TOKEN)).status).toBe(200);
  });

  it('OAuth mode: a person signs in with the issuer; no access token opens the page, whatever its scopes', async () => {
    const s = await start({ oauth: true });
    const record = holdCall(s.store);
    for (const token of [AGENT_TOKEN, OAUTH_APPROVER_TOKEN]) {
      const refused = await call(`${s.url}/approvals/${record.id}`, { headers: bearer(token) });
      expect(refused.status).toBe(403);
      expect(refused.text).toMatch(/Access tokens do not open approvals/);
    }
    const login = await call(`${s.url}/approvals/${record.id}`);
    expect(login.status).toBe(401);
    expect(login.text).toContain(`href="/approvals/login/oauth?next=%2Fapprovals%2F${record.id}"`);
    const started = await call(`${s.url}/approvals/login/oauth?next=/approvals/${record.id}`);
    expect(started.status).toBe(303);
    expect(started.headers.location).toMatch(/^http:\/\/issuer\.invalid\/authorize/);
    const flow = /tenant-mcp-login=([^;]+)/.exec(String(started.headers['set-cookie'] ?? ''))?.[1];
    expect(flow).toBe('flow-1');
    expect(String(started.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Lax/);

    const denied = await call(`${s.url}/approvals/callback?code=bad&state=x`, {
      headers: { cookie: `tenant-mcp-login=${flow}` },
    });
    expect(denied.status).toBe(403);
    expect(denied.text).toMatch(/not granted tenant-mcp:approve/);

    const back = await call(`${s.url}/approvals/callback?code=good&state=x`, {
      headers: { cookie: `tenant-mcp-login=${flow}` },
    });
    expect(back.status).toBe(200);
    expect(back.text).toContain('Signed in as Alice &lt;alice@example.com&gt; (oauth:alice)');
    const sid = /tenant-mcp-approver=([^;]+)/.exec(String(back.headers['set-cookie'] ?? ''))?.[1];
    expect(sid).toBeDefined();
    const page = await call(`${s.url}/approvals/${record.id}`, {
      headers: { cookie: `tenant-mcp-approver=${sid}` },
    });
    expect(page.status).toBe(200);
    const done = await call(`${s.url}/approvals/${record.id}/approve`, {
      headers: { cookie: `tenant-mcp-approver=${sid}`, origin: s.url },
      form: { csrf: csrfOf(page.text, 'approve') },
    });
    expect(done.status).toBe(303);
    expect(s.store.get(record.id).approvedBy).toBe('Alice <alice@example.com> (oauth:alice)');
  });

  it('refuses to start without an approver credential, with a short token, or with an MCP token', () => {
    const store = createApprovalStore({ stateDir: mkdtempSync(join(tmpdir(), 'tenant-mcp-apr-')) });
    const publicUrl = 'http://127.0.0.1:8080';
    expect(() => createApprovalsRoutes({ store, publicUrl })).toThrow(/TENANT_MCP_APPROVER_TOKEN/);
    expect(() => createApprovalsRoutes({ store, publicUrl, approverToken: 'short' })).toThrow(/at least 16/);
    expect(() =>
      createApprovalsRoutes({
        store,
        publicUrl,
        approverToken: AGENT_TOKEN,
        agentTokens: ['other', AGENT_TOKEN],
      }),
    ).toThrow(/equals an MCP client's token/);
    const hashed = `sha256:${createHash('sha256').update(AGENT_TOKEN).digest('hex').toUpperCase()}`;
    expect(() =>
      createApprovalsRoutes({ store, publicUrl, approverToken: AGENT_TOKEN, agentTokens: [hashed] }),
    ).toThrow(/equals an MCP client's token/);
  });

  it('leaves other paths to the next route', async () => {
    const s = await start();
    for (const path of ['/mcp', '/approvalsx', '/', '/.well-known/oauth-protected-resource']) {
      const answer = await call(`${s.url}${path}`);
      expect(answer.text).toBe('not an approvals path');
    }
  });
});

describe('approvals page: deciding', () => {
  async function openPage(s: Served, id: string, cookie: string): Promise<string> {
    const page = await call(`${s.url}/approvals/${id}`, { headers: { cookie } });
    expect(page.status).toBe(200);
    return page.text;
  }

  it('approves and denies with the form, recording who, then shows the outcome without buttons', async () => {
    const s = await start();
    const cookie = await signIn(s, 'Pat Person');
    const first = holdCall(s.store);
    const second = holdCall(s.store);
    const approve = await call(`${s.url}/approvals/${first.id}/approve`, {
      headers: { cookie, origin: s.url },
      form: { csrf: csrfOf(await openPage(s, first.id, cookie), 'approve') },
    });
    expect(approve.status).toBe(303);
    expect(approve.headers.location).toBe(`/approvals/${first.id}`);
    expect(s.store.get(first.id).approvedBy).toBe('Pat Person (approvals page)');
    const after = await openPage(s, first.id, cookie);
    expect(after).toContain('Approved by Pat Person (approvals page)');
    expect(after).not.toContain('>Approve</button>');

    // A Referer from the page is enough when a client sends no Origin.
    const deny = await call(`${s.url}/approvals/${second.id}/deny`, {
      headers: { cookie, referer: `${s.url}/approvals/${second.id}` },
      form: { csrf: csrfOf(await openPage(s, second.id, cookie), 'deny') },
    });
    expect(deny.status).toBe(303);
    expect(s.store.get(second.id).deniedBy).toBe('Pat Person (approvals page)');
    expect(s.store.get(second.id).approvedAt).toBeUndefined();
  });

  it('refuses a POST from another origin, or with no origin at all, even with a valid form token', async () => {
    const s = await start();
    const cookie = await signIn(s);
    const record = holdCall(s.store);
    const csrf = csrfOf(await openPage(s, record.id, cookie), 'approve');
    const forged: Record<string, string>[] = [
      { origin: 'http://evil.example' },
      { origin: 'null' },
      { origin: s.url.replace('127.0.0.1', 'localhost') },
      { referer: 'http://evil.example/approvals' },
      {},
    ];
    for (const headers of forged) {
      const answer = await call(`${s.url}/approvals/${record.id}/approve`, {
        headers: { cookie, ...headers },
        form: { csrf },
      });
      expect(answer.status).toBe(403);
      expect(answer.text).toContain('was not sent from');
    }
    const login = await call(`${s.url}/approvals/login`, {
      headers: { origin: 'http://evil.example' },
      form: { token: APPROVER_TOKEN, name: 'x' },
    });
    expect(login.status).toBe(403);
    expect(s.store.get(record.id).approvedAt).toBeUndefined();
  });

  it('refuses a missing, foreign or swapped form token', async () => {
    const s = await start();
    const cookie = await signIn(s);
    const record = holdCall(s.store);
    const other = holdCall(s.store);
    const page = await openPage(s, record.id, cookie);
    const otherCookie = await signIn(s, 'Other');
    const otherSessionToken = csrfOf(await openPage(s, record.id, otherCookie), 'approve');
    for (const [form, why] of [
      [{}, 'missing'],
      [{ csrf: '' }, 'empty'],
      [{ csrf: csrfOf(page, 'deny') }, 'the deny form token on approve'],
      [{ csrf: csrfOf(await openPage(s, other.id, cookie), 'approve') }, "another approval's token"],
      [{ csrf: otherSessionToken }, "another session's token"],
    ] as const) {
      const answer = await call(`${s.url}/approvals/${record.id}/approve`, {
        headers: { cookie, origin: s.url },
        form,
      });
      expect(answer.status, why).toBe(403);
      expect(answer.text).toContain('no valid form token');
    }
    expect(s.store.get(record.id).approvedAt).toBeUndefined();
  });

  it('refuses a replayed form and a second decision: 409, nothing changes', async () => {
    const s = await start();
    const cookie = await signIn(s);
    const record = holdCall(s.store);
    const page = await openPage(s, record.id, cookie);
    const send = (action: 'approve' | 'deny') =>
      call(`${s.url}/approvals/${record.id}/${action}`, {
        headers: { cookie, origin: s.url },
        form: { csrf: csrfOf(page, action) },
      });
    expect((await send('approve')).status).toBe(303);
    const approvedAt = s.store.get(record.id).approvedAt;
    const replay = await send('approve');
    expect(replay.status).toBe(409);
    expect(replay.text).toContain('already submitted');
    const deny = await send('deny');
    expect(deny.status).toBe(409);
    expect(deny.text).toContain('already approved');
    const now = s.store.get(record.id);
    expect(now.approvedAt).toBe(approvedAt);
    expect(now.deniedAt).toBeUndefined();
  });

  it('refuses an expired approval (410), a used one (410) and unknown or malformed ids (404)', async () => {
    let clock = 1_800_000_000_000;
    const store: FileApprovalStore = createApprovalStore({
      stateDir: mkdtempSync(join(tmpdir(), 'tenant-mcp-apr-')),
      now: () => clock,
    });
    const s = await start({ store, now: () => clock });
    const cookie = await signIn(s);
    const expiring = holdCall(store);
    const csrf = csrfOf(await openPage(s, expiring.id, cookie), 'approve');
    clock += 11 * 60_000;
    const late = await call(`${s.url}/approvals/${expiring.id}/approve`, {
      headers: { cookie, origin: s.url },
      form: { csrf },
    });
    expect(late.status).toBe(410);
    expect(store.get(expiring.id).approvedAt).toBeUndefined();
    expect(await openPage(s, expiring.id, cookie)).toContain('Expired at');

    const used = holdCall(store, 'Used');
    store.approve(used.id, 'cli');
    store.consume(used.id, used.call);
    const gone = await call(`${s.url}/approvals/${used.id}`, { headers: { cookie } });
    expect(gone.status).toBe(410);
    expect(gone.text).toContain('already used');

    const unknown = await call(`${s.url}/approvals/apr_${'a'.repeat(24)}`, { headers: { cookie } });
    expect(unknown.status).toBe(404);
    const malformed = await call(`${s.url}/approvals/apr_nope`, { headers: { cookie } });
    expect(malformed.status).toBe(404);
    const traversal = await call(`${s.url}/approvals/..%2f..%2fetc%2fpasswd`, { headers: { cookie } });
    expect(traversal.status).toBe(404);
  });

  it('renders an attacker-chosen user name as text', async () => {
    const s = await start();
    const record = holdCall(s.store, ATTACKER_NAME);
    const page = await call(`${s.url}/approvals/${record.id}`, { headers: bearer(APPROVER_TOKEN) });
    expect(page.text).not.toContain('<img');
    expect(page.text).not.toMatch(/<script/i);
    expect(page.text).toContain('name: &lt;img src=x onerror=&quot;document.title=&#39;pwned&#39;&quot;&gt;');
  });

  it('answers a wrong content type (415) and an oversized form (413) with nothing changed', async () => {
    const s = await start();
    const cookie = await signIn(s);
    const record = holdCall(s.store);
    const json = await call(`${s.url}/approvals/${record.id}/approve`, {
      headers: { cookie, origin: s.url, 'content-type': 'application/json' },
      form: { csrf: 'x' },
    });
    expect(json.status).toBe(415);
    const big = await call(`${s.url}/approvals/${record.id}/approve`, {
      headers: { cookie, origin: s.url },
      form: { csrf: 'x'.repeat(20_000) },
    });
    expect(big.status).toBe(413);
    const get = await call(`${s.url}/approvals/${record.id}/approve`, { headers: { cookie } });
    expect(get.status).toBe(405);
    expect(s.store.get(record.id).approvedAt).toBeUndefined();
  });

  it('signs out: the cookie stops working', async () => {
    const s = await start();
    const cookie = await signIn(s);
    expect((await call(`${s.url}/approvals`, { headers: { cookie } })).status).toBe(200);
    const out = await call(`${s.url}/approvals/logout`, { headers: { cookie, origin: s.url }, form: {} });
    expect(out.status).toBe(303);
    expect((await call(`${s.url}/approvals`, { headers: { cookie } })).status).toBe(401);
  });
});
