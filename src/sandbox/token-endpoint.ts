/**
 * `POST /oauth/token` for the client-credentials grant, answering errors in OAuth's
 * `{ error, error_description }` shape as Auth0 does. Credentials come in the body (JSON or form) or as
 * HTTP Basic; a client may ask for fewer scopes than it is granted, never for more. Any application of
 * the tenant may ask: its secret, grant types and client grant to the Management API are read from the
 * tenant's state at each request, so an application created through the API gets exactly the scopes
 * its grant lists, and a rotated secret or a deleted grant takes effect at once.
 */
import { timingSafeEqual } from 'node:crypto';
import { type AccessTokenClaims, signJwt } from './jwt.js';

/** Token lifetime Auth0 uses for Management API tokens by default: 24 hours. */
export const TOKEN_LIFETIME_SEC = 86_400;

/** An application as the token endpoint sees it. */
export interface TokenClient {
  /** Its current secret (none for public applications). */
  secret: string | undefined;
  /** Grant types it may use. */
  grantTypes: readonly string[];
  /** Scopes of its client grant to the Management API; `undefined` when it has no grant there. */
  granted: readonly string[] | undefined;
}

/** What the endpoint needs to know. */
export interface TokenEndpointConfig {
  /** The application with that client id, read from the tenant's state; `undefined` when there is none. */
  client(clientId: string): TokenClient | undefined;
  /** Signing key. */
  key: Buffer;
  /** Sandbox origin, for `iss` and `aud`. */
  origin: string;
  /** Request time, epoch milliseconds. */
  nowMs: number;
}

function sameSecret(given: string | undefined, expected: string | undefined): boolean {
  if (given === undefined || expected === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The endpoint's answer, before serialisation. */
export interface TokenEndpointResult {
  /** HTTP status. */
  status: number;
  /** JSON body. */
  body: Record<string, unknown>;
}

function oauthError(status: number, error: string, description: string): TokenEndpointResult {
  return { status, body: { error, error_description: description } };
}

function basicCredentials(header: string | undefined): { id?: string; secret?: string } {
  const m = header ? /^Basic\s+(\S+)$/i.exec(header) : null;
  if (!m) return {};
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const split = decoded.indexOf(':');
  if (split < 0) return {};
  return {
    id: decodeURIComponent(decoded.slice(0, split)),
    secret: decodeURIComponent(decoded.slice(split + 1)),
  };
}

/** Handles one token request whose body has already been parsed. */
export function handleTokenRequest(
  body: unknown,
  authorization: string | undefined,
  config: TokenEndpointConfig,
): TokenEndpointResult {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return oauthError(400, 'invalid_request', 'Send the parameters as a JSON object or a form.');
  }
  const params = body as Record<string, unknown>;
  const text = (key: string) => (typeof params[key] === 'string' ? (params[key] as string) : undefined);
  const grantType = text('grant_type');
  if (!grantType) return oauthError(400, 'invalid_request', 'Missing required parameter: grant_type');
  const basic = basicCredentials(authorization);
  const clientId = text('client_id') ?? basic.id;
  const clientSecret = text('client_secret') ?? basic.secret;
  if (!clientId) return oauthError(401, 'access_denied', 'Missing required parameter: client_id');
  const client = config.client(clientId);
  if (!client || !sameSecret(clientSecret, client.secret)) {
    return oauthError(401, 'access_denied', 'Unauthorized');
  }
  if (grantType !== 'client_credentials' || !client.grantTypes.includes('client_credentials')) {
    return oauthError(403, 'unauthorized_client', `Grant type '${grantType}' not allowed for the client.`);
  }
  const audience = text('audience');
  const apiAudience = `${config.origin}/api/v2/`;
  // The host part is not compared: a client may reach the sandbox as localhost or 127.0.0.1.
  if (audience !== undefined && !/\/api\/v2\/?$/.test(audience)) {
    return oauthError(403, 'access_denied', `Service not found: ${audience}`);
  }
  const granted = client.granted;
  if (!granted) {
    return oauthError(
      403,
      'access_denied',
      `Client is not authorized to access "${apiAudience}": it has no client grant for this API.`,
    );
  }
  const requested = (text('scope') ?? '').split(/\s+/).filter(Boolean);
  const unknown = requested.filter((s) => !granted.includes(s));
  if (unknown.length > 0) {
    return oauthError(403, 'access_denied', `Client has not been granted scopes: ${unknown.join(', ')}`);
  }
  const scopes = requested.length > 0 ? [...new Set(requested)] : [...granted];
  const iat = Math.floor(config.nowMs / 1000);
  const claims: AccessTokenClaims = {
    iss: `${config.origin}/`,
    sub: `${clientId}@clients`,
    aud: apiAudience,
    iat,
    exp: iat + TOKEN_LIFETIME_SEC,
    scope: scopes.join(' '),
    gty: 'client-credentials',
    azp: clientId,
  };
  return {
    status: 200,
    body: {
      access_token: signJwt(claims, config.key),
      scope: claims.scope,
      expires_in: TOKEN_LIFETIME_SEC,
      token_type: 'Bearer',
    },
  };
}
