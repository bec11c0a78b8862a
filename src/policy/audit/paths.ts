/** Where the audit log lives unless told otherwise. */
import os from 'node:os';
import { join, resolve } from 'node:path';

/** The state directory: `TENANT_MCP_STATE_DIR` (made absolute), or `~/.tenant-mcp`. Created 0700 on demand. */
export function resolveStateDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const configured = env.TENANT_MCP_STATE_DIR;
  return configured ? resolve(configured) : join(os.homedir(), '.tenant-mcp');
}

/** The audit log in a state directory: `<stateDir>/audit.jsonl`. */
export function defaultAuditPath(stateDir: string): string {
  return join(stateDir, 'audit.jsonl');
}
