/**
 * Who is calling over HTTP: static bearer tokens (compared as SHA-256 digests in constant time), OAuth 2.1
 * access tokens (JWTs checked against the issuer's JWKS by jose, audience bound to this server's URL), or
 * nobody (loopback only, by explicit choice). The token only identifies the caller; it is never kept on
 * the principal, so nothing downstream can forward it to the tenant.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, type JWTPayload, errors as joseErrors, jwtVerify } from 'jose';

/** An authenticated MCP client. */
export interface Principal {
  /** Stable id for session binding and rate limits: `token-1`, `oauth:<iss>#<sub>`, `anonymous`. */
  readonly id: string;
  /** The profile its calls run under. */
  readonly profile: string;
  /** Whether it may approve held calls (OAuth scope `tenant-mcp:approve`). */
  readonly approver: boolean;
  /**
   * Whether the operator trusts it to confirm its own calls in its client (a token's `+elicitation`, the
   * OAuth scope `tenant-mcp:elicitation`); otherwise its held calls wait for a person out of band.
   */
  readonly elicitation: boolean;
  /** How it authenticated. */
  readonly via: 'token' | 'oauth' | 'none';
  /** The token's scopes (OAuth mode). */
  readonly scopes: readonly string[];
}

/** How clients authenticate, as configured. */
export type AuthSettings =
  | {
      /** No authentication (loopback only). */
      kind: 'none';
    }
  | {
      /** Static bearer tokens. */
      kind: 'tokens';
      /** Each a literal token or `sha256:<hex>` of one. */
      tokens: readonly string[];
      /** The profile each token runs under (same order as `tokens`); `undefined` means the server's `--profile`. */
      profiles?: readonly (string | undefined)[];
      /** Whether each token may confirm in its own client (same order as `tokens`; default no). */
      elicitation?: readonly boolean[];
    }
  | {
      /** OAuth 2.1 resource server. */
      kind: 'oauth';
      /** The authorization server's issuer identifier. */
      issuer: string;
      /** Its JWKS (default `{issuer}/.well-known/jwks.json`). */
      jwksUrl?: string;
    };

/** Why a request was not let in. */
export interface AuthFailure {
  /** 401 (no or bad credentials), 403 (valid, but no scope we know) or 503 (the issuer's keys are unreachable). */
  status: 401 | 403 | 503;
  /** RFC 6750 error code, when one applies. */
  error?: 'invalid_token' | 'insufficient_scope';
  /** A short reason for the client. */
  description: string;
}

/** Checks an `Authorization` header. */
export interface Authenticator {
  /** Which mode. */
  readonly kind: AuthSettings['kind'];
  /** The principal, or why not. */
  authenticate(header: string | undefined): Promise<Principal | AuthFailure>;
}

/** OAuth scopes that pick a profile, strongest first: the strongest one a token carries wins. */
export const SCOPE_PROFILES: ReadonlyArray<readonly [scope: string, profile: string]> = [
  ['tenant-mcp:admin', 'admin'],
  ['tenant-mcp:helpdesk', 'helpdesk'],
  ['tenant-mcp:read', 'read-only'],
];

/** The scope that lets a principal approve held calls on the approvals page. */
export const APPROVER_SCOPE = 'tenant-mcp:approve';

/** The scope that lets a principal confirm its own held calls in its client (a person's host, not a bot). */
export const ELICITATION_SCOPE = 'tenant-mcp:elicitation';

/** Signature algorithms accepted on access tokens (no `none`, no HMAC: the key is the issuer's public one). */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA'];

/** Tells a principal from a failure. */
export function isPrincipal(result: Principal | AuthFailure): result is Principal {
  return 'id' in result;
}

/**
 * Builds the authenticator. `resource` is this server's public MCP URL (the JWT audience) and
 * `defaultProfile` the profile static tokens and unauthenticated callers get.
 */
export function createAuthenticator(
  settings: AuthSettings,
  resource: string,
  defaultProfile: string,
): Authenticator {
  if (settings.kind === 'none') {
    const anonymous: Principal = {
      id: 'anonymous',
      profile: defaultProfile,
      approver: false,
      // Loopback without authentication: the operator chose to trust whoever runs here.
      elicitation: false,
      via: 'none',
      scopes: [],
    };
    return { kind: 'none', authenticate: async () => anonymous };
  }
  if (settings.kind === 'tokens')
    return tokenAuthenticator(settings.tokens, defaultProfile, settings.profiles, settings.elicitation);
  return oauthAuthenticator(settings, resource);
}

function bearer(header: string | undefined): string | undefined {
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

function tokenAuthenticator(
  tokens: readonly string[],
  defaultProfile: string,
  profiles: readonly (string | undefined)[] = [],
  elicitation: readonly boolean[] = [],
): Authenticator {
  const digests = tokens.map((token) =>
    /^sha256:[0-9a-f]{64}$/i.test(token) ? Buffer.from(token.slice(7), 'hex') : sha256(token),
  );
  const principals = digests.map(
    (_, index): Principal => ({
      id: `token-${index + 1}`,
      profile: profiles[index] ?? defaultProfile,
      approver: false,
      elicitation: elicitation[index] === true,
      via: 'token',
      scopes: [],
    }),
  );
  return {
    kind: 'tokens',
    async authenticate(header) {
      const token = bearer(header);
      if (!token) return { status: 401, description: 'A bearer token is required.' };
      const presented = sha256(token);
      let found = -1;
      // Compare with every configured digest, not stopping at a match, so timing says nothing.
      digests.forEach((digest, index) => {
        if (timingSafeEqual(digest, presented) && found === -1) found = index;
      });
      const principal = principals[found];
      return (
        principal ?? { status: 401, error: 'invalid_token', description: 'The bearer token is not valid.' }
      );
    },
  };
}

function oauthAuthenticator(
  settings: Extract<AuthSettings, { kind: 'oauth' }>,
  resource: string,
): Authenticator {
  const jwksUrl = settings.jwksUrl ?? `${settings.issuer.replace(/\/+$/, '')}/.well-known/jwks.json`;
  const jwks = createRemoteJWKSet(new URL(jwksUrl), { timeoutDuration: 5000 });
  return {
    kind: 'oauth',
    async authenticate(header) {
      const token = bearer(header);
      if (!token) return { status: 401, description: 'An OAuth access token is required.' };
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, jwks, {
          issuer: settings.issuer,
          audience: resource,
          algorithms: ALGORITHMS,
          requiredClaims: ['exp', 'sub'],
        }));
      } catch (error) {
        // Our side cannot check any token right now: say so, rather than blame the client's token.
        if (error instanceof joseErrors.JWKSTimeout || !(error instanceof joseErrors.JOSEError)) {
          return { status: 503, description: 'The issuer keys could not be fetched; try again shortly.' };
        }
        return { status: 401, error: 'invalid_token', description: describeJwtError(error) };
      }
      const scopes = scopesOf(payload);
      const profile = SCOPE_PROFILES.find(([scope]) => scopes.includes(scope))?.[1];
      if (!profile) {
        const approveOnly = scopes.includes(APPROVER_SCOPE);
        return {
          status: 403,
          error: 'insufficient_scope',
          description: approveOnly
            ? `The token carries ${APPROVER_SCOPE} only: approvers sign in on the approvals page in a browser; an MCP client needs one of ${SCOPE_PROFILES.map(([scope]) => scope).join(', ')}.`
            : `The token carries none of the scopes ${SCOPE_PROFILES.map(([scope]) => scope).join(', ')}.`,
        };
      }
      return {
        id: `oauth:${payload.iss}#${payload.sub}`,
        profile,
        approver: scopes.includes(APPROVER_SCOPE),
        elicitation: scopes.includes(ELICITATION_SCOPE),
        via: 'oauth',
        scopes,
      };
    },
  };
}

/** `scope` (space-separated, RFC 9068) or `scp` (an array, as some issuers send). */
function scopesOf(payload: JWTPayload): string[] {
  if (typeof payload.scope === 'string') return payload.scope.split(' ').filter(Boolean);
  if (Array.isArray(payload.scp))
    return payload.scp.filter((scope): scope is string => typeof scope === 'string');
  return [];
}

function describeJwtError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'The token has expired.';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return `The token's "${error.claim}" claim is not accepted here (${error.reason}).`;
  }
  if (
    error instanceof joseErrors.JWKSNoMatchingKey ||
    error instanceof joseErrors.JWSSignatureVerificationFailed
  ) {
    return 'The token is not signed by the issuer.';
  }
  return 'The token is malformed or not accepted.';
}
