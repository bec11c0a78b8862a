// The README's "Connect a client" snippets are what people paste: each JSON block must parse and each
// command line must start this CLI with flags and variables it accepts, so the section cannot rot.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import { ROOT } from './desktop-host.js';

const CLI = join(ROOT, 'dist', 'cli.js');

/** The text of the README's "Connect a client" section. */
function section(): string {
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = text.indexOf('\n## Connect a client\n');
  const end = text.indexOf('\n## ', start + 1);
  if (start < 0 || end < 0) throw new Error('README.md has no "## Connect a client" section');
  return text.slice(start, end);
}

/** Fenced blocks of one language in the section. */
function blocks(lang: string): string[] {
  return [...section().matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1]!);
}

/** Splits one shell line into words (quotes kept together, `$(…)` left as text, comments dropped). */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(#.*$)|(\S+)/g;
  let current = '';
  let last = 0;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    if (m[3] !== undefined && /\s/.test(line[m.index - 1] ?? ' ')) break;
    const gap = line.slice(last, m.index);
    if (gap.trim() === '' && gap.length > 0 && current) {
      out.push(current);
      current = '';
    }
    current += m[1] ?? m[2] ?? m[3] ?? m[4] ?? '';
    last = re.lastIndex;
  }
  if (current) out.push(current);
  return out;
}

/** A server launch a snippet describes: the CLI's arguments and the variables it sets. */
interface Launch {
  where: string;
  cli: string;
  args: string[];
  env: Record<string, string>;
}

/** Every launch of the CLI in the section: JSON `command` entries, `claude mcp add … -- node …`, `node …`. */
function launches(): Launch[] {
  const found: Launch[] = [];
  for (const block of blocks('json')) {
    const config = JSON.parse(block) as Record<string, Record<string, Record<string, unknown>>>;
    for (const [name, entry] of Object.entries(config.mcpServers ?? config.servers ?? {})) {
      if (typeof entry.command !== 'string') continue;
      expect(entry.command, name).toBe('node');
      const [cli = '', ...args] = entry.args as string[];
      found.push({ where: `JSON ${name}`, cli, args, env: (entry.env ?? {}) as Record<string, string> });
    }
  }
  for (const block of blocks('sh')) {
    const exported: Record<string, string> = {};
    for (const line of block.replace(/\\\n/g, ' ').split('\n')) {
      const w = words(line);
      if (w[0] === 'export') {
        const [key, ...value] = w.slice(1).join(' ').split('=');
        exported[key!] = value.join('=');
      } else if (w[0] === 'claude' && w[1] === 'mcp' && w[2] === 'add' && w.includes('--')) {
        const options = w.slice(3, w.indexOf('--'));
        const env: Record<string, string> = {};
        options.forEach((word, i) => {
          if (word === '-e' || word === '--env') {
            const [key, ...value] = options[i + 1]!.split('=');
            env[key!] = value.join('=');
          }
        });
        const [command, cli = '', ...args] = w.slice(w.indexOf('--') + 1);
        expect(command, line).toBe('node');
        found.push({ where: line.slice(0, 40), cli, args, env });
      } else if (w[0] === 'node') {
        found.push({ where: line.slice(0, 40), cli: w[1] ?? '', args: w.slice(2), env: { ...exported } });
      }
    }
  }
  return found;
}

/** Every environment variable name the sources mention, i.e. the ones the CLI can read. */
function knownVariables(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) {
        for (const m of readFileSync(path, 'utf8').matchAll(/\b(?:AUTH0|MONOCLOUD|TENANT_MCP)_[A-Z_]+\b/g))
          names.add(m[0]);
      }
    }
  };
  walk(join(ROOT, 'src'));
  return names;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.once('error', reject);
  });
}

const stateDir = () => mkdtempSync(join(tmpdir(), 'tenant-mcp-readme-state-'));
const stdio = launches().filter((l) => !l.args.includes('--transport'));
const http = launches().filter((l) => l.args.includes('--transport'));

describe('README "Connect a client"', () => {
  it('has JSON blocks that parse, and snippets for every client', () => {
    expect(blocks('json').length).toBeGreaterThanOrEqual(4);
    for (const block of blocks('json')) expect(() => JSON.parse(block)).not.toThrow();
    for (const client of ['Claude Desktop', 'Claude Code', 'Cursor', 'VS Code', 'chat-ops', 'mcpb']) {
      expect(section()).toContain(client);
    }
    expect(stdio.length).toBeGreaterThanOrEqual(5);
    expect(http.length).toBe(1);
  });

  it('points every launch at dist/cli.js and sets only variables the CLI reads', () => {
    const known = knownVariables();
    for (const launch of launches()) {
      expect(launch.cli, launch.where).toMatch(/\/dist\/cli\.js$/);
      for (const name of Object.keys(launch.env)) expect(known, `${launch.where}: ${name}`).toContain(name);
    }
  });

  it.each(stdio.map((l) => [l.where, l] as const))('starts over stdio: %s', async (_where, launch) => {
    // The flags as written; the credentials left out, so the server serves the sandbox and stays on loopback.
    const client = new Client({ name: 'readme', version: '1' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [CLI, ...launch.args],
        env: { PATH: process.env.PATH ?? '', TENANT_MCP_STATE_DIR: stateDir() },
        stderr: 'ignore',
      }),
    );
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('search_operations');
    } finally {
      await client.close();
    }
  });

  it('serves the HTTP snippet at the URL the client entries use, with the bearer token', async () => {
    const [launch] = http;
    const urls = [
      ...blocks('json').flatMap((block) =>
        Object.values(
          (
            JSON.parse(block) as {
              mcpServers?: Record<string, { url?: string; headers?: Record<string, string> }>;
            }
          ).mcpServers ?? {},
        ).filter((entry) => entry.url),
      ),
    ];
    const claude = blocks('sh')
      .flatMap((b) => b.split('\n'))
      .map(words)
      .find((w) => w[0] === 'claude' && w.includes('--transport'));
    expect(urls).toHaveLength(1);
    expect(claude).toBeDefined();
    const flag = (name: string) => launch!.args[launch!.args.indexOf(name) + 1];
    const written = `http://${flag('--host')}:${flag('--port')}/mcp`;
    expect(urls[0]!.url).toBe(written);
    expect(claude).toContain(written);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Cursor's own ${env:NAME} syntax, not a template.
    expect(urls[0]!.headers?.Authorization).toBe('Bearer ${env:TENANT_MCP_HTTP_TOKEN}');
    expect(claude).toContain('Authorization: Bearer $TENANT_MCP_HTTP_TOKEN');

    const port = await freePort();
    const token = 'readme-snippet-token-0123456789abcdef';
    const args = launch!.args.map((arg, i, all) => (all[i - 1] === '--port' ? String(port) : arg));
    const child: ChildProcess = spawn(process.execPath, [CLI, ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        TENANT_MCP_STATE_DIR: stateDir(),
        TENANT_MCP_HTTP_TOKEN: token,
        TENANT_MCP_APPROVER_TOKEN: 'readme-snippet-approver-fedcba9876543210',
        // Loopback and never called: nothing is held in this test.
        TENANT_MCP_APPROVAL_WEBHOOK: 'http://127.0.0.1:9/hook',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    try {
      const url = new URL(written.replace(`:${flag('--port')}/`, `:${port}/`));
      let client: Client | undefined;
      for (let attempt = 0; attempt < 50 && !client; attempt++) {
        const candidate = new Client({ name: 'readme', version: '1' });
        try {
          await candidate.connect(
            new StreamableHTTPClientTransport(url, {
              requestInit: { headers: { Authorization: `Bearer ${token}` } },
            }),
          );
          client = candidate;
        } catch {
          if (child.exitCode !== null) throw new Error(`the server exited: ${stderr}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      expect(client, stderr).toBeDefined();
      const { tools } = await client!.listTools();
      expect(tools.map((t) => t.name)).toContain('search_operations');
      await client!.close();
    } finally {
      child.kill('SIGTERM');
    }
  });
});
