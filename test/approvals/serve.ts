// Shared by the approvals tests: a held-call store in a temp dir and the approvals routes on a loopback
// node:http server, with a stand-in for the HTTP transport's authentication of MCP clients.
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ApprovalRecord,
  type BoundCall,
  createApprovalStore,
  type FileApprovalStore,
} from '../../src/policy/approvals.js';
import { type ApprovalsRoutesOptions, createApprovalsRoutes } from '../../src/server/http/approvals-page.js';

/** The approver's secret. */
export const APPROVER_TOKEN = 'approver-secret-0123456789abcdef';
/** An MCP client's (the agent's) token: the transport authenticates it, the approvals page must not accept it. */
export const AGENT_TOKEN = 'agent-mcp-token-0123456789abcdef';
/** A token the stand-in transport maps to an OAuth principal holding the approver scope. */
export const OAUTH_APPROVER_TOKEN = 'oauth-approver-jwt-stand-in-000000';

/** A principal as the transport would hand it over. */
export interface TestPrincipal {
  subject: string;
  scopes: string[];
}

/** A user name an attacker chose at sign-up, to prove the summary is rendered as text. */
export const ATTACKER_NAME = `<img src=x onerror="document.title='pwned'"><script>document.title='pwned'</script>"'&`;

export interface Served {
  url: string;
  store: FileApprovalStore;
  logs: string[];
  server: Server;
  close(): Promise<void>;
}

export async function serveApprovals(
  options: Partial<Omit<ApprovalsRoutesOptions, 'store'>> & {
    oauth?: boolean;
    store?: FileApprovalStore;
  } = {},
): Promise<Served> {
  const store =
    options.store ?? createApprovalStore({ stateDir: mkdtempSync(join(tmpdir(), 'tenant-mcp-apr-')) });
  const logs: string[] = [];
  let route: ReturnType<typeof createApprovalsRoutes<TestPrincipal>> | undefined;
  const server = createServer((req, res) => {
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const principal: TestPrincipal | undefined =
      bearer === AGENT_TOKEN
        ? { subject: 'agent', scopes: ['tenant-mcp:read', 'tenant-mcp:write'] }
        : bearer === OAUTH_APPROVER_TOKEN && options.oauth
          ? { subject: 'alice@example.com', scopes: ['tenant-mcp:approve'] }
          : undefined;
    route!(req, res, { principal }).then((handled) => {
      if (!handled) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not an approvals path');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { oauth, ...rest } = options;
  route = createApprovalsRoutes<TestPrincipal>({
    store,
    approverToken: APPROVER_TOKEN,
    agentTokens: [AGENT_TOKEN],
    publicUrl: url,
    log: (line) => logs.push(line),
    ...(oauth
      ? {
          // A stand-in for the issuer: the real flow runs against a local OpenID provider in the browser test.
          login: {
            start: async (_redirect: string, next: string) => ({
              location: `http://issuer.invalid/authorize?next=${encodeURIComponent(next)}`,
              flow: 'flow-1',
            }),
            finish: async (url: URL, flow: string | undefined) =>
              flow === 'flow-1' && url.searchParams.get('code') === 'good'
                ? { ok: true as const, name: 'Alice <alice@example.com> (oauth:alice)', next: '/approvals' }
                : {
                    ok: false as const,
                    status: 403 as const,
                    message: 'Signed in, but not granted tenant-mcp:approve.',
                  },
          },
          issuerName: 'issuer.invalid',
        }
      : {}),
    ...rest,
  });
  return {
    url,
    store,
    logs,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let counter = 0;

/** Holds a destructive call as the gate would, with a summary naming the (attacker-named) user. */
export function holdCall(
  store: FileApprovalStore,
  userName = 'Jane Doe',
): ApprovalRecord & { call: BoundCall } {
  counter += 1;
  const id = `auth0|${counter}`;
  const call: BoundCall = { tenant: 'prod', operation: 'delete_users_by_id', arguments: { id } };
  const record = store.create({
    ...call,
    risk: 'destructive',
    summary:
      `Delete user ${id} on tenant "prod" (destructive)\nDELETE /api/v2/users/${encodeURIComponent(id)}\n` +
      `Current state:\n  name: ${userName}\n  email: jane@example.com\nThis removes the user and cannot be undone.`,
  });
  return { ...record, call };
}
