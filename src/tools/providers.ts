/**
 * The one registry of provider facts: for each identity provider tenant-mcp speaks to, its id, the name
 * people know it by, its management API's path, how the server authenticates to it, which environment
 * variables configure it, what the audit trail calls its API, and how its catalog loads (lazily: a
 * MonoCloud process never parses Auth0's catalog). Everything else that differs by provider reads it
 * from here; the composition root adds the one thing a data registry cannot hold, each sandbox's starter,
 * keyed by these ids.
 */
import type { Catalog } from './types.js';

/** The providers' ids. */
export type ProviderId = 'auth0' | 'monocloud';

/** What is true of one provider. */
export interface ProviderFacts {
  /** Its id, as `--provider` takes it. */
  readonly id: ProviderId;
  /** Its name in messages and instructions. */
  readonly displayName: string;
  /** The management API's base path under the tenant's origin. */
  readonly apiBasePath: string;
  /** How the server authenticates: client credentials (or a ready token), or an API key header. */
  readonly authKind: 'client_credentials' | 'api_key';
  /** What the audit trail's OCSF records call the API (`api.service.name`). */
  readonly auditService: string;
  /** The environment variable holding the tenant's domain. */
  readonly domainEnv: string;
  /**
   * Whether its API reports its rate limit on each answer (`X-RateLimit-Limit`, `-Remaining`, `-Reset`),
   * so a tenant rate budget can learn it; without them a budget only holds its floor, and is off unless
   * the operator asks for one.
   */
  readonly reportsRateLimit: boolean;
  /** Every environment variable that configures it, credentials included. */
  readonly env: readonly string[];
  /** Its catalog, loaded on first use. */
  loadCatalog(): Promise<Catalog>;
}

/** The providers, Auth0 first (the default when nothing says otherwise). */
export const PROVIDERS: Readonly<Record<ProviderId, ProviderFacts>> = {
  auth0: {
    id: 'auth0',
    displayName: 'Auth0',
    apiBasePath: '/api/v2',
    authKind: 'client_credentials',
    auditService: 'Auth0 Management API',
    domainEnv: 'AUTH0_DOMAIN',
    reportsRateLimit: true,
    env: ['AUTH0_DOMAIN', 'AUTH0_TOKEN', 'AUTH0_CLIENT_ID', 'AUTH0_CLIENT_SECRET', 'AUTH0_AUDIENCE'],
    loadCatalog: async () => (await import('./auth0/index.js')).auth0Catalog,
  },
  monocloud: {
    id: 'monocloud',
    displayName: 'MonoCloud',
    apiBasePath: '/api',
    authKind: 'api_key',
    auditService: 'MonoCloud Management API',
    domainEnv: 'MONOCLOUD_MANAGEMENT_DOMAIN',
    // Its SDK maps a 429 but the facts name no rate-limit headers.
    reportsRateLimit: false,
    env: ['MONOCLOUD_MANAGEMENT_DOMAIN', 'MONOCLOUD_MANAGEMENT_API_KEY', 'MONOCLOUD_MANAGEMENT_TIMEOUT'],
    loadCatalog: async () => (await import('./monocloud/index.js')).monocloudCatalog,
  },
};

/** The provider ids, in the registry's order. */
export const PROVIDER_IDS = Object.keys(PROVIDERS) as ProviderId[];

/** Whether `id` names a provider. */
export function isProviderId(id: string): id is ProviderId {
  return Object.hasOwn(PROVIDERS, id);
}

/** The facts of a catalog's provider. */
export function providerOf(catalog: Pick<Catalog, 'provider'>): ProviderFacts {
  if (!isProviderId(catalog.provider)) throw new Error(`no provider "${catalog.provider}" is registered`);
  return PROVIDERS[catalog.provider];
}

/** A provider's catalog. */
export function loadCatalog(provider: ProviderId): Promise<Catalog> {
  return PROVIDERS[provider].loadCatalog();
}
