/**
 * A real executor, gate and server joined to the SDK Client in process, against the sandbox or a recording
 * upstream, with an audit trail and an approval store in a fresh state directory: task tools run exactly as
 * the CLI runs them, minus the process boundary.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CallToolResult, Client, type ElicitResult } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import { createExecutor, type ProviderProfile, type TenantAuth } from '../../src/executor/index.js';
import { createApprovalStore, type FileApprovalStore } from '../../src/policy/approvals.js';
import { openAuditLog } from '../../src/policy/audit/index.js';
import { createGate, type Profile } from '../../src/policy/index.js';
import { getProfile, type ProfileName } from '../../src/policy/profiles.js';
import { createServer } from '../../src/server/create-server.js';
import { auth0Catalog } from '../../src/tools/auth0/index.js';
import type { Catalog } from '../../src/tools/types.js';

/** A parsed answer, read loosely: tests walk it with `toMatchObject`. */
// biome-ignore lint/suspicious/noExplicitAny: answers are JSON whose shape each test asserts itself
export type Json = Record<string, any>;

/** One task call's result: the text, whether it is an error, and the parsed JSON when it is JSON. */
export interface TaskResult {
  /** The first text block. */
  text: string;
  /** `isError` of the result. */
  isError: boolean;
  /** The text parsed as JSON (our answer, with tenant data under `untrusted_tenant_data`). */
  json: Json;
}

/** A connected client with what a test needs around it. */
export interface TaskHarness {
  /** The SDK client. */
  client: Client;
  /** Calls a tool. */
  call(name: string, args?: Record<string, unknown>): Promise<TaskResult>;
  /** The approval store the gate uses (a person approves through it). */
  approvals: FileApprovalStore;
  /** The audit trail's lines, parsed. */
  audit(): Json[];
  /** The server's state directory (approvals, audit trail, snapshots). */
  stateDir: string;
  /** Disconnects and closes the executor. */
  close(): Promise<void>;
}

/**
 * Connects a fresh server for `profile` to the tenant at `domain`: Auth0 with client credentials by
 * default, or another provider's catalog with its own credentials (`auth`, `provider`).
 */
export async function connectTasks(options: {
  domain: string;
  clientId?: string;
  clientSecret?: string;
  auth?: TenantAuth;
  provider?: ProviderProfile;
  catalog?: Catalog;
  profile: ProfileName | Profile;
  onElicit?: (message: string) => ElicitResult | Promise<ElicitResult>;
}): Promise<TaskHarness> {
  const catalog = options.catalog ?? auth0Catalog;
  const stateDir = mkdtempSync(join(tmpdir(), 'tenant-mcp-tasks-'));
  const auditPath = join(stateDir, 'audit.jsonl');
  const executor = createExecutor({
    domain: options.domain,
    auth: options.auth ?? {
      kind: 'client_credentials',
      clientId: options.clientId ?? '',
      clientSecret: options.clientSecret ?? '',
    },
    ...(options.provider ? { provider: options.provider } : {}),
    maxRetries: 0,
  });
  const approvals = createApprovalStore({ stateDir });
  const audit = openAuditLog(auditPath, { productVersion: 'test' });
  const gate = createGate({
    catalog,
    profile: typeof options.profile === 'string' ? getProfile(options.profile, catalog) : options.profile,
    executor,
    tenant: { name: 'test', domain: options.domain },
    audit,
    approvals,
  });
  const server = createServer({
    gate,
    catalog,
    sandbox: false,
    version: '0.0.0-test',
    log: () => {},
    stateDir,
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client(
    { name: 'tenant-mcp-task-tests', version: '1.0.0' },
    { capabilities: options.onElicit ? { elicitation: { form: {} } } : {} },
  );
  if (options.onElicit) {
    const answer = options.onElicit;
    client.setRequestHandler('elicitation/create', async (request) => answer(request.params.message));
  }
  await client.connect(clientSide);
  return {
    client,
    approvals,
    stateDir,
    async call(name, args = {}) {
      const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
      const text = result.content.map((item) => (item.type === 'text' ? item.text : '')).join('\n');
      let json: Json = {};
      try {
        json = JSON.parse(text);
      } catch {
        // Plain-text results (gate refusals, approvals) stay in `text`.
      }
      return { text, isError: result.isError === true, json };
    },
    audit: () =>
      readFileSync(auditPath, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line)),
    async close() {
      await client.close();
      audit.close();
      await executor.close();
    },
  };
}

/** Accepts a confirmation with the box ticked. */
export const ACCEPT: ElicitResult = { action: 'accept', content: { confirm: true } };
