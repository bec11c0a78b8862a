// Pins the one-line configuration errors (exit code 2), the sandbox fallback, and how a policy file's
// named tenants and pinned profiles combine with flags and AUTH0_* variables.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/server/config.js';

const TOOLSETS = ['users', 'logs', 'roles'];
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

describe('loadConfig', async () => {
  it('falls back to the sandbox when no AUTH0_* variable is set', async () => {
    const config = await loadConfig({}, STATE, TOOLSETS);
    expect(config).toMatchObject({
      mode: 'sandbox',
      tenant: { name: 'sandbox' },
      toolsets: [],
      stateDir: '/tmp/tenant-mcp-state-test',
      auditLog: '/tmp/tenant-mcp-state-test/audit.jsonl',
      approvalTtlMs: 600_000,
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
      TOOLSETS,
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
    const config = await loadConfig({}, { AUTH0_DOMAIN: 'acme.eu.auth0.com', AUTH0_TOKEN: 'tok' }, TOOLSETS);
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
    await expect(loadConfig({}, env, TOOLSETS)).rejects.toThrow(ConfigError);
    await expect(loadConfig({}, env, TOOLSETS)).rejects.toThrow(message);
  });

  it('names an unknown profile and an unknown toolset', async () => {
    await expect(loadConfig({ profile: 'root' }, {}, TOOLSETS)).rejects.toThrow(
      /unknown profile "root".*read-only, admin, helpdesk/,
    );
    await expect(loadConfig({ toolsets: 'users,userz' }, {}, TOOLSETS)).rejects.toThrow(
      /Unknown toolset "userz"/,
    );
  });

  it('expands --toolsets all', async () => {
    expect((await loadConfig({ toolsets: 'all' }, {}, TOOLSETS)).toolsets).toEqual(TOOLSETS);
  });

  it('allows plain http to a non-loopback host only when explicitly told to', async () => {
    const env = {
      AUTH0_DOMAIN: 'http://proxy.internal:8080',
      AUTH0_TOKEN: 't',
      TENANT_MCP_ALLOW_INSECURE_HTTP: '1',
    };
    expect((await loadConfig({}, env, TOOLSETS)).mode).toBe('tenant');
  });
});

describe('loadConfig with a policy file', async () => {
  const file = policyFile(TWO_TENANTS);

  it('connects to the default tenant with its env-referenced token', async () => {
    const config = await loadConfig({ policy: file }, { DEV_TOKEN: 'dev-token' }, TOOLSETS);
    expect(config.tenant).toEqual({
      name: 'dev',
      domain: 'http://127.0.0.1:4010',
      auth: { kind: 'token', token: 'dev-token' },
    });
    expect(config.profile.name).toBe('read-only');
  });

  it('takes the tenant pinned profile, and refuses a flag that contradicts it', async () => {
    const env = { TENANT_MCP_POLICY: file, PROD_ID: 'id', PROD_SECRET: 'secret' };
    expect((await loadConfig({ tenant: 'prod' }, env, TOOLSETS)).profile.name).toBe('read-only');
    await expect(loadConfig({ tenant: 'prod', profile: 'admin' }, env, TOOLSETS)).rejects.toThrow(
      /--profile admin contradicts tenant "prod", which pins profile "read-only"/,
    );
  });

  it('names a missing environment variable and refuses AUTH0_* beside a named tenant', async () => {
    await expect(loadConfig({ policy: file, tenant: 'prod' }, { PROD_ID: 'id' }, TOOLSETS)).rejects.toThrow(
      /PROD_SECRET is not set/,
    );
    await expect(
      loadConfig({ policy: file }, { DEV_TOKEN: 't', AUTH0_DOMAIN: 'x.auth0.com' }, TOOLSETS),
    ).rejects.toThrow(/AUTH0_DOMAIN is set but tenant "dev" comes from the policy file/);
  });

  it('reports a policy file mistake as one line with its line number', async () => {
    const broken = policyFile('version: 1\nprofiles:\n  support:\n    alow: [get_users]\n');
    await expect(loadConfig({ policy: broken }, {}, TOOLSETS)).rejects.toThrow(ConfigError);
    await expect(loadConfig({ policy: broken }, {}, TOOLSETS)).rejects.toThrow(/policy\.yaml:4: .*alow/);
  });
});
