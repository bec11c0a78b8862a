/**
 * Set-up, the person's side of tenant-mcp: `init` creates a least-privilege application, keeps its secret
 * in the OS keychain and writes each MCP client's config; `doctor` checks the result end to end. The
 * server reads what init stored through {@link loadStoredTenant} (`--tenant NAME`).
 */
import { homedir } from 'node:os';
import type { SetupIO } from './io.js';

export type { SetupIO } from './io.js';
export { type LoadedTenant, loadStoredTenant, StoredTenantError } from './stored-tenant.js';

/** Runs `tenant-mcp init` or `tenant-mcp doctor` with the process's streams; answers the exit code. */
export async function runSetupCommand(command: 'init' | 'doctor', argv: string[]): Promise<number> {
  const io: SetupIO = {
    env: process.env,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    platform: process.platform,
    home: homedir(),
    cwd: process.cwd(),
    execPath: process.execPath,
    cliPath: process.argv[1],
  };
  if (command === 'init') return (await import('./init.js')).runInit(argv, io);
  return (await import('./doctor.js')).runDoctor(argv, io);
}
