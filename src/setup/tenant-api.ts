/**
 * The few calls set-up makes to a tenant on a person's behalf: create the application and its grant
 * with the person's token (and delete the application if the grant fails), exchange the application's
 * credentials for a token, and one read to see the API answers. This is the person's own tool, run at a
 * terminal; no agent reaches it, so it talks to the tenant directly rather than through the policy gate,
 * and it sends the person's token nowhere but to these calls. Every message it builds passes through
 * {@link Masker}, so neither the token nor a secret can leak into an error.
 */

/** Hides known secrets in text. */
export class Masker {
  readonly #secrets = new Set<string>();

  /** Remembers a secret to hide (short values are not hidden: they would blot out ordinary words). */
  add(secret: string | undefined): void {
    if (secret && secret.length >= 8) this.#secrets.add(secret);
  }

  /** `text` with every remembered secret replaced by `***`. */
  mask(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.split(secret).join('***');
    return out;
  }
}

/** A refused or failed call, with the status and the tenant's words (masked). */
export class TenantApiError extends Error {
  override readonly name = 'TenantApiError';
  /** HTTP status, or 0 when the tenant was not reached. */
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

const MAX_BODY = 1024 * 1024;
const TIMEOUT_MS = 20_000;

/** How to reach a tenant. */
export interface TenantTarget {
  /** Origin, e.g. `https://acme.eu.auth0.com`. */
  origin: string;
  /** Masks secrets in messages. */
  masker: Masker;
}

/** The origin of a domain as the server reads it: a value with a scheme is used as is. */
export function originOf(domain: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(domain) ? domain : `https://${domain}`;
  return new URL(withScheme).origin;
}

/** Reads at most {@link MAX_BODY} bytes of a body: a tenant's answer is input like any other. */
async function readBounded(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_BODY) {
      await reader.cancel();
      throw new TenantApiError('the tenant answered with more than 1 MiB', response.status);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Sends one request; answers the parsed JSON body (or `undefined`) of a 2xx, throws otherwise. */
export async function callTenant(
  target: TenantTarget,
  method: string,
  path: string,
  options: { bearer?: string; apiKey?: string; body?: unknown; what: string },
): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
  if (options.apiKey) headers['x-api-key'] = options.apiKey;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`${target.origin}${path}`, {
      method,
      headers,
      redirect: 'error',
      signal: AbortSignal.timeout(TIMEOUT_MS),
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new TenantApiError(
      target.masker.mask(`${options.what}: ${target.origin} cannot be reached (${reason})`),
      0,
    );
  }
  const text = await readBounded(response);
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (response.ok) return json;
  const body = (json ?? {}) as Record<string, unknown>;
  const said = [body.error_description, body.message, body.detail, body.title, body.error].find(
    (value) => typeof value === 'string' && value,
  ) as string | undefined;
  throw new TenantApiError(
    target.masker.mask(
      `${options.what}: ${response.status}${said ? ` ${said.slice(0, 500)}` : ''}${hint(response.status)}`,
    ),
    response.status,
  );
}

function hint(status: number): string {
  if (status === 401) return ' (the token or key is wrong or has expired)';
  if (status === 403) return ' (the token or key lacks the right for this)';
  if (status === 429) return ' (rate limited: try again in a minute)';
  return '';
}

/** The claims of a JWT, unverified (the tenant verifies it); `undefined` when it is not one. */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
    return claims && typeof claims === 'object' && !Array.isArray(claims)
      ? (claims as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The scopes in a JWT's `scope` claim, or `undefined` when the token says none. */
export function tokenScopes(token: string): string[] | undefined {
  const scope = jwtClaims(token)?.scope;
  return typeof scope === 'string' ? scope.split(/\s+/).filter(Boolean) : undefined;
}

/** Exchanges client credentials for a Management API token (`POST /oauth/token`). */
export async function clientCredentialsToken(
  target: TenantTarget,
  credentials: { clientId: string; clientSecret: string; audience: string },
): Promise<{ token: string; scopes: string[] | undefined; expiresIn: number | undefined }> {
  const answer = (await callTenant(target, 'POST', '/oauth/token', {
    body: {
      grant_type: 'client_credentials',
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
      audience: credentials.audience,
    },
    what: 'token request',
  })) as { access_token?: unknown; scope?: unknown; expires_in?: unknown } | undefined;
  if (typeof answer?.access_token !== 'string')
    throw new TenantApiError('token request: the answer has no access_token', 200);
  target.masker.add(answer.access_token);
  const scopes =
    typeof answer.scope === 'string'
      ? answer.scope.split(/\s+/).filter(Boolean)
      : tokenScopes(answer.access_token);
  return {
    token: answer.access_token,
    scopes,
    expiresIn: typeof answer.expires_in === 'number' ? answer.expires_in : undefined,
  };
}

/** What init creates in an Auth0 tenant. */
export interface CreatedApplication {
  /** The new application's client id. */
  clientId: string;
  /** Its secret (to be kept in the keychain, nowhere else). */
  clientSecret: string;
  /** The client grant's id. */
  grantId: string;
}

/**
 * Creates a machine-to-machine application and its grant to the Management API with exactly `scopes`,
 * using the person's token. If the grant fails the application is deleted again, so a failed run
 * leaves nothing behind (and says so if even that fails).
 */
export async function createApplication(
  target: TenantTarget,
  options: { personToken: string; name: string; description: string; audience: string; scopes: string[] },
): Promise<CreatedApplication> {
  const bearer = options.personToken;
  const client = (await callTenant(target, 'POST', '/api/v2/clients', {
    bearer,
    body: {
      name: options.name,
      description: options.description,
      app_type: 'non_interactive',
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_post',
      is_first_party: true,
    },
    what: 'creating the application',
  })) as { client_id?: unknown; client_secret?: unknown } | undefined;
  if (typeof client?.client_id !== 'string' || typeof client.client_secret !== 'string')
    throw new TenantApiError('creating the application: the answer has no client_id or client_secret', 201);
  const clientId = client.client_id;
  const clientSecret = client.client_secret;
  target.masker.add(clientSecret);
  try {
    const grant = (await callTenant(target, 'POST', '/api/v2/client-grants', {
      bearer,
      body: { client_id: clientId, audience: options.audience, scope: options.scopes },
      what: 'granting the application its scopes',
    })) as { id?: unknown } | undefined;
    return { clientId, clientSecret, grantId: typeof grant?.id === 'string' ? grant.id : '' };
  } catch (error) {
    let undone = `the application ${clientId} was deleted again`;
    try {
      await callTenant(target, 'DELETE', `/api/v2/clients/${encodeURIComponent(clientId)}`, {
        bearer,
        what: 'deleting the application',
      });
    } catch (cleanup) {
      undone = `deleting the application ${clientId} failed too (${(cleanup as Error).message}): delete it in the dashboard`;
    }
    throw new TenantApiError(`${(error as Error).message}; ${undone}`, (error as TenantApiError).status ?? 0);
  }
}
