/**
 * Reads a tenant `tenant-mcp init` stored back for the server: its entry from the tenants file and its
 * secret from the store that holds it. `AUTH0_CLIENT_SECRET` (or `MONOCLOUD_MANAGEMENT_API_KEY`) still
 * wins when set, so a secret can be rotated into the environment without touching the keychain.
 */
import { type SecretStoreKind, type StoreOptions, storeOfKind } from './secret-store.js';
import { readTenants, type StoredTenant } from './tenants.js';

/** A stored tenant with its credential read, in the shape the server's configuration takes. */
export interface LoadedTenant {
  /** The tenant's name. */
  name: string;
  /** `auth0` or `monocloud`. */
  provider: 'auth0' | 'monocloud';
  /** Domain or URL as stored. */
  domain: string;
  /** Credentials. */
  auth:
    | { kind: 'client_credentials'; clientId: string; clientSecret: string; audience?: string }
    | { kind: 'api_key'; apiKey: string };
  /** The profile the application was scoped for. */
  profileName: string;
  /** The environment variable that overrides the stored secret, for messages. */
  secretVariable: 'AUTH0_CLIENT_SECRET' | 'MONOCLOUD_MANAGEMENT_API_KEY';
}

/** A stored tenant whose secret cannot be read; the message names the tenant, the store and the fix. */
export class StoredTenantError extends Error {
  override readonly name = 'StoredTenantError';
}

/** Where the stored secret is, in words. */
export function describeStore(kind: SecretStoreKind, stateDir: string): string {
  return storeOfKind(kind, stateDir, { env: {} }).description;
}

/**
 * The stored tenant `name` with its secret, or `undefined` when init stored no tenant of that name.
 * Throws {@link StoredTenantError} when the entry exists and its secret cannot be had.
 */
export async function loadStoredTenant(
  name: string,
  options: { stateDir: string; env: NodeJS.ProcessEnv; run?: StoreOptions['run'] },
): Promise<LoadedTenant | undefined> {
  let tenants: Map<string, StoredTenant>;
  try {
    tenants = readTenants(options.stateDir);
  } catch (error) {
    throw new StoredTenantError((error as Error).message);
  }
  const tenant = tenants.get(name);
  if (!tenant) return undefined;
  const secretVariable = tenant.provider === 'auth0' ? 'AUTH0_CLIENT_SECRET' : 'MONOCLOUD_MANAGEMENT_API_KEY';
  const secret =
    options.env[secretVariable]?.trim() || (await readStoredSecret(name, tenant, options, secretVariable));
  const base = { name, provider: tenant.provider, domain: tenant.domain, profileName: tenant.profile };
  if (tenant.provider === 'monocloud')
    return { ...base, auth: { kind: 'api_key', apiKey: secret }, secretVariable };
  if (!tenant.client_id) throw new StoredTenantError(`tenant "${name}" has no client_id in the tenants file`);
  return {
    ...base,
    auth: {
      kind: 'client_credentials',
      clientId: tenant.client_id,
      clientSecret: secret,
      ...(tenant.audience ? { audience: tenant.audience } : {}),
    },
    secretVariable,
  };
}

async function readStoredSecret(
  name: string,
  tenant: StoredTenant,
  options: { stateDir: string; env: NodeJS.ProcessEnv; run?: StoreOptions['run'] },
  variable: string,
): Promise<string> {
  const store = storeOfKind(tenant.secret.store, options.stateDir, {
    env: options.env,
    ...(options.run ? { run: options.run } : {}),
  });
  const fix = `run \`tenant-mcp init --tenant ${name}\` again, or set ${variable}`;
  let secret: string | undefined;
  try {
    secret = await store.get(tenant.secret.account);
  } catch (error) {
    throw new StoredTenantError(
      `tenant "${name}": its secret cannot be read from ${store.description}: ${(error as Error).message}; ${fix}`,
    );
  }
  if (!secret)
    throw new StoredTenantError(`tenant "${name}": ${store.description} holds no secret for it; ${fix}`);
  return secret;
}
