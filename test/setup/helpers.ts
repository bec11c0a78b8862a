/** Runs the built CLI's set-up commands in a temporary home, and starts servers from written configs. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { CLI } from '../helpers/mcp-client.js';

export { CLI };

/** A temporary home with nothing of ours in its environment; D-Bus points nowhere, so no real keyring is touched. */
export function tempHome(): { home: string; env: NodeJS.ProcessEnv } {
  const home = mkdtempSync(join(tmpdir(), 'tenant-mcp-setup-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    USERPROFILE: home,
    DBUS_SESSION_BUS_ADDRESS: 'disabled:',
    LANG: 'C.UTF-8',
  };
  return { home, env };
}

/** What a command printed and answered. */
export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli.js ...args` with `env` (and `input` on stdin); bounded at 60 s. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, input = '', cwd?: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'], cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

/** A token of a person allowed to create applications: only the scopes init needs. */
export async function personToken(
  sandbox: Sandbox,
  scopes = ['create:clients', 'create:client_grants', 'delete:clients'],
): Promise<string> {
  const response = await fetch(`${sandbox.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: sandbox.clientId,
      client_secret: sandbox.clientSecret,
      audience: sandbox.audience,
      scope: scopes.join(' '),
    }),
  });
  const body = (await response.json()) as { access_token: string };
  return body.access_token;
}

/** A fresh Auth0 sandbox. */
export function sandbox(): Promise<Sandbox> {
  return startSandbox({ port: 0 });
}

/** Every file under `dir`, recursively, with its text (for "the token is nowhere" checks). */
export function filesUnder(dir: string): Array<{ path: string; text: string; mode: number }> {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    return [{ path, text: readFileSync(path, 'latin1'), mode: statSync(path).mode & 0o777 }];
  });
}

/** Starts the server a config entry describes with the SDK's client, as the MCP host would. */
export async function startFromEntry(
  entry: { command: string; args?: string[]; env?: Record<string, string> },
  env: NodeJS.ProcessEnv,
): Promise<{ client: Client; stderr(): string; close(): Promise<void> }> {
  const transport = new StdioClientTransport({
    command: entry.command,
    args: entry.args ?? [],
    env: { ...(env as Record<string, string>), ...(entry.env ?? {}) },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const client = new Client({ name: 'setup-test', version: '1' });
  await client.connect(transport);
  return { client, stderr: () => stderr, close: () => client.close() };
}

/** The text of a tool result's first content block. */
export function text(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  return content.map((c) => c.text ?? '').join('\n');
}
