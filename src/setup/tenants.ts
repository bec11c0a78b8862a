/**
 * The tenants `tenant-mcp init` set up, side by side in `<state dir>/tenants.json`: for each name, the
 * provider, domain, client id, profile and where its secret is kept, never the secret itself. The file
 * is read by the server at start (`--tenant NAME`), so it is treated as input: checked field by field,
 * bounded in size, and refused whole with the field named when it is wrong.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { SecretStoreKind } from './secret-store.js';

/** A tenant name: what `--tenant` takes and client configs carry. */
export const TENANT_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** One client config file init wrote an entry into. */
const writtenConfig = z.strictObject({
  client: z.string().max(40),
  scope: z.enum(['user', 'project']).optional(),
  path: z.string().max(4096),
  server: z.string().max(100),
});

const tenantEntry = z.strictObject({
  provider: z.enum(['auth0', 'monocloud']),
  domain: z.string().min(1).max(300),
  client_id: z.string().min(1).max(200).optional(),
  audience: z.string().min(1).max(300).optional(),
  profile: z.string().min(1).max(100),
  policy: z.string().min(1).max(4096).optional(),
  secret: z.strictObject({
    store: z.enum(['macos-keychain', 'secret-tool', 'windows-credential-manager', 'file']),
    account: z.string().min(1).max(300),
  }),
  scopes: z.array(z.string().max(100)).max(1000).optional(),
  application: z.enum(['created', 'existing', 'api-key']),
  created_at: z.string().max(40),
  configs: z.array(writtenConfig).max(50).default([]),
});

const tenantsFile = z.strictObject({
  version: z.literal(1),
  tenants: z.record(z.string().regex(TENANT_NAME), tenantEntry),
});

/** A stored tenant. */
export interface StoredTenant {
  /** `auth0` or `monocloud`. */
  provider: 'auth0' | 'monocloud';
  /** Tenant domain, or a URL with a scheme (the sandbox, a proxy). */
  domain: string;
  /** Auth0: the application's client id. */
  client_id?: string;
  /** Auth0: the token audience when it is not `https://{domain}/api/v2/`. */
  audience?: string;
  /** The profile the application was scoped for; the server runs under it. */
  profile: string;
  /** The policy file the profile comes from, when it is not built in. */
  policy?: string;
  /** Where the client secret (Auth0) or API key (MonoCloud) is kept. */
  secret: { store: SecretStoreKind; account: string };
  /** Scopes granted when init created the application. */
  scopes?: string[];
  /** `created`: init made the application; `existing`: the person's own; `api-key`: MonoCloud. */
  application: 'created' | 'existing' | 'api-key';
  /** When init stored it (ISO). */
  created_at: string;
  /** The client config entries init wrote for it. */
  configs: Array<{ client: string; scope?: 'user' | 'project'; path: string; server: string }>;
}

/** A broken tenants file, naming the field. */
export class TenantsFileError extends Error {
  override readonly name = 'TenantsFileError';
}

const MAX_BYTES = 1024 * 1024;

/** Path of the tenants file. */
export function tenantsPath(stateDir: string): string {
  return join(stateDir, 'tenants.json');
}

/** Every stored tenant by name (a `Map`, so no name reaches an object prototype); empty when there is no file. */
export function readTenants(stateDir: string): Map<string, StoredTenant> {
  const path = tenantsPath(stateDir);
  let text: string;
  try {
    if (statSync(path).size > MAX_BYTES) throw new TenantsFileError(`${path} is over 1 MiB: it is not read`);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TenantsFileError(`${path} is not JSON: ${(error as Error).message}`);
  }
  // zod drops a `__proto__` key without a word; a name init could not have written is refused instead.
  const names = (json as { tenants?: unknown } | null)?.tenants;
  if (names && typeof names === 'object' && !Array.isArray(names))
    for (const name of Object.keys(names))
      if (!TENANT_NAME.test(name))
        throw new TenantsFileError(
          `${path}: tenants.${name}: not a tenant name (lower-case letters, digits, dashes)`,
        );
  const parsed = tenantsFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TenantsFileError(`${path}: ${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  return new Map(Object.entries(parsed.data.tenants) as Array<[string, StoredTenant]>);
}

/** Writes the tenants atomically, 0600 in a 0700 state directory. */
export function writeTenants(stateDir: string, tenants: ReadonlyMap<string, StoredTenant>): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const path = tenantsPath(stateDir);
  const tmp = `${path}.${process.pid}.tmp`;
  const body = {
    version: 1,
    tenants: Object.fromEntries([...tenants].sort(([a], [b]) => a.localeCompare(b))),
  };
  writeFileSync(tmp, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
  if (process.platform !== 'win32') chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}
