// `npx tenant-mcp` from the packed tarball, in a clean directory with an empty npm cache and npm offline:
// it runs, serves MCP, and sets a tenant up whose written config starts the server through npx again.
// Offline works only because the package installs nothing: dist/ carries every library it runs on.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { VERSION } from '../../src/version.js';
import { personToken, type Ran, sandbox, startFromEntry, text } from '../setup/helpers.js';
import { ROOT } from './desktop-host.js';

const work = mkdtempSync(join(tmpdir(), 'tenant-mcp-npx-'));
const clean = join(work, 'clean');
const home = join(work, 'home');
let tarball = '';

/** A person's environment: a new home, an empty npm cache, npm unable to reach any registry. */
const env: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: home,
  DBUS_SESSION_BUS_ADDRESS: 'disabled:',
  npm_config_cache: join(work, 'npm-cache'),
  npm_config_offline: 'true',
  npm_config_update_notifier: 'false',
  npm_config_fund: 'false',
  npm_config_audit: 'false',
};

function npx(args: string[], input = ''): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['--yes', `--package=${tarball}`, '--', 'tenant-mcp', ...args], {
      cwd: clean,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

describe('npx tenant-mcp from the packed tarball', () => {
  let tenant: Sandbox;

  beforeAll(async () => {
    mkdirSync(clean);
    mkdirSync(home);
    // --ignore-scripts: the suite built dist/ before vitest; prepack's rebuild would race other test files.
    const name = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, npm_config_update_notifier: 'false' },
    })
      .trim()
      .split('\n')
      .pop()!;
    tarball = join(work, name);
    tenant = await sandbox();
  }, 120_000);
  afterAll(() => tenant?.close());

  it('packs dist/, the manifest and the README, and no dependency to install', () => {
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    expect(listing).toEqual(
      expect.arrayContaining([
        'package/dist/cli.js',
        'package/manifest.json',
        'package/README.md',
        'package/package.json',
      ]),
    );
    expect(listing.some((path) => path.startsWith('package/src/') || path.startsWith('package/test/'))).toBe(
      false,
    );
    const pkg = JSON.parse(
      execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }),
    );
    expect(pkg.dependencies).toBeUndefined();
  });

  it('runs offline in a clean directory: --version, init --help, and MCP on stdio', async () => {
    const version = await npx(['--version']);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(VERSION);
    const help = await npx(['init', '--help']);
    expect(help.stdout).toContain('tenant-mcp init: set a tenant up');
    const server = await startFromEntry(
      { command: 'npx', args: ['--yes', `--package=${tarball}`, '--', 'tenant-mcp'] },
      { ...env },
    );
    try {
      const roles = await server.client.callTool({
        name: 'invoke_read_operation',
        arguments: { operation: 'get_roles', arguments: {} },
      });
      expect(roles.isError, text(roles)).not.toBe(true);
    } finally {
      await server.close();
    }
  });

  it('sets a tenant up through npx, and the config it writes starts the server through npx', async () => {
    const ran = await npx(
      [
        'init',
        '--domain',
        tenant.url,
        '--tenant',
        'vianpx',
        '--client',
        'claude-code',
        '--secret-store',
        'file',
        '--package',
        tarball,
        '--token-stdin',
        '--yes',
      ],
      await personToken(tenant),
    );
    expect(ran.code, ran.stderr).toBe(0);
    const entry = JSON.parse(readFileSync(join(home, '.claude.json'), 'utf8')).mcpServers['auth0-vianpx'];
    // Run from npx's cache, init names the package rather than a path that cache may lose.
    expect(entry).toMatchObject({
      type: 'stdio',
      command: 'npx',
      args: [
        '-y',
        `--package=${tarball}`,
        '--',
        'tenant-mcp',
        '--tenant',
        'vianpx',
        '--profile',
        'read-only',
      ],
    });
    const server = await startFromEntry(entry, { ...env });
    try {
      const roles = await server.client.callTool({
        name: 'invoke_read_operation',
        arguments: { operation: 'get_roles', arguments: {} },
      });
      expect(roles.isError, `${text(roles)} ${server.stderr()}`).not.toBe(true);
    } finally {
      await server.close();
    }
  });
});
