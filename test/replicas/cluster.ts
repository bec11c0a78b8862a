// Builds the replica tests' world on loopback: a recording tenant, a real redis-server, built tenant-mcp
// replicas (`dist/cli.js --transport http`) sharing it, and HAProxy started from deploy/haproxy.cfg itself.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { type RecordingUpstream, startRecordingUpstream } from '../helpers/recording-upstream.js';
import { freePort, requireBinary } from '../shared/redis-server.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'cli.js');
export const HAPROXY_CFG = join(ROOT, 'deploy', 'haproxy.cfg');
export const TOKEN = 'replica-agent-token-0123456789abcdef';
export const APPROVER = 'replica-approver-token-0123456789abcdef';
export const STATE_KEY = 'replica-state-key-0123456789abcdef0123456789';

/** A started replica. */
export interface Replica {
  id: string;
  port: number;
  /** Its own origin (bypassing the balancer). */
  origin: string;
  stateDir: string;
  child: ChildProcess;
  /** Everything it wrote on stderr. */
  stderr(): string;
  /** Resolves with the exit code (or signal name) once it exited. */
  exited: Promise<number | string>;
}

/** Fails when the CLI was not built: the replica tests run the built bundle. */
export function requireBuild(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` before these tests.`);
}

/** The recording tenant every replica talks to (Auth0-like: a token endpoint, then scripted answers). */
export async function startTenant(): Promise<RecordingUpstream> {
  return startRecordingUpstream({ fallback: { status: 200, body: {} } });
}

/** Options of {@link startReplica}. */
export interface ReplicaOptions {
  id: string;
  tenant: RecordingUpstream;
  redisUrl?: string;
  /** The balancer's public URL (what the approvals page and its same-origin check name). */
  publicUrl?: string;
  port?: number;
  env?: Record<string, string>;
}

/** Starts one built replica and waits until `/healthz` answers. */
export async function startReplica(options: ReplicaOptions): Promise<Replica> {
  requireBuild();
  const port = options.port ?? (await freePort());
  const stateDir = mkdtempSync(join(tmpdir(), `tenant-mcp-replica-${options.id}-`));
  const child = spawn(
    process.execPath,
    [CLI, '--transport', 'http', '--host', '127.0.0.1', '--port', String(port), '--profile', 'admin'],
    {
      env: {
        PATH: process.env.PATH ?? '',
        ...(process.env.HOME ? { HOME: process.env.HOME } : {}),
        AUTH0_DOMAIN: options.tenant.url,
        AUTH0_CLIENT_ID: 'cid',
        AUTH0_CLIENT_SECRET: 'replica-client-secret',
        TENANT_MCP_HTTP_TOKEN: TOKEN,
        TENANT_MCP_APPROVER_TOKEN: APPROVER,
        TENANT_MCP_STATE_DIR: stateDir,
        TENANT_MCP_REPLICA_ID: options.id,
        TENANT_MCP_STATE_KEY: STATE_KEY,
        TENANT_MCP_TRUSTED_PROXIES: '127.0.0.1',
        ...(options.redisUrl ? { TENANT_MCP_REDIS_URL: options.redisUrl } : {}),
        ...(options.publicUrl ? { TENANT_MCP_PUBLIC_URL: options.publicUrl } : {}),
        ...options.env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`replica ${options.id} exited at start:\n${stderr}`);
    const ok = await fetch(`${origin}/healthz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`replica ${options.id} did not come up:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { id: options.id, port, origin, stateDir, child, stderr: () => stderr, exited };
}

/** Stops a replica with SIGTERM (SIGKILL after 10 s). */
export async function stopReplica(replica: Replica): Promise<void> {
  if (replica.child.exitCode !== null || replica.child.signalCode !== null) return;
  replica.child.kill('SIGTERM');
  const timer = setTimeout(() => replica.child.kill('SIGKILL'), 10_000);
  await replica.exited;
  clearTimeout(timer);
}

/** HAProxy running deploy/haproxy.cfg, its addresses given through the environment the file names. */
export interface Balancer {
  port: number;
  origin: string;
  stop(): Promise<void>;
}

/** Starts HAProxy in front of replicas a, b, c (by port) and waits until every one is up in its checks. */
export async function startBalancer(
  ports: readonly [number, number, number],
  port?: number,
): Promise<Balancer> {
  requireBinary('haproxy', 'haproxy');
  const bind = port ?? (await freePort());
  let stderr = '';
  const child = spawn('haproxy', ['-db', '-f', HAPROXY_CFG], {
    env: {
      PATH: process.env.PATH ?? '',
      TENANT_MCP_LB_BIND: `127.0.0.1:${bind}`,
      TENANT_MCP_REPLICA_A: `127.0.0.1:${ports[0]}`,
      TENANT_MCP_REPLICA_B: `127.0.0.1:${ports[1]}`,
      TENANT_MCP_REPLICA_C: `127.0.0.1:${ports[2]}`,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const origin = `http://127.0.0.1:${bind}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited:\n${stderr}`);
    const ok = await fetch(`${origin}/healthz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`haproxy did not come up:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // Every server starts "up" in HAProxy until its checks say otherwise; give the first checks a moment.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return {
    port: bind,
    origin,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Three replicas a, b, c behind HAProxy (deploy/haproxy.cfg), each naming the balancer as its public URL. */
export async function startFleet(options: {
  tenant: RecordingUpstream;
  redisUrl: string;
  env?: Record<string, string>;
}): Promise<{ replicas: Replica[]; balancer: Balancer; publicUrl: string }> {
  const lbPort = await freePort();
  const publicUrl = `http://127.0.0.1:${lbPort}/mcp`;
  const replicas = await Promise.all(
    ['a', 'b', 'c'].map((id) =>
      startReplica({
        id,
        tenant: options.tenant,
        redisUrl: options.redisUrl,
        publicUrl,
        ...(options.env ? { env: options.env } : {}),
      }),
    ),
  );
  const balancer = await startBalancer(replicas.map((r) => r.port) as [number, number, number], lbPort);
  return { replicas, balancer, publicUrl };
}

/**
 * Stops what a replica test started, outermost first: its clients, the balancer, the replicas, the
 * tenant, Redis. Parts not started (a setup that failed half way) are skipped.
 */
export async function stopAll(parts: {
  clients?: ReadonlyArray<{ close(): Promise<void> } | undefined>;
  balancer?: Balancer | undefined;
  replicas?: ReadonlyArray<Replica | undefined>;
  tenant?: { close(): Promise<void> } | undefined;
  redis?: { stop(): Promise<void> } | undefined;
}): Promise<void> {
  await Promise.all((parts.clients ?? []).map((c) => c?.close().catch(() => {})));
  await parts.balancer?.stop();
  await Promise.all((parts.replicas ?? []).flatMap((r) => (r ? [stopReplica(r)] : [])));
  await parts.tenant?.close();
  await parts.redis?.stop();
}

/** An MCP client (SDK v2) through `origin`, 2026-07-28 (`modern`) or a 2025-11-25 session (`legacy`). */
export async function connectClient(origin: string, era: 'modern' | 'legacy'): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(`${origin}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
  });
  const client = new Client(
    { name: `replica-test-${era}`, version: '1' },
    era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' as const } } } : {},
  );
  await client.connect(transport);
  return client;
}

/** A tool call's text and error flag. */
export async function call(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<{ isError: boolean; text: string }> {
  const result = (await client.callTool({ name, arguments: args })) as {
    isError?: boolean;
    content?: Array<{ type: string; text?: string }>;
  };
  return {
    isError: result.isError === true,
    text: (result.content ?? []).map((part) => part.text ?? '').join('\n'),
  };
}

/** `delete_roles_by_id` (destructive: held for a person), with the approval id once there is one. */
export const deleteRole = (client: Client, id: string, approval_id?: string) =>
  call(client, 'invoke_write_operation', {
    operation: 'delete_roles_by_id',
    arguments: { id },
    ...(approval_id ? { approval_id } : {}),
  });

/** The approval id a held call's answer names. */
export function approvalIdOf(text: string): string | undefined {
  return /approval_id: "(apr_[a-z0-9]{24})"/.exec(text)?.[1];
}

/** A cookie-carrying approver on the approvals page, speaking real form posts. */
export class PageVisitor {
  cookie = '';
  constructor(private readonly publicOrigin: string) {}

  /** Signs in through `origin` with the approver token (a form post with the page's Origin). */
  async login(origin: string, name: string): Promise<void> {
    const res = await fetch(`${origin}/approvals/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: this.publicOrigin },
      body: new URLSearchParams({ name, token: APPROVER, next: '/approvals' }).toString(),
    });
    if (res.status !== 303) throw new Error(`login answered ${res.status}: ${await res.text()}`);
    this.cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  }

  /** GETs a page through `origin`. */
  async get(origin: string, path: string): Promise<{ status: number; html: string }> {
    const res = await fetch(`${origin}${path}`, { headers: { cookie: this.cookie }, redirect: 'manual' });
    return { status: res.status, html: await res.text() };
  }

  /** Posts a form through `origin`. */
  async post(
    origin: string,
    path: string,
    form: Record<string, string>,
  ): Promise<{ status: number; html: string }> {
    const res = await fetch(`${origin}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie: this.cookie,
        'content-type': 'application/x-www-form-urlencoded',
        origin: this.publicOrigin,
      },
      body: new URLSearchParams(form).toString(),
    });
    return { status: res.status, html: await res.text() };
  }
}

/** The form token of `action` on an approval's page. */
export function formToken(html: string, action: 'approve' | 'deny'): string | undefined {
  const form = new RegExp(
    `action="[^"]*/${action}">\\s*<input type="hidden" name="csrf" value="([^"]+)"`,
  ).exec(html);
  return form?.[1];
}
