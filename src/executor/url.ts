/**
 * The tenant's URLs and the encoded path and query of a request. Pure and free of undici, so the policy
 * layer can show the exact request a write would send without loading the HTTP client.
 */
import { TenantError } from './errors.js';
import { AUTH0_PROVIDER, normaliseApiPath } from './provider.js';
import type { TenantRequest } from './types.js';

/** The URLs of one tenant. */
export interface TenantUrls {
  /** Scheme, host and any path prefix, no trailing slash: `https://acme.eu.auth0.com`. */
  origin: string;
  /** Management API base: `{origin}{apiPath}`, `{origin}/api/v2` for Auth0. */
  apiBase: string;
  /** Token endpoint: `{origin}/oauth/token`. */
  tokenUrl: string;
  /** Token audience: the given one, else `{origin}{apiPath}/` (Auth0's Management API identifier). */
  audience: string;
}

const BARE_DOMAIN = /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::\d{1,5})?$/i;

/**
 * The URLs of a tenant from its domain. A bare domain means HTTPS; a value with a scheme (a local mock, a
 * sandbox) is used as is so tests and the embedded sandbox can speak plain HTTP on loopback.
 * @param apiPath The management API's path under the origin (default Auth0's `/api/v2`; MonoCloud's is
 *   `/api`).
 * @throws TypeError when the domain is not a host name or an http(s) URL without query, fragment or user,
 *   or the API path is not a plain path.
 */
export function resolveTenantUrls(
  domain: string,
  audience?: string,
  apiPath: string = AUTH0_PROVIDER.apiPath,
): TenantUrls {
  const api = normaliseApiPath(apiPath);
  const trimmed = domain.trim().replace(/\/+$/, '');
  let origin: string;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    let url: URL;
    try {
      url = new URL(trimmed);
    } catch {
      throw new TypeError(`Tenant domain "${domain}" is not a valid URL.`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new TypeError(`Tenant domain "${domain}" must use http or https.`);
    }
    if (url.search || url.hash || url.username || url.password) {
      throw new TypeError(`Tenant domain "${domain}" must not carry a query, a fragment or credentials.`);
    }
    origin = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  } else {
    if (!BARE_DOMAIN.test(trimmed)) {
      throw new TypeError(`Tenant domain "${domain}" is not a host name such as acme.eu.auth0.com.`);
    }
    origin = `https://${trimmed.toLowerCase()}`;
  }
  return {
    origin,
    apiBase: `${origin}${api}`,
    tokenUrl: `${origin}/oauth/token`,
    audience: audience ?? `${origin}${api}/`,
  };
}

/**
 * Percent-encodes one path segment. `encodeURIComponent` keeps `/`, `?` and `#` from escaping the segment
 * but leaves `.` alone, and a segment that is exactly `.` or `..` would be collapsed by URL normalisation
 * (`/users/../clients` is `/clients`), so those are spelled `%2E`. The WHATWG URL parser collapses even
 * `%2E%2E`, which is why the executor hands undici the raw path and never a parsed URL.
 */
export function encodePathSegment(value: string | number | boolean): string {
  const encoded = encodeURIComponent(String(value));
  if (encoded === '.') return '%2E';
  if (encoded === '..') return '%2E%2E';
  return encoded;
}

/**
 * Fills a path template's `{name}` segments, each value becoming exactly one encoded segment.
 * @throws Error when a template names a parameter that `params` lacks: the caller's validation should
 *   have caught it, so it is a bug, not something the agent can fix.
 * @throws TenantError `invalid_request` for an empty value or one that cannot be encoded.
 */
export function buildPath(template: string, params: TenantRequest['pathParams'] = {}): string {
  return template.replace(/\{([^{}]+)\}/g, (_whole, name: string) => {
    if (!Object.hasOwn(params, name) || params[name] === undefined || params[name] === null) {
      throw new Error(`Path parameter "${name}" of ${template} has no value.`);
    }
    const value = params[name];
    if (String(value) === '') {
      // `/users/{id}` with an empty id is `/users/`, another operation altogether.
      throw new TenantError(`Path parameter "${name}" must not be empty.`, { code: 'invalid_request' });
    }
    try {
      return encodePathSegment(value);
    } catch (cause) {
      throw new TenantError(
        `Path parameter "${name}" is not valid text (a lone surrogate?).`,
        {
          code: 'invalid_request',
        },
        { cause },
      );
    }
  });
}

/** A value a query or form field can carry. */
export type Scalar = string | number | boolean;

/** Appends a scalar or an array of scalars; anything else is a caller error naming the field. */
export function appendScalars(params: URLSearchParams, name: string, value: unknown, where: string): void {
  if (value === undefined) return;
  for (const item of Array.isArray(value) ? value : [value]) {
    if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') {
      throw new TenantError(`${where} "${name}" must be a string, number, boolean or an array of those.`, {
        code: 'invalid_request',
      });
    }
    params.append(name, String(item));
  }
}

/**
 * `URLSearchParams` with `%20` for spaces: form encoding writes `+`, which only form decoders read as a
 * space, and in Auth0's Lucene `q` a `+` means "must match". `%20` means a space to every decoder.
 */
export function formEncode(params: URLSearchParams): string {
  return params.toString().replace(/\+/g, '%20');
}

/**
 * The query string, `?` included, or `''` when there is nothing to send. Arrays repeat the name
 * (`fields=a&fields=b`, Auth0's form/explode style); undefined is dropped.
 */
export function buildQuery(query: TenantRequest['query'] = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) appendScalars(params, name, value, 'Query parameter');
  const text = formEncode(params);
  return text ? `?${text}` : '';
}
