/**
 * The HTTP transport's settings from flags and environment, refused at start when unsafe: no
 * authentication is an explicit, loopback-only choice, and a bad value is one line naming it.
 */

import type { BlockList } from 'node:net';
import { ConfigError } from '../config.js';
import type { AuthSettings } from './auth.js';
import { isLoopback, parseTrustedProxies } from './guards.js';

/** HTTP flags the CLI parsed. */
export interface HttpFlags {
  /** `--host` (default 127.0.0.1). */
  host?: string;
  /** `--port` (default 8080). */
  port?: string;
  /** `--insecure-no-auth`. */
  insecureNoAuth?: boolean;
  /** `--stateless`. */
  stateless?: boolean;
}

/** Checked HTTP settings. */
export interface HttpSettings {
  /** Bind address. */
  host: string;
  /** Port. */
  port: number;
  /** Client authentication. */
  auth: AuthSettings;
  /** One server per request. */
  stateless: boolean;
  /** `TENANT_MCP_PUBLIC_URL`, when set. */
  publicUrl?: string;
  /** `TENANT_MCP_ALLOWED_ORIGINS`. */
  allowedOrigins: string[];
  /** `TENANT_MCP_RATE_LIMIT`. */
  rateLimit: { perSecond: number; burst: number };
  /** `TENANT_MCP_MAX_BODY_BYTES`. */
  maxBodyBytes: number;
  /** `TENANT_MCP_SHUTDOWN_GRACE_SECONDS` in milliseconds: how long SIGTERM waits for calls in flight. */
  shutdownGraceMs: number;
  /** `TENANT_MCP_TRUSTED_PROXIES`: peers whose `X-Forwarded-For` is believed (the load balancer). */
  trustedProxies?: BlockList;
  /** OAuth mode: the approvals page's client at the issuer, so approvers sign in with a browser. */
  approvalsClient?: { clientId: string; clientSecret?: string };
  /** Lines to print on stderr at start. */
  warnings: string[];
}

/** Environment variables the HTTP transport reads (documented in `--help`). */
export const HTTP_ENV_HELP = `  TENANT_MCP_HTTP_TOKEN       HTTP bearer tokens, comma-separated, each literal or sha256:<hex> of it,
                              optionally @profile (e.g. sha256:ab…@read-only) to run under that profile,
                              and +elicitation (@helpdesk+elicitation, @+elicitation) when a person
                              uses that client and may confirm held calls in it
  TENANT_MCP_APPROVER_TOKEN   the approvals page's own credential (/approvals), never an agent's token
  TENANT_MCP_APPROVAL_WEBHOOK POST {id, summary, url} here when a call is held for a person
  TENANT_MCP_OAUTH_ISSUER     OAuth mode: the issuer whose JWTs are accepted (instead of tokens)
  TENANT_MCP_OAUTH_JWKS_URL   its key set (default {issuer}/.well-known/jwks.json)
  TENANT_MCP_APPROVALS_CLIENT_ID      OAuth mode: the approvals page's client at the issuer (approvers sign
                                      in with a browser and need the scope tenant-mcp:approve)
  TENANT_MCP_APPROVALS_CLIENT_SECRET  its secret, for a confidential client (PKCE alone otherwise)
  TENANT_MCP_PUBLIC_URL       this server's public MCP URL, the token audience (default http://{host}:{port}/mcp)
  TENANT_MCP_ALLOWED_ORIGINS  browser origins allowed besides the server's own, comma-separated
  TENANT_MCP_RATE_LIMIT       requests a second per client and burst, e.g. 20:40 (default; 0 turns it off)
  TENANT_MCP_MAX_BODY_BYTES   largest request body (default 1048576)
  TENANT_MCP_SHUTDOWN_GRACE_SECONDS  on SIGTERM, how long calls in flight may finish (default 10)
  TENANT_MCP_TRUSTED_PROXIES  load balancers whose X-Forwarded-For names the client (addresses or CIDR,
                              comma-separated, e.g. 127.0.0.1,10.0.0.0/8); limits and lockouts key on it
  TENANT_MCP_REDIS_URL        state shared by replicas (approvals, declines, limits, lockouts, approvals
                              page sessions, single-use markers): redis://[user:pass@]host:port[/db] or rediss://
  TENANT_MCP_REDIS_NAMESPACE  prefix of every key (default tenant-mcp)
  TENANT_MCP_REDIS_TIMEOUT_MS a Redis command slower than this counts as Redis down (default 1000)
  TENANT_MCP_REDIS_DEGRADED   reads: read operations go on while Redis is down, metered per replica
                              (default none: every MCP request is refused until Redis is back)`;

/** What a token entry ends with when its client is a person's host and may confirm in it. */
export const ELICITATION_SUFFIX = '+elicitation';

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** Reads and checks the HTTP settings; throws {@link ConfigError} naming the setting. */
export function httpSettingsFrom(flags: HttpFlags, env: NodeJS.ProcessEnv): HttpSettings {
  const host = flags.host?.trim() || '127.0.0.1';
  const port = flags.port === undefined ? 8080 : Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`--port "${flags.port}" is not a port number (0-65535).`);
  }
  const warnings: string[] = [];
  // Each entry is a token (or sha256:<hex> of one), optionally `@profile` to run it under another profile
  // than --profile, so one server can serve a read-only audit agent and an admin side by side.
  // `+elicitation` after the profile says a person uses that client, so it may confirm its own held calls;
  // without it an HTTP client never receives a confirmation form (it may be the agent itself).
  const entries = list(env.TENANT_MCP_HTTP_TOKEN).map((entry) => {
    const at = entry.lastIndexOf('@');
    if (at <= 0) return { token: entry, profile: undefined, elicitation: false };
    let suffix = entry.slice(at + 1);
    const elicitation = suffix.endsWith(ELICITATION_SUFFIX);
    if (elicitation) suffix = suffix.slice(0, -ELICITATION_SUFFIX.length);
    if (suffix.includes('+')) {
      throw new ConfigError(
        `TENANT_MCP_HTTP_TOKEN: "@${entry.slice(at + 1)}" is not @profile or @profile${ELICITATION_SUFFIX}.`,
      );
    }
    return {
      token: entry.slice(0, at),
      profile: suffix || undefined,
      elicitation,
      bare: !elicitation && !suffix,
    };
  });
  const tokens = entries.map((entry) => entry.token);
  const emptyProfile = entries.find((entry) => 'bare' in entry && entry.bare);
  if (emptyProfile)
    throw new ConfigError('TENANT_MCP_HTTP_TOKEN: a token ends with "@" but names no profile.');
  const issuer = env.TENANT_MCP_OAUTH_ISSUER?.trim();
  let auth: AuthSettings;
  if (tokens.length && issuer) {
    throw new ConfigError('TENANT_MCP_HTTP_TOKEN and TENANT_MCP_OAUTH_ISSUER are both set: choose one.');
  }
  if (flags.insecureNoAuth && (tokens.length || issuer)) {
    throw new ConfigError('--insecure-no-auth contradicts the authentication configured in the environment.');
  }
  if (tokens.length) {
    const weak = tokens.find((token) => !/^sha256:[0-9a-f]{64}$/i.test(token) && token.length < 16);
    if (weak !== undefined) {
      throw new ConfigError(
        'TENANT_MCP_HTTP_TOKEN: each token needs at least 16 characters (or give sha256:<hex>).',
      );
    }
    auth = {
      kind: 'tokens',
      tokens,
      ...(entries.some((entry) => entry.profile) ? { profiles: entries.map((entry) => entry.profile) } : {}),
      ...(entries.some((entry) => entry.elicitation)
        ? { elicitation: entries.map((entry) => entry.elicitation) }
        : {}),
    };
  } else if (issuer) {
    const jwksUrl = env.TENANT_MCP_OAUTH_JWKS_URL?.trim() || undefined;
    checkSecureUrl(issuer, 'TENANT_MCP_OAUTH_ISSUER');
    if (jwksUrl) checkSecureUrl(jwksUrl, 'TENANT_MCP_OAUTH_JWKS_URL');
    auth = { kind: 'oauth', issuer, ...(jwksUrl ? { jwksUrl } : {}) };
  } else if (flags.insecureNoAuth) {
    if (!isLoopback(host)) {
      throw new ConfigError(`--insecure-no-auth is only accepted on a loopback address, not ${host}.`);
    }
    warnings.push(
      'tenant-mcp: WARNING: --insecure-no-auth: any local process or user can call this server; use it for local testing only.',
    );
    auth = { kind: 'none' };
  } else if (!isLoopback(host)) {
    throw new ConfigError(
      `Refusing to listen on ${host} without authentication: set TENANT_MCP_HTTP_TOKEN or TENANT_MCP_OAUTH_ISSUER.`,
    );
  } else {
    throw new ConfigError(
      'HTTP needs client authentication: set TENANT_MCP_HTTP_TOKEN or TENANT_MCP_OAUTH_ISSUER (or pass --insecure-no-auth on loopback).',
    );
  }

  const publicUrl = env.TENANT_MCP_PUBLIC_URL?.trim() || undefined;
  if (publicUrl) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(publicUrl);
    } catch {}
    if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
      throw new ConfigError(`TENANT_MCP_PUBLIC_URL "${publicUrl}" is not an http(s) URL.`);
    }
  }
  const clientId = env.TENANT_MCP_APPROVALS_CLIENT_ID?.trim() || undefined;
  const clientSecret = env.TENANT_MCP_APPROVALS_CLIENT_SECRET?.trim() || undefined;
  if ((clientId || clientSecret) && auth.kind !== 'oauth') {
    throw new ConfigError(
      'TENANT_MCP_APPROVALS_CLIENT_ID is for OAuth mode (TENANT_MCP_OAUTH_ISSUER); with tokens, approvers use TENANT_MCP_APPROVER_TOKEN.',
    );
  }
  if (clientSecret && !clientId) {
    throw new ConfigError(
      'TENANT_MCP_APPROVALS_CLIENT_SECRET is set without TENANT_MCP_APPROVALS_CLIENT_ID.',
    );
  }
  const allowedOrigins = list(env.TENANT_MCP_ALLOWED_ORIGINS);
  for (const origin of allowedOrigins) {
    if (!/^https?:\/\/[^/]+\/?$/i.test(origin)) {
      throw new ConfigError(
        `TENANT_MCP_ALLOWED_ORIGINS: "${origin}" is not an origin (scheme://host[:port]).`,
      );
    }
  }
  const proxiesText = env.TENANT_MCP_TRUSTED_PROXIES?.trim() || undefined;
  let trustedProxies: BlockList | undefined;
  if (proxiesText) {
    const parsed = parseTrustedProxies(proxiesText);
    if ('bad' in parsed) {
      throw new ConfigError(
        `TENANT_MCP_TRUSTED_PROXIES: "${parsed.bad.slice(0, 60)}" is not an IP address or CIDR range (e.g. 127.0.0.1, 10.0.0.0/8, ::1).`,
      );
    }
    trustedProxies = parsed.list;
  }
  return {
    host,
    port,
    auth,
    ...(trustedProxies ? { trustedProxies } : {}),
    stateless: flags.stateless === true,
    ...(publicUrl ? { publicUrl } : {}),
    allowedOrigins,
    rateLimit: parseRateLimit(env.TENANT_MCP_RATE_LIMIT),
    maxBodyBytes: parseBodyLimit(env.TENANT_MCP_MAX_BODY_BYTES),
    shutdownGraceMs: parseGrace(env.TENANT_MCP_SHUTDOWN_GRACE_SECONDS),
    ...(clientId ? { approvalsClient: { clientId, ...(clientSecret ? { clientSecret } : {}) } } : {}),
    warnings,
  };
}

function checkSecureUrl(value: string, setting: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${setting} "${value}" is not a URL.`);
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname))) return;
  throw new ConfigError(`${setting} must use https:// (http:// only on loopback), not ${value}.`);
}

function parseRateLimit(value: string | undefined): { perSecond: number; burst: number } {
  if (!value?.trim()) return { perSecond: 20, burst: 40 };
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?::\s*(\d+))?\s*$/.exec(value);
  if (!match)
    throw new ConfigError(`TENANT_MCP_RATE_LIMIT "${value}" must be RATE or RATE:BURST, e.g. 20:40.`);
  const perSecond = Number(match[1]);
  const burst = match[2] === undefined ? Math.max(1, Math.ceil(perSecond * 2)) : Number(match[2]);
  if (perSecond > 0 && burst < 1)
    throw new ConfigError(`TENANT_MCP_RATE_LIMIT "${value}": the burst must be at least 1.`);
  return { perSecond, burst };
}

function parseBodyLimit(value: string | undefined): number {
  if (!value?.trim()) return 1024 * 1024;
  const bytes = Number(value);
  if (!Number.isInteger(bytes) || bytes < 1024 || bytes > 64 * 1024 * 1024) {
    throw new ConfigError(
      `TENANT_MCP_MAX_BODY_BYTES "${value}" must be a whole number from 1024 to 67108864.`,
    );
  }
  return bytes;
}

function parseGrace(value: string | undefined): number {
  if (!value?.trim()) return 10_000;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 300) {
    throw new ConfigError(
      `TENANT_MCP_SHUTDOWN_GRACE_SECONDS "${value}" must be a whole number of seconds from 0 to 300.`,
    );
  }
  return seconds * 1000;
}
