// Pins the provider registry's promise: a MonoCloud process never loads Auth0's catalog (and the other way
// round), through start, tools/list and a call, so neither pays for the other's data. Run from source with
// a module-loading hook, so the check names files, not bundle chunks.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const HOOK = join(import.meta.dirname, 'fixtures', 'log-modules.mjs');

/** The source modules a server loads while it answers initialize, tools/list and one read. */
function loadedModules(provider: 'auth0' | 'monocloud'): Promise<string[]> {
  const read = provider === 'auth0' ? 'get_roles' : 'list_users';
  const lines = [
    {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    },
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { jsonrpc: '2.0', id: 2, method: 'tools/list' },
    {
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: { name: 'invoke_read_operation', arguments: { operation: read, arguments: {} } },
    },
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--import', HOOK, join(ROOT, 'src', 'cli.ts'), '--provider', provider],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          TENANT_MCP_STATE_DIR: mkdtempSync(join(tmpdir(), 'tenant-mcp-isolation-')),
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('"id":3')) child.stdin.end();
    });
    child.once('error', reject);
    child.once('exit', () => {
      if (!stdout.includes('"id":3')) reject(new Error(`no answer to the call: ${stderr.slice(-2000)}`));
      else
        resolve(
          stderr
            .split('\n')
            .filter((line) => line.startsWith('LOADED '))
            .map((line) => line.slice('LOADED '.length).replace(`file://${ROOT}/`, '')),
        );
    });
    for (const line of lines) child.stdin.write(`${JSON.stringify(line)}\n`);
  });
}

describe('provider isolation', () => {
  it('a MonoCloud process never loads the Auth0 catalog, nor an Auth0 process MonoCloud’s', async () => {
    const [monocloud, auth0] = await Promise.all([loadedModules('monocloud'), loadedModules('auth0')]);
    const auth0Data = (file: string) => file.startsWith('src/tools/auth0/');
    const monocloudData = (file: string) => file.startsWith('src/tools/monocloud/');
    // Each process loads its own catalog (so the check can see a catalog load at all)...
    expect(monocloud.filter(monocloudData)).toContain('src/tools/monocloud/catalog.generated.ts');
    expect(auth0.filter(auth0Data)).toContain('src/tools/auth0/catalog.generated.ts');
    // ...and nothing of the other's.
    expect(monocloud.filter(auth0Data)).toEqual([]);
    expect(auth0.filter(monocloudData)).toEqual([]);
  }, 60_000);
});
