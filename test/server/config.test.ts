// Pins the one-line configuration errors (exit code 2), the sandbox fallback, and how a policy file's
// named tenants and pinned profiles combine with flags and AUTH0_* variables.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseCallTimeout } from '../../src/server/config.js';
import { auth0Catalog } from '../../src/tools/auth0/index.js';
import { loadCatalog } from '../../src/tools/providers.js';

const TOOLSETS = [...new Set(auth0Catalog.operations.map((op) => op.toolset))];
const load = (provider: 'auth0' | 'monocloud') => loadCatalog(provider);
const STATE = { TENANT_MCP_STATE_DIR: '/tmp/tenant-mcp-state-test' };

function policyFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tenant-mcp-config-')), 'policy.yaml');
  writeFileSync(file, text);
  return file;
}

const TWO_TENANTS = `version: 1
tenants:
  prod:
    domain: acme.eu.auth0.com
    client_id: { env: PROD_ID }
    client_secret: { env: PROD_SECRET }
    profile: read-only
  dev:
    domain: http://127.0.0.1:4010
    token: { env: DEV_TOKEN }
default_tenant: dev
`;

describe('loadConfig', () => {
  it('falls back to the sandbox when no AUTH0_* variable is set', async () => {
    const config = await loadConfig({}, STATE, load);
    expect(config).toMatchObject({
      mode: 'sandbox',
      tenant: { name: 'sandbox', provider: 'auth0' },
      toolsets: [],
      stateDir: '/tmp/tenant-mcp-state-test',
      auditLog: '/tmp/tenant-mcp-state-test/audit.jsonl',
      approvalTtlMs: 600_000,
      callTimeoutMs: 60_000,
    });
    expect(config.profile.name).toBe('read-only');
  });

  it('reads client credentials, audience and a scheme-bearing domain as is', async () => {
    const config = await loadConfig(
      { profile: 'admin', toolsets: 'users, logs', auditLog: '/var/log/tm.jsonl' },
      {
        AUTH0_DOMAIN: 'http://127.0.0.1:4010',
        AUTH0_CLIENT_ID: 'id',
        AUTH0_CLIENT_SECRET: 's3cret',
        AUTH0_AUDIENCE: 'https://api.example.com/',
      },
      load,
    );
    expect(config).toMatchObject({
      mode: 'tenant',
      tenant: {
        name: 'default',
        domain: 'http://127.0.0.1:4010',
        auth: {
          kind: 'client_credentials',
          clientId: 'id',
          clientSecret: 's3cret',
          audience: 'https://api.example.com/',
        },
      },
      toolsets: ['users', 'logs'],
      auditLog: '/var/log/tm.jsonl',
    });
    expect(config.profile.name).toBe('admin');
  });

  it('accepts a static token', async () => {
    const config = await loadConfig({}, { AUTH0_DOMAIN: 'acme.eu.auth0.com', AUTH0_TOKEN: 'tok' }, load);
    expect(config.tenant.auth).toEqual({ kind: 'token', token: 'tok' });
  });

  it.each([
    [{ AUTH0_CLIENT_ID: 'id', AUTH0_CLIENT_SECRET: 's' }, /AUTH0_DOMAIN is missing/],
    [{ AUTH0_DOMAIN: 'acme.auth0.com' }, /AUTH0_CLIENT_ID is missing/],
    [{ AUTH0_DOMAIN: 'acme.auth0.com', AUTH0_CLIENT_ID: 'id' }, /AUTH0_CLIENT_SECRET is missing/],
    [{ AUTH0_DOMAIN: 'acme.auth0.com', AUTH0_TOKEN: 't', AUTH0_CLIENT_ID: 'id' }, /both set/],
    [
      { AUTH0_DOMAIN: 'acme.auth0.com', AUTH0_TOKEN: 't', AUTH0_AUDIENCE: 'x' },
      /AUTH0_AUDIENCE only applies/,
    ],
    [{ AUTH0_DOMAIN: 'not a host', AUTH0_TOKEN: 't' }, /not a host name/],
    [{ AUTH0_DOMAIN: 'ftp://acme.auth0.com', AUTH0_TOKEN: 't' }, /must use https/],
    [{ AUTH0_DOMAIN: 'http://tenant.example.com', AUTH0_TOKEN: 't' }, /plain http/],
    [{ TENANT_MCP_APPROVAL_TTL_SECONDS: 'soon' }, /TENANT_MCP_APPROVAL_TTL_SECONDS/],
  ])('refuses %o with a message naming the setting', async (env, message) => {
    await expect(loadConfig({}, env, load)).rejects.toThrow(ConfigError);
    await expect(loadConfig({}, env, load)).rejects.toThrow(message);
  });

  it('names an unknown profile and an unknown toolset', async () => {
    await expect(loadConfig({ profile: 'root' }, {}, load)).rejects.toThrow(
      /unknown profile "root".*read-only, admin, helpdesk/,
    );
    await expect(loadConfig({ toolsets: 'users,userz' }, {}, load)).rejects.toThrow(
      /Unknown toolset "userz"/,
    );
  });

  it('expands --toolsets all', async () => {
    expect((await loadConfig({ toolsets: 'all' }, {}, load)).toolsets).toEqual(TOOLSETS);
  });

  it('allows plain http to a non-loopback host only when explicitly told to', async () => {
    const env = {
      AUTH0_DOMAIN: 'http://proxy.internal:8080',
      AUTH0_TOKEN: 't',
      TENANT_MCP_ALLOW_INSECURE_HTTP: '1',
    };
    expect((await loadConfig({}, env, load)).mode).toBe('tenant');
  });
});

describe('TENANT_MCP_CALL_TIMEOUT', () => {
  it.each([
    ['60', 60_000],
    ['2.5', 2_500],
    ['500ms', 500],
    ['30s', 30_000],
    ['2m', 120_000],
    ['0', 0],
    [' 45 ', 45_000],
  ])('reads %j as %i ms', (value, ms) => {
    expect(parseCallTimeout(value)).toBe(ms);
  });

  it.each(['-1', 'soon', '5h', '50ms', '2 hours', 'ms', '7200'])('refuses %j naming the setting', (value) => {
    expect(() => parseCallTimeout(value)).toThrow(/TENANT_MCP_CALL_TIMEOUT/);
  });

  it('reaches the configuration', async () => {
    const config = await loadConfig({}, { ...STATE, TENANT_MCP_CALL_TIMEOUT: '15s' }, load);
    expect(config.callTimeoutMs).toBe(15_000);
  });
});

describe('loadConfig choosing the provider', () => {
  it('infers MonoCloud from its variables and reads the timeout in milliseconds', async () => {
    const config = await loadConfig(
      {},
      {
        MONOCLOUD_MANAGEMENT_DOMAIN: 'acme.us.monocloud.com',
        MONOCLOUD_MANAGEMENT_API_KEY: 'mc-key',
        MONOCLOUD_MANAGEMENT_TIMEOUT: '15000',
      },
      load,
    );
    expect(config.tenant).toEqual({
      name: 'default',
      provider: 'monocloud',
      domain: 'acme.us.monocloud.com',
      auth: { kind: 'api_key', apiKey: 'mc-key' },
      timeoutMs: 15_000,
    });
    expect(config.catalog.provider).toBe('monocloud');
  });

  it('runs the MonoCloud sandbox with --provider monocloud and no credentials', async () => {
    const config = await loadConfig({ provider: 'monocloud' }, {}, load);
    expect(config).toMatchObject({ mode: 'sandbox', tenant: { provider: 'monocloud' } });
  });

  it.each([
    [
      {},
      { AUTH0_DOMAIN: 'a.auth0.com', AUTH0_TOKEN: 't', MONOCLOUD_MANAGEMENT_API_KEY: 'k' },
      /choose the provider with --provider/,
    ],
    [
      { provider: 'auth0' },
      { MONOCLOUD_MANAGEMENT_DOMAIN: 'x.monocloud.com' },
      /MONOCLOUD_MANAGEMENT_DOMAIN is set but --provider is auth0/,
    ],
    [{ provider: 'okta' }, {}, /Unknown provider "okta"/],
    [{}, { MONOCLOUD_MANAGEMENT_DOMAIN: 'x.monocloud.com' }, /MONOCLOUD_MANAGEMENT_API_KEY is missing/],
    [{}, { MONOCLOUD_MANAGEMENT_API_KEY: 'k' }, /MONOCLOUD_MANAGEMENT_DOMAIN is missing/],
    [
      {},
      {
        MONOCLOUD_MANAGEMENT_DOMAIN: 'x.monocloud.com',
        MONOCLOUD_MANAGEMENT_API_KEY: 'k',
        MONOCLOUD_MANAGEMENT_TIMEOUT: '10s',
      },
      /milliseconds/,
    ],
  ])('refuses %o %o with one line naming the setting', async (flags, env, message) => {
    await expect(loadConfig(flags, env, load)).rejects.toThrow(message);
  });

  it('takes a MonoCloud tenant from a policy file, with its key from the environment', async () => {
    const file = policyFile(`version: 1
profiles:
  mc-support:
    provider: monocloud
    extends: helpdesk
    deny: [reset_password]
tenants:
  mc:
    provider: monocloud
    domain: http://127.0.0.1:5020
    api_key: { env: MC_KEY }
    profile: mc-support
`);
    const config = await loadConfig({ policy: file }, { MC_KEY: 'k1' }, load);
    expect(config.tenant).toMatchObject({
      name: 'mc',
      provider: 'monocloud',
      auth: { kind: 'api_key', apiKey: 'k1' },
    });
    expect(config.profile.name).toBe('mc-support');
    const resetPassword = config.catalog.operations.find((op) => op.id === 'reset_password')!;
    expect(config.profile.denies(resetPassword)).toMatch(/reset_password/);
  });
});

describe('loadConfig with a policy file', () => {
  const file = policyFile(TWO_TENANTS);

  it('connects to the default tenant with its env-referenced token', async () => {
    const config = await loadConfig({ policy: file }, { DEV_TOKEN: 'dev-token' }, load);
    expect(config.tenant).toEqual({
      name: 'dev',
      provider: 'auth0',
      domain: 'http://127.0.0.1:4010',
      auth: { kind: 'token', token: 'dev-token' },
    });
    expect(config.profile.name).toBe('read-only');
  });

  it('takes the tenant pinned profile, and refuses a flag that contradicts it', async () => {
    const env = { TENANT_MCP_POLICY: file, PROD_ID: 'id', PROD_SECRET: 'secret' };
    expect((await loadConfig({ tenant: 'prod' }, env, load)).profile.name).toBe('read-only');
    await expect(loadConfig({ tenant: 'prod', profile: 'admin' }, env, load)).rejects.toThrow(
      /--profile admin contradicts tenant "prod", which pins profile "read-only"/,
    );
  });

  it('names a missing environment variable and refuses AUTH0_* beside a named tenant', async () => {
    await expect(loadConfig({ policy: file, tenant: 'prod' }, { PROD_ID: 'id' }, load)).rejects.toThrow(
      /PROD_SECRET is not set/,
    );
    await expect(
      loadConfig({ policy: file }, { DEV_TOKEN: 't', AUTH0_DOMAIN: 'x.auth0.com' }, load),
    ).rejects.toThrow(/AUTH0_DOMAIN is set but tenant "dev" comes from the policy file/);
  });

  it('reports a policy file mistake as one line with its line number', async () => {
    const broken = policyFile('version: 1\nprofiles:\n  support:\n    alow: [get_users]\n');
    await expect(loadConfig({ policy: broken }, {}, load)).rejects.toThrow(ConfigError);
    await expect(loadConfig({ policy: broken }, {}, load)).rejects.toThrow(/policy\.yaml:4: .*alow/);
  });
});
