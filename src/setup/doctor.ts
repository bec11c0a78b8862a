/**
 * `tenant-mcp doctor`: checks a set-up end to end and names each broken piece: the tenants file, the
 * stored secret, a token from it, its scopes against the profile's, the tenant answering, and each
 * client config init wrote (it parses, holds the entry, and the entry starts a server that answers).
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { resolveProfile } from '../policy/profiles.js';
import { stateDirFrom } from '../server/config.js';
import { loadCatalog, PROVIDERS } from '../tools/providers.js';
import type { Catalog, OperationSpec } from '../tools/types.js';
import { CLIENT_LABELS, type ClientName, launchOf, parseConfig } from './client-configs.js';
import type { SetupIO } from './io.js';
import { probeServer } from './probe.js';
import { compareScopes, profileScopes } from './scopes.js';
import { storeOfKind } from './secret-store.js';
import { describeStore } from './stored-tenant.js';
import { callTenant, clientCredentialsToken, Masker, originOf, type TenantTarget } from './tenant-api.js';
import { readTenants, type StoredTenant, tenantsPath } from './tenants.js';

/** `tenant-mcp doctor --help`. */
export const DOCTOR_HELP = `tenant-mcp doctor: check a tenant set up by tenant-mcp init, end to end.

Usage:
  tenant-mcp doctor [--tenant NAME] [--skip-configs]

Checks, each named in the report: the tenants file; the stored secret (AUTH0_CLIENT_SECRET or
MONOCLOUD_MANAGEMENT_API_KEY wins when set); a token from it; its scopes against the profile's; the
tenant answering a read; and each client config init wrote: it parses, holds the server entry, and the
entry starts a server that answers MCP. Exit code 0 when nothing failed, 1 otherwise.`;

/** One check's outcome. */
export interface Check {
  /** What was checked, e.g. `token` or `config: Cursor (user)`. */
  name: string;
  /** `ok`, `warn` (works, but worth a look) or `fail`. */
  status: 'ok' | 'warn' | 'fail';
  /** What was found. */
  detail: string;
}

/** Runs `tenant-mcp doctor`; answers the exit code. */
export async function runDoctor(argv: string[], io: SetupIO): Promise<number> {
  let values: { tenant?: string; help?: boolean; 'skip-configs'?: boolean };
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      options: {
        tenant: { type: 'string' },
        'skip-configs': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    io.stderr.write(`tenant-mcp doctor: ${(error as Error).message}; see tenant-mcp doctor --help.\n`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(`${DOCTOR_HELP}\n`);
    return 0;
  }
  const stateDir = stateDirFrom(io.env);
  let tenants: Map<string, StoredTenant>;
  try {
    tenants = readTenants(stateDir);
  } catch (error) {
    print(io, 'tenant-mcp doctor', [
      { name: 'tenants file', status: 'fail', detail: (error as Error).message },
    ]);
    return 1;
  }
  const names = values.tenant ? [values.tenant] : [...tenants.keys()];
  if (names.length === 0) {
    print(io, 'tenant-mcp doctor', [
      {
        name: 'tenants file',
        status: 'fail',
        detail: `no tenant is set up in ${tenantsPath(stateDir)}: run tenant-mcp init`,
      },
    ]);
    return 1;
  }
  let failed = 0;
  for (const name of names) {
    const tenant = tenants.get(name);
    const checks: Check[] = [];
    if (!tenant) {
      checks.push({
        name: 'tenants file',
        status: 'fail',
        detail: `no tenant "${name}" in ${tenantsPath(stateDir)} (known: ${[...tenants.keys()].join(', ') || 'none'})`,
      });
    } else {
      checks.push({ name: 'tenants file', status: 'ok', detail: tenantsPath(stateDir) });
      checks.push(...(await checkTenant(name, tenant, io, stateDir, !values['skip-configs'])));
    }
    const title = tenant
      ? `tenant-mcp doctor: tenant "${name}" (${PROVIDERS[tenant.provider].displayName}, ${tenant.domain}, profile ${tenant.profile})`
      : `tenant-mcp doctor: tenant "${name}"`;
    print(io, title, checks);
    failed += checks.filter((check) => check.status === 'fail').length;
  }
  return failed ? 1 : 0;
}

function print(io: SetupIO, title: string, checks: Check[]): void {
  io.stdout.write(`${title}\n`);
  const width = Math.max(...checks.map((check) => check.name.length));
  for (const check of checks)
    io.stdout.write(`  ${check.status.padEnd(4)}  ${check.name.padEnd(width)}  ${check.detail}\n`);
  const broken = checks.filter((check) => check.status === 'fail').map((check) => check.name);
  io.stdout.write(broken.length ? `Broken: ${broken.join('; ')}.\n` : 'Nothing is broken.\n');
}

/** The checks of one tenant, in the order a call needs them; a piece that fails skips what needs it. */
export async function checkTenant(
  name: string,
  tenant: StoredTenant,
  io: SetupIO,
  stateDir: string,
  configs: boolean,
): Promise<Check[]> {
  const checks: Check[] = [];
  const masker = new Masker();
  const variable = tenant.provider === 'auth0' ? 'AUTH0_CLIENT_SECRET' : 'MONOCLOUD_MANAGEMENT_API_KEY';
  let secret = io.env[variable]?.trim() || undefined;
  if (secret)
    checks.push({
      name: 'credentials',
      status: 'ok',
      detail: `${variable} from the environment (it wins over the stored secret)`,
    });
  else {
    const store = storeOfKind(tenant.secret.store, stateDir, { env: io.env });
    try {
      secret = await store.get(tenant.secret.account);
      checks.push(
        secret
          ? {
              name: 'credentials',
              status: 'ok',
              detail: `${tenant.provider === 'auth0' ? 'client secret' : 'API key'} in ${describeStore(tenant.secret.store, stateDir)}`,
            }
          : {
              name: 'credentials',
              status: 'fail',
              detail: `${store.description} holds no secret for "${tenant.secret.account}": run tenant-mcp init --tenant ${name} --force with credentials`,
            },
      );
    } catch (error) {
      checks.push({
        name: 'credentials',
        status: 'fail',
        detail: `${store.description}: ${(error as Error).message}`,
      });
    }
  }
  masker.add(secret);
  let catalog: Catalog | undefined;
  let needed: string[] = [];
  try {
    catalog = await loadCatalog(tenant.provider);
    let policy: import('../policy/policy-file.js').PolicyFile | undefined;
    if (tenant.policy) {
      const { loadPolicyFile } = await import('../policy/policy-file.js');
      policy = loadPolicyFile(tenant.policy, { catalogs: { monocloud: await loadCatalog('monocloud') } });
    }
    needed = profileScopes(resolveProfile(tenant.profile, policy, catalog), catalog).scopes;
  } catch (error) {
    checks.push({ name: 'profile', status: 'fail', detail: (error as Error).message });
  }
  let origin: string | undefined;
  try {
    origin = originOf(tenant.domain);
  } catch {
    checks.push({
      name: 'tenant reachable',
      status: 'fail',
      detail: `the domain "${tenant.domain}" is not a host name or URL`,
    });
  }
  if (secret && origin && catalog) {
    const target: TenantTarget = { origin, masker };
    if (tenant.provider === 'auth0')
      checks.push(...(await checkAuth0(tenant, target, secret, needed, catalog)));
    else {
      checks.push({
        name: 'token',
        status: 'ok',
        detail: 'MonoCloud takes the API key itself: no token to get',
      });
      checks.push({
        name: 'scopes',
        status: 'ok',
        detail: 'MonoCloud keys carry no scopes: the profile is the only narrowing',
      });
      checks.push(await checkRead(target, catalog, { apiKey: secret }));
    }
  }
  if (configs) checks.push(...(await checkConfigs(name, tenant, io)));
  return checks;
}

async function checkAuth0(
  tenant: StoredTenant,
  target: TenantTarget,
  secret: string,
  needed: string[],
  catalog: Catalog,
): Promise<Check[]> {
  const audience = tenant.audience ?? `${target.origin}/api/v2/`;
  let issued: Awaited<ReturnType<typeof clientCredentialsToken>>;
  try {
    issued = await clientCredentialsToken(target, {
      clientId: tenant.client_id ?? '',
      clientSecret: secret,
      audience,
    });
  } catch (error) {
    return [{ name: 'token', status: 'fail', detail: `${tenant.client_id}: ${(error as Error).message}` }];
  }
  const hours = issued.expiresIn ? `, valid ${Math.round(issued.expiresIn / 3600)} h` : '';
  const checks: Check[] = [{ name: 'token', status: 'ok', detail: `issued to ${tenant.client_id}${hours}` }];
  if (!issued.scopes)
    checks.push({ name: 'scopes', status: 'warn', detail: 'the token carries no scope claim to compare' });
  else {
    const diff = compareScopes(needed, issued.scopes);
    if (diff.missing.length)
      checks.push({
        name: 'scopes',
        status: 'fail',
        detail: `the token lacks ${diff.missing.length} the profile uses (their operations will be refused): ${diff.missing.join(' ')}`,
      });
    else if (diff.extra.length)
      checks.push({
        name: 'scopes',
        status: 'warn',
        detail: `${diff.extra.length} beyond what profile ${tenant.profile} uses (narrow the grant): ${diff.extra.join(' ')}`,
      });
    else
      checks.push({
        name: 'scopes',
        status: 'ok',
        detail: `exactly the ${needed.length} profile ${tenant.profile} uses`,
      });
  }
  checks.push(await checkRead(target, catalog, { bearer: issued.token }, new Set(issued.scopes ?? [])));
  return checks;
}

/** One read the credential may make: a list with no required parameter, the smallest page. */
async function checkRead(
  target: TenantTarget,
  catalog: Catalog,
  auth: { bearer?: string; apiKey?: string },
  scopes?: ReadonlySet<string>,
): Promise<Check> {
  const candidates = catalog.operations.filter(
    (op) =>
      op.method === 'GET' &&
      !op.path.includes('{') &&
      !op.params.some((p) => p.required) &&
      (!scopes || op.scopes.length === 0 || op.scopes.some((s) => scopes.has(s))),
  );
  const preferred = ['get_roles', 'get_connections', 'get_users', 'get_all_groups', 'get_all_users'];
  const op: OperationSpec | undefined =
    preferred.map((id) => candidates.find((c) => c.id === id)).find(Boolean) ?? candidates[0];
  if (!op) return { name: 'tenant reachable', status: 'warn', detail: 'the token allows no read to try' };
  const page = op.params.some((p) => p.name === 'per_page')
    ? '?per_page=1'
    : op.params.some((p) => p.name === 'size')
      ? '?size=1'
      : '';
  const path = `${catalog.apiBasePath ?? ''}${op.path}${page}`;
  try {
    await callTenant(target, 'GET', path, { ...auth, what: `GET ${path}` });
    return { name: 'tenant reachable', status: 'ok', detail: `${target.origin} answered GET ${path}` };
  } catch (error) {
    return { name: 'tenant reachable', status: 'fail', detail: (error as Error).message };
  }
}

/** Variables of ours that would change what a config starts; a probe runs without them, as a client would. */
const OUR_VARIABLES = /^(AUTH0_|MONOCLOUD_MANAGEMENT_|TENANT_MCP_)/;

async function checkConfigs(name: string, tenant: StoredTenant, io: SetupIO): Promise<Check[]> {
  const checks: Check[] = [];
  if (tenant.configs.length === 0)
    return [
      {
        name: 'client configs',
        status: 'warn',
        detail: `none written: tenant-mcp init --tenant ${name} --client ...`,
      },
    ];
  const stray = Object.keys(io.env).filter(
    (key) => OUR_VARIABLES.test(key) && key !== 'TENANT_MCP_STATE_DIR',
  );
  if (stray.length)
    checks.push({
      name: 'environment',
      status: 'warn',
      detail: `${stray.join(', ')} set here: a client that passes its environment on (Claude Code, a terminal-started editor) starts the server with it`,
    });
  const baseEnv = Object.fromEntries(Object.entries(io.env).filter(([key]) => !OUR_VARIABLES.test(key)));
  for (const written of tenant.configs) {
    const label = `config: ${CLIENT_LABELS[written.client as ClientName] ?? written.client}${written.scope ? ` (${written.scope})` : ''}`;
    const fail = (detail: string) =>
      checks.push({ name: label, status: 'fail', detail: `${written.path}: ${detail}` });
    if (!existsSync(written.path)) {
      fail('the file is gone');
      continue;
    }
    let config: Record<string, unknown>;
    try {
      config = parseConfig(readFileSync(written.path, 'utf8'), written.path);
    } catch (error) {
      fail((error as Error).message.replace(`${written.path} `, ''));
      continue;
    }
    const rootKey = written.client === 'vscode' ? 'servers' : 'mcpServers';
    const servers = config[rootKey] as Record<string, unknown> | undefined;
    const entry =
      servers && typeof servers === 'object' && Object.hasOwn(servers, written.server)
        ? servers[written.server]
        : undefined;
    if (entry === undefined) {
      fail(`no server "${written.server}" under "${rootKey}"`);
      continue;
    }
    const launch = launchOf(entry);
    if (typeof launch === 'string') {
      fail(`server "${written.server}": ${launch}`);
      continue;
    }
    const probe = await probeServer(launch, baseEnv);
    if (probe.ok)
      checks.push({
        name: label,
        status: 'ok',
        detail: `${written.path}: "${written.server}" starts ${probe.server} (${probe.tools} tools)`,
      });
    else fail(`"${written.server}" does not start: ${probe.reason}`);
  }
  return checks;
}
