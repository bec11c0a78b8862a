// Starts a real redis-server for a test: its own temp dir, a free loopback port, no persistence; fails
// loudly (never skips) when redis-server is not installed.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running redis-server. */
export interface RedisServer {
  port: number;
  /** The running server's process id. */
  pid(): number;
  url: string;
  /** Kills it with SIGKILL (an outage), resolving once it exited. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: no persistence). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A free loopback TCP port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Throws a clear error when a binary the test needs is missing. */
export function requireBinary(name: string, pkg: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  if (found.status !== 0) {
    throw new Error(
      `${name} is not installed: these tests need a real one (apt-get install ${pkg}; .ci/run installs it).`,
    );
  }
}

async function waitForPort(port: number, child: ChildProcess, ms: number): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`redis-server did not listen on ${port} within ${ms} ms`);
}

/** Starts redis-server on a free port. */
export async function startRedis(): Promise<RedisServer> {
  requireBinary('redis-server', 'redis-server');
  const dir = mkdtempSync(join(tmpdir(), 'tenant-mcp-redis-'));
  const port = await freePort();
  let child: ChildProcess;
  const launch = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: 'ignore', env: { PATH: process.env.PATH ?? '' } },
    );
    await waitForPort(port, child, 5000);
  };
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    restart: launch,
    pid: () => child.pid!,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
