/**
 * A JSON-RPC client that speaks to an in-process server in JSON text, as stdio and HTTP do: every message
 * is serialised and parsed again on the way, so a `__proto__` key arrives as the own property a real
 * client's frame makes of it, and a lone surrogate as the escape JSON carries. The hostile and fuzz suites
 * drive the real executor, gate and server with it against a recording upstream, without a process
 * boundary, so ten thousand calls fit in seconds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JSONRPCMessage } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import { createExecutor, type TenantAuth } from '../../src/executor/index.js';
import { MONOCLOUD_PROVIDER } from '../../src/executor/provider.js';
import { type AuditLog, openAuditLog } from '../../src/policy/audit/index.js';
import { createGate } from '../../src/policy/index.js';
import type { Profile } from '../../src/policy/types.js';
import { createServer } from '../../src/server/create-server.js';
import type { Catalog } from '../../src/tools/types.js';

/** A JSON-RPC answer: a result or an error. */
export interface RpcReply {
  /** The request id. */
  id: number | string | null;
  /** The result, for a success. */
  // biome-ignore lint/suspicious/noExplicitAny: results are walked by the tests that read them
  result?: any;
  /** The error, for a failure. */
  error?: { code: number; message: string };
}

/** A tool call's result, read as tests need it. */
export interface ToolReply {
  /** The JSON-RPC reply. */
  reply: RpcReply;
  /** The text blocks joined by newlines ('' for a JSON-RPC error). */
  text: string;
  /** `isError` of a result; true for a JSON-RPC error too. */
  isError: boolean;
}

/** A raw client over an in-memory pair. */
export interface RawRpcClient {
  /** Sends a request (any params, as JSON text or a value) and resolves with its reply. */
  request(method: string, params?: unknown): Promise<RpcReply>;
  /** Sends a frame exactly as given (text parsed as JSON on the server's side). */
  sendText(text: string): Promise<void>;
  /** Calls a tool; `args` is serialised as JSON (a string is taken as the JSON text of the arguments). */
  callTool(name: string, args?: unknown): Promise<ToolReply>;
  /** Disconnects. */
  close(): Promise<void>;
}

/** What the person answers to an elicitation. */
export interface ElicitAnswer {
  /** The person's choice. */
  action: 'accept' | 'decline' | 'cancel';
  /** The form's content. */
  content?: Record<string, unknown>;
}

/** Options of {@link connectRaw}. */
export interface RawRpcOptions {
  /** Answers elicitation (accept with the box ticked when absent and `elicit` is true). */
  onElicit?: (message: string) => ElicitAnswer | Promise<ElicitAnswer>;
  /** Declare form elicitation (default true). */
  elicit?: boolean;
}

/**
 * Connects a raw client to `server` (an SDK server made by `createServer`) and runs `initialize`.
 */
export async function connectRaw(
  server: { connect(transport: InMemoryTransport): Promise<void> },
  options: RawRpcOptions = {},
): Promise<RawRpcClient> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  let nextId = 1;
  const pending = new Map<number | string, (reply: RpcReply) => void>();
  const elicit = options.elicit ?? true;
  clientSide.onmessage = (message) => {
    // What the server sent, as the client would parse it off the wire.
    const parsed = JSON.parse(JSON.stringify(message)) as Record<string, unknown>;
    if (typeof parsed.method === 'string' && parsed.id !== undefined) {
      // A request from the server: elicitation, or anything else refused.
      const params = parsed.params as { message?: string } | undefined;
      void (async () => {
        const answer =
          parsed.method === 'elicitation/create'
            ? ((await options.onElicit?.(params?.message ?? '')) ?? {
                action: 'accept',
                content: { confirm: true },
              })
            : undefined;
        await clientSide.send(
          (answer
            ? { jsonrpc: '2.0', id: parsed.id, result: answer }
            : {
                jsonrpc: '2.0',
                id: parsed.id,
                error: { code: -32601, message: 'Method not found' },
              }) as JSONRPCMessage,
        );
      })();
      return;
    }
    if (parsed.id === undefined || parsed.id === null || !pending.has(parsed.id as number)) return;
    const resolve = pending.get(parsed.id as number)!;
    pending.delete(parsed.id as number);
    resolve(parsed as unknown as RpcReply);
  };
  await clientSide.start();
  const sendText = async (text: string) => clientSide.send(JSON.parse(text) as JSONRPCMessage);
  const request = (method: string, params?: unknown): Promise<RpcReply> => {
    const id = nextId++;
    const body =
      params === undefined ? '' : `,"params":${typeof params === 'string' ? params : JSON.stringify(params)}`;
    const reply = new Promise<RpcReply>((resolve) => pending.set(id, resolve));
    void sendText(`{"jsonrpc":"2.0","id":${id},"method":${JSON.stringify(method)}${body}}`);
    return reply;
  };
  const init = await request('initialize', {
    protocolVersion: '2025-06-18',
    capabilities: elicit ? { elicitation: { form: {} } } : {},
    clientInfo: { name: 'raw-rpc', version: '1' },
  });
  if (init.error) throw new Error(`initialize failed: ${init.error.message}`);
  await sendText('{"jsonrpc":"2.0","method":"notifications/initialized"}');
  return {
    request,
    sendText,
    async callTool(name, args) {
      const argsText =
        args === undefined ? undefined : typeof args === 'string' ? args : JSON.stringify(args);
      const reply = await request(
        'tools/call',
        `{"name":${JSON.stringify(name)}${argsText === undefined ? '' : `,"arguments":${argsText}`}}`,
      );
      const content = (reply.result?.content ?? []) as Array<{ type: string; text?: string }>;
      return {
        reply,
        text: content.map((item) => item.text ?? '').join('\n'),
        isError: reply.error !== undefined || reply.result?.isError === true,
      };
    },
    close: () => clientSide.close(),
  };
}

/** A real executor, gate and server against a tenant at `domain`, joined to a raw client. */
export interface RawStack {
  /** The raw client. */
  client: RawRpcClient;
  /** The audit trail, when one was asked for. */
  audit?: AuditLog;
  /** Where the audit trail is written. */
  auditPath?: string;
  /** Lines the server logged (stderr in the CLI). */
  logs: string[];
  /** Disconnects and closes the executor. */
  close(): Promise<void>;
}

/** Options of {@link startRawStack}. */
export interface RawStackOptions extends RawRpcOptions {
  /** The provider's catalog. */
  catalog: Catalog;
  /** The profile. */
  profile: Profile;
  /** The tenant's URL (a recording upstream). */
  domain: string;
  /** Credentials (default: Auth0 client credentials `cid`/`csecret`, or MonoCloud's key `mkey`). */
  auth?: TenantAuth;
  /** Toolsets listed as per-operation tools. */
  toolsets?: string[];
  /** Write an audit trail in a fresh temporary directory. */
  audit?: boolean;
  /** The per-call deadline. */
  callTimeoutMs?: number;
}

/** Starts {@link RawStack}: what the CLI composes, minus the process. */
export async function startRawStack(options: RawStackOptions): Promise<RawStack> {
  const monocloud = options.catalog.provider === 'monocloud';
  const executor = createExecutor({
    domain: options.domain,
    auth:
      options.auth ??
      (monocloud
        ? { kind: 'api_key', apiKey: 'mkey' }
        : { kind: 'client_credentials', clientId: 'cid', clientSecret: 'csecret' }),
    ...(monocloud ? { provider: MONOCLOUD_PROVIDER } : {}),
    maxRetries: 0,
  });
  const logs: string[] = [];
  const auditDir = options.audit ? mkdtempSync(join(tmpdir(), 'tenant-mcp-raw-')) : undefined;
  const auditPath = auditDir ? join(auditDir, 'audit.jsonl') : undefined;
  const audit = auditPath ? openAuditLog(auditPath, { productVersion: 'test' }) : undefined;
  const gate = createGate({
    catalog: options.catalog,
    profile: options.profile,
    executor,
    tenant: { name: 'test', domain: options.domain },
    ...(audit ? { audit } : {}),
    log: (line) => logs.push(line),
  });
  const server = createServer({
    gate,
    catalog: options.catalog,
    toolsets: options.toolsets ?? [],
    sandbox: false,
    version: '0.0.0-test',
    log: (line) => logs.push(line),
    ...(options.callTimeoutMs ? { callTimeoutMs: options.callTimeoutMs } : {}),
  });
  const client = await connectRaw(server, options);
  return {
    client,
    ...(audit ? { audit } : {}),
    ...(auditPath ? { auditPath } : {}),
    logs,
    async close() {
      await client.close();
      await server.close();
      await executor.close();
      audit?.close();
      if (auditDir) rmSync(auditDir, { recursive: true, force: true });
    },
  };
}
