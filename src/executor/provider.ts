/**
 * The provider facts the executor takes as options: a name for its messages and the management API's
 * path. Pure and free of undici, like `url.ts`, which reads the default.
 */
import type { ProviderProfile } from './types.js';

/** Auth0's Management API: the executor's default. */
export const AUTH0_PROVIDER: Readonly<ProviderProfile> = Object.freeze({ name: 'Auth0', apiPath: '/api/v2' });

/** MonoCloud's management API (`https://{domain}/api`, authenticated with an `X-API-KEY` header). */
export const MONOCLOUD_PROVIDER: Readonly<ProviderProfile> = Object.freeze({
  name: 'MonoCloud',
  apiPath: '/api',
});

/**
 * An API path with one leading slash and no trailing one (`api/` → `/api`; `/` or `''` → `''`).
 * @throws TypeError when it carries a query, a fragment, a dot segment or characters a path cannot.
 */
export function normaliseApiPath(apiPath: string): string {
  const trimmed = apiPath.trim().replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '';
  const segments = trimmed.split('/');
  if (
    segments.some((s) => s === '' || s === '.' || s === '..' || !/^[A-Za-z0-9._~!$&'()*+,;=:@%-]+$/.test(s))
  ) {
    throw new TypeError(`API path "${apiPath}" is not a plain path such as /api/v2.`);
  }
  return `/${trimmed}`;
}
