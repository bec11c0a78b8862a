/**
 * The approvals page (`/approvals`, `/approvals/<id>`): where a person sees a held destructive call's
 * summary and approves or denies it from a browser. It answers only to the approver's own credential
 * (`TENANT_MCP_APPROVER_TOKEN`, as a bearer header or through its login form, or an OAuth principal
 * the server says holds the approver scope), never to the agent's MCP token. Every POST must come from
 * the public origin and carry a per-form token; pages carry no script and forbid framing.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApprovalError, type ApprovalRecord, type ApprovalStore } from '../../policy/approvals.js';
import { SharedStateUnavailable } from '../../shared/redis.js';
import type { ApproverLogin } from './approver-login.js';
import { createMemoryPageState, type PageState } from './page-state.js';

/** How long a browser session on the approvals page lasts. */
export const APPROVER_SESSION_TTL_MS = 8 * 60 * 60_000;

/** Shortest approver token accepted; a short one could be guessed through the login form. */
export const MIN_APPROVER_TOKEN_LENGTH = 16;

/** Headers every answer carries: no script may run, no one may frame it, nothing is cached. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  // Not `no-referrer`: under it Chromium sends `Origin: null` on the page's own POSTs, which would defeat
  // the same-origin check. `same-origin` still sends nothing (no approval link) to any other site.
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

const MAX_FORM_BYTES = 8 * 1024;
const LOGIN_FAILURES_ALLOWED = 10;
const LOGIN_FAILURE_WINDOW_MS = 10 * 60_000;
const ID_SEGMENT = /^apr_[a-z0-9]{24}$/;

/** What the HTTP server knows about a request when it hands it to a route. */
export interface ApprovalsRequestContext<P = unknown> {
  /** The principal the server authenticated from the request's own credential, if any. */
  principal?: P | undefined;
  /** The server's public base URL, used when the routes were made without `publicUrl`. */
  baseUrl?: string | undefined;
  /** The client's address as the server determined it (behind a trusted proxy, the forwarded one). */
  address?: string | undefined;
}

/** A route: answers the request and resolves `true`, or resolves `false` when the path is not its own. */
export type ApprovalsRoute<P = unknown> = (
  req: IncomingMessage,
  res: ServerResponse,
  ctx?: ApprovalsRequestContext<P>,
) => Promise<boolean>;

/** Options of {@link createApprovalsRoutes}. */
export interface ApprovalsRoutesOptions {
  /** Where held calls are kept. */
  store: ApprovalStore;
  /** The approver's secret (`TENANT_MCP_APPROVER_TOKEN`); never one of the MCP clients' tokens. */
  approverToken?: string | undefined;
  /**
   * In OAuth mode: a person signs in with the issuer in the browser (authorization code with PKCE) and is
   * an approver when granted `tenant-mcp:approve`. Bearer tokens never open the page in this mode: an MCP
   * client's access token is the agent's, whatever scopes it carries.
   */
  login?: ApproverLogin | undefined;
  /** The issuer's name on the sign-in button. */
  issuerName?: string | undefined;
  /** The MCP clients' tokens; an approver token equal to one of them is refused at start. */
  agentTokens?: readonly string[] | undefined;
  /**
   * The server's public base URL (scheme, host, port, optional path): POSTs must come from its origin.
   * Default: the `baseUrl` the HTTP server passes with each request.
   */
  publicUrl?: string | undefined;
  /** Clock, epoch milliseconds. */
  now?: () => number;
  /** Diagnostics (stderr). */
  log?: (line: string) => void;
  /** Sessions, submitted forms and wrong credentials (default: this process; with Redis, all replicas). */
  state?: PageState;
  /**
   * The key of per-form tokens; the same on every replica so a form served by one is accepted by another
   * (default: random, this process only).
   */
  formKey?: Uint8Array;
}

/** Who is approving, once authenticated. */
interface Approver {
  /** Recorded in the approval as `approvedBy`/`deniedBy`. */
  name: string;
  /** What per-form tokens are bound to: the session, the token, or the principal. */
  binding: string;
  /** A browser session (shows a log-out button). */
  session?: string;
}

/** Raised inside a handler to answer with a page saying why. */
class PageError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Creates the approvals routes. Throws when no approver credential is configured, when the approver
 * token is short, or when it equals an MCP client's token (the agent would then hold it).
 */
export function createApprovalsRoutes<P = unknown>(options: ApprovalsRoutesOptions): ApprovalsRoute<P> {
  const { store } = options;
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => {});
  const approverToken = options.approverToken || undefined;
  if (!approverToken && !options.login) {
    throw new Error(
      'The approvals page needs an approver credential: set TENANT_MCP_APPROVER_TOKEN, or in OAuth mode TENANT_MCP_APPROVALS_CLIENT_ID for sign-in with the issuer.',
    );
  }
  const oauthLogin = options.login;
  if (approverToken && approverToken.length < MIN_APPROVER_TOKEN_LENGTH) {
    throw new Error(
      `TENANT_MCP_APPROVER_TOKEN must be at least ${MIN_APPROVER_TOKEN_LENGTH} characters (e.g. \`openssl rand -hex 32\`).`,
    );
  }
  if (approverToken && options.agentTokens?.some((token) => isSameToken(token, approverToken))) {
    throw new Error(
      "TENANT_MCP_APPROVER_TOKEN equals an MCP client's token; the approver needs a secret the agent does not hold.",
    );
  }
  const formKey = options.formKey ?? randomBytes(32);
  const memory = options.state ?? createMemoryPageState(now);

  function formToken(approver: Approver, id: string, action: string): string {
    return createHmac('sha256', formKey).update(`${approver.binding}\n${id}\n${action}`).digest('base64url');
  }

  /** The routes for one public base URL (its origin and path decide the CSRF check and the cookie). */
  function forSite(base: string): ApprovalsRoute<P> {
    const publicUrl = new URL(base);
    const origin = publicUrl.origin;
    const basePath = publicUrl.pathname.replace(/\/+$/, '');
    const root = `${basePath}/approvals`;
    const secure = publicUrl.protocol === 'https:';
    // `__Host-` pins the cookie to this exact host and path `/`, so a sibling subdomain cannot plant one.
    const cookieName = secure ? '__Host-tenant-mcp-approver' : 'tenant-mcp-approver';
    const cookiePath = secure ? '/' : root;

    async function authenticate(req: IncomingMessage, address: string): Promise<Approver | undefined> {
      const header = req.headers.authorization;
      if (header !== undefined) {
        // A bearer header is a guess like the login form's, and shares its allowance per address.
        if (!(await loginAllowed(address))) {
          throw new PageError(
            429,
            'Too many wrong credentials',
            'Too many wrong credentials from this address; wait ten minutes and try again.',
          );
        }
        const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
        if (bearer && approverToken && sameSecret(bearer, approverToken))
          return { name: 'approver token', binding: 'token' };
        await loginFailed(address);
        throw new PageError(
          403,
          'Not the approver credential',
          oauthLogin
            ? 'Access tokens do not open approvals, whatever their scopes: an approver signs in here with the issuer, in a browser.'
            : "This credential cannot open approvals: the approvals page takes the approver's own token, never an MCP client's.",
        );
      }
      const sid = readCookie(req.headers.cookie, cookieName);
      if (sid) {
        const session = await memory.session(sid);
        if (session) return { name: session.name, binding: `session:${sid}`, session: sid };
      }
      return undefined;
    }

    /** A POST must come from the page itself: its Origin (or, lacking one, its Referer) is the public origin. */
    function checkSameOrigin(req: IncomingMessage): void {
      const claimed = req.headers.origin ?? refererOrigin(req.headers.referer);
      if (claimed !== origin) {
        throw new PageError(
          403,
          'Refused: not from this page',
          `This form was not sent from ${origin}, so it was refused and nothing changed.`,
        );
      }
    }

    const loginAllowed = (address: string) => memory.loginAllowed(address, LOGIN_FAILURES_ALLOWED);
    const loginFailed = (address: string) => memory.loginFailed(address, LOGIN_FAILURE_WINDOW_MS);
    const newSession = (name: string) => memory.openSession(name, APPROVER_SESSION_TTL_MS);

    /** The sign-in flow's cookie: Lax, since it must come back on the issuer's top-level redirect. */
    const flowCookieName = secure ? '__Host-tenant-mcp-login' : 'tenant-mcp-login';
    function flowCookie(value: string, maxAgeSeconds: number): string {
      return [
        `${flowCookieName}=${value}`,
        `Path=${cookiePath}`,
        `Max-Age=${maxAgeSeconds}`,
        'HttpOnly',
        'SameSite=Lax',
        ...(secure ? ['Secure'] : []),
      ].join('; ');
    }

    function sessionCookie(value: string, maxAgeSeconds: number): string {
      return [
        `${cookieName}=${value}`,
        `Path=${cookiePath}`,
        `Max-Age=${maxAgeSeconds}`,
        'HttpOnly',
        'SameSite=Strict',
        ...(secure ? ['Secure'] : []),
      ].join('; ');
    }

    // ---- pages -------------------------------------------------------------------------------------

    function layout(title: string, body: Html, approver?: Approver): string {
      const logout = approver?.session
        ? html`<form method="post" action="${root}/logout" class="logout">
          <span>Signed in as ${approver.name}</span> <button type="submit">Sign out</button>
        </form>`
        : approver
          ? html`<span class="who">Approver: ${approver.name}</span>`
          : html``;
      return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · tenant-mcp approvals</title>
<link rel="stylesheet" href="${root}/style.css">
</head>
<body>
<header><a href="${root}" class="brand">tenant-mcp approvals</a>${logout}</header>
<main>
${body}
</main>
</body>
</html>
`.text;
    }

    function loginPage(next: string, message?: string): string {
      const withIssuer = oauthLogin
        ? html`<p><a class="button" href="${root}/login/oauth?next=${encodeURIComponent(next)}">Sign in with ${options.issuerName ?? 'the issuer'}</a></p>
<p class="note">You need an account the issuer grants <code>tenant-mcp:approve</code>. An MCP client's access token does not open this page.</p>`
        : html``;
      if (!approverToken) {
        return layout(
          'Sign in',
          html`<h1>Sign in to approve</h1>
<p>Held calls wait here for a person.</p>
${message ? html`<p class="error" role="alert">${message}</p>` : html``}
${withIssuer}`,
        );
      }
      return layout(
        'Sign in',
        html`<h1>Sign in to approve</h1>
<p>Held calls wait here for a person. Paste the approver token (<code>TENANT_MCP_APPROVER_TOKEN</code>); an MCP client's token does not work here.</p>
${message ? html`<p class="error" role="alert">${message}</p>` : html``}
${withIssuer}
<form method="post" action="${root}/login" class="login">
<input type="hidden" name="next" value="${next}">
<label>Your name (recorded with each decision)<input name="name" autocomplete="name" required maxlength="64"></label>
<label>Approver token<input name="token" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button>
</form>`,
      );
    }

    async function listPage(approver: Approver): Promise<string> {
      const pending = await store.listPending();
      const rows = pending.map(
        (record) => html`<tr>
<td><a href="${root}/${record.id}">${record.operation}</a></td>
<td>${record.tenant}</td>
<td><span class="risk risk-${record.risk}">${record.risk}</span></td>
<td>${time(record.createdAt)}</td>
<td>${time(record.expiresAt)} (${remaining(record.expiresAt - now())})</td>
<td>${stateOf(record, now())}</td>
</tr>`,
      );
      const table = pending.length
        ? html`<table>
<thead><tr><th>Operation</th><th>Tenant</th><th>Risk</th><th>Requested</th><th>Expires</th><th>State</th></tr></thead>
<tbody>${rows}</tbody>
</table>`
        : html`<p class="empty">No calls are waiting for a person.</p>`;
      return layout('Waiting calls', html`<h1>Calls waiting for a person</h1>${table}`, approver);
    }

    function detailPage(record: ApprovalRecord, approver: Approver): string {
      const state = stateOf(record, now());
      const decided =
        state === 'approved'
          ? html`<p class="outcome approved">Approved by ${record.approvedBy ?? 'a person'} at ${time(record.approvedAt!)}. The agent can now repeat its call once.</p>`
          : state === 'denied'
            ? html`<p class="outcome denied">Denied by ${record.deniedBy ?? 'a person'} at ${time(record.deniedAt!)}. The call will not run.</p>`
            : state === 'expired'
              ? html`<p class="outcome expired">Expired at ${time(record.expiresAt)}; the agent must ask again.</p>`
              : html`<div class="decide">
<form method="post" action="${root}/${record.id}/approve">
<input type="hidden" name="csrf" value="${formToken(approver, record.id, 'approve')}">
<button type="submit" class="approve">Approve</button>
</form>
<form method="post" action="${root}/${record.id}/deny">
<input type="hidden" name="csrf" value="${formToken(approver, record.id, 'deny')}">
<button type="submit" class="deny">Deny</button>
</form>
</div>
<p class="note">Approving lets this exact call run once, before ${time(record.expiresAt)}. Denying is final.</p>`;
      return layout(
        `${record.operation} on ${record.tenant}`,
        html`<h1>${record.operation} <span class="on">on</span> ${record.tenant}</h1>
<dl>
<dt>Approval</dt><dd><code>${record.id}</code></dd>
<dt>Risk</dt><dd><span class="risk risk-${record.risk}">${record.risk}</span></dd>
<dt>Requested</dt><dd>${time(record.createdAt)}</dd>
<dt>Expires</dt><dd>${time(record.expiresAt)} (${remaining(record.expiresAt - now())})</dd>
<dt>State</dt><dd>${state}</dd>
</dl>
<h2>What will happen</h2>
<pre class="summary">${record.summary}</pre>
${decided}
<p><a href="${root}">All waiting calls</a></p>`,
        approver,
      );
    }

    function errorPage(error: PageError, approver?: Approver): string {
      return layout(
        error.title,
        html`<h1>${error.title}</h1><p class="error" role="alert">${error.message}</p><p><a href="${root}">All waiting calls</a></p>`,
        approver,
      );
    }

    // ---- handlers ----------------------------------------------------------------------------------

    async function login(req: IncomingMessage, res: ServerResponse, address: string): Promise<void> {
      checkSameOrigin(req);
      const form = await readForm(req);
      const next = safeNext(form.get('next'), root);
      if (!approverToken)
        throw new PageError(404, 'No approver token', 'This server takes approvers through OAuth only.');
      if (!(await loginAllowed(address))) {
        send(
          res,
          429,
          loginPage(next, 'Too many wrong tokens from this address; wait ten minutes and try again.'),
        );
        return;
      }
      const token = form.get('token') ?? '';
      if (!sameSecret(token, approverToken)) {
        await loginFailed(address);
        log(`tenant-mcp: approvals page: wrong approver token from ${address}`);
        send(res, 401, loginPage(next, 'That is not the approver token.'));
        return;
      }
      const name = cleanName(form.get('name') ?? '');
      if (!name) {
        send(res, 400, loginPage(next, 'Give your name: it is recorded with each decision.'));
        return;
      }
      const sid = await newSession(`${name} (approvals page)`);
      send(res, 303, '', {
        location: next,
        'set-cookie': sessionCookie(sid, Math.floor(APPROVER_SESSION_TTL_MS / 1000)),
      });
    }

    async function decide(
      req: IncomingMessage,
      res: ServerResponse,
      approver: Approver,
      id: string,
      action: 'approve' | 'deny',
    ): Promise<void> {
      const form = await readForm(req);
      const given = form.get('csrf') ?? '';
      if (!sameSecret(given, formToken(approver, id, action))) {
        throw new PageError(
          403,
          'Refused: stale or missing form',
          'This form carries no valid form token for this approval, so nothing changed. Open the approval again and use its buttons.',
        );
      }
      // Taken in the page's memory (shared by replicas with Redis) before anything else, so one form acts once.
      const formKeyUsed = `${approver.binding}\n${id}\n${action}`;
      const record = await store.get(id);
      if (!(await memory.claimForm(formKeyUsed, record.expiresAt))) {
        throw new PageError(
          409,
          'Already submitted',
          'This form was already submitted once; nothing changed.',
        );
      }
      const state = stateOf(record, now());
      if (state !== 'waiting') {
        throw new PageError(
          state === 'expired' ? 410 : 409,
          `Already ${state}`,
          `Approval ${id} is already ${state}; nothing changed.`,
        );
      }
      if (action === 'approve') await store.approve(id, approver.name);
      else await store.deny(id, approver.name);
      log(
        `tenant-mcp: approval ${id} (${record.operation} on "${record.tenant}") ${action === 'approve' ? 'approved' : 'denied'} by ${approver.name} on the approvals page`,
      );
      send(res, 303, '', { location: `${root}/${id}` });
    }

    async function handle(
      req: IncomingMessage,
      res: ServerResponse,
      rest: string,
      address: string,
    ): Promise<void> {
      const method = req.method ?? 'GET';
      const segments = rest.split('/').filter(Boolean);
      if (segments.length === 1 && segments[0] === 'style.css') {
        if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
        send(res, 200, method === 'HEAD' ? '' : STYLE, {
          'content-type': 'text/css; charset=utf-8',
          'cache-control': 'max-age=300',
        });
        return;
      }
      if (segments.length === 1 && segments[0] === 'login') {
        if (method === 'POST') return login(req, res, address);
        if (method !== 'GET') return methodNotAllowed(res, 'GET, POST');
        const next = safeNext(new URL(req.url ?? '/', origin).searchParams.get('next') ?? undefined, root);
        send(res, 200, loginPage(next));
        return;
      }
      if (segments.length === 2 && segments[0] === 'login' && segments[1] === 'oauth') {
        if (method !== 'GET') return methodNotAllowed(res, 'GET');
        if (!oauthLogin)
          throw new PageError(
            404,
            'Not found',
            'This server signs approvers in with its approver token only.',
          );
        const next = safeNext(new URL(req.url ?? '/', origin).searchParams.get('next') ?? undefined, root);
        const started = await oauthLogin.start(`${origin}${root}/callback`, next);
        send(res, 303, '', { location: started.location, 'set-cookie': flowCookie(started.flow, 600) });
        return;
      }
      if (segments.length === 1 && segments[0] === 'callback') {
        if (method !== 'GET') return methodNotAllowed(res, 'GET');
        if (!oauthLogin)
          throw new PageError(
            404,
            'Not found',
            'This server signs approvers in with its approver token only.',
          );
        const result = await oauthLogin.finish(
          new URL(req.url ?? '/', origin),
          readCookie(req.headers.cookie, flowCookieName),
          `${origin}${root}/callback`,
        );
        if (!result.ok) {
          send(res, result.status, loginPage(root, result.message), { 'set-cookie': flowCookie('', 0) });
          return;
        }
        const sid = await newSession(result.name);
        // A 200 page that links on, not a redirect: the browser arrived from the issuer's site, and a
        // SameSite=Strict cookie set now is only sent on a navigation that starts here.
        send(
          res,
          200,
          layout(
            'Signed in',
            html`<h1>Signed in</h1><p>Signed in as ${result.name}.</p><p><a class="button" href="${result.next}">Continue</a></p>`,
          ).replace(
            '<meta charset="utf-8">',
            `<meta charset="utf-8">\n<meta http-equiv="refresh" content="0; url=${escapeHtml(result.next)}">`,
          ),
          {
            'set-cookie': [sessionCookie(sid, Math.floor(APPROVER_SESSION_TTL_MS / 1000)), flowCookie('', 0)],
          },
        );
        return;
      }
      if (segments.length === 1 && segments[0] === 'logout') {
        if (method !== 'POST') return methodNotAllowed(res, 'POST');
        checkSameOrigin(req);
        const sid = readCookie(req.headers.cookie, cookieName);
        if (sid) await memory.closeSession(sid);
        send(res, 303, '', { location: `${root}/login`, 'set-cookie': sessionCookie('', 0) });
        return;
      }
      const id = segments[0];
      const action = segments[1];
      const known =
        segments.length === 0 ||
        (segments.length === 1 && ID_SEGMENT.test(id!)) ||
        (segments.length === 2 && ID_SEGMENT.test(id!) && (action === 'approve' || action === 'deny'));
      if (!known)
        throw new PageError(
          404,
          'Not found',
          'There is no such page; approvals look like apr_ and 24 letters or digits.',
        );
      if (method === 'POST') checkSameOrigin(req);
      const approver = await authenticate(req, address);
      if (!approver) {
        const next = rest && segments.length === 1 ? `${root}/${id}` : root;
        send(res, 401, loginPage(next));
        return;
      }
      try {
        if (segments.length === 2) {
          if (method !== 'POST') return methodNotAllowed(res, 'POST');
          return await decide(req, res, approver, id!, action as 'approve' | 'deny');
        }
        if (method !== 'GET') return methodNotAllowed(res, 'GET');
        if (segments.length === 0) {
          send(res, 200, await listPage(approver));
          return;
        }
        send(res, 200, detailPage(await store.get(id!), approver));
      } catch (error) {
        throw attachApprover(error, approver);
      }
    }

    return async (req, res, ctx) => {
      const path = pathOf(req.url);
      let rest: string;
      if (path === root || path === `${root}/`) rest = '';
      else if (path.startsWith(`${root}/`)) rest = path.slice(root.length);
      else return false;
      try {
        await handle(req, res, rest, ctx?.address ?? req.socket.remoteAddress ?? 'unknown');
      } catch (error) {
        const approver = (error as { approver?: Approver }).approver;
        const pageError = toPageError(error, log);
        if (!res.headersSent) send(res, pageError.status, errorPage(pageError, approver));
        else res.destroy();
      }
      return true;
    };
  }

  const fixed = options.publicUrl ? forSite(options.publicUrl) : undefined;
  const sites = new Map<string, ApprovalsRoute<P>>();
  return async (req, res, ctx) => {
    if (fixed) return fixed(req, res, ctx);
    const base = ctx?.baseUrl;
    if (!base) throw new Error('approvals page: no publicUrl option and no baseUrl from the HTTP server');
    let route = sites.get(base);
    if (!route) {
      route = forSite(base);
      if (sites.size < 8) sites.set(base, route);
    }
    return route(req, res, ctx);
  };
}

// ---- helpers ---------------------------------------------------------------------------------------

/** HTML whose every interpolated value is escaped, unless it is itself {@link Html}. */
class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  const piece = (value: unknown): string =>
    value instanceof Html
      ? value.text
      : Array.isArray(value)
        ? value.map(piece).join('')
        : escapeHtml(value ?? '');
  return new Html(strings.reduce((out, s, i) => out + s + (i < values.length ? piece(values[i]) : ''), ''));
}

type State = 'waiting' | 'approved' | 'denied' | 'expired';

function stateOf(record: ApprovalRecord, now: number): State {
  if (record.deniedAt) return 'denied';
  if (record.approvedAt) return 'approved';
  if (now > record.expiresAt) return 'expired';
  return 'waiting';
}

function time(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function remaining(ms: number): string {
  if (ms <= 0) return 'expired';
  const minutes = Math.floor(ms / 60_000);
  return minutes >= 1 ? `in ${minutes} min` : `in ${Math.ceil(ms / 1000)} s`;
}

/** Compares two secrets in time independent of where they differ (hashing evens out the lengths). */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** Whether an MCP client's configured token (literal, or `sha256:<hex>` of one) is the approver token. */
function isSameToken(configured: string, approverToken: string): boolean {
  if (/^sha256:[0-9a-f]{64}$/i.test(configured)) {
    return configured.slice(7).toLowerCase() === createHash('sha256').update(approverToken).digest('hex');
  }
  return sameSecret(configured, approverToken);
}

function cleanName(name: string): string {
  return name
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, '')
    .trim()
    .slice(0, 64);
}

function pathOf(url: string | undefined): string {
  try {
    return new URL(url ?? '/', 'http://localhost').pathname;
  } catch {
    return '';
  }
}

function refererOrigin(referer: string | undefined): string | undefined {
  if (!referer) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return undefined;
  }
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/** Where to go after signing in: only this page's own paths, so the form cannot redirect elsewhere. */
function safeNext(next: string | null | undefined, root: string): string {
  if (next && (next === root || new RegExp(`^${escapeRegExp(root)}/apr_[a-z0-9]{24}$`).test(next)))
    return next;
  return root;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new PageError(
      415,
      'Unsupported form',
      'Send the form as application/x-www-form-urlencoded, as the page does.',
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES)
      throw new PageError(413, 'Form too large', `A form here is under ${MAX_FORM_BYTES} bytes.`);
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string | string[]> = {},
): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'text/html; charset=utf-8',
    ...headers,
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  send(res, 405, `Method not allowed; use ${allow}.\n`, {
    allow,
    'content-type': 'text/plain; charset=utf-8',
  });
}

function attachApprover(error: unknown, approver: Approver): unknown {
  if (error && typeof error === 'object') Object.assign(error, { approver });
  return error;
}

const APPROVAL_STATUS: Readonly<Record<string, number>> = {
  malformed: 404,
  unknown: 404,
  used: 410,
  expired: 410,
  denied: 409,
  pending: 409,
  mismatch: 409,
};

function toPageError(error: unknown, log: (line: string) => void): PageError {
  if (error instanceof PageError) return error;
  if (error instanceof SharedStateUnavailable) {
    return new PageError(
      503,
      'Approvals unavailable',
      `${error.message} Nothing changed; try again when Redis is back.`,
    );
  }
  if (error instanceof ApprovalError) {
    const status = APPROVAL_STATUS[error.code] ?? 409;
    return new PageError(
      status,
      status === 404 ? 'No such approval' : 'Cannot change this approval',
      error.message,
    );
  }
  const ref = randomBytes(4).toString('hex');
  log(`tenant-mcp: approvals page error ${ref}: ${(error as Error)?.stack ?? String(error)}`);
  return new PageError(500, 'Something went wrong', `The server failed (reference ${ref}); nothing changed.`);
}

/** The page's only style sheet, served from `/approvals/style.css` (the CSP allows no inline style). */
const STYLE = `:root { color-scheme: light dark; --fg: #1b1f24; --bg: #fff; --muted: #59636e; --line: #d1d9e0;
  --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --panel: #f6f8fa; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --line: #3d444d;
  --ok: #3fb950; --bad: #f85149; --warn: #d29922; --panel: #151b23; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; justify-content: space-between; align-items: center; gap: 1rem; padding: .75rem 1.5rem;
  border-bottom: 1px solid var(--line); background: var(--panel); }
header .brand { font-weight: 600; color: var(--fg); text-decoration: none; }
header form, header .who { display: flex; gap: .5rem; align-items: center; color: var(--muted); font-size: .9rem; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; overflow-wrap: anywhere; }
h1 .on { color: var(--muted); font-weight: 400; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
a { color: #0969da; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .85rem; color: var(--muted); font-weight: 600; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dt { color: var(--muted); }
dd { margin: 0; }
pre.summary { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--panel); border: 1px solid var(--line);
  border-radius: 6px; padding: 1rem; font: 14px/1.45 ui-monospace, SFMono-Regular, Menlo, monospace; }
.risk { padding: 0 .4rem; border-radius: 4px; border: 1px solid currentColor; font-size: .85rem; }
.risk-destructive { color: var(--bad); }
.risk-write { color: var(--warn); }
.decide { display: flex; gap: 1rem; margin-top: 1.5rem; }
button { font: inherit; padding: .45rem 1.1rem; border-radius: 6px; border: 1px solid var(--line); background: var(--panel);
  color: var(--fg); cursor: pointer; }
button.approve { background: var(--ok); border-color: var(--ok); color: #fff; font-weight: 600; }
button.deny { background: var(--bad); border-color: var(--bad); color: #fff; font-weight: 600; }
a.button { display: inline-block; padding: .45rem 1.1rem; border-radius: 6px; border: 1px solid var(--line);
  background: var(--panel); color: var(--fg); text-decoration: none; font-weight: 600; }
.note, .empty { color: var(--muted); }
.outcome { padding: .75rem 1rem; border-radius: 6px; border: 1px solid currentColor; }
.outcome.approved { color: var(--ok); }
.outcome.denied, .error { color: var(--bad); }
.outcome.expired { color: var(--warn); }
form.login { display: grid; gap: 1rem; max-width: 24rem; }
form.login label { display: grid; gap: .25rem; }
input { font: inherit; padding: .4rem .5rem; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); }
`;
