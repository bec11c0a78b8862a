// `npm run bundle` must produce an .mcpb a desktop host can install and run with nothing else on the
// machine: dist/ and manifest.json inside, no dev dependencies, and the server starting from the unpacked copy.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { launchBundle, READ_GENERIC, ROOT } from './desktop-host.js';

const MCPB = join(ROOT, 'node_modules', '@anthropic-ai', 'mcpb', 'dist', 'cli', 'cli.js');

describe('npm run bundle', () => {
  const work = mkdtempSync(join(tmpdir(), 'tenant-mcp-bundle-test-'));
  const stage = join(work, 'stage');
  const file = join(work, 'tenant-mcp.mcpb');
  const unpacked = join(work, 'unpacked');

  beforeAll(() => {
    // --skip-build: the suite builds dist/ once before vitest; rebuilding here would race other test files.
    execFileSync(
      process.execPath,
      [join(ROOT, 'scripts', 'bundle.mjs'), '--skip-build', '--stage-dir', stage, '--out', file],
      { cwd: ROOT, stdio: 'pipe' },
    );
    execFileSync(process.execPath, [MCPB, 'unpack', file, unpacked], { stdio: 'pipe' });
  });

  it('packs an archive mcpb info can read', () => {
    const info = execFileSync(process.execPath, [MCPB, 'info', file], { encoding: 'utf8' });
    expect(info).toMatch(/Size: [\d.]+ KB/);
  });

  it('holds dist/cli.js, manifest.json and the README, and no node_modules', () => {
    const top = readdirSync(unpacked).sort();
    expect(top).toEqual(expect.arrayContaining(['README.md', 'dist', 'manifest.json', 'package.json']));
    expect(top).not.toContain('node_modules');
    expect(existsSync(join(unpacked, 'dist', 'cli.js'))).toBe(true);
  });

  it('ships a package.json with nothing to install: dist/ holds every library it runs on', () => {
    const pkg = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg.devDependencies).toBeUndefined();
    expect(pkg.scripts).toBeUndefined();
    expect(pkg.dependencies).toBeUndefined();
    expect(pkg.bin).toEqual({ 'tenant-mcp': 'dist/cli.js' });
  });

  it('answers --help from the staging directory, outside the checkout', () => {
    const help = execFileSync(process.execPath, ['dist/cli.js', '--help'], { cwd: stage, encoding: 'utf8' });
    expect(help).toMatch(/^tenant-mcp \d+\.\d+\.\d+/);
  });

  it('serves MCP from the unpacked bundle, launched as its manifest says', async () => {
    const server = await launchBundle(unpacked);
    try {
      const { tools } = await server.client.listTools();
      expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(READ_GENERIC));
      const result = await server.client.callTool({
        name: 'invoke_read_operation',
        arguments: { operation: 'get_roles', arguments: {} },
      });
      expect(result.isError, JSON.stringify(result)).not.toBe(true);
    } finally {
      await server.close();
    }
  });
});
