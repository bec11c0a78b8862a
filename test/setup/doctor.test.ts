// `tenant-mcp doctor` names each broken piece of a set-up: the stored secret, the token, the scopes
// against the profile, the tenant answering, and each written client config, broken one at a time.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { personToken, runCli, tempHome } from './helpers.js';

/** Lines of the report whose status is not `ok`, as `status name`. */
function problems(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((line) => /^ {2}(warn|fail) {2}(.+?) {2,}/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]} ${m[2]!.trim()}`);
}

describe('tenant-mcp doctor', () => {
  let clock = Date.now();
  let tenant: Sandbox;
  let home: string;
  let env: NodeJS.ProcessEnv;
  const grant = () =>
    [...(tenant.state.store.collection('/client-grants')?.values() ?? [])].find(
      (g) =>
        g.client_id ===
        [...tenant.state.clients.values()].find((c) => c.name === 'tenant-mcp doc (helpdesk)')?.client_id,
    )!;

  beforeAll(async () => {
    // A bucket that never refills while the clock stands still: the test decides when the tenant stops answering.
    tenant = await startSandbox({ port: 0, now: () => clock, rateLimit: { limit: 1000, perSecond: 1 } });
    ({ home, env } = tempHome());
    const ran = await runCli(
      [
        'init',
        '--domain',
        tenant.url,
        '--tenant',
        'doc',
        '--profile',
        'helpdesk',
        '--client',
        'cursor,vscode',
        '--secret-store',
        'file',
        '--token-stdin',
        '--yes',
      ],
      env,
      await personToken(tenant),
    );
    expect(ran.code, ran.stderr).toBe(0);
  });
  afterAll(() => tenant.close());

  const doctor = (extra: NodeJS.ProcessEnv = {}) =>
    runCli(['doctor', '--tenant', 'doc'], { ...env, ...extra });

  it('passes a working set-up, naming every check', async () => {
    const ran = await doctor();
    expect(ran.code, ran.stdout).toBe(0);
    for (const name of [
      'tenants file',
      'credentials',
      'token',
      'scopes',
      'tenant reachable',
      'config: Cursor (user)',
      'config: VS Code (user)',
    ])
      expect(ran.stdout).toMatch(new RegExp(`\\n {2}ok {4}${name.replace(/[()]/g, '\\$&')} `));
    expect(ran.stdout).toContain('exactly the 66 profile helpdesk uses');
    expect(ran.stdout).toContain('Nothing is broken.');
  });

  it('names the scopes a grant lacks, and those it has beyond the profile', async () => {
    const g = grant();
    const before = [...(g.scope as string[])];
    try {
      g.scope = before.filter((s) => s !== 'delete:sessions');
      const missing = await doctor();
      expect(missing.code).toBe(1);
      expect(problems(missing.stdout)).toEqual(['fail scopes']);
      expect(missing.stdout).toContain(
        'the token lacks 1 the profile uses (their operations will be refused): delete:sessions',
      );
      g.scope = [...before, 'delete:users'];
      const extra = await doctor();
      expect(extra.code).toBe(0);
      expect(problems(extra.stdout)).toEqual(['warn scopes']);
      expect(extra.stdout).toContain('1 beyond what profile helpdesk uses (narrow the grant): delete:users');
    } finally {
      g.scope = before;
    }
  });

  it('names the credentials when the secret is gone, and the token when it is wrong', async () => {
    const file = join(home, '.tenant-mcp', 'secrets', 'doc');
    const secret = readFileSync(file, 'utf8');
    try {
      rmSync(file);
      const gone = await doctor();
      expect(gone.code).toBe(1);
      expect(problems(gone.stdout)).toContain('fail credentials');
      expect(gone.stdout).toContain('holds no secret for "doc"');
      // The configs start no server either: the server refuses to start without its secret, and says why.
      expect(gone.stdout).toMatch(
        /fail {2}config: Cursor \(user\) .*does not start: .*tenant "doc": .* holds no secret for it/,
      );
      writeFileSync(file, 'wrong-secret-0123456789', { mode: 0o600 });
      const wrong = await doctor();
      expect(problems(wrong.stdout)).toContain('fail token');
      expect(wrong.stdout).toMatch(/fail {2}token .*token request: 401/);
      expect(wrong.stdout).not.toContain('wrong-secret-0123456789');
      // The environment's secret wins over the stored one.
      const fromEnv = await doctor({ AUTH0_CLIENT_SECRET: secret });
      expect(fromEnv.stdout).toContain('AUTH0_CLIENT_SECRET from the environment');
      expect(problems(fromEnv.stdout)).not.toContain('fail token');
    } finally {
      writeFileSync(file, secret, { mode: 0o600 });
    }
  });

  it('names each broken client config: not JSON, no entry, an entry that does not start', async () => {
    const cursor = join(home, '.cursor', 'mcp.json');
    const vscode = join(home, '.config', 'Code', 'User', 'mcp.json');
    const cursorText = readFileSync(cursor, 'utf8');
    const vscodeText = readFileSync(vscode, 'utf8');
    try {
      writeFileSync(cursor, '{ "mcpServers": { ');
      writeFileSync(vscode, vscodeText.replace('"--tenant"', '"--tenant-typo"'));
      const ran = await doctor();
      expect(ran.code).toBe(1);
      expect(problems(ran.stdout)).toEqual(['fail config: Cursor (user)', 'fail config: VS Code (user)']);
      expect(ran.stdout).toContain(`${cursor}: is not valid JSON (line 1`);
      expect(ran.stdout).toMatch(
        /VS Code \(user\) .*"auth0-doc" does not start: the server exited \(code 2\).*--tenant-typo/,
      );
      expect(ran.stdout).toContain('Broken: config: Cursor (user); config: VS Code (user).');
      writeFileSync(cursor, '{ "mcpServers": {} }');
      const missing = await doctor();
      expect(missing.stdout).toContain(`${cursor}: no server "auth0-doc" under "mcpServers"`);
    } finally {
      writeFileSync(cursor, cursorText);
      writeFileSync(vscode, vscodeText);
    }
  });

  it('names the tenant when it stops answering, and an unknown tenant', async () => {
    const unknown = await runCli(['doctor', '--tenant', 'nope'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toMatch(
      /fail {2}tenants file {2}no tenant "nope" in .*tenants\.json \(known: doc\)/,
    );
    // Drain the rate limit with the clock stopped: the token still comes, the API refuses.
    const token = await personToken(tenant, ['read:roles']);
    for (let i = 0; i < 1000; i++) {
      const r = await fetch(`${tenant.url}/api/v2/roles`, { headers: { authorization: `Bearer ${token}` } });
      if (r.status === 429) break;
    }
    const ran = await doctor();
    clock += 3_600_000;
    expect(ran.code).toBe(1);
    expect(problems(ran.stdout)).toEqual(['fail tenant reachable']);
    expect(ran.stdout).toMatch(/tenant reachable +GET \/api\/v2\/roles\?per_page=1: 429 .*rate limited/);
  });
});
