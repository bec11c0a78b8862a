/** Where the audit log lives unless told otherwise. */
import * as nodeFs from 'node:fs';
import os from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

/** The state directory: `TENANT_MCP_STATE_DIR` (made absolute), or `~/.tenant-mcp`. Created 0700 on demand. */
export function resolveStateDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const configured = env.TENANT_MCP_STATE_DIR;
  return configured ? resolve(configured) : join(os.homedir(), '.tenant-mcp');
}

/** The audit log in a state directory: `<stateDir>/audit.jsonl`. */
export function defaultAuditPath(stateDir: string): string {
  return join(stateDir, 'audit.jsonl');
}

/** Rotated files of `path`, oldest first: `<name>.<12 digits>` beside it. */
export function rotatedFiles(path: string): string[] {
  const dir = dirname(path);
  const name = basename(path);
  let names: string[];
  try {
    names = nodeFs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter(
      (entry) =>
        entry.length === name.length + 13 &&
        entry.startsWith(`${name}.`) &&
        /^\d{12}$/.test(entry.slice(name.length + 1)),
    )
    .sort()
    .map((entry) => join(dir, entry));
}
