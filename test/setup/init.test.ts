// `tenant-mcp init` against the embedded sandbox, as a person runs it: it creates the application with
// exactly each profile's scopes, never stores the person's token, writes each client's config into a
// temporary home without touching other servers, and each written config starts a working server.
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getProfile, PROFILE_NAMES } from '../../src/policy/profiles.js';
import { AUTH0_MODEL } from '../../src/sandbox/auth0-model.generated.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { startMonoCloudSandbox } from '../../src/sandbox/monocloud/index.js';
import { parseConfig } from '../../src/setup/client-configs.js';
import { profileScopes } from '../../src/setup/scopes.js';
import { auth0Catalog } from '../../src/tools/auth0/index.js';
import {
  filesUnder,
  personToken,
  runCli,
  sandbox as startAuth0,
  startFromEntry,
  tempHome,
  text,
} from './helpers.js';

let tenant: Sandbox;
beforeAll(async () => {
  tenant = await startAuth0();
});
afterAll(() => tenant.close());

const clientsNamed = (name: string) => [...tenant.state.clients.values()].filter((c) => c.name === name);
const grantOf = (clientId: string) =>
  [...(tenant.state.store.collection('/client-grants')?.values() ?? [])].find(
    (g) => g.client_id === clientId,
  );

function init(args: string[], env: NodeJS.ProcessEnv, input = '') {
  return runCli(['init', '--domain', tenant.url, '--secret-store', 'file', ...args], env, input);
}

describe('tenant-mcp init (Auth0)', () => {
  for (const profile of PROFILE_NAMES) {
    it(`creates an application granted exactly the scopes profile ${profile} lists, and stores no token`, async () => {
      const { home, env } = tempHome();
      const token = await personToken(tenant);
      const ran = await init(
        ['--tenant', `t-${profile}`, '--profile', profile, '--client', 'none', '--token-stdin', '--yes'],
        env,
        token,
      );
      expect(ran.code, ran.stderr).toBe(0);
      const [app, ...more] = clientsNamed(`tenant-mcp t-${profile} (${profile})`);
      expect(more).toEqual([]);
      expect(app).toMatchObject({ app_type: 'non_interactive', grant_types: ['client_credentials'] });
      const grant = grantOf(String(app!.client_id));
      const expected = profileScopes(getProfile(profile, auth0Catalog), auth0Catalog).scopes;
      expect([...(grant!.scope as string[])].sort()).toEqual(expected);
      expect(grant!.audience).toBe(tenant.audience);
      // The plan listed them before anything was created, in the order it happened.
      expect(ran.stdout.indexOf(`${expected.length} scopes of the Management API`)).toBeLessThan(
        ran.stdout.indexOf('Created application'),
      );
      // The person's token is nowhere: not in a file of the home, not in what init printed.
      for (const file of filesUnder(home)) expect(file.text, file.path).not.toContain(token);
      expect(ran.stdout + ran.stderr).not.toContain(token);
      // The secret is in a 0600 file under a 0700 directory, and the tenants file holds no secret.
      const secretFile = join(home, '.tenant-mcp', 'secrets', `t-${profile}`);
      expect(readFileSync(secretFile, 'utf8')).toBe(app!.client_secret);
      expect(statSync(secretFile).mode & 0o777).toBe(0o600);
      expect(statSync(join(home, '.tenant-mcp', 'secrets')).mode & 0o777).toBe(0o700);
      const stored = readFileSync(join(home, '.tenant-mcp', 'tenants.json'), 'utf8');
      expect(stored).not.toContain(String(app!.client_secret));
      expect(JSON.parse(stored).tenants[`t-${profile}`]).toMatchObject({
        provider: 'auth0',
        client_id: app!.client_id,
        profile,
        application: 'created',
        secret: { store: 'file' },
      });
    });
  }

  it('writes every client’s config into the home, merged with a backup, and each starts a working server', async () => {
    const { home, env } = tempHome();
    // What a person already has: another server in Claude Code's file among its other keys, and a VS Code
    // file with comments and a trailing comma.
    const claudeCode = join(home, '.claude.json');
    const before =
      '{\n  "numStartups": 12,\n  "mcpServers": {\n    "github": { "command": "gh-mcp" }\n  },\n  "projects": {}\n}\n';
    writeFileSync(claudeCode, before, { mode: 0o600 });
    chmodSync(claudeCode, 0o600);
    const vscode = join(home, '.config', 'Code', 'User', 'mcp.json');
    mkdirSync(join(vscode, '..'), { recursive: true });
    const vscodeBefore =
      '{\n  // my servers\n  "servers": {\n    "fs": { "type": "stdio", "command": "fs-mcp", },\n  },\n}\n';
    writeFileSync(vscode, vscodeBefore);

    const token = await personToken(tenant);
    const ran = await init(
      [
        '--tenant',
        'desk',
        '--profile',
        'helpdesk',
        '--client',
        'claude-desktop,claude-code',
        '--client',
        'cursor,vscode',
        '--token-stdin',
        '--yes',
      ],
      env,
      token,
    );
    expect(ran.code, ran.stderr).toBe(0);
    const secret = String(clientsNamed('tenant-mcp desk (helpdesk)')[0]!.client_secret);
    const paths = {
      'claude-desktop': join(home, '.config', 'Claude', 'claude_desktop_config.json'),
      'claude-code': claudeCode,
      cursor: join(home, '.cursor', 'mcp.json'),
      vscode,
    };
    // Other servers and keys untouched, comments kept, the previous files kept as backups, no secret.
    const code = parseConfig(readFileSync(claudeCode, 'utf8'), claudeCode);
    expect(code.numStartups).toBe(12);
    expect((code.mcpServers as Record<string, unknown>).github).toEqual({ command: 'gh-mcp' });
    expect(statSync(claudeCode).mode & 0o777).toBe(0o600);
    expect(readFileSync(vscode, 'utf8')).toContain('// my servers');
    expect(readFileSync(vscode, 'utf8')).toContain('"fs": { "type": "stdio", "command": "fs-mcp", }');
    const backups = filesUnder(home).filter((f) => /\.bak-\d{8}T\d{6}Z$/.test(f.path));
    expect(backups.map((b) => b.text).sort()).toEqual([before, vscodeBefore].sort());
    for (const file of filesUnder(home).filter((f) => !f.path.includes('/secrets/'))) {
      expect(file.text, file.path).not.toContain(secret);
      expect(file.text, file.path).not.toContain(token);
    }

    for (const [client, path] of Object.entries(paths)) {
      const config = parseConfig(readFileSync(path, 'utf8'), path);
      const servers = config[client === 'vscode' ? 'servers' : 'mcpServers'] as Record<string, unknown>;
      const entry = servers['auth0-desk'] as { command: string; args: string[]; type?: string };
      expect(entry.args.slice(-4), client).toEqual(['--tenant', 'desk', '--profile', 'helpdesk']);
      if (client === 'claude-code' || client === 'vscode') expect(entry.type).toBe('stdio');
      // Started as the client would, with nothing but the home in its environment.
      const server = await startFromEntry(entry, env);
      try {
        const { tools } = await server.client.listTools();
        expect(
          tools.map((t) => t.name),
          client,
        ).toContain('block_user');
        const found = await server.client.callTool({
          name: 'invoke_read_operation',
          arguments: { operation: 'get_users-by-email', arguments: { email: 'carol@northwind.example.com' } },
        });
        expect(found.isError, `${client}: ${text(found)} ${server.stderr()}`).not.toBe(true);
        expect(text(found)).toContain('carol@northwind.example.com');
      } finally {
        await server.close();
      }
    }
  });

  it('writes project configs for a tenant set up already, asking for no credential', async () => {
    const { home, env } = tempHome();
    const made = await init(
      ['--tenant', 'proj', '--client', 'none', '--token-stdin', '--yes'],
      env,
      await personToken(tenant),
    );
    expect(made.code, made.stderr).toBe(0);
    const project = join(home, 'work', 'app');
    mkdirSync(project, { recursive: true });
    const ran = await runCli(
      [
        'init',
        '--tenant',
        'proj',
        '--client',
        'claude-code,cursor,vscode',
        '--scope',
        'project',
        '--project-dir',
        project,
        '--yes',
      ],
      env,
    );
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toContain('writing client configs only');
    for (const file of ['.mcp.json', join('.cursor', 'mcp.json'), join('.vscode', 'mcp.json')])
      expect(existsSync(join(project, file)), file).toBe(true);
    expect(clientsNamed('tenant-mcp proj (read-only)')).toHaveLength(1);
    const stored = JSON.parse(readFileSync(join(home, '.tenant-mcp', 'tenants.json'), 'utf8')).tenants.proj;
    expect(stored.configs.map((c: { scope: string }) => c.scope)).toEqual(['project', 'project', 'project']);
    // Claude Desktop has no project scope: said, not guessed.
    const desktop = await runCli(
      ['init', '--tenant', 'proj', '--client', 'claude-desktop', '--scope', 'project', '--yes'],
      env,
    );
    expect([desktop.code, desktop.stderr.trim()]).toEqual([
      2,
      'tenant-mcp init: Claude Desktop has no project configuration: use --scope user for it.',
    ]);
  });

  it('refuses to store the person’s token, offered as an application’s secret', async () => {
    const { home, env } = tempHome();
    const token = await personToken(tenant);
    const ran = await init(
      ['--existing-client', tenant.clientId, '--client-secret-stdin', '--client', 'cursor', '--yes'],
      env,
      token,
    );
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain(
      "that is an access token, not a client secret: init never stores a person's token",
    );
    expect(ran.stderr).not.toContain(token);
    expect(existsSync(join(home, '.tenant-mcp'))).toBe(false);
    expect(existsSync(join(home, '.cursor'))).toBe(false);
  });

  it('uses an existing application and names the scopes it has beyond the profile', async () => {
    const { home, env } = tempHome();
    const ran = await init(
      [
        '--tenant',
        'mine',
        '--existing-client',
        tenant.clientId,
        '--client-secret-stdin',
        '--client',
        'none',
        '--yes',
      ],
      env,
      tenant.clientSecret,
    );
    expect(ran.code, ran.stderr).toBe(0);
    const needed = profileScopes(getProfile('read-only', auth0Catalog), auth0Catalog).scopes;
    const extra = AUTH0_MODEL.scopes.length - needed.length;
    expect(ran.stdout).toContain(
      `The application has ${extra} scopes beyond what the read-only profile uses`,
    );
    expect(ran.stdout).toMatch(/beyond what the read-only profile uses[^\n]*delete:users/);
    const stored = JSON.parse(readFileSync(join(home, '.tenant-mcp', 'tenants.json'), 'utf8')).tenants.mine;
    expect(stored).toMatchObject({ application: 'existing', client_id: tenant.clientId });
  });

  it('shows the plan and changes nothing without --yes and without a terminal', async () => {
    const { home, env } = tempHome();
    const count = tenant.state.clients.size;
    const ran = await init(
      ['--tenant', 'plan', '--profile', 'helpdesk', '--client', 'cursor', '--token-stdin'],
      env,
      await personToken(tenant),
    );
    expect(ran.code).toBe(1);
    expect(ran.stdout).toContain('update (1): users');
    expect(ran.stdout).toContain('Nothing was changed. Pass --yes');
    expect(tenant.state.clients.size).toBe(count);
    expect(existsSync(join(home, '.tenant-mcp'))).toBe(false);
    expect(existsSync(join(home, '.cursor'))).toBe(false);
  });

  it('refuses a token that cannot create the grant, and a config file it could not merge, before creating anything', async () => {
    const { home, env } = tempHome();
    const count = tenant.state.clients.size;
    const weak = await init(
      ['--client', 'none', '--token-stdin', '--yes'],
      env,
      await personToken(tenant, ['create:clients']),
    );
    expect([weak.code, weak.stderr.trim()]).toEqual([
      2,
      'tenant-mcp init: your token lacks create:client_grants, which creating the application needs.',
    ]);
    mkdirSync(join(home, '.cursor'));
    writeFileSync(join(home, '.cursor', 'mcp.json'), '{ "mcpServers": ');
    const broken = await init(
      ['--client', 'cursor', '--token-stdin', '--yes'],
      env,
      await personToken(tenant),
    );
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain(`${join(home, '.cursor', 'mcp.json')} is not valid JSON (line 1`);
    expect(tenant.state.clients.size).toBe(count);
  });

  it('prints the entries with --print instead of writing them', async () => {
    const { home, env } = tempHome();
    const ran = await init(
      ['--tenant', 'printed', '--client', 'vscode', '--print', '--token-stdin', '--yes'],
      env,
      await personToken(tenant),
    );
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toContain(
      `# VS Code (user): add to ${join(home, '.config', 'Code', 'User', 'mcp.json')}`,
    );
    expect(ran.stdout).toContain('"servers": {\n    "auth0-printed": {');
    expect(existsSync(join(home, '.config', 'Code'))).toBe(false);
  });

  it('answers --help, and a mistake with exit code 2 naming the flag', async () => {
    const { env } = tempHome();
    const help = await runCli(['init', '--help'], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--existing-client ID');
    const bad = await runCli(['init', '--client', 'emacs', '--domain', 'acme.eu.auth0.com'], env);
    expect([bad.code, bad.stderr.trim()]).toEqual([
      2,
      'tenant-mcp init: Unknown client "emacs" (--client): use claude-desktop, claude-code, cursor, vscode, or none.',
    ]);
    const insecure = await runCli(['init', '--domain', 'http://auth.example.com'], env);
    expect(insecure.code).toBe(2);
    expect(insecure.stderr).toContain('--domain uses plain http:// to auth.example.com');
  });
});

describe('tenant-mcp init (MonoCloud)', () => {
  it('keeps the API key out of config files and the written config starts the MonoCloud server', async () => {
    const mono = await startMonoCloudSandbox({ port: 0 });
    try {
      const { home, env } = tempHome();
      const ran = await runCli(
        [
          'init',
          '--provider',
          'monocloud',
          '--domain',
          mono.url,
          '--tenant',
          'mono',
          '--profile',
          'helpdesk',
          '--client',
          'cursor',
          '--api-key-stdin',
          '--secret-store',
          'file',
          '--yes',
        ],
        env,
        mono.apiKey,
      );
      expect(ran.code, ran.stderr).toBe(0);
      expect(ran.stdout).toContain('MonoCloud keys carry no scopes');
      const cursor = join(home, '.cursor', 'mcp.json');
      expect(readFileSync(cursor, 'utf8')).not.toContain(mono.apiKey);
      const servers = parseConfig(readFileSync(cursor, 'utf8'), cursor).mcpServers as Record<
        string,
        { command: string }
      >;
      const entry = servers['monocloud-mono']!;
      const server = await startFromEntry(entry, env);
      try {
        const found = await server.client.callTool({
          name: 'invoke_read_operation',
          arguments: { operation: 'get_all_users', arguments: {} },
        });
        expect(found.isError, text(found)).not.toBe(true);
        expect(text(found)).toContain('carol');
      } finally {
        await server.close();
      }
      const wrong = await runCli(
        [
          'init',
          '--provider',
          'monocloud',
          '--domain',
          mono.url,
          '--tenant',
          'mono2',
          '--client',
          'none',
          '--api-key-stdin',
          '--secret-store',
          'file',
          '--yes',
        ],
        env,
        'not-the-key-0123456789',
      );
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain('checking the API key: 401');
      expect(wrong.stderr).not.toContain('not-the-key-0123456789');
    } finally {
      await mono.close();
    }
  });
});
