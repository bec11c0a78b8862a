/** An in-process server and client joined by the SDK's in-memory transport, for fast listing tests. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { Executor, TenantRequest, TenantResponse } from '../../src/executor/types.js';
import type { AuditLog } from '../../src/policy/audit/index.js';
import { createGate } from '../../src/policy/index.js';
import { getProfile, type ProfileName } from '../../src/policy/profiles.js';
import { createServer } from '../../src/server/create-server.js';
import { auth0Catalog } from '../../src/tools/auth0/index.js';
import type { Catalog } from '../../src/tools/types.js';

/** An executor that records requests and answers 200 `{}` (or what `answer` returns) without a network. */
export function createStubExecutor(
  answer?: (request: TenantRequest) => unknown,
): Executor & { requests: TenantRequest[] } {
  const requests: TenantRequest[] = [];
  return {
    baseUrl: 'http://stub.invalid/api/v2',
    requests,
    async send(request): Promise<TenantResponse> {
      requests.push(request);
      return { status: 200, headers: {}, body: answer ? answer(request) : {}, attempts: 1, durationMs: 0 };
    },
    async close() {},
  };
}

/** Connects a client to a fresh server over an in-memory transport. */
export async function connectInProcess(options: {
  profile?: ProfileName;
  toolsets?: string[];
  executor?: Executor;
  audit?: AuditLog;
  catalog?: Catalog;
}): Promise<Client> {
  const executor = options.executor ?? createStubExecutor();
  const catalog = options.catalog ?? auth0Catalog;
  const gate = createGate({
    catalog,
    profile: getProfile(options.profile ?? 'read-only', catalog),
    executor,
    tenant: { name: 'test', domain: 'stub.invalid' },
    ...(options.audit ? { audit: options.audit } : {}),
  });
  const server = createServer({
    gate,
    catalog,
    toolsets: options.toolsets ?? [],
    sandbox: false,
    version: '0.0.0-test',
    log: () => {},
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'tenant-mcp-tests', version: '1.0.0' });
  await client.connect(clientSide);
  return client;
}
