/**
 * `tenant-mcp init`: sets a tenant up for the server in one command. For Auth0 it takes a person's
 * short-lived Management API token, shows the plan (the application, the exact scopes the chosen
 * profile can use, where the secret goes, which client files change), then creates a dedicated
 * machine-to-machine application and its grant, keeps the application's secret in the OS keychain,
 * and writes each chosen client's config. The person's token is used for those calls only: it is
 * never written anywhere, and a token offered as a client secret is refused.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { PolicyFile } from '../policy/policy-file.js';
import { PROFILE_NAMES, resolveProfile } from '../policy/profiles.js';
import type { Profile } from '../policy/types.js';
import { ConfigError, checkDomain, stateDirFrom } from '../server/config.js';
import { loadCatalog, PROVIDERS } from '../tools/providers.js';
import type { Catalog } from '../tools/types.js';
import { VERSION } from '../version.js';
import {
  CLIENT_LABELS,
  CLIENTS,
  ClientConfigError,
  type ClientName,
  type ConfigScope,
  type ConfigTarget,
  checkEntry,
  configTarget,
  printedEntry,
  type ServerLaunch,
  serverEntry,
  writeEntry,
} from './client-configs.js';
import { readAll, type SetupIO, UsageError } from './io.js';
import { createPrompter, type Prompter } from './prompt.js';
import { compareScopes, describeScopes, profileScopes } from './scopes.js';
import { fileStore, saveSecret, storeOfKind } from './secret-store.js';
import {
  callTenant,
  clientCredentialsToken,
  createApplication,
  jwtClaims,
  Masker,
  originOf,
  type TenantTarget,
} from './tenant-api.js';
import { readTenants, type StoredTenant, TENANT_NAME, tenantsPath, writeTenants } from './tenants.js';

/** `tenant-mcp init --help`. */
export const INIT_HELP = `tenant-mcp init: set a tenant up for tenant-mcp and write your MCP clients' configs.

Usage:
  tenant-mcp init                         asks each question at a terminal
  tenant-mcp init --domain acme.eu.auth0.com --profile helpdesk --client claude-code,cursor \\
                  --token-stdin --yes < token.txt

For Auth0, give a Management API token of a person allowed to create applications (from the dashboard's
API Explorer, or \`auth0 api\`); init shows the plan, then creates a machine-to-machine application with
exactly the scopes the profile can use. The token is used for that only and never stored.

Options (every question has one):
  --provider auth0|monocloud   default auth0
  --domain DOMAIN              tenant domain (acme.eu.auth0.com), or a URL with a scheme
  --tenant NAME                name of this tenant for --tenant (default: from the domain)
  --profile NAME               read-only (default), helpdesk, admin, or a profile of --policy
  --policy FILE                a policy file whose profile to use (the server is started with it)
  --client LIST                claude-desktop, claude-code, cursor, vscode (comma-separated), or none
  --scope user|project         user (default) or the project in --project-dir (shared with the team)
  --project-dir DIR            project for --scope project (default: the current directory)
  --server-name NAME           the server's name in client configs (default: auth0-NAME)
  --token-file FILE | --token-stdin    the person's Auth0 token (or TENANT_MCP_INIT_TOKEN)
  --existing-client ID         use an application you made; init reports scopes it has beyond the profile's
  --client-secret-file FILE | --client-secret-stdin   its secret (or AUTH0_CLIENT_SECRET)
  --api-key-file FILE | --api-key-stdin   MonoCloud's management API key (or MONOCLOUD_MANAGEMENT_API_KEY)
  --app-name NAME              name of the created application (default: tenant-mcp NAME (profile))
  --audience URL               Management API identifier (default: https://DOMAIN/api/v2/)
  --secret-store auto|keychain|file   default auto: the OS keychain, else a 0600 file, said plainly
  --launcher node|npx          how configs start the server (default: node and this CLI's path)
  --package SPEC               what npx runs (default: tenant-mcp@${VERSION})
  --print                      print the client config entries instead of writing them
  --yes                        do not ask before creating (needed without a terminal)
  --force                      replace a tenant already set up, or a server entry tenant-mcp did not write

Without credentials for a tenant already set up, init only writes the client configs for it.
Then: tenant-mcp doctor --tenant NAME checks it all end to end.`;

const OPTIONS = {
  provider: { type: 'string' },
  domain: { type: 'string' },
  tenant: { type: 'string' },
  profile: { type: 'string' },
  policy: { type: 'string' },
  client: { type: 'string', multiple: true },
  scope: { type: 'string' },
  'project-dir': { type: 'string' },
  'server-name': { type: 'string' },
  'token-file': { type: 'string' },
  'token-stdin': { type: 'boolean' },
  'existing-client': { type: 'string' },
  'client-secret-file': { type: 'string' },
  'client-secret-stdin': { type: 'boolean' },
  'api-key-file': { type: 'string' },
  'api-key-stdin': { type: 'boolean' },
  'app-name': { type: 'string' },
  audience: { type: 'string' },
  'secret-store': { type: 'string' },
  launcher: { type: 'string' },
  package: { type: 'string' },
  print: { type: 'boolean' },
  yes: { type: 'boolean' },
  force: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: false }>>['values'];

/** Everything init decided, shown to the person before anything changes. */
interface Plan {
  name: string;
  provider: 'auth0' | 'monocloud';
  domain: string;
  origin: string;
  audience: string;
  profile: Profile;
  policyPath: string | undefined;
  catalog: Catalog;
  mode: 'create' | 'existing' | 'api-key' | 'configs-only';
  scopes: string[];
  listed: number;
  targets: ConfigTarget[];
  serverName: string;
  launch: ServerLaunch;
  stateDir: string;
  account: string;
  appName: string;
}

/** Runs `tenant-mcp init`; answers the exit code. */
export async function runInit(argv: string[], io: SetupIO): Promise<number> {
  let flags: Flags;
  try {
    flags = parseArgs({ args: argv, options: OPTIONS, allowPositionals: false, strict: true }).values;
  } catch (error) {
    io.stderr.write(`tenant-mcp init: ${(error as Error).message}; see tenant-mcp init --help.\n`);
    return 2;
  }
  if (flags.help) {
    io.stdout.write(`${INIT_HELP}\n`);
    return 0;
  }
  const masker = new Masker();
  const interactive = Boolean(io.stdin.isTTY && io.stdout.isTTY);
  const prompter = interactive ? createPrompter(io.stdin, io.stdout) : undefined;
  try {
    return await init(flags, io, masker, prompter);
  } catch (error) {
    // Nothing was changed, and the person can fix what the message names: as for a bad setting.
    const usage =
      error instanceof UsageError || error instanceof ConfigError || error instanceof ClientConfigError;
    io.stderr.write(`tenant-mcp init: ${masker.mask((error as Error).message)}\n`);
    return usage ? 2 : 1;
  } finally {
    prompter?.close();
  }
}

function say(io: SetupIO, line = ''): void {
  io.stdout.write(`${line}\n`);
}

async function init(
  flags: Flags,
  io: SetupIO,
  masker: Masker,
  prompter: Prompter | undefined,
): Promise<number> {
  const stateDir = stateDirFrom(io.env);
  const tenants = readTenants(stateDir);
  const answer = async (value: string | undefined, question: string, fallback?: string) =>
    value ?? (prompter ? await prompter.ask(question, fallback) : fallback);

  // The tenant: its name first when given, so a tenant already set up supplies the rest.
  let name = flags.tenant;
  if (name !== undefined && !TENANT_NAME.test(name))
    throw new UsageError(`--tenant "${name}" must be lower-case letters, digits and dashes (at most 40).`);
  const known = name !== undefined ? tenants.get(name) : undefined;
  const credentialGiven = Boolean(
    flags['token-file'] ||
      flags['token-stdin'] ||
      flags['existing-client'] ||
      flags['api-key-file'] ||
      flags['api-key-stdin'] ||
      (flags.domain && flags.domain !== known?.domain),
  );
  if (known && !credentialGiven) return configsOnly(name!, known, flags, io, prompter, stateDir, tenants);

  const provider = (flags.provider ??
    (prompter ? await prompter.choose('Provider', ['auth0', 'monocloud'], 'auth0') : 'auth0')) as
    | 'auth0'
    | 'monocloud';
  if (provider !== 'auth0' && provider !== 'monocloud')
    throw new UsageError(`Unknown provider "${provider}" (--provider): use auth0 or monocloud.`);
  const domain = await answer(
    flags.domain,
    provider === 'auth0' ? 'Tenant domain (acme.eu.auth0.com)' : 'Tenant domain (acme.us.monocloud.com)',
  );
  if (!domain) throw new UsageError('--domain is missing: the tenant domain, e.g. acme.eu.auth0.com.');
  checkDomain(domain, io.env, '--domain');
  const origin = originOf(domain);
  name = name ?? (await answer(undefined, 'Name of this tenant (for --tenant)', nameFromDomain(domain)))!;
  if (!TENANT_NAME.test(name))
    throw new UsageError(`--tenant "${name}" must be lower-case letters, digits and dashes (at most 40).`);
  const previous = tenants.get(name);
  if (previous && !flags.force)
    throw new UsageError(
      `tenant "${name}" is set up already (${PROVIDERS[previous.provider].displayName}, ${previous.domain}, profile ${previous.profile}): ` +
        'leave out the credentials to only write client configs for it, or pass --force to replace it.',
    );
  if (provider === 'monocloud' && flags['existing-client'])
    throw new UsageError(
      '--existing-client is for Auth0: MonoCloud is reached with an API key (--api-key-stdin).',
    );

  const { profile, policyPath, catalog } = await chooseProfile(flags, provider, prompter);
  const needed = profileScopes(profile, catalog);
  const targets = await chooseTargets(flags, io, prompter);
  const serverName = flags['server-name'] ?? (name.startsWith(provider) ? name : `${provider}-${name}`);
  checkServerName(serverName);
  const audience = flags.audience ?? `${origin}/api/v2/`;
  const mode = provider === 'monocloud' ? 'api-key' : flags['existing-client'] ? 'existing' : 'create';
  const plan: Plan = {
    name,
    provider,
    domain,
    origin,
    audience,
    profile,
    policyPath,
    catalog,
    mode,
    scopes: needed.scopes,
    listed: needed.listed,
    targets,
    serverName,
    launch: launchFor(flags, io, name, profile.name, policyPath, stateDir),
    stateDir,
    account: accountFor(name, stateDir, io.env),
    appName: flags['app-name'] ?? `tenant-mcp ${name} (${profile.name})`,
  };
  const target: TenantTarget = { origin, masker };

  // Credentials first, so a token that cannot do the job stops init before the plan is even shown.
  let personToken: string | undefined;
  let secret: string | undefined;
  if (mode === 'create') {
    personToken = await readCredential(
      flags['token-file'],
      flags['token-stdin'],
      io,
      io.env.TENANT_MCP_INIT_TOKEN,
      prompter,
      {
        what: 'your Auth0 Management API token',
        flags: '--token-file FILE or --token-stdin (or TENANT_MCP_INIT_TOKEN)',
        prompt: 'Your Management API token (input hidden; used once, never stored)',
      },
    );
    masker.add(personToken);
    checkPersonToken(personToken, audience);
  } else {
    secret = await readCredential(
      mode === 'existing' ? flags['client-secret-file'] : flags['api-key-file'],
      mode === 'existing' ? flags['client-secret-stdin'] : flags['api-key-stdin'],
      io,
      mode === 'existing' ? io.env.AUTH0_CLIENT_SECRET : io.env.MONOCLOUD_MANAGEMENT_API_KEY,
      prompter,
      mode === 'existing'
        ? {
            what: `the client secret of ${flags['existing-client']}`,
            flags: '--client-secret-file FILE or --client-secret-stdin (or AUTH0_CLIENT_SECRET)',
            prompt: 'Its client secret (input hidden)',
          }
        : {
            what: 'the MonoCloud management API key',
            flags: '--api-key-file FILE or --api-key-stdin (or MONOCLOUD_MANAGEMENT_API_KEY)',
            prompt: 'The management API key tenant-mcp should use (input hidden)',
          },
    );
    masker.add(secret);
    if (mode === 'existing') refusePersonToken(secret, io.env.TENANT_MCP_INIT_TOKEN);
  }

  // A config file that cannot take the entry stops init here, before anything is created.
  if (!flags.print)
    for (const t of plan.targets)
      checkEntry(t, plan.serverName, serverEntry(t.client, plan.launch), Boolean(flags.force));
  showPlan(io, plan, flags);
  if (!(await confirmed(flags, prompter, mode === 'create' ? 'Create the application?' : 'Go ahead?'))) {
    say(io, 'Nothing was changed. Pass --yes to go ahead without a terminal.');
    return 1;
  }

  let stored: StoredTenant;
  const now = new Date();
  if (mode === 'create') {
    const created = await createApplication(target, {
      personToken: personToken!,
      name: plan.appName,
      description: `Created by tenant-mcp init on ${now.toISOString().slice(0, 10)} for the ${profile.name} profile.`,
      audience,
      scopes: plan.scopes,
    });
    personToken = undefined; // Not needed again; nothing below may see it.
    say(io, `Created application ${created.clientId} and its grant of ${plan.scopes.length} scopes.`);
    secret = created.clientSecret;
    const issued = await clientCredentialsToken(target, {
      clientId: created.clientId,
      clientSecret: created.clientSecret,
      audience,
    });
    const diff = compareScopes(plan.scopes, issued.scopes ?? plan.scopes);
    if (diff.missing.length || diff.extra.length)
      say(
        io,
        `Warning: its first token differs from the grant: missing ${diff.missing.join(' ') || 'none'}, extra ${diff.extra.join(' ') || 'none'}.`,
      );
    else say(io, 'Its first token carries exactly those scopes.');
    stored = baseEntry(plan, now, {
      client_id: created.clientId,
      scopes: plan.scopes,
      application: 'created',
    });
  } else if (mode === 'existing') {
    const clientId = flags['existing-client']!;
    const issued = await clientCredentialsToken(target, { clientId, clientSecret: secret!, audience });
    reportExisting(io, plan, issued.scopes);
    stored = baseEntry(plan, now, { client_id: clientId, application: 'existing' });
  } else {
    await checkApiKey(target, catalog, secret!);
    say(io, 'The API key works: the tenant answered a read.');
    stored = baseEntry(plan, now, { application: 'api-key' });
  }
  if (flags.audience) stored.audience = audience;

  const saved = await saveSecret({
    prefer: secretStorePreference(flags['secret-store']),
    stateDir,
    account: plan.account,
    secret: secret!,
    label: `tenant-mcp ${name} (${domain}) ${provider === 'auth0' ? 'client secret' : 'API key'}`,
    platform: io.platform,
    store: { env: io.env },
  });
  stored.secret = { store: saved.store.kind, account: plan.account };
  if (saved.fallbackReason)
    say(
      io,
      `The OS keychain could not be used (${saved.fallbackReason}), so the secret is in ${fileStore(stateDir).path(plan.account)}, ` +
        `a file only you can read (0600): anyone who can read your files as you can read it. Once the keychain works, move it there with: tenant-mcp init --tenant ${name} --secret-store keychain`,
    );
  else say(io, `The secret is in ${saved.store.description}.`);

  // The tenant is stored before the configs are written, so a config that fails now can be written later.
  tenants.set(name, stored);
  writeTenants(stateDir, tenants);
  say(io, `Tenant "${name}" is stored in ${tenantsPath(stateDir)} (no secret in it).`);
  stored.configs = writeConfigs(io, plan, flags, now, []);
  writeTenants(stateDir, tenants);
  say(
    io,
    `The server runs with: tenant-mcp --tenant ${name} --profile ${profile.name}. Check it all with: tenant-mcp doctor --tenant ${name}`,
  );
  return 0;
}

/** A tenant set up already: write the configs it asks for, change nothing else. */
async function configsOnly(
  name: string,
  known: StoredTenant,
  flags: Flags,
  io: SetupIO,
  prompter: Prompter | undefined,
  stateDir: string,
  tenants: Map<string, StoredTenant>,
): Promise<number> {
  if (flags.profile && flags.profile !== known.profile)
    throw new UsageError(
      `tenant "${name}" was set up for profile ${known.profile}, whose scopes its application has: run init with --force and credentials to set it up for ${flags.profile}.`,
    );
  if (flags.provider && flags.provider !== known.provider)
    throw new UsageError(`tenant "${name}" is ${known.provider}, not ${flags.provider}.`);
  say(
    io,
    `Tenant "${name}" is set up already (${PROVIDERS[known.provider].displayName}, ${known.domain}, profile ${known.profile}): writing client configs only.`,
  );
  if (flags['secret-store']) await moveSecret(name, known, flags['secret-store'], io, stateDir, tenants);
  const targets = await chooseTargets(flags, io, prompter);
  if (targets.length === 0) {
    if (flags['secret-store']) return 0;
    say(io, 'No client chosen (--client): nothing to do.');
    return 0;
  }
  const serverName =
    flags['server-name'] ?? (name.startsWith(known.provider) ? name : `${known.provider}-${name}`);
  checkServerName(serverName);
  const plan = {
    serverName,
    targets,
    launch: launchFor(flags, io, name, known.profile, known.policy, stateDir),
  };
  if (!(await confirmed(flags, prompter, `Write ${targets.map((t) => t.label).join(', ')}?`, true))) {
    say(io, 'Nothing was changed.');
    return 1;
  }
  known.configs = writeConfigs(io, plan, flags, new Date(), known.configs);
  tenants.set(name, known);
  writeTenants(stateDir, tenants);
  return 0;
}

/** Moves a stored tenant's secret to another store (the keychain, once it works), then forgets the old copy. */
async function moveSecret(
  name: string,
  known: StoredTenant,
  preference: string,
  io: SetupIO,
  stateDir: string,
  tenants: Map<string, StoredTenant>,
): Promise<void> {
  const from = storeOfKind(known.secret.store, stateDir, { env: io.env });
  const secret = await from.get(known.secret.account);
  if (!secret)
    throw new UsageError(
      `${from.description} holds no secret for tenant "${name}": set it up again with --force.`,
    );
  const saved = await saveSecret({
    prefer: secretStorePreference(preference),
    stateDir,
    account: known.secret.account,
    secret,
    label: `tenant-mcp ${name} (${known.domain}) ${known.provider === 'auth0' ? 'client secret' : 'API key'}`,
    platform: io.platform,
    store: { env: io.env },
  });
  if (saved.store.kind === known.secret.store) {
    say(
      io,
      `The secret stays in ${saved.store.description}${saved.fallbackReason ? ` (the keychain: ${saved.fallbackReason})` : ''}.`,
    );
    return;
  }
  const old = known.secret.store;
  known.secret = { store: saved.store.kind, account: known.secret.account };
  tenants.set(name, known);
  writeTenants(stateDir, tenants);
  // saveSecret already removed the file copy when the keychain took it; a keychain copy goes here.
  if (old !== 'file') await from.delete(known.secret.account);
  say(io, `Moved the secret to ${saved.store.description}, and removed it from ${from.description}.`);
}

function nameFromDomain(domain: string): string {
  let host: string;
  let port = '';
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(domain) ? domain : `https://${domain}`);
    host = url.hostname;
    port = url.port;
  } catch {
    return 'default';
  }
  if (/^[\d.]+$/.test(host) || host === 'localhost' || host.startsWith('['))
    return `local${port ? `-${port}` : ''}`;
  const label = host
    .split('.')[0]!
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/^-+/, '');
  return label.slice(0, 40) || 'default';
}

function checkServerName(name: string): void {
  if (!/^[A-Za-z0-9_-]{1,60}$/.test(name))
    throw new UsageError(`--server-name "${name}" must be letters, digits, "_" and "-" (at most 60).`);
}

/** The keychain account: the tenant's name, with the state directory when it is not the default one. */
function accountFor(name: string, stateDir: string, env: NodeJS.ProcessEnv): string {
  return env.TENANT_MCP_STATE_DIR?.trim() ? `${name}@${stateDir}` : name;
}

function secretStorePreference(value: string | undefined): 'auto' | 'keychain' | 'file' {
  const chosen = value ?? 'auto';
  if (chosen !== 'auto' && chosen !== 'keychain' && chosen !== 'file')
    throw new UsageError(`Unknown --secret-store "${chosen}": use auto, keychain or file.`);
  return chosen;
}

async function chooseProfile(
  flags: Flags,
  provider: 'auth0' | 'monocloud',
  prompter: Prompter | undefined,
): Promise<{ profile: Profile; policyPath: string | undefined; catalog: Catalog }> {
  const catalog = await loadCatalog(provider);
  const policyPath = flags.policy ? resolve(flags.policy) : undefined;
  let policy: PolicyFile | undefined;
  const guard = <T>(load: () => T): T => {
    try {
      return load();
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  };
  if (policyPath) {
    const { loadPolicyFile } = await import('../policy/policy-file.js');
    const catalogs = { monocloud: await loadCatalog('monocloud') };
    policy = guard(() => loadPolicyFile(policyPath, { catalogs }));
  }
  const names = [...PROFILE_NAMES, ...(policy?.profiles.keys() ?? [])];
  const name =
    flags.profile ??
    (prompter ? await prompter.choose('Profile the agent runs under', names, 'read-only') : 'read-only');
  return { profile: guard(() => resolveProfile(name, policy, catalog)), policyPath, catalog };
}

async function chooseTargets(
  flags: Flags,
  io: SetupIO,
  prompter: Prompter | undefined,
): Promise<ConfigTarget[]> {
  const listed = flags.client
    ?.flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter(Boolean);
  let names = listed;
  if (!names && prompter) {
    const text = await prompter.ask(
      `Configure which clients (${CLIENTS.join(', ')}; comma-separated, or none)`,
      'none',
    );
    names = text
      .split(',')
      .map((value) => value.trim())
      .filter(Boolean);
  }
  names = (names ?? []).filter((value) => value !== 'none');
  for (const value of names)
    if (!(CLIENTS as readonly string[]).includes(value))
      throw new UsageError(`Unknown client "${value}" (--client): use ${CLIENTS.join(', ')}, or none.`);
  let scope = flags.scope;
  if (!scope && prompter && names.some((value) => value !== 'claude-desktop'))
    scope = await prompter.choose('Configure them for', ['user', 'project'], 'user');
  scope ??= 'user';
  if (scope !== 'user' && scope !== 'project')
    throw new UsageError(`Unknown --scope "${scope}": use user or project.`);
  const place = {
    platform: io.platform,
    home: io.home,
    env: io.env,
    projectDir: resolve(io.cwd, flags['project-dir'] ?? '.'),
  };
  try {
    return [...new Set(names)].map((client) =>
      configTarget(client as ClientName, scope as ConfigScope, place),
    );
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** How client configs start the server: this Node and this CLI, or npx with the package. */
function launchFor(
  flags: Flags,
  io: SetupIO,
  name: string,
  profile: string,
  policyPath: string | undefined,
  stateDir: string,
): ServerLaunch {
  const serverArgs = [
    '--tenant',
    name,
    '--profile',
    profile,
    ...(policyPath ? ['--policy', policyPath] : []),
  ];
  const env: Record<string, string> = io.env.TENANT_MCP_STATE_DIR?.trim()
    ? { TENANT_MCP_STATE_DIR: stateDir }
    : {};
  let cli = io.cliPath;
  try {
    if (cli) cli = realpathSync(cli);
  } catch {
    // Keep the path as given; doctor will say if it does not start.
  }
  // Run through npx, the CLI sits in npx's cache, which may be cleared: a config names the package instead.
  const launcher = flags.launcher ?? (cli && /[\\/]_npx[\\/]/.test(cli) ? 'npx' : 'node');
  if (launcher === 'npx') {
    const spec = flags.package ?? `tenant-mcp@${VERSION}`;
    // --package and the bin name: a bare path as npx's first word would be run as a command, not installed.
    const npx = ['-y', `--package=${spec}`, '--', 'tenant-mcp', ...serverArgs];
    return io.platform === 'win32'
      ? { command: 'cmd', args: ['/c', 'npx', ...npx], env }
      : { command: 'npx', args: npx, env };
  }
  if (launcher !== 'node') throw new UsageError(`Unknown --launcher "${launcher}": use node or npx.`);
  if (!cli) throw new UsageError('The CLI path is unknown: pass --launcher npx.');
  return { command: io.execPath, args: [cli, ...serverArgs], env };
}

interface CredentialSource {
  what: string;
  flags: string;
  prompt: string;
}

async function readCredential(
  file: string | undefined,
  stdin: boolean | undefined,
  io: SetupIO,
  fromEnv: string | undefined,
  prompter: Prompter | undefined,
  source: CredentialSource,
): Promise<string> {
  let value: string | undefined;
  if (file) {
    try {
      value = readFileSync(isAbsolute(file) ? file : resolve(io.cwd, file), 'utf8').trim();
    } catch (error) {
      throw new UsageError(
        `${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`,
      );
    }
  } else if (stdin) value = await readAll(io.stdin);
  else if (fromEnv?.trim()) value = fromEnv.trim();
  else if (prompter) value = await prompter.secret(source.prompt);
  if (!value) throw new UsageError(`${source.what} is missing: pass ${source.flags}.`);
  if (/\s/.test(value))
    throw new UsageError(`${source.what} holds spaces or line breaks: give the value alone.`);
  return value;
}

/** The person's token must be able to create the application, for this tenant, and still be valid. */
function checkPersonToken(token: string, audience: string): void {
  const claims = jwtClaims(token);
  if (!claims) return; // An opaque token: the tenant will say what it lacks.
  if (typeof claims.exp === 'number' && claims.exp * 1000 < Date.now())
    throw new UsageError(
      `your token expired at ${new Date(claims.exp * 1000).toISOString()}: get a new one.`,
    );
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  const strip = (value: unknown) => String(value).replace(/\/+$/, '');
  if (claims.aud !== undefined && !audiences.some((aud) => strip(aud) === strip(audience)))
    throw new UsageError(
      `your token is for ${audiences.join(', ')}, not this tenant's Management API (${audience}): check --domain, or pass --audience.`,
    );
  if (typeof claims.scope === 'string') {
    const have = new Set(claims.scope.split(/\s+/));
    const lacking = ['create:clients', 'create:client_grants'].filter((scope) => !have.has(scope));
    if (lacking.length)
      throw new UsageError(
        `your token lacks ${lacking.join(' and ')}, which creating the application needs.`,
      );
  }
}

/** A person's token offered where the application's secret goes is refused: it would be kept for good. */
function refusePersonToken(secret: string, personToken: string | undefined): void {
  if (secret === personToken || jwtClaims(secret))
    throw new UsageError(
      "that is an access token, not a client secret: init never stores a person's token (it is theirs, and it expires). Give the application's client secret, or leave out --existing-client to have init create one.",
    );
}

function showPlan(io: SetupIO, plan: Plan, flags: Flags): void {
  const row = (label: string, text: string) => say(io, `  ${label.padEnd(12)} ${text}`);
  say(io, `tenant-mcp init: the plan for tenant "${plan.name}"`);
  row('tenant', `${PROVIDERS[plan.provider].displayName}, ${plan.domain}`);
  row(
    'profile',
    `${plan.profile.name}: ${plan.listed} of ${plan.catalog.operations.length} operations listed`,
  );
  if (plan.mode === 'create') {
    row(
      'application',
      `"${plan.appName}", machine to machine, created with your token (used for this only, never stored)`,
    );
    row(
      'grant',
      `${plan.scopes.length} scopes of the Management API (${plan.audience}), exactly those the profile can use:`,
    );
    for (const line of describeScopes(plan.scopes)) say(io, `               ${line}`);
  } else if (plan.mode === 'existing') {
    row(
      'application',
      `${flags['existing-client']}, yours; init only checks its scopes against the ${plan.scopes.length} the profile uses`,
    );
  } else {
    row(
      'API key',
      'the key you gave is what the server uses: MonoCloud keys carry no scopes and its API issues no narrower one,',
    );
    say(
      io,
      `               so the profile is the only narrowing. Use a key made for tenant-mcp alone, so it can be revoked alone.`,
    );
  }
  const store =
    flags['secret-store'] === 'file'
      ? 'a 0600 file under the state directory'
      : 'the OS keychain (or a 0600 file if it cannot be used)';
  row('secret', `kept in ${store}; never in a config file`);
  if (plan.targets.length === 0)
    row('clients', 'none (add some later: tenant-mcp init --tenant NAME --client ...)');
  for (const target of plan.targets)
    row(
      'client',
      `${target.label}: ${flags.print ? 'printed, not written' : target.path} (server "${plan.serverName}")`,
    );
}

async function confirmed(
  flags: Flags,
  prompter: Prompter | undefined,
  question: string,
  fallback = false,
): Promise<boolean> {
  if (flags.yes) return true;
  if (!prompter) return false;
  return prompter.confirm(question, fallback);
}

function baseEntry(
  plan: Plan,
  now: Date,
  extra: Pick<StoredTenant, 'application'> & Partial<StoredTenant>,
): StoredTenant {
  return {
    provider: plan.provider,
    domain: plan.domain,
    profile: plan.profile.name,
    ...(plan.policyPath ? { policy: plan.policyPath } : {}),
    secret: { store: 'file', account: plan.account },
    created_at: now.toISOString(),
    configs: [],
    ...extra,
  };
}

function reportExisting(io: SetupIO, plan: Plan, granted: string[] | undefined): void {
  if (!granted) {
    say(io, "Its token carries no scope claim: its scopes cannot be compared with the profile's.");
    return;
  }
  const diff = compareScopes(plan.scopes, granted);
  if (!diff.missing.length && !diff.extra.length) {
    say(io, `The application has exactly the ${plan.scopes.length} scopes the profile uses.`);
    return;
  }
  if (diff.extra.length)
    say(
      io,
      `The application has ${diff.extra.length} scopes beyond what the ${plan.profile.name} profile uses (remove them from its grant in the dashboard): ${diff.extra.join(' ')}`,
    );
  if (diff.missing.length)
    say(
      io,
      `It lacks ${diff.missing.length} scopes the profile uses; their operations will be refused: ${diff.missing.join(' ')}`,
    );
}

/** One read with the key: the cheapest list the catalog has. */
async function checkApiKey(target: TenantTarget, catalog: Catalog, apiKey: string): Promise<void> {
  const base = catalog.apiBasePath ?? '/api';
  await callTenant(target, 'GET', `${base}/users?size=1`, { apiKey, what: 'checking the API key' });
}

function writeConfigs(
  io: SetupIO,
  plan: Pick<Plan, 'serverName' | 'targets' | 'launch'>,
  flags: Flags,
  now: Date,
  previous: StoredTenant['configs'],
): StoredTenant['configs'] {
  const written = previous.filter(
    (c) => !plan.targets.some((t) => t.path === c.path && c.server === plan.serverName),
  );
  for (const target of plan.targets) {
    const entry = serverEntry(target.client, plan.launch);
    if (flags.print) {
      say(io, `# ${target.label}: add to ${target.path}`);
      say(io, printedEntry(target, plan.serverName, entry));
      continue;
    }
    const result = writeEntry(target, plan.serverName, entry, { force: Boolean(flags.force), now });
    say(
      io,
      `${result.replaced ? 'Replaced' : 'Added'} server "${plan.serverName}" in ${target.label}: ${result.path}` +
        (result.backup ? ` (the previous file is kept as ${result.backup})` : ''),
    );
    written.push({ client: target.client, scope: target.scope, path: result.path, server: plan.serverName });
  }
  if (!flags.print && plan.targets.some((t) => t.client === 'claude-desktop'))
    say(io, `Restart ${CLIENT_LABELS['claude-desktop']} to load it.`);
  return written;
}
