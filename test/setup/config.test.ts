// The server's side of init: `--tenant NAME` reads a stored tenant and its secret at start, the
// environment's secret wins, and anything contradictory is one line naming it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/server/config.js';
import { fileStore } from '../../src/setup/secret-store.js';
import { type StoredTenant, writeTenants } from '../../src/setup/tenants.js';
import { loadCatalog } from '../../src/tools/providers.js';

const ENTRY: StoredTenant = {
  provider: 'auth0',
  domain: 'acme.eu.auth0.com',
  client_id: 'cid',
  profile: 'helpdesk',
  secret: { store: 'file', account: 'acme' },
  application: 'created',
  created_at: '2026-01-01T00:00:00Z',
  configs: [],
};

async function stateWith(tenants: Record<string, StoredTenant>, secrets: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'tenant-mcp-config-'));
  writeTenants(dir, new Map(Object.entries(tenants)));
  for (const [account, secret] of Object.entries(secrets)) await fileStore(dir).set(account, secret, 'l');
  return dir;
}

describe('loadConfig with a tenant stored by init', () => {
  it('connects to it with the stored secret under its profile; AUTH0_CLIENT_SECRET wins', async () => {
    const dir = await stateWith({ acme: ENTRY }, { acme: 'stored-secret' });
    const config = await loadConfig({ tenant: 'acme' }, { TENANT_MCP_STATE_DIR: dir }, loadCatalog);
    expect(config.mode).toBe('tenant');
    expect(config.profile.name).toBe('helpdesk');
    expect(config.tenant).toEqual({
      name: 'acme',
      provider: 'auth0',
      domain: 'acme.eu.auth0.com',
      auth: { kind: 'client_credentials', clientId: 'cid', clientSecret: 'stored-secret' },
    });
    const env = { TENANT_MCP_STATE_DIR: dir, AUTH0_CLIENT_SECRET: 'rotated' };
    expect((await loadConfig({ tenant: 'acme' }, env, loadCatalog)).tenant.auth).toMatchObject({
      clientSecret: 'rotated',
    });
  });

  it('keeps named tenants side by side, each with its own secret', async () => {
    const dir = await stateWith(
      {
        acme: ENTRY,
        beta: {
          ...ENTRY,
          domain: 'beta.us.auth0.com',
          client_id: 'cid-b',
          secret: { store: 'file', account: 'beta' },
        },
      },
      { acme: 'secret-a', beta: 'secret-b' },
    );
    const env = { TENANT_MCP_STATE_DIR: dir };
    const a = await loadConfig({ tenant: 'acme' }, env, loadCatalog);
    const b = await loadConfig({ tenant: 'beta' }, env, loadCatalog);
    expect([a.tenant.domain, a.tenant.auth]).toEqual([
      'acme.eu.auth0.com',
      { kind: 'client_credentials', clientId: 'cid', clientSecret: 'secret-a' },
    ]);
    expect([b.tenant.domain, b.tenant.auth]).toEqual([
      'beta.us.auth0.com',
      { kind: 'client_credentials', clientId: 'cid-b', clientSecret: 'secret-b' },
    ]);
  });

  it('serves a stored MonoCloud tenant with its API key', async () => {
    const mono: StoredTenant = {
      ...ENTRY,
      provider: 'monocloud',
      domain: 'acme.us.monocloud.com',
      client_id: undefined,
      application: 'api-key',
      profile: 'read-only',
    };
    delete mono.client_id;
    const dir = await stateWith({ mono }, { acme: 'the-key' });
    const config = await loadConfig({ tenant: 'mono' }, { TENANT_MCP_STATE_DIR: dir }, loadCatalog);
    expect(config.catalog.provider).toBe('monocloud');
    expect(config.tenant.auth).toEqual({ kind: 'api_key', apiKey: 'the-key' });
  });

  it('refuses, in one line naming it: other tenant variables, another profile, an unknown name, a missing secret', async () => {
    const dir = await stateWith({ acme: ENTRY }, { acme: 'stored-secret' });
    const env = { TENANT_MCP_STATE_DIR: dir };
    await expect(
      loadConfig({ tenant: 'acme' }, { ...env, AUTH0_DOMAIN: 'other.auth0.com' }, loadCatalog),
    ).rejects.toThrow('AUTH0_DOMAIN is set but tenant "acme" comes from tenant-mcp init: unset one of them.');
    await expect(loadConfig({ tenant: 'acme', profile: 'admin' }, env, loadCatalog)).rejects.toThrow(
      '--profile admin contradicts tenant "acme", which pins profile "helpdesk".',
    );
    await expect(loadConfig({ tenant: 'nope' }, env, loadCatalog)).rejects.toThrow(
      `Unknown tenant "nope" (--tenant): \`tenant-mcp init\` stored none of that name in ${dir}, and no policy file with tenants is given (--policy FILE).`,
    );
    await fileStore(dir).delete('acme');
    await expect(loadConfig({ tenant: 'acme' }, env, loadCatalog)).rejects.toThrow(
      /^tenant "acme": a file readable only by you/,
    );
  });

  it('leaves a policy file’s tenant of the same name in charge', async () => {
    const dir = await stateWith({ acme: ENTRY }, { acme: 'stored-secret' });
    const policy = join(dir, 'policy.yaml');
    writeFileSync(
      policy,
      'version: 1\ntenants:\n  acme:\n    domain: policy.auth0.com\n    token: { env: ACME_TOKEN }\n',
    );
    const config = await loadConfig(
      { tenant: 'acme', policy },
      { TENANT_MCP_STATE_DIR: dir, ACME_TOKEN: 't' },
      loadCatalog,
    );
    expect(config.tenant.domain).toBe('policy.auth0.com');
    // A name only init stored still works beside a policy file with other tenants.
    const other = await stateWith({ second: ENTRY }, { acme: 's2' });
    const both = await loadConfig(
      { tenant: 'second', policy },
      { TENANT_MCP_STATE_DIR: other, ACME_TOKEN: 't' },
      loadCatalog,
    );
    expect(both.tenant).toMatchObject({ name: 'second', domain: 'acme.eu.auth0.com' });
  });
});
