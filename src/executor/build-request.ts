/**
 * Pure functions that turn a {@link TenantRequest} in parts into bytes on the wire: the tenant's URLs, the
 * encoded path and query, the headers and the body. Kept free of I/O so every encoding rule is testable
 * on its own.
 */
import { FormData } from 'undici';
import { TenantError } from './errors.js';
import type { MultipartFile, TenantRequest } from './types.js';

/** The URLs of one tenant. */
export interface TenantUrls {
  /** Scheme, host and any path prefix, no trailing slash: `https://acme.eu.auth0.com`. */
  origin: string;
  /** Management API base: `{origin}/api/v2`. */
  apiBase: string;
  /** Token endpoint: `{origin}/oauth/token`. */
  tokenUrl: string;
  /** Token audience: the given one, else `{origin}/api/v2/` (the Management API's identifier). */
  audience: string;
}

const BARE_DOMAIN = /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::\d{1,5})?$/i;

/**
 * The URLs of a tenant from its domain. A bare domain means HTTPS; a value with a scheme (a local mock, a
 * sandbox) is used as is so tests and the embedded sandbox can speak plain HTTP on loopback.
 * @throws TypeError when the domain is not a host name or an http(s) URL without query, fragment or user.
 */
export function resolveTenantUrls(domain: string, audience?: string): TenantUrls {
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
    apiBase: `${origin}/api/v2`,
    tokenUrl: `${origin}/oauth/token`,
    audience: audience ?? `${origin}/api/v2/`,
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

type Scalar = string | number | boolean;

function appendScalars(params: URLSearchParams, name: string, value: unknown, where: string): void {
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
function formEncode(params: URLSearchParams): string {
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

/** Headers a caller may not set: the executor owns authentication, the target host and message framing. */
export const FORBIDDEN_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
]);

/**
 * The request headers apart from `authorization` and `content-type`: `accept`, `user-agent`, then the
 * caller's own (lower-cased; they may override `accept`).
 * @throws TenantError `invalid_request` when the caller sets a forbidden header or a value with a line
 *   break.
 */
export function buildHeaders(
  caller: Record<string, string> = {},
  version = '0.0.0-dev',
): Record<string, string> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    'user-agent': `tenant-mcp/${version}`,
  };
  for (const [rawName, value] of Object.entries(caller)) {
    const name = rawName.toLowerCase();
    if (FORBIDDEN_HEADERS.has(name)) {
      throw new TenantError(`Header "${rawName}" is set by the executor and cannot be passed.`, {
        code: 'invalid_request',
      });
    }
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name) || /[\r\n\0]/.test(String(value))) {
      throw new TenantError(`Header "${rawName}" has an invalid name or value.`, { code: 'invalid_request' });
    }
    headers[name] = String(value);
  }
  return headers;
}

/** A body ready for undici plus the content type to announce (none for multipart: undici adds the boundary). */
export interface EncodedBody {
  /** Bytes or form data to send; `undefined` for no body. */
  body: string | FormData | undefined;
  /** Value of the `content-type` header, when the executor must set it. */
  contentType: string | undefined;
}

function isMultipartFile(value: unknown): value is MultipartFile {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as MultipartFile).filename === 'string' &&
    (typeof (value as MultipartFile).content === 'string' ||
      (value as MultipartFile).content instanceof Uint8Array)
  );
}

function isFormDataLike(value: unknown): value is FormData {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { [Symbol.toStringTag]?: string })[Symbol.toStringTag] === 'FormData'
  );
}

function toFormData(body: unknown): FormData {
  if (isFormDataLike(body)) return body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new TenantError('A multipart/form-data body must be FormData or an object of fields.', {
      code: 'invalid_request',
    });
  }
  const form = new FormData();
  for (const [name, value] of Object.entries(body)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === undefined) continue;
      if (isMultipartFile(item)) {
        const blob = new Blob([item.content as BlobPart], {
          type: item.contentType ?? 'application/octet-stream',
        });
        form.append(name, blob, item.filename);
      } else if (item instanceof Blob) {
        form.append(name, item);
      } else if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') {
        form.append(name, String(item as Scalar));
      } else {
        throw new TenantError(
          `Multipart field "${name}" must be text, a Blob or a file { filename, content }.`,
          {
            code: 'invalid_request',
          },
        );
      }
    }
  }
  return form;
}

/**
 * Serialises a body for its content type: JSON by default, form-urlencoded and multipart when asked, and
 * a string as is for any other type.
 * @throws TenantError `invalid_request` when the body does not fit the content type, or is given to a GET
 *   or HEAD (which carry none).
 */
export function encodeBody(
  method: TenantRequest['method'],
  body: unknown,
  contentType?: string,
): EncodedBody {
  if (body === undefined) return { body: undefined, contentType: undefined };
  if (method === 'GET' || method === 'HEAD') {
    throw new TenantError(`A ${method} request carries no body.`, { code: 'invalid_request' });
  }
  const type = (contentType ?? 'application/json').trim();
  const essence = type.split(';')[0]?.trim().toLowerCase() ?? '';
  if (essence === 'application/json' || essence.endsWith('+json')) {
    return { body: JSON.stringify(body), contentType: type };
  }
  if (essence === 'application/x-www-form-urlencoded') {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new TenantError('A form-urlencoded body must be an object of fields.', {
        code: 'invalid_request',
      });
    }
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(body)) appendScalars(params, name, value, 'Form field');
    return { body: formEncode(params), contentType: type };
  }
  if (essence === 'multipart/form-data') return { body: toFormData(body), contentType: undefined };
  if (typeof body === 'string') return { body, contentType: type };
  throw new TenantError(`A ${type} body must be a string.`, { code: 'invalid_request' });
}
