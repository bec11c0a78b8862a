// Pins `tenant-mcp sandbox`: --tls serves HTTPS with the CA whose path it prints, --state keeps the
// tenant across restarts, --seed none starts without the demo data, the realistic rate limit is on
// by default, and --provider monocloud serves the MonoCloud sandbox instead of Auth0's.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli.ts');

/** Starts the CLI and resolves with its stderr lines once `until` has been printed. */
async function start(args: string[], until: RegExp): Promise<{ child: ChildProcess; lines: string[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'sandbox', '--port', '0', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const lines: string[] = [];
  await new Promise<void>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`no "${until}" in: ${lines.join('\n')}`)), 20_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop()!;
      lines.push(...parts);
      if (lines.some((l) => until.test(l))) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${lines.join('\n')}`)));
  });
  return { child, lines };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

describe('tenant-mcp sandbox', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tenant-mcp-sandbox-cli-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('serves HTTPS with a printed CA, keeps --state across restarts, and rate-limits by default', async () => {
    const state = join(dir, 'tenant.json');
    const first = await start(['--tls', '--state', state, '--seed', 'none'], /CA certificate: /);
    const url = /listening on (\S+)/.exec(first.lines.join('\n'))![1]!;
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const caPath = /CA certificate: (\S+)/.exec(first.lines.join('\n'))![1]!;
    const dispatcher = new Agent({ connect: { ca: await readFile(caPath, 'utf8') } });
    const creds = /AUTH0_CLIENT_ID=(\S+) AUTH0_CLIENT_SECRET=(\S+)/.exec(first.lines.join('\n'))!;
    const tokenReply = await undiciFetch(`${url}/oauth/token`, {
      dispatcher,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: creds[1],
        client_secret: creds[2],
      }),
    });
    const { access_token } = (await tokenReply.json()) as { access_token: string };
    const api = (method: string, path: string, body?: unknown) =>
      undiciFetch(`${url}/api/v2${path}`, {
        dispatcher,
        method,
        headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    expect(await (await api('GET', '/users')).json()).toEqual([]);
    const created = await api('POST', '/roles', { name: 'kept', description: 'Survives a restart.' });
    expect(created.status).toBe(200);
    expect(created.headers.get('x-ratelimit-limit')).toBe('50');

    let limited: Awaited<ReturnType<typeof api>> | undefined;
    for (let i = 0; i < 80 && !limited; i++) {
      const reply = await api('GET', '/roles');
      if (reply.status === 429) limited = reply;
      else await reply.arrayBuffer();
    }
    expect(limited?.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await limited!.json()).toMatchObject({ statusCode: 429, errorCode: 'too_many_requests' });
    await stop(first.child);
    await dispatcher.close();

    const saved = JSON.parse(await readFile(state, 'utf8')) as { roles: Array<{ name: string }> };
    expect(saved.roles.map((r) => r.name)).toEqual(['kept']);
    const second = await start(['--state', state, '--rate-limit', 'off'], /listening on/);
    const plain = /listening on (\S+)/.exec(second.lines.join('\n'))![1]!;
    const again = await fetch(`${plain}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: creds[1],
        client_secret: creds[2],
      }),
    });
    const bearer = ((await again.json()) as { access_token: string }).access_token;
    const roles = await fetch(`${plain}/api/v2/roles`, { headers: { authorization: `Bearer ${bearer}` } });
    expect(roles.headers.get('x-ratelimit-limit')).toBeNull();
    expect(((await roles.json()) as Array<{ name: string }>).map((r) => r.name)).toEqual(['kept']);
    await stop(second.child);
  });

  it('serves the MonoCloud sandbox with --provider monocloud, and refuses an unknown provider', async () => {
    const mono = await start(['--provider', 'monocloud'], /MONOCLOUD_MANAGEMENT_API_KEY=/);
    const text = mono.lines.join('\n');
    const url = /listening on (\S+)/.exec(text)![1]!;
    const key = /MONOCLOUD_MANAGEMENT_API_KEY=(\S+)/.exec(text)![1]!;
    const users = await fetch(`${url}/api/users`, { headers: { 'x-api-key': key } });
    expect(users.status).toBe(200);
    expect(users.headers.get('x-pagination')).toBeTruthy();
    await stop(mono.child);
    await expect(start(['--provider', 'okta'], /never/)).rejects.toThrow(
      /--provider "okta" is not a sandbox/,
    );
  });

  it('serves MonoCloud over HTTPS with --tls, keeps --state across restarts, and refuses a rate limit it cannot model', async () => {
    const state = join(dir, 'monocloud.json');
    const first = await start(
      ['--provider', 'monocloud', '--tls', '--state', state, '--seed', 'none'],
      /CA certificate: /,
    );
    const text = first.lines.join('\n');
    const url = /listening on (\S+)/.exec(text)![1]!;
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const key = /MONOCLOUD_MANAGEMENT_API_KEY=(\S+)/.exec(text)![1]!;
    const caPath = /CA certificate: (\S+)/.exec(text)![1]!;
    const dispatcher = new Agent({ connect: { ca: await readFile(caPath, 'utf8') } });
    const headers = { 'x-api-key': key, 'content-type': 'application/json' };
    const users = await undiciFetch(`${url}/api/users`, { dispatcher, headers });
    expect(await users.json()).toEqual([]);
    const created = await undiciFetch(`${url}/api/groups`, {
      dispatcher,
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'Kept', description: 'Survives a restart.' }),
    });
    expect(created.status).toBe(200);
    await stop(first.child);
    await dispatcher.close();

    const saved = JSON.parse(await readFile(state, 'utf8')) as { provider: string };
    expect(saved.provider).toBe('monocloud');
    const second = await start(['--provider', 'monocloud', '--state', state], /listening on/);
    const plain = /listening on (\S+)/.exec(second.lines.join('\n'))![1]!;
    const groups = await fetch(`${plain}/api/groups`, { headers });
    expect(((await groups.json()) as Array<{ name: string }>).map((g) => g.name)).toEqual(['Kept']);
    await stop(second.child);
    await expect(start(['--provider', 'monocloud', '--rate-limit', 'realistic'], /never/)).rejects.toThrow(
      /--rate-limit realistic is not modelled for the MonoCloud sandbox/,
    );
  });
});
