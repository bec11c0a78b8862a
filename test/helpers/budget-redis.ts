/**
 * A real `redis-server` for one test file, on a free loopback port with nothing persisted, and the
 * ten-line adapter that gives the tenant budget its `BudgetRedis` over `@redis/client`. A machine without
 * redis-server fails the test that asks for one, with the reason: it never skips quietly.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@redis/client';
import type { BudgetRedis } from '../../src/shared/tenant-budget.js';

/** A running redis-server. */
export interface TestRedis {
  /** `redis://127.0.0.1:<port>`. */
  url: string;
  /** Its port. */
  port: number;
  /** Stops it (SIGKILL after 2 s) and removes its directory. */
  stop(): Promise<void>;
}

const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts redis-server and resolves once it accepts connections (within 10 s). */
export async function startTestRedis(): Promise<TestRedis> {
  const probe = spawnSync(REDIS_SERVER, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `redis-server is needed for this test and could not be run (${probe.error?.message ?? probe.stderr}): install the Debian package redis-server (.ci/run does).`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'tenant-mcp-redis-'));
  for (let tries = 0; tries < 3; tries++) {
    const port = await freePort();
    const child: ChildProcess = spawn(
      REDIS_SERVER,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const ready = await new Promise<boolean>((resolve) => {
      let out = '';
      const timer = setTimeout(() => resolve(false), 10_000);
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (!ready) {
      child.kill('SIGKILL');
      continue;
    }
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
          await exited;
          clearTimeout(timer);
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error('redis-server did not start on a loopback port in 3 tries.');
}

/** A connected client and the budget's view of it (EVALSHA, EVAL when the script is not loaded yet). */
export async function connectBudgetRedis(
  url: string,
): Promise<{ redis: BudgetRedis; close(): Promise<void> }> {
  // Fail fast instead of reconnecting for ever: a test wants to see Redis gone as an error.
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 2_000 } });
  client.on('error', () => {});
  await client.connect();
  const shas = new Map<string, string>();
  const redis: BudgetRedis = {
    async eval(script, keys, args) {
      const sha = shas.get(script) ?? createHash('sha1').update(script).digest('hex');
      shas.set(script, sha);
      try {
        return await client.evalSha(sha, { keys, arguments: args });
      } catch (error) {
        if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
        return client.eval(script, { keys, arguments: args });
      }
    },
  };
  return { redis, close: () => client.close().catch(() => {}) };
}
