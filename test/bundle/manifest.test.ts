// The MCP Bundle's manifest is what Claude Desktop runs: it must validate, carry the package's version, map
// every setting to a flag or variable the CLI reads, and start a working server from the answers a user gives.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { type MonoCloudSandbox, startMonoCloudSandbox } from '../../src/sandbox/monocloud/index.js';
import { launchBundle, READ_GENERIC, ROOT, readManifest, resolveLaunch } from './desktop-host.js';

const MCPB = join(ROOT, 'node_modules', '@anthropic-ai', 'mcpb', 'dist', 'cli', 'cli.js');
const manifest = readManifest();
const userConfig = manifest.user_config ?? {};
const generic = (names: string[]) => names.filter((name) => /_operations?$/.test(name)).sort();
const manifestTools = (manifest.tools ?? []).map((tool) => tool.name).sort();

describe('manifest.json', () => {
  it('passes mcpb validate', () => {
    const out = execFileSync(process.execPath, [MCPB, 'validate', join(ROOT, 'manifest.json')], {
      encoding: 'utf8',
    });
    expect(out).toMatch(/validation passes/);
  });

  it("carries package.json's version", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(manifest.version).toBe(pkg.version);
  });

  it('uses every user_config key, and refers to no other', () => {
    const text = JSON.stringify(manifest.server.mcp_config);
    const used = new Set([...text.matchAll(/\$\{user_config\.([^}]+)\}/g)].map((m) => m[1]));
    expect([...used].sort()).toEqual(Object.keys(userConfig).sort());
  });

  it('sets only environment variables the CLI documents in --help', () => {
    const help = execFileSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), '--help'], {
      encoding: 'utf8',
    });
    const env = Object.keys(manifest.server.mcp_config?.env ?? {});
    expect(env.length).toBeGreaterThan(0);
    for (const name of env) expect(help, name).toMatch(new RegExp(`^\\s+${name}\\s`, 'm'));
  });

  it('marks the client secret and the API key sensitive, and nothing the user must see', () => {
    const sensitive = Object.entries(userConfig)
      .filter(([, option]) => option.sensitive)
      .map(([key]) => key)
      .sort();
    expect(sensitive).toEqual(['auth0_client_secret', 'monocloud_api_key']);
  });

  it('gives every optional setting a default, so no user_config placeholder reaches the command line unresolved', async () => {
    for (const [key, option] of Object.entries(userConfig)) expect(option.default, key).toBeDefined();
    const launch = await resolveLaunch(ROOT);
    expect(JSON.stringify(launch)).not.toMatch(/\$\{/);
    expect(launch.args).toEqual([join(ROOT, 'dist', 'cli.js'), '--provider=auth0', '--profile=read-only']);
  });
});

describe('the manifest as a host launches it', () => {
  let auth0: Sandbox;
  let monocloud: MonoCloudSandbox;
  beforeAll(async () => {
    [auth0, monocloud] = await Promise.all([startSandbox({ port: 0 }), startMonoCloudSandbox({ port: 0 })]);
  });
  afterAll(async () => {
    await auth0?.close();
    await monocloud?.close();
  });

  it("with the defaults: the embedded Auth0 sandbox, read-only, generic tools among the manifest's", async () => {
    const server = await launchBundle(ROOT);
    try {
      const { tools } = await server.client.listTools();
      expect(generic(tools.map((t) => t.name))).toEqual(READ_GENERIC);
      expect(manifestTools).toEqual(expect.arrayContaining(READ_GENERIC));
    } finally {
      await server.close();
    }
  });

  it("as admin: the generic tools listed are exactly the manifest's tools", async () => {
    const server = await launchBundle(ROOT, { profile: 'admin' });
    try {
      const { tools } = await server.client.listTools();
      expect(generic(tools.map((t) => t.name))).toEqual(manifestTools);
    } finally {
      await server.close();
    }
  });

  it('with Auth0 credentials filled in: they reach the tenant', async () => {
    const server = await launchBundle(ROOT, {
      auth0_domain: auth0.url,
      auth0_client_id: auth0.clientId,
      auth0_client_secret: auth0.clientSecret,
    });
    try {
      const result = await server.client.callTool({
        name: 'invoke_read_operation',
        arguments: { operation: 'get_roles', arguments: {} },
      });
      expect(result.isError, JSON.stringify(result)).not.toBe(true);
      expect(server.stderr()).not.toMatch(/embedded sandbox/);
    } finally {
      await server.close();
    }
  });

  it('with provider monocloud and its domain and API key filled in: they reach the tenant', async () => {
    const server = await launchBundle(ROOT, {
      provider: 'monocloud',
      monocloud_domain: monocloud.url,
      monocloud_api_key: monocloud.apiKey,
    });
    try {
      expect(server.client.getInstructions()).toMatch(/MonoCloud/);
      const result = await server.client.callTool({
        name: 'invoke_read_operation',
        arguments: { operation: 'get_all_users', arguments: {} },
      });
      expect(result.isError, JSON.stringify(result)).not.toBe(true);
      expect(server.stderr()).not.toMatch(/embedded MonoCloud sandbox/);
    } finally {
      await server.close();
    }
  });
});
