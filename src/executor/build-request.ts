/**
 * Pure functions that turn a {@link TenantRequest} in parts into bytes on the wire: the headers and the
 * body (URLs, path and query live in `url.ts`). Kept free of I/O so every encoding rule is testable on
 * its own.
 */
import { FormData } from 'undici';
import { TenantError } from './errors.js';
import type { MultipartFile, TenantRequest } from './types.js';
import { appendScalars, formEncode, type Scalar } from './url.js';

export {
  buildPath,
  buildQuery,
  encodePathSegment,
  resolveTenantUrls,
  type TenantUrls,
} from './url.js';

/** Headers a caller may not set: the executor owns authentication, the target host and message framing. */
export const FORBIDDEN_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
]);

/** Whether a header name is a valid HTTP token (lower case). */
export function isHeaderName(name: string): boolean {
  return /^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name);
}

/**
 * The request headers apart from the credential and `content-type`: `accept`, `user-agent`, then the
 * caller's own (lower-cased; they may override `accept`).
 * @param reserved Further lower-case names the caller may not set, such as the API key's header.
 * @throws TenantError `invalid_request` when the caller sets a forbidden or reserved header or a value with
 *   a line break.
 */
export function buildHeaders(
  caller: Record<string, string> = {},
  version = '0.0.0-dev',
  reserved: ReadonlySet<string> = new Set(),
): Record<string, string> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    'user-agent': `tenant-mcp/${version}`,
  };
  for (const [rawName, value] of Object.entries(caller)) {
    const name = rawName.toLowerCase();
    if (FORBIDDEN_HEADERS.has(name) || reserved.has(name)) {
      throw new TenantError(`Header "${rawName}" is set by the executor and cannot be passed.`, {
        code: 'invalid_request',
      });
    }
    if (!isHeaderName(name) || /[\r\n\0]/.test(String(value))) {
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
