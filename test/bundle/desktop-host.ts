/**
 * Starts the server the way a desktop host starts an installed MCP Bundle: the manifest's `mcp_config`
 * resolved by mcpb's own substitution (defaults, then the user's answers), spawned with that command line
 * and environment only.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { getMcpConfigForManifest, type McpbManifestAny } from '@anthropic-ai/mcpb';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

/** The repository root, which holds manifest.json and dist/. */
export const ROOT = join(import.meta.dirname, '..', '..');

/** Reads a bundle directory's manifest.json. */
export function readManifest(dir = ROOT): McpbManifestAny {
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as McpbManifestAny;
}

/** The command line and environment a host would run for these answers to `user_config`. */
export async function resolveLaunch(
  dir: string,
  userConfig: Record<string, string> = {},
): Promise<{ command: string; args: string[]; env: Record<string, string> }> {
  const config = await getMcpConfigForManifest({
    manifest: readManifest(dir),
    extensionPath: dir,
    systemDirs: { HOME: tmpdir() },
    userConfig,
    pathSeparator: sep,
  });
  if (!config) throw new Error('the manifest resolved to no mcp_config (required user_config missing?)');
  return { command: config.command, args: config.args ?? [], env: config.env ?? {} };
}

/** Launches the bundle in `dir` as a host would (node is this test's node) and connects a client. */
export async function launchBundle(
  dir: string,
  userConfig: Record<string, string> = {},
): Promise<{ client: Client; stderr(): string; close(): Promise<void> }> {
  const launch = await resolveLaunch(dir, userConfig);
  const transport = new StdioClientTransport({
    command: launch.command === 'node' ? process.execPath : launch.command,
    args: launch.args,
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      TENANT_MCP_STATE_DIR: mkdtempSync(join(tmpdir(), 'tenant-mcp-bundle-state-')),
      ...launch.env,
    },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const client = new Client({ name: 'bundle-host', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr, close: () => client.close() };
}

/** The generic tools a read-only profile lists (no write route). */
export const READ_GENERIC = ['describe_operation', 'invoke_read_operation', 'search_operations'];
