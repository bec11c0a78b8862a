/** Starts the built CLI over stdio and connects the SDK's Client to it, as a real MCP host would. */
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** Path of the built CLI the end-to-end tests drive. */
export const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');

/** A connected client plus what the server printed on stderr. */
export interface Connected {
  /** The SDK client. */
  client: Client;
  /** stderr of the server so far. */
  stderr(): string;
  /** Disconnects and stops the server. */
  close(): Promise<void>;
  /** Calls a tool and returns its result, text joined. */
  call(
    name: string,
    args: Record<string, unknown>,
  ): Promise<{ text: string; isError: boolean; result: CallToolResult }>;
}

/** Spawns `node dist/cli.js ...args` with only the given environment (plus PATH). */
export async function connectCli(args: string[] = [], env: Record<string, string> = {}): Promise<Connected> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, ...args],
    env: { PATH: process.env.PATH ?? '', ...env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const client = new Client({ name: 'tenant-mcp-tests', version: '1.0.0' });
  await client.connect(transport);
  return {
    client,
    stderr: () => stderr,
    close: () => client.close(),
    async call(name, toolArgs) {
      const result = (await client.callTool({ name, arguments: toolArgs })) as CallToolResult;
      const text = result.content.map((item) => (item.type === 'text' ? item.text : '')).join('\n');
      return { text, isError: result.isError === true, result };
    },
  };
}
