/**
 * `npm run bench`: start-up, memory, listing tokens and per-call overhead, printed with the machine they
 * ran on. Figures, not pass/fail: timing belongs here, never in tests.
 */
import { spawn } from 'node:child_process';
import * as nodeFs from 'node:fs';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { type CallToolResult, Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import fc from 'fast-check';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { request } from 'undici';
import type { Executor, RateBudget } from '../src/executor/types.js';
import { type AuditFs, openAuditLog, startAuditShipper } from '../src/policy/audit/index.js';
import { createGate } from '../src/policy/index.js';
import { getProfile } from '../src/policy/profiles.js';
import { startSandbox } from '../src/sandbox/index.js';
import {
  createEmbeddedTenantBudget,
  createSharedTenantBudget,
  MAX_CAPACITY,
  TENANT_BUDGET_DEFAULTS,
} from '../src/shared/tenant-budget.js';
import { auth0Catalog } from '../src/tools/auth0/index.js';
import { type FuzzCase, fuzzCase, loadTarget, startFuzzLane } from '../test/fuzz/harness.js';
import { connectBudgetRedis, startTestRedis } from '../test/helpers/budget-redis.js';
import { heldRate, runReplicas, startLimitedTenant } from '../test/helpers/budget-replicas.js';
import { startRawStack } from '../test/helpers/raw-rpc.js';
import {
  problemReply,
  type ScriptedReply,
  startRecordingUpstream,
} from '../test/helpers/recording-upstream.js';
import { evaluate, loadIntents, searchFor } from '../test/search/evaluate.js';

/** Approvals and audit records of benchmarked servers go here, never under the user's home. */
const BENCH_STATE = mkdtempSync(join(tmpdir(), 'tenant-mcp-bench-state-'));
const CLI = 'dist/cli.js';
/** The two protocol revisions every figure below is measured on. */
type Era = 'legacy' | 'modern';
const ERAS: readonly Era[] = ['legacy', 'modern'];
const REVISION: Record<Era, string> = { legacy: '2025-11-25', modern: '2026-07-28' };

/** A v2 SDK client speaking one revision: 2025-11-25 negotiates with `initialize`, 2026-07-28 is pinned. */
function sdkClient(era: Era, capabilities: Record<string, unknown> = {}): Client {
  return new Client(
    { name: `bench-${era}`, version: '1' },
    {
      capabilities,
      ...(era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' as const } } } : {}),
    },
  );
}

/**
 * The first request of each revision: `initialize` (2025-11-25), or `server/discover` with the per-request
 * envelope (2026-07-28, no handshake).
 */
const FIRST_REQUEST: Record<Era, string> = {
  legacy: `${JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
  })}\n`,
  modern: `${JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'server/discover',
    params: {
      _meta: {
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientCapabilities': {},
        'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
      },
    },
  })}\n`,
};
const BARE = `require('node:readline').createInterface({input:process.stdin}).on('line',l=>{process.stdout.write(JSON.stringify({jsonrpc:'2.0',id:JSON.parse(l).id,result:{}})+'\\n')})`;

/**
 * What a host gives a server it spawns: PATH and HOME, nothing of this shell's NODE_OPTIONS or
 * NODE_EXTRA_CA_CERTS (the latter alone adds about 50 ms to every Node start and would hide start-up cost
 * in a ratio). State goes to a temporary directory, never under the user's home.
 */
function hostEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    ...(process.env.HOME ? { HOME: process.env.HOME } : {}),
    TENANT_MCP_STATE_DIR: BENCH_STATE,
    ...extra,
  };
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const fmt = (n: number, digits = 1) => n.toFixed(digits);

/** Milliseconds from spawn to the first line of stdout, the answer to `first`. */
function timeToFirstAnswer(args: string[], first: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env: hostEnv(), stdio: ['pipe', 'pipe', 'ignore'] });
    child.stdout.once('data', (chunk: Buffer) => {
      const elapsed = performance.now() - started;
      child.kill();
      if (chunk.toString().includes('"result"')) resolve(elapsed);
      else reject(new Error(`no result: ${chunk.toString().slice(0, 300)}`));
    });
    child.once('error', reject);
    child.stdin.write(first);
  });
}

/**
 * Spawn → the first tool call answered, as a host does it on 2025-11-25 (initialize, initialized,
 * tools/list, then `get_roles`): the first call also loads the executor and starts the embedded sandbox.
 */
function timeToFirstCall(): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [CLI], { env: hostEnv(), stdio: ['pipe', 'pipe', 'ignore'] });
    const send = (message: unknown) => child.stdin.write(`${JSON.stringify(message)}\n`);
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
        const message = JSON.parse(buffered.slice(0, end)) as { id?: number; result?: unknown };
        buffered = buffered.slice(end + 1);
        if (message.result === undefined) {
          child.kill();
          reject(new Error(`no result for request ${message.id}`));
        } else if (message.id === 1) {
          send({ jsonrpc: '2.0', method: 'notifications/initialized' });
          send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
        } else if (message.id === 2) {
          send({
            jsonrpc: '2.0',
            id: 3,
            method: 'tools/call',
            params: { name: 'invoke_read_operation', arguments: { operation: 'get_roles', arguments: {} } },
          });
        } else if (message.id === 3) {
          child.kill();
          resolve(performance.now() - started);
        }
      }
    });
    child.once('error', reject);
    child.stdin.write(FIRST_REQUEST.legacy);
  });
}

async function coldStart(): Promise<void> {
  const runs = Number(process.env.BENCH_START_RUNS ?? 20);
  const ours: Record<Era, number[]> = { legacy: [], modern: [] };
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    for (const era of ERAS) ours[era].push(await timeToFirstAnswer([CLI], FIRST_REQUEST[era]));
    bare.push(await timeToFirstAnswer(['-e', BARE], FIRST_REQUEST.legacy));
  }
  // Medians, and minima: on a shared machine the fastest run is the one least disturbed by other work.
  const b = quantile(bare, 0.5);
  const bMin = Math.min(...bare);
  for (const era of ERAS) {
    const a = quantile(ours[era], 0.5);
    const aMin = Math.min(...ours[era]);
    console.log(
      `cold start ${REVISION[era]} (spawn → ${era === 'legacy' ? 'initialize' : 'server/discover'} answered, ${runs} runs, PATH and HOME only): median ${fmt(a)} ms, fastest ${fmt(aMin)} ms; bare Node JSON-RPC echo median ${fmt(b)} ms, fastest ${fmt(bMin)} ms; ratio ${fmt(a / b, 2)} (medians), ${fmt(aMin / bMin, 2)} (fastest) (target ≤ 3×)`,
    );
  }
  const firstCall: number[] = [];
  for (let i = 0; i < Math.min(runs, 10); i++) firstCall.push(await timeToFirstCall());
  console.log(
    `first tool call from spawn (2025-11-25 handshake, tools/list, get_roles on the embedded sandbox it starts, ${firstCall.length} runs): median ${fmt(quantile(firstCall, 0.5))} ms, fastest ${fmt(Math.min(...firstCall))} ms`,
  );
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

async function connect(
  args: string[],
  env: Record<string, string> = {},
  era: Era = 'legacy',
  capabilities: Record<string, unknown> = {},
): Promise<{ client: Client; transport: StdioClientTransport }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, ...args],
    env: hostEnv(env),
    stderr: 'ignore',
  });
  const client = sdkClient(era, capabilities);
  await client.connect(transport);
  return { client, transport };
}

/**
 * Every built-in listing (both providers × the three profiles, on both revisions: the tools are the same,
 * the list result's envelope is not), and what `--toolsets` adds.
 */
async function listings(): Promise<void> {
  const cases: Array<[string, string[], boolean]> = [];
  for (const provider of ['auth0', 'monocloud'])
    for (const profile of ['read-only', 'helpdesk', 'admin'])
      cases.push([`${provider} ${profile}`, ['--provider', provider, '--profile', profile], true]);
  cases.push(['auth0 read-only + --toolsets users', ['--toolsets', 'users'], false]);
  cases.push(['auth0 admin + --toolsets users', ['--profile', 'admin', '--toolsets', 'users'], false]);
  for (const era of ERAS) {
    for (const [name, args, builtIn] of cases) {
      if (!builtIn && era === 'modern') continue;
      const { client, transport } = await connect(args, {}, era);
      const { tools } = await client.listTools();
      const tasks = tools.filter((t) => !/_operations?$/.test(t.name));
      const tokens = encode(JSON.stringify(tools)).length;
      const rss = transport.pid ? rssOf(transport.pid) : Number.NaN;
      console.log(
        `tools/list ${REVISION[era]} ${name}: ${tools.length} tools (${tasks.length} task tools), ${tokens} tokens (o200k)${builtIn ? ' (target ≤ 2,000)' : ''}; RSS after listing ${fmt(rss)} MB`,
      );
      await client.close();
    }
  }
}

async function overhead(): Promise<void> {
  const sandbox = await startSandbox({ port: 0 });
  const token = await request(`${sandbox.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: sandbox.clientId,
      client_secret: sandbox.clientSecret,
      audience: `${sandbox.url}/api/v2/`,
    }),
  }).then((r) => r.body.json() as Promise<{ access_token: string }>);
  const direct = async () => {
    const r = await request(`${sandbox.url}/api/v2/roles`, {
      headers: { authorization: `Bearer ${token.access_token}` },
    });
    await r.body.json();
  };
  for (const era of ERAS) {
    const { client } = await connect(
      [],
      {
        AUTH0_DOMAIN: sandbox.url,
        AUTH0_CLIENT_ID: sandbox.clientId,
        AUTH0_CLIENT_SECRET: sandbox.clientSecret,
      },
      era,
    );
    const n = 400;
    const call = async () => {
      const result = (await client.callTool({
        name: 'invoke_read_operation',
        arguments: { operation: 'get_roles', arguments: {} },
      })) as CallToolResult;
      if (result.isError) throw new Error(`get_roles failed: ${JSON.stringify(result.content)}`);
    };
    for (let i = 0; i < 50; i++) {
      await call();
      await direct();
    }
    const through: number[] = [];
    const straight: number[] = [];
    for (let i = 0; i < n; i++) {
      let t = performance.now();
      await call();
      through.push(performance.now() - t);
      t = performance.now();
      await direct();
      straight.push(performance.now() - t);
    }
    const p = (q: number) => [quantile(through, q), quantile(straight, q)] as const;
    const [t50, s50] = p(0.5);
    const [t99, s99] = p(0.99);
    console.log(
      `invoke_read_operation get_roles via stdio, ${REVISION[era]}: p50 ${fmt(t50, 2)} ms, p99 ${fmt(t99, 2)} ms; direct undici to the sandbox: p50 ${fmt(s50, 2)} ms, p99 ${fmt(s99, 2)} ms; overhead p50 ${fmt(t50 - s50, 2)} ms, p99 ${fmt(t99 - s99, 2)} ms (target ≤ 1 ms p50)`,
    );
    await client.close();
  }
  await sandbox.close();
}

/** The gate's own cost per call (validation, profile, masking, sanitising) and the audit write's. */
async function policyOverhead(): Promise<void> {
  const body = { user_id: 'auth0|1', email: 'a@example.com', name: 'Alice', app_metadata: { plan: 'pro' } };
  const instant: Executor = {
    baseUrl: 'http://bench.invalid/api/v2',
    send: async () => ({ status: 200, headers: {}, body, attempts: 1, durationMs: 0 }),
    close: async () => {},
  };
  const dir = mkdtempSync(join(tmpdir(), 'tenant-mcp-bench-'));
  const audit = openAuditLog(join(dir, 'audit.jsonl'), { productVersion: 'bench' });
  const base = {
    catalog: auth0Catalog,
    profile: getProfile('admin', auth0Catalog),
    executor: instant,
    tenant: { name: 'bench', domain: 'bench.invalid' },
  };
  const withoutAudit = createGate(base);
  const withAudit = createGate({ ...base, audit });
  const call = {
    operation: 'get_users_by_id',
    arguments: { id: 'auth0|1' },
    route: 'read' as const,
    tool: 'invoke_read_operation',
  };
  const measure = async (gate: typeof withAudit, n: number) => {
    for (let i = 0; i < 200; i++) await gate.invoke(call);
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await gate.invoke(call);
      times.push(performance.now() - t);
    }
    return [quantile(times, 0.5), quantile(times, 0.99)] as const;
  };
  const direct: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const t = performance.now();
    await instant.send({ method: 'GET', path: '/users/{id}', pathParams: { id: 'auth0|1' } });
    direct.push(performance.now() - t);
  }
  const [g50, g99] = await measure(withoutAudit, 2000);
  const [a50, a99] = await measure(withAudit, 1000);
  const d50 = quantile(direct, 0.5);
  console.log(
    `policy gate per call (validation, profile, masking, sanitising; executor answers at once): p50 ${fmt(g50 - d50, 3)} ms, p99 ${fmt(g99, 3)} ms`,
  );
  console.log(
    `policy gate + audit trail (2 fsync'd OCSF records per call): p50 ${fmt(a50 - d50, 3)} ms, p99 ${fmt(a99, 3)} ms (target ≤ 0.5 ms p50)`,
  );
  audit.close();
}

/**
 * Task tools: the tokens of each tool's answer on the sandbox stories, through the built CLI over stdio
 * with a client that confirms (elicitation on 2025-11-25, `input_required` on 2026-07-28); and the time of
 * the heaviest read task on both revisions.
 */
async function taskTools(): Promise<void> {
  const sandbox = await startSandbox({ port: 0 });
  const open = async (era: Era) => {
    const { client } = await connect(
      ['--profile', 'helpdesk'],
      {
        AUTH0_DOMAIN: sandbox.url,
        AUTH0_CLIENT_ID: sandbox.clientId,
        AUTH0_CLIENT_SECRET: sandbox.clientSecret,
        TENANT_MCP_STATE_DIR: mkdtempSync(join(tmpdir(), 'tenant-mcp-bench-tasks-')),
      },
      era,
      { elicitation: { form: {} } },
    );
    client.setRequestHandler('elicitation/create', async () => ({
      action: 'accept',
      content: { confirm: true },
    }));
    return client;
  };
  let client = await open('legacy');
  const answer = async (name: string, args: Record<string, unknown>) => {
    const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
    const text = result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
    return { tokens: encode(text).length, isError: result.isError === true };
  };
  const stories: Array<[string, string, Record<string, unknown>]> = [
    ['diagnose_login', 'carol (brute-force lock)', { user: 'carol@northwind.example.com' }],
    ['diagnose_login', 'dave (blocked)', { user: 'dave@northwind.example.com' }],
    ['diagnose_login', 'erin (unverified email)', { user: 'erin@example.org' }],
    ['diagnose_login', 'frank (connection off for the app)', { user: 'frank.castillo@example.net' }],
    ['diagnose_login', 'grace (breached password, pending reset)', { user: 'grace@northwind.example.com' }],
    ['diagnose_login', 'bob (MFA codes rejected)', { user: 'bob@northwind.example.com' }],
    ['diagnose_login', 'alice (nothing wrong)', { user: 'alice@northwind.example.com' }],
    ['diagnose_login', 'mallory (no such user)', { user: 'mallory@example.org' }],
    ['find_users', '"carol"', { query: 'carol' }],
    ['find_users', 'email:*@northwind.example.com', { query: 'email:*@northwind.example.com' }],
    ['get_user_overview', 'alice', { user: 'alice@northwind.example.com' }],
    ['list_security_events', 'tenant, last 24 h', { since: '24h' }],
    ['list_security_events', 'carol, 7 days', { user: 'carol@northwind.example.com' }],
    ['unblock_user', 'carol, dry run', { user: 'carol@northwind.example.com', dry_run: true }],
    ['unblock_user', 'carol', { user: 'carol@northwind.example.com' }],
    ['block_user', 'bob', { user: 'bob@northwind.example.com' }],
    ['revoke_user_sessions', 'alice', { user: 'alice@northwind.example.com' }],
    ['create_password_change_ticket', 'grace', { user_id: 'auth0|64f1a0c2e4b0a1b2c3d40007' }],
  ];
  let worstDiagnosis = 0;
  for (const [tool, story, args] of stories) {
    const { tokens, isError } = await answer(tool, args);
    if (tool === 'diagnose_login') worstDiagnosis = Math.max(worstDiagnosis, tokens);
    console.log(`  ${tool} ${story}: ${tokens} tokens${isError ? ' (error result)' : ''}`);
  }
  console.log(`diagnose_login answers: largest ${worstDiagnosis} tokens (target ≤ 600)`);
  for (const era of ERAS) {
    if (era !== 'legacy') client = await open(era);
    const times: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t = performance.now();
      await answer('diagnose_login', { user: 'grace@northwind.example.com' });
      times.push(performance.now() - t);
    }
    console.log(
      `diagnose_login grace via stdio, ${REVISION[era]} (8 tenant reads on the sandbox): p50 ${fmt(quantile(times, 0.5), 1)} ms, p99 ${fmt(quantile(times, 0.99), 1)} ms`,
    );
    await client.close();
  }
  await sandbox.close();
}

/**
 * Streamable HTTP: the built CLI with `--transport http` on loopback against its embedded sandbox, a bearer
 * token and the rate limit off (the limiter would measure itself). Memory per open session is the server's
 * RSS growth over 50 freshly initialised sessions; throughput is 50 such clients each making
 * `invoke_read_operation get_roles` calls back to back, all at once.
 */
async function httpFigures(variant: {
  label: string;
  era: Era;
  env?: Record<string, string>;
  memory?: boolean;
}): Promise<void> {
  const clients = 50;
  const callsEach = 100;
  const token = 'bench-http-token-0123456789abcdef0123456789';
  const port = await new Promise<number>((resolve, reject) => {
    const probe = createNetServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as { port: number };
      probe.close(() => resolve(free));
    });
    probe.once('error', reject);
  });
  const child = spawn(
    process.execPath,
    [CLI, '--transport', 'http', '--host', '127.0.0.1', '--port', String(port)],
    {
      env: {
        PATH: process.env.PATH ?? '',
        TENANT_MCP_HTTP_TOKEN: token,
        TENANT_MCP_RATE_LIMIT: '0',
        TENANT_MCP_STATE_DIR: mkdtempSync(join(tmpdir(), 'tenant-mcp-bench-http-')),
        ...variant.env,
      },
      stdio: ['ignore', 'ignore', 'ignore'],
    },
  );
  const url = new URL(`http://127.0.0.1:${port}/mcp`);
  const open = async (): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> => {
    const transport = new StreamableHTTPClientTransport(url, {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    });
    const client = sdkClient(variant.era);
    await client.connect(transport);
    return { client, transport };
  };
  const close = async ({
    client,
    transport,
  }: {
    client: Client;
    transport: StreamableHTTPClientTransport;
  }) => {
    await transport.terminateSession().catch(() => {});
    await client.close();
  };
  const call = (client: Client) =>
    client.callTool({ name: 'invoke_read_operation', arguments: { operation: 'get_roles', arguments: {} } });
  try {
    let first: Awaited<ReturnType<typeof open>> | undefined;
    for (let attempt = 0; attempt < 100 && !first; attempt++) {
      first = await open().catch(async () => {
        if (child.exitCode !== null)
          throw new Error(`tenant-mcp --transport http exited (${child.exitCode})`);
        await new Promise((resolve) => setTimeout(resolve, 50));
        return undefined;
      });
    }
    if (!first) throw new Error('tenant-mcp --transport http did not answer within 5 s');
    // Warm: the sandbox, the input schemas and the tenant token are loaded on the first call. Little else
    // runs before the memory reading, so a garbage collection is less likely to land between the two.
    for (let i = 0; i < 3; i++) await call(first.client);
    // A principal may hold 100 sessions (issue 11's cap): the warm-up session is closed, and each round
    // after the first is closed once measured, so at most 100 are open at once.
    await close(first);
    const settle = () => new Promise((resolve) => setTimeout(resolve, 500));
    // Three rounds of 50 sessions; the median round's growth, since a collection can land in any of them.
    const perSession: number[] = [];
    const rounds: Array<Array<Awaited<ReturnType<typeof open>>>> = [];
    for (let round = 0; round < 3; round++) {
      await settle();
      const before = rssOf(child.pid!);
      const opened: Array<Awaited<ReturnType<typeof open>>> = [];
      for (let i = 0; i < clients; i++) opened.push(await open());
      await settle();
      perSession.push(((rssOf(child.pid!) - before) * 1024) / clients);
      if (round === 0) rounds.push(opened);
      else await Promise.all(opened.map(close));
    }
    if (variant.memory && variant.era === 'legacy') {
      console.log(
        `HTTP memory per open session (2025-11-25; 2026-07-28 keeps none): ${fmt(quantile(perSession, 0.5), 0)} kB (server RSS growth over 3 rounds of ${clients} sessions: ${perSession.map((kb) => fmt(kb, 0)).join(', ')} kB each)`,
      );
    }
    const [sessions] = rounds as [(typeof rounds)[number]];
    for (const { client } of sessions) for (let i = 0; i < 5; i++) await call(client);
    const times: number[] = [];
    const started = performance.now();
    await Promise.all(
      sessions.map(async ({ client }) => {
        for (let i = 0; i < callsEach; i++) {
          const t = performance.now();
          const result = (await call(client)) as CallToolResult;
          times.push(performance.now() - t);
          if (result.isError)
            throw new Error(`get_roles over HTTP failed: ${JSON.stringify(result.content)}`);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `HTTP, ${clients} concurrent clients × ${callsEach} invoke_read_operation get_roles (bearer token, sandbox, ${REVISION[variant.era]}, ${variant.label}): ${fmt(times.length / seconds, 0)} calls/s, p50 ${fmt(quantile(times, 0.5), 1)} ms, p99 ${fmt(quantile(times, 0.99), 1)} ms; server RSS after ${fmt(rssOf(child.pid!))} MB`,
    );
    await Promise.all(sessions.map(close));
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

/**
 * Fuzz throughput: the fuzz suite's cases (generated first, so generation is not counted) through the
 * real executor, gate and server in process, each checked by the oracle.
 */
async function fuzzThroughput(): Promise<void> {
  for (const provider of ['auth0', 'monocloud'] as const) {
    const target = await loadTarget(provider);
    const lane = await startFuzzLane(target);
    const cases = fc.sample(fuzzCase(target), { numRuns: 6_000, seed: 11 });
    for (const call of cases.slice(0, 500)) await lane.run(call);
    const started = performance.now();
    for (const call of cases.slice(500)) await lane.run(call);
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `fuzz throughput, ${provider} (every tool, valid and hostile, oracle-checked, in process): ${fmt((cases.length - 500) / seconds, 0)} calls/s`,
    );
    await lane.close();
  }
}

/**
 * The event loop under the hostile-tenant suite's worst answers: the delay every other session would
 * see, sampled each millisecond while a hostile tenant's bodies are read, shaped and masked.
 */
async function hostileEventLoop(): Promise<void> {
  const upstream = await startRecordingUpstream({ tokenEndpoint: {} });
  const stack = await startRawStack({
    catalog: auth0Catalog,
    profile: getProfile('admin', auth0Catalog),
    domain: upstream.url,
  });
  const json = { 'content-type': 'application/json' };
  // Bodies are serialised once here, so the upstream (in this process) does not block the loop itself.
  const text = (reply: ScriptedReply): ScriptedReply =>
    typeof reply.body === 'string'
      ? { ...reply, body: Buffer.from(reply.body) }
      : { ...reply, headers: { ...json, ...reply.headers }, body: Buffer.from(JSON.stringify(reply.body)) };
  const planted = Object.fromEntries(
    ['client_secret', 'password', 'api_key', 'token', 'recovery_codes', 'hash'].map((k, i) => [
      k,
      `canary-${i}`,
    ]),
  );
  const scenarios: Array<{ reply: ScriptedReply; operation: string; fields?: string[] }> = [
    {
      reply: {
        status: 400,
        headers: { 'content-type': 'text/html' },
        body: `<h1>Bad</h1>${'<div'.repeat(80_000)}`,
      },
      operation: 'get_users',
    },
    {
      reply: text(
        problemReply(422, {
          title: 'Invalid',
          errors: Array.from({ length: 100_000 }, (_, i) => ({ code: `E${i}`, description: 'x'.repeat(40) })),
        }),
      ),
      operation: 'get_users',
    },
    { reply: { status: 500, body: Buffer.alloc(12 * 1024 * 1024, 'x') }, operation: 'get_users' },
    {
      reply: text({ status: 400, body: { statusCode: 400, message: 'm'.repeat(1 << 20) } }),
      operation: 'get_users',
    },
    {
      reply: { status: 200, headers: json, body: `${'['.repeat(5000)}${']'.repeat(5000)}` },
      operation: 'get_users',
    },
    {
      reply: {
        status: 200,
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ ...planted, filler: 'f'.repeat(1 << 20) }),
      },
      operation: 'get_clients',
    },
    {
      reply: {
        status: 200,
        headers: json,
        body: '{"user_id":"a","user_metadata":{"__proto__":{"reveal":true}}}',
      },
      operation: 'get_users_by_id',
      fields: ['user_metadata.__proto__.reveal'],
    },
    {
      reply: text({
        status: 200,
        body: Array.from({ length: 2_000 }, (_, i) => ({
          user_id: `auth0|${i}`,
          ...planted,
          name: '\u202Ex'.repeat(20),
        })),
      }),
      operation: 'get_users',
    },
  ];
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let calls = 0;
  histogram.enable();
  const started = performance.now();
  for (let round = 0; round < 10; round++) {
    for (const scenario of scenarios) {
      upstream.script(scenario.reply);
      await stack.client.callTool('invoke_read_operation', {
        operation: scenario.operation,
        arguments: scenario.operation === 'get_users_by_id' ? { id: 'auth0|1' } : {},
        ...(scenario.fields ? { fields: scenario.fields } : {}),
      });
      calls++;
    }
  }
  histogram.disable();
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `event-loop delay under the hostile-tenant answers (${calls} calls, 320 kB HTML to 12 MB bodies, ${fmt(seconds, 1)} s): p99 ${fmt(histogram.percentile(99) / 1e6)} ms, max ${fmt(histogram.max / 1e6)} ms`,
  );
  await stack.close();
  await upstream.close();
}

/** Server RSS after 30,000 fuzz calls over stdio (admin, every operation listed, a recording upstream). */
async function rssAfterFuzz(): Promise<void> {
  const target = await loadTarget('auth0');
  const upstream = await startRecordingUpstream({ maxHeaderSize: 2 * 1024 * 1024 });
  const auditDir = mkdtempSync(join(tmpdir(), 'tenant-mcp-bench-fuzz-'));
  const child = spawn(process.execPath, [CLI, '--profile', 'admin', '--toolsets', 'all'], {
    env: {
      PATH: process.env.PATH ?? '',
      AUTH0_DOMAIN: upstream.url,
      AUTH0_CLIENT_ID: 'cid',
      AUTH0_CLIENT_SECRET: 'bench-secret-0123456789',
      TENANT_MCP_STATE_DIR: BENCH_STATE,
      TENANT_MCP_AUDIT_LOG: join(auditDir, 'audit.jsonl'),
    },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const pending = new Map<number, () => void>();
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let at = buffered.indexOf('\n'); at !== -1; at = buffered.indexOf('\n')) {
      const message = JSON.parse(buffered.slice(0, at)) as { id?: number; method?: string };
      buffered = buffered.slice(at + 1);
      if (message.method === 'elicitation/create') {
        child.stdin.write(
          `${JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { action: 'accept', content: { confirm: true } } })}\n`,
        );
      } else if (message.id !== undefined) {
        pending.get(message.id)?.();
        pending.delete(message.id);
      }
    }
  });
  let id = 0;
  const send = (method: string, params?: unknown) =>
    new Promise<void>((resolve) => {
      id++;
      pending.set(id, resolve);
      child.stdin.write(
        `${JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) })}\n`,
      );
    });
  await send('initialize', {
    protocolVersion: '2025-06-18',
    capabilities: { elicitation: { form: {} } },
    clientInfo: { name: 'bench-fuzz', version: '1' },
  });
  child.stdin.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
  const call = (c: FuzzCase) =>
    send('tools/call', { name: c.tool, ...(c.args === undefined ? {} : { arguments: c.args }) });
  let done = 0;
  let warm = 0;
  const started = performance.now();
  for (let batch = 0; batch < 30; batch++) {
    for (const c of fc.sample(fuzzCase(target), { numRuns: 1_000, seed: 1_000 + batch })) {
      upstream.reset();
      await call(c);
      done++;
    }
    if (batch === 0) warm = rssOf(child.pid!);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `server RSS after ${done} fuzz calls over stdio (admin, all 406 operations listed, ${fmt(done / seconds, 0)} calls/s): ${fmt(rssOf(child.pid!))} MB (${fmt(warm)} MB after the first 1,000)`,
  );
  child.kill();
  await upstream.close();
  rmSync(auditDir, { recursive: true, force: true });
}

/** Search quality on the evaluation sets, per provider, and the time one search takes. */
async function searchFigures(): Promise<void> {
  for (const set of ['auth0', 'auth0-holdout', 'monocloud', 'monocloud-holdout']) {
    const provider = set.startsWith('monocloud') ? 'monocloud' : 'auth0';
    const f = evaluate(provider, loadIntents(set));
    const pct = (x: number) => `${fmt(x * 100, 1)}%`;
    console.log(
      `search ${set} (${f.count} intents, admin profile): hit@1 ${pct(f.hit1)}, hit@3 ${pct(f.hit3)}, hit@5 ${pct(f.hit5)}${set.endsWith('holdout') ? ' (never tuned against)' : ' (targets hit@1 ≥ 80%, hit@3 ≥ 95%)'}`,
    );
  }
  const index = searchFor('auth0');
  const queries = loadIntents('auth0').map((i) => i.intent);
  for (const q of queries) index.search({ query: q, limit: 8 });
  const times: number[] = [];
  for (let round = 0; round < 5; round++) {
    for (const q of queries) {
      const t = performance.now();
      index.search({ query: q, limit: 8 });
      times.push(performance.now() - t);
    }
  }
  const built = performance.now();
  searchFor('auth0');
  console.log(
    `search over 406 operations + 11 task tools: p50 ${fmt(quantile(times, 0.5), 3)} ms, p99 ${fmt(quantile(times, 0.99), 3)} ms per query; index built in ${fmt(performance.now() - built, 1)} ms`,
  );
}

/** The audit agent's answers on both embedded sandboxes, over stdio, with their size in tokens. */
async function auditFigures(): Promise<void> {
  for (const provider of ['auth0', 'monocloud']) {
    const { client } = await connect(['--provider', provider]);
    const call = async (name: string, args: Record<string, unknown> = {}) => {
      const t = performance.now();
      const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
      const ms = performance.now() - t;
      const text = result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
      return { tokens: encode(text).length, ms, json: JSON.parse(text) as Record<string, unknown> };
    };
    const review = await call('review_security_settings');
    const snap = await call('snapshot_tenant');
    const diff = await call('diff_tenant');
    console.log(
      `audit ${provider} sandbox: review_security_settings ${review.tokens} tokens (${fmt(review.ms, 0)} ms), snapshot_tenant ${snap.tokens} tokens, ${snap.json.bytes} bytes on disk (${fmt(snap.ms, 0)} ms), diff_tenant ${diff.tokens} tokens (${fmt(diff.ms, 0)} ms) (target ≤ 1,500 tokens each)`,
    );
    await client.close();
  }
}

/**
 * Shipping the trail to a collector (a loopback HTTP server that counts lines and answers 200): what it
 * costs a call while it runs beside the gate, how fast it catches up on a backlog, and the event-loop
 * delay while it does (the shipper shares the loop with calls; it must never hold them up).
 */
async function shipping(): Promise<void> {
  // The collector runs in its own process, as it would on its own machine: its work is not the server's.
  const collector = spawn(
    process.execPath,
    [
      '-e',
      `let lines = 0;
      const server = require('node:http').createServer(async (req, res) => {
        if (req.method === 'GET') return res.end(String(lines));
        for await (const chunk of req) for (const byte of chunk) if (byte === 10) lines++;
        res.end();
      });
      server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<string>((resolve) =>
    collector.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())),
  );
  const url = `http://127.0.0.1:${port}/ingest`;
  const received = async () => Number(await (await fetch(url)).text());
  const body = { user_id: 'auth0|1', email: 'a@example.com', name: 'Alice' };
  const instant: Executor = {
    baseUrl: 'http://bench.invalid/api/v2',
    send: async () => ({ status: 200, headers: {}, body, attempts: 1, durationMs: 0 }),
    close: async () => {},
  };
  const call = {
    operation: 'get_users_by_id',
    arguments: { id: 'auth0|1' },
    route: 'read' as const,
    tool: 'invoke_read_operation',
  };
  const dir = mkdtempSync(join(tmpdir(), 'tenant-mcp-bench-ship-'));
  const audit = openAuditLog(join(dir, 'audit.jsonl'), { productVersion: 'bench', replica: 'bench' });
  const gate = createGate({
    catalog: auth0Catalog,
    profile: getProfile('admin', auth0Catalog),
    executor: instant,
    tenant: { name: 'bench', domain: 'bench.invalid' },
    audit,
  });
  // One caller (what a call waits), then 50 concurrent callers saturating the core beside the shipper.
  const burst = async (n: number, callers = 50) => {
    const times: number[] = [];
    const started = performance.now();
    await Promise.all(
      Array.from({ length: callers }, async () => {
        for (let i = 0; i < n / callers; i++) {
          const t = performance.now();
          await gate.invoke(call);
          times.push(performance.now() - t);
        }
      }),
    );
    return {
      p50: quantile(times, 0.5),
      p99: quantile(times, 0.99),
      rate: n / ((performance.now() - started) / 1000),
    };
  };
  await burst(1_000);
  const oneOff = await burst(2_000, 1);
  const off = await burst(5_000);
  const shipper = startAuditShipper({
    chain: audit,
    url,
    intervalMs: 50,
    report: (line) => console.log(line),
  });
  const oneOn = await burst(2_000, 1);
  const on = await burst(5_000);
  await shipper.stop();
  console.log(
    `gate + audit trail, one caller: p50 ${fmt(oneOff.p50, 3)} ms, p99 ${fmt(oneOff.p99, 3)} ms; with the shipper running: p50 ${fmt(oneOn.p50, 3)} ms, p99 ${fmt(oneOn.p99, 3)} ms`,
  );
  console.log(
    `gate + audit trail, 50 concurrent callers: ${fmt(off.rate, 0)} calls/s, p50 ${fmt(off.p50, 2)} ms, p99 ${fmt(off.p99, 2)} ms; with the shipper running (50 ms interval, loopback collector): ${fmt(on.rate, 0)} calls/s, p50 ${fmt(on.p50, 2)} ms, p99 ${fmt(on.p99, 2)} ms`,
  );
  audit.close();

  // A backlog, as after a collector outage: 50,000 records (fsync skipped: this measures the reader).
  const noSync: AuditFs = { ...nodeFs, fsyncSync: () => {}, fsync: undefined };
  const backlog = openAuditLog(join(dir, 'backlog.jsonl'), {
    productVersion: 'bench',
    replica: 'bench',
    fs: noSync,
  });
  for (let i = 0; i < 50_000; i++) {
    backlog.append({
      time: Date.now(),
      decision: 'sent',
      reason: 'HTTP 200',
      tenant: { name: 'bench', domain: 'bench.invalid' },
      profile: 'admin',
      tool: 'invoke_read_operation',
      operation: { id: 'get_users_by_id', method: 'GET', path: '/api/v2/users/{id}', risk: 'read' },
      arguments: { id: `auth0|${i}` },
      status: 200,
      correlationId: `c${i}`,
    });
  }
  const size = nodeFs.statSync(join(dir, 'backlog.jsonl')).size;
  const before = await received();
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const started = performance.now();
  const catchUp = startAuditShipper({
    chain: backlog,
    url,
    intervalMs: 50,
    report: (line) => console.log(line),
  });
  while (catchUp.cursor?.seq !== 49_999) await new Promise((resolve) => setTimeout(resolve, 5));
  const seconds = (performance.now() - started) / 1000;
  histogram.disable();
  await catchUp.stop();
  backlog.close();
  console.log(
    `shipper catching up on 50,000 records (${fmt(size / 2 ** 20)} MiB, batches of 500): ${fmt(50_000 / seconds, 0)} records/s; event-loop delay meanwhile p99 ${fmt(histogram.percentile(99) / 1e6)} ms, max ${fmt(histogram.max / 1e6)} ms (${(await received()) - before} lines received)`,
  );
  collector.kill();
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The tenant rate budget: what one take costs a call (embedded vs a loopback Redis, which is the script's
 * round trip), and the rate three replica processes sharing one Redis hold against a tenant's 10/s.
 */
async function budgetFigures(): Promise<void> {
  const settings = { ...TENANT_BUDGET_DEFAULTS, floor: MAX_CAPACITY, windowMs: 100 };
  const timeTakes = async (budget: RateBudget, count: number) => {
    const takes: number[] = [];
    const observes: number[] = [];
    const answer = {
      status: 200,
      headers: { 'x-ratelimit-limit': '10000', 'x-ratelimit-remaining': '9000' },
    };
    for (let i = 0; i < count; i++) {
      let t = performance.now();
      await budget.take();
      takes.push(performance.now() - t);
      t = performance.now();
      await budget.observe(answer);
      observes.push(performance.now() - t);
    }
    const us = (values: number[], q: number) => fmt(quantile(values, q) * 1000, 1);
    return `take p50 ${us(takes, 0.5)} µs, p99 ${us(takes, 0.99)} µs; observe p50 ${us(observes, 0.5)} µs, p99 ${us(observes, 0.99)} µs`;
  };
  console.log(
    `budget embedded (20,000 calls): ${await timeTakes(createEmbeddedTenantBudget({ settings }), 20_000)}`,
  );
  const redis = await startTestRedis();
  const client = await connectBudgetRedis(redis.url);
  const shared = createSharedTenantBudget({ redis: client.redis, tenant: 'bench.eu.auth0.com', settings });
  console.log(`budget shared, Redis on loopback (5,000 calls): ${await timeTakes(shared, 5_000)}`);
  await client.close();

  const tenant = await startLimitedTenant(10);
  const counts = await runReplicas(3, {
    redisUrl: redis.url,
    tenant: tenant.upstream.url,
    calls: 40,
    concurrency: 4,
  });
  console.log(
    `budget 3 replica processes × 40 calls (4 callers each) against a tenant's 10/s: held ${fmt(heldRate(tenant.accepted), 2)}/s after its first second, ${tenant.refused()} 429s from the tenant, ${counts.reduce((n, c) => n + c.refused, 0)} refused by the budget, ${fmt(Math.max(...counts.map((c) => c.ms)) / 1000)} s`,
  );
  await tenant.upstream.close();
  await redis.stop();
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Replicas: 50 SDK clients (2026-07-28) × 40 `invoke_read_operation get_roles` against one replica without
 * Redis, one with Redis, and three with Redis behind HAProxy (deploy/haproxy.cfg). Each replica embeds
 * its own sandbox, as the HTTP figures above do; processes get PATH and HOME only. Redis's cost per call
 * is the p50 it adds, its round trips (INFO commandstats) and its own CPU time, per call.
 */
async function replicaFigures(): Promise<void> {
  const { startRedis } = await import('../test/shared/redis-server.js');
  const { startBalancer } = await import('../test/replicas/cluster.js');
  const clients = 50;
  const callsEach = 40;
  const token = 'bench-replica-token-0123456789abcdef';
  const stateKey = 'bench-replica-state-key-0123456789abcdef';
  const redis = await startRedis();
  const freePort = () =>
    new Promise<number>((resolve, reject) => {
      const probe = createNetServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
      probe.once('error', reject);
    });
  const redisCommands = async (): Promise<number> => {
    const { connectSharedRedis } = await import('../src/shared/redis.js');
    const link = connectSharedRedis({ url: redis.url, namespace: 'bench', timeoutMs: 2000 });
    await link.ready(5000);
    const info = String(await link.eval("return redis.call('INFO', 'commandstats')", [], []));
    await link.close();
    return [...info.matchAll(/^cmdstat_(evalsha|eval):calls=(\d+)/gm)].reduce(
      (sum, m) => sum + Number(m[2]),
      0,
    );
  };
  const spawnReplica = async (id: string, withRedis: boolean, publicUrl?: string) => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [CLI, '--transport', 'http', '--host', '127.0.0.1', '--port', String(port)],
      {
        env: {
          PATH: process.env.PATH ?? '',
          ...(process.env.HOME ? { HOME: process.env.HOME } : {}),
          TENANT_MCP_HTTP_TOKEN: token,
          TENANT_MCP_RATE_LIMIT: '100000:100000',
          TENANT_MCP_REPLICA_ID: id,
          TENANT_MCP_STATE_DIR: mkdtempSync(join(tmpdir(), `tenant-mcp-bench-replica-${id}-`)),
          ...(withRedis ? { TENANT_MCP_REDIS_URL: redis.url, TENANT_MCP_STATE_KEY: stateKey } : {}),
          ...(publicUrl ? { TENANT_MCP_PUBLIC_URL: publicUrl, TENANT_MCP_TRUSTED_PROXIES: '127.0.0.1' } : {}),
        },
        stdio: ['ignore', 'ignore', 'ignore'],
      },
    );
    const origin = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 200; i++) {
      if (
        await fetch(`${origin}/healthz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { child, port, origin };
  };
  const measure = async (label: string, origin: string, pids: number[]) => {
    const open = async () => {
      const transport = new StreamableHTTPClientTransport(new URL(`${origin}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      });
      const client = sdkClient('modern');
      await client.connect(transport);
      return client;
    };
    const opened: Client[] = [];
    for (let i = 0; i < clients; i++) opened.push(await open());
    const call = (client: Client) =>
      client.callTool({
        name: 'invoke_read_operation',
        arguments: { operation: 'get_roles', arguments: {} },
      });
    // Warm every replica (sandbox, schemas and tenant token load on the first call each serves) and this
    // process's own client code, under the same load, so the first configuration measured is not the cold one.
    for (const client of opened.slice(0, 10)) await call(client);
    await Promise.all(
      opened.map(async (client) => {
        for (let i = 0; i < 10; i++) await call(client);
      }),
    );
    const commandsBefore = await redisCommands();
    const redisCpuBefore = cpuSeconds(redis.pid());
    const cpuBefore = pids.map(cpuSeconds);
    const times: number[] = [];
    const started = performance.now();
    const deadline = Date.now() + 120_000;
    await Promise.all(
      opened.map(async (client) => {
        for (let i = 0; i < callsEach && Date.now() < deadline; i++) {
          const t = performance.now();
          const result = (await call(client)) as CallToolResult;
          times.push(performance.now() - t);
          if (result.isError) throw new Error(`get_roles failed: ${JSON.stringify(result.content)}`);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const commands = (await redisCommands()) - commandsBefore - 1;
    const redisCpu = cpuSeconds(redis.pid()) - redisCpuBefore;
    const cpu = pids.map((pid, i) => cpuSeconds(pid) - cpuBefore[i]!);
    await Promise.all(opened.map((client) => client.close()));
    const p50 = quantile(times, 0.5);
    console.log(
      `replicas, ${clients} clients × ${callsEach} get_roles (2026-07-28, ${label}): ${fmt(times.length / seconds, 0)} calls/s, p50 ${fmt(p50, 1)} ms, p99 ${fmt(quantile(times, 0.99), 1)} ms; ` +
        `Redis ${fmt(commands / times.length, 2)} scripts and ${fmt((redisCpu * 1e6) / times.length, 0)} µs CPU per call; replica CPU ${cpu.map((c) => fmt(c, 1)).join(' + ')} s over ${fmt(seconds, 1)} s`,
    );
    return { rate: times.length / seconds, p50 };
  };
  const stop = async (child: import('node:child_process').ChildProcess) => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  /**
   * One client per replica, one call at a time, alternating between a replica without Redis and one with
   * it (both running), so drift on a shared machine lands on both: the latency Redis adds, unqueued.
   */
  const interleaved = async (plain: string, withRedis: string): Promise<[number, number]> => {
    const open = async (origin: string) => {
      const transport = new StreamableHTTPClientTransport(new URL(`${origin}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      });
      const client = sdkClient('modern');
      await client.connect(transport);
      return client;
    };
    const pair = [await open(plain), await open(withRedis)];
    const times: [number[], number[]] = [[], []];
    for (let i = 0; i < 620; i++) {
      const side = i % 2;
      const t = performance.now();
      await pair[side]!.callTool({
        name: 'invoke_read_operation',
        arguments: { operation: 'get_roles', arguments: {} },
      });
      if (i >= 20) times[side]!.push(performance.now() - t);
    }
    await Promise.all(pair.map((client) => client.close()));
    return [quantile(times[0], 0.5), quantile(times[1], 0.5)];
  };
  /** The shared rate limit's script alone, back to back from this process: one Redis round trip. */
  const roundTrip = async (): Promise<[number, number]> => {
    const { connectSharedRedis } = await import('../src/shared/redis.js');
    const { takeTokens } = await import('../src/shared/primitives.js');
    const link = connectSharedRedis({ url: redis.url, namespace: 'bench-rtt', timeoutMs: 2000 });
    await link.ready(5000);
    const times: number[] = [];
    for (let i = 0; i < 2100; i++) {
      const t = performance.now();
      await takeTokens(link, link.key('rate', 'p'), { rate: 1e6, burst: 1e6 }, 1);
      if (i >= 100) times.push(performance.now() - t);
    }
    await link.close();
    return [quantile(times, 0.5), quantile(times, 0.99)];
  };
  console.log(`replicas: ${os.cpus().length} cores; one Node process uses about one`);
  try {
    const alone = await spawnReplica('solo', false);
    const none = await measure('1 replica, no Redis', alone.origin, [alone.child.pid!]);
    const single = await spawnReplica('one', true);
    const one = await measure('1 replica, Redis', single.origin, [single.child.pid!]);
    const [seqNone, seqRedis] = await interleaved(alone.origin, single.origin);
    await stop(alone.child);
    await stop(single.child);
    const [rtt50, rtt99] = await roundTrip();
    console.log(
      `replicas, 1 client × 300 get_roles each, alternating: p50 ${fmt(seqNone, 2)} ms without Redis, ${fmt(seqRedis, 2)} ms with (${fmt(seqRedis - seqNone, 2)} ms); one Redis script round trip p50 ${fmt(rtt50, 3)} ms, p99 ${fmt(rtt99, 3)} ms (2 per call)`,
    );
    const lbPort = await freePort();
    const three = await Promise.all(
      ['a', 'b', 'c'].map((id) => spawnReplica(id, true, `http://127.0.0.1:${lbPort}/mcp`)),
    );
    const balancer = await startBalancer([three[0]!.port, three[1]!.port, three[2]!.port], lbPort);
    const all = await measure(
      '3 replicas behind HAProxy, Redis',
      balancer.origin,
      three.map((r) => r.child.pid!),
    );
    await balancer.stop();
    await Promise.all(three.map((r) => stop(r.child)));
    console.log(
      `replicas: under 50 clients Redis moves p50 by ${fmt(one.p50 - none.p50, 1)} ms (1 replica); 3 replicas give ${fmt(all.rate / one.rate, 2)}× one replica with Redis`,
    );
  } finally {
    await redis.stop();
  }
}

/** `BENCH_ONLY=fuzz,hostile` runs only those sections (names below); all of them by default. */
const only = new Set((process.env.BENCH_ONLY ?? '').split(',').filter(Boolean));
const wanted = (name: string) => only.size === 0 || only.has(name);

console.log(
  `tenant-mcp bench on ${os.cpus()[0]?.model ?? 'unknown cpu'} ×${os.cpus().length}, ${fmt(os.totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`,
);
if (wanted('start')) await coldStart();
if (wanted('listings')) await listings();
if (wanted('overhead')) await overhead();
if (wanted('policy')) await policyOverhead();
if (wanted('tasks')) await taskTools();
if (wanted('search')) await searchFigures();
if (wanted('audit')) await auditFigures();
for (const era of ERAS) {
  if (wanted('http')) await httpFigures({ label: 'audit trail on disk', era, memory: true });
  // The same on tmpfs, where fsync costs nothing: what the transport and the gate cost without the disk.
  if (wanted('http') && existsSync('/dev/shm')) {
    const shm = mkdtempSync('/dev/shm/tenant-mcp-bench-');
    await httpFigures({
      label: 'audit trail on tmpfs',
      era,
      env: { TENANT_MCP_AUDIT_LOG: join(shm, 'audit.jsonl') },
    });
    rmSync(shm, { recursive: true, force: true });
  }
}
if (wanted('replicas')) await replicaFigures();
if (wanted('ship')) await shipping();
if (wanted('budget')) await budgetFigures();
if (wanted('fuzz')) await fuzzThroughput();
if (wanted('hostile')) await hostileEventLoop();
if (wanted('rss')) await rssAfterFuzz();
