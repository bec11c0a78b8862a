/**
 * HS256 JSON Web Tokens with node:crypto. The sandbox both issues and checks its tokens, so a shared
 * per-process key is enough; only `alg: HS256` is accepted, so `alg: none` and key-confusion tricks fail.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Claims the sandbox puts in (and reads from) an access token. */
export interface AccessTokenClaims {
  /** Issuer: the sandbox origin with a trailing slash, as Auth0 writes `https://{domain}/`. */
  iss: string;
  /** Subject: `{client_id}@clients` for client-credentials tokens. */
  sub: string;
  /** Audience: `{origin}/api/v2/`. */
  aud: string;
  /** Issued at, seconds since the epoch. */
  iat: number;
  /** Expiry, seconds since the epoch. */
  exp: number;
  /** Granted scopes, space-separated. */
  scope: string;
  /** Grant type, always `client-credentials` here. */
  gty: string;
  /** Authorised party: the client id. */
  azp: string;
}

/** Why a token was refused; each maps to one Auth0 401 message. */
export type TokenProblem = 'malformed' | 'signature' | 'expired' | 'audience';

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** Signs `claims` with `key` as a compact HS256 JWT. */
export function signJwt(claims: AccessTokenClaims, key: Buffer): string {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'tenant-mcp-sandbox' }));
  const body = b64url(JSON.stringify(claims));
  const signature = createHmac('sha256', key).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${signature}`;
}

/**
 * Checks signature, expiry (`nowSec`) and audience; returns the claims or the reason for refusal.
 */
export function verifyJwt(
  token: string,
  key: Buffer,
  nowSec: number,
  audience: string,
): { claims: AccessTokenClaims } | { problem: TokenProblem } {
  const parts = token.split('.');
  if (parts.length !== 3) return { problem: 'malformed' };
  const [head, body, signature] = parts as [string, string, string];
  let header: unknown;
  let claims: AccessTokenClaims;
  try {
    header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as AccessTokenClaims;
  } catch {
    return { problem: 'malformed' };
  }
  if ((header as { alg?: unknown } | null)?.alg !== 'HS256') return { problem: 'signature' };
  const expected = createHmac('sha256', key).update(`${head}.${body}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { problem: 'signature' };
  if (typeof claims.exp !== 'number' || claims.exp <= nowSec) return { problem: 'expired' };
  if (claims.aud !== audience) return { problem: 'audience' };
  return { claims };
}
