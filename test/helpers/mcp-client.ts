/** Starts the built CLI over stdio or Streamable HTTP and connects the SDK's Client to it, as a real MCP host would. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Transport } from '@modelcontextprotocol/client';
import {
  type CallToolResult,
  Client,
  type ElicitResult,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

/** Path of the built CLI the end-to-end tests drive. */
export const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');

/** The tenant data of a result's first text block (tenant answers come inside `untrusted_tenant_data`). */
export function tenantData(text: string): unknown {
  const first = JSON.parse(text.split('\n')[0]!) as Record<string, unknown>;
  if (!('untrusted_tenant_data' in first)) throw new Error(`not tenant data: ${text.slice(0, 200)}`);
  return first.untrusted_tenant_data;
}

/** A connected client plus what the server printed on stderr. */
export interface Connected {
  /** The SDK client. */
  client: Client;
  /** stderr of the server so far. */
  stderr(): string;
  /** Disconnects and stops the server. */
  close(): Promise<void>;
  /** The server's process id (stdio child or HTTP child), for tests that kill it. */
  pid?: number;
  /** Calls a tool and returns its result, text joined. */
  call(
    name: string,
    args: Record<string, unknown>,
  ): Promise<{ text: string; isError: boolean; result: CallToolResult }>;
}

/** How the test client presents itself. */
export interface ClientOptions {
  /** Answers `elicitation/create`; when given, the client declares form elicitation. */
  onElicit?: (message: string) => ElicitResult | Promise<ElicitResult>;
}

/**
 * The transport `connectCli` uses: stdio, or Streamable HTTP when `TENANT_MCP_E2E_TRANSPORT=http`, so
 * `npm test` runs the same end-to-end suites over both.
 */
export const E2E_TRANSPORT: 'stdio' | 'http' =
  process.env.TENANT_MCP_E2E_TRANSPORT === 'http' ? 'http' : 'stdio';

/**
 * The protocol revision `connectCli` speaks: 2025-11-25 (`legacy`, the `initialize` handshake) or
 * 2026-07-28 (`modern`) when `TENANT_MCP_E2E_ERA=modern`, so the suites run on both.
 */
export const E2E_ERA: 'legacy' | 'modern' = process.env.TENANT_MCP_E2E_ERA === 'modern' ? 'modern' : 'legacy';

const E2E_HTTP_TOKEN = 'e2e-http-token-0123456789abcdef';

/**
 * Spawns `node dist/cli.js ...args` with only the given environment (plus PATH) and connects to it over
 * {@link E2E_TRANSPORT}.
 */
export async function connectCli(
  args: string[] = [],
  env: Record<string, string> = {},
  options: ClientOptions = {},
): Promise<Connected> {
  if (E2E_TRANSPORT === 'http') {
    // Rate limiting is pinned by its own test; here it would only slow the suites' bursts down. A client
    // that answers confirmation forms plays a person's host, so its token is trusted to (`+elicitation`);
    // over HTTP no other client is ever asked.
    const cli = await startHttpCli(args, {
      TENANT_MCP_HTTP_TOKEN: options.onElicit ? `${E2E_HTTP_TOKEN}@+elicitation` : E2E_HTTP_TOKEN,
      TENANT_MCP_RATE_LIMIT: '0',
      ...env,
    });
    const connected = await connectHttp(cli.url, E2E_HTTP_TOKEN, { ...options, stderr: cli.stderr });
    return {
      ...connected,
      ...(cli.child.pid ? { pid: cli.child.pid } : {}),
      async close() {
        await connected.close().catch(() => {});
        await cli.stop();
      },
    };
  }
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, ...args],
    // A fresh state directory per server, so tests never write approvals or audit logs under $HOME.
    env: {
      PATH: process.env.PATH ?? '',
      TENANT_MCP_STATE_DIR: mkdtempSync(join(tmpdir(), 'tenant-mcp-state-')),
      ...env,
    },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const connected = await connectClient(transport, () => stderr, options);
  return { ...connected, ...(transport.pid ? { pid: transport.pid } : {}) };
}

/** Connects the SDK client over `transport`; the server's stderr comes from `stderr`; `beforeClose` ends the session. */
async function connectClient(
  transport: Transport,
  stderr: () => string,
  options: ClientOptions,
  beforeClose: () => Promise<void> = async () => {},
): Promise<Connected> {
  const client = new Client(
    { name: 'tenant-mcp-tests', version: '1.0.0' },
    {
      capabilities: options.onElicit ? { elicitation: { form: {} } } : {},
      ...(E2E_ERA === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' as const } } } : {}),
    },
  );
  if (options.onElicit) {
    const answer = options.onElicit;
    client.setRequestHandler('elicitation/create', async (request) => answer(request.params.message));
  }
  await client.connect(transport);
  return {
    client,
    stderr,
    close: async () => {
      await beforeClose();
      await client.close();
    },
    async call(name, toolArgs) {
      const result = (await client.callTool({ name, arguments: toolArgs })) as CallToolResult;
      const text = result.content.map((item) => (item.type === 'text' ? item.text : '')).join('\n');
      return { text, isError: result.isError === true, result };
    },
  };
}

/**
 * Connects the SDK client over Streamable HTTP to `url` (an MCP endpoint), sending `token` as a bearer
 * token when given and any extra `headers`.
 */
export async function connectHttp(
  url: string,
  token?: string,
  options: ClientOptions & { headers?: Record<string, string>; stderr?: () => string } = {},
): Promise<Connected> {
  const headers: Record<string, string> = { ...options.headers };
  if (token) headers.authorization = `Bearer ${token}`;
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  return connectClient(transport, options.stderr ?? (() => ''), options, async () => {
    await transport.terminateSession().catch(() => {});
  });
}

/** The built CLI serving HTTP in a child process. */
export interface HttpCli {
  /** The MCP endpoint it printed (`http://127.0.0.1:<port>/mcp`). */
  url: string;
  /** The child process. */
  child: ChildProcess;
  /** stderr so far. */
  stderr(): string;
  /** Resolves with the exit code once the process ended. */
  exited: Promise<number | null>;
  /** Sends SIGTERM and waits for the exit. */
  stop(): Promise<number | null>;
}

/**
 * Spawns `node dist/cli.js --transport http --port 0 ...args` and waits for its listening line. Rejects
 * with its stderr when it exits first.
 */
export async function startHttpCli(args: string[] = [], env: Record<string, string> = {}): Promise<HttpCli> {
  const child = spawn(process.execPath, [CLI, '--transport', 'http', '--port', '0', ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      TENANT_MCP_STATE_DIR: mkdtempSync(join(tmpdir(), 'tenant-mcp-state-')),
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const found = /listening on (http:\/\/\S+)/.exec(stderr);
      if (found) resolve(found[1]!);
    });
    void exited.then((code) => reject(new Error(`tenant-mcp exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    child,
    stderr: () => stderr,
    exited,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
