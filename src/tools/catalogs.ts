/**
 * The catalogs by provider, loaded on demand: a server for one provider never parses the other's data.
 */
import type { Catalog } from './types.js';

/** Display names of the providers, for instructions and messages. */
export const PROVIDER_NAMES: Readonly<Record<string, string>> = { auth0: 'Auth0', monocloud: 'MonoCloud' };

/** The catalog of `provider`. */
export async function loadCatalog(provider: 'auth0' | 'monocloud'): Promise<Catalog> {
  if (provider === 'monocloud') return (await import('./monocloud/index.js')).monocloudCatalog;
  return (await import('./auth0/index.js')).auth0Catalog;
}
