// The whole human-in-the-loop flow over HTTP through the built CLI: an agent's destructive call is held,
// a chat-ops webhook gets the link the agent never sees, the agent's token cannot open the approvals page,
// the approver approves there, and the agent's repeated call runs once.
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectHttp, type HttpCli, startHttpCli } from '../helpers/mcp-client.js';

const AGENT = 'agent-token-0123456789abcdef';
const APPROVER = 'approver-token-fedcba9876543210';

interface Hook {
  id: string;
  summary: string;
  url: string;
}

describe('approvals over HTTP', () => {
  let cli: HttpCli;
  const hooks: Hook[] = [];
  let receiver: ReturnType<typeof createServer>;
  const stateDir = mkdtempSync(join(tmpdir(), 'tenant-mcp-approvals-flow-'));

  beforeAll(async () => {
    receiver = createServer(async (req: IncomingMessage, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      hooks.push(JSON.parse(body) as Hook);
      res.end('ok');
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    cli = await startHttpCli(['--profile', 'admin'], {
      TENANT_MCP_HTTP_TOKEN: AGENT,
      TENANT_MCP_APPROVER_TOKEN: APPROVER,
      TENANT_MCP_APPROVAL_WEBHOOK: hookUrl,
      TENANT_MCP_STATE_DIR: stateDir,
    });
  });
  afterAll(async () => {
    await cli?.stop();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('holds, notifies, lets only the approver approve, then runs the call once', async () => {
    const agent = await connectHttp(cli.url, AGENT);
    const roles = await agent.call('invoke_read_operation', { operation: 'get_roles', arguments: {} });
    const [role] = JSON.parse(roles.text.split('\n')[0]!).untrusted_tenant_data as Array<{ id: string }>;
    const args = { operation: 'delete_roles_by_id', arguments: { id: role!.id } };

    const held = await agent.call('invoke_write_operation', args);
    expect(held.isError).toBe(true);
    const id = /(apr_[a-z0-9]{24})/.exec(held.text)![1]!;
    const base = cli.url.replace(/\/mcp$/, '');
    // Over HTTP the agent is told where a person approves (a page its own token does not open), not a
    // terminal command on a machine the person may not have.
    expect(held.text).toContain(`approvals page: ${base}/approvals/${id}`);
    expect(held.text).not.toMatch(/tenant-mcp approve/);

    await expect.poll(() => hooks.length).toBe(1);
    expect(hooks[0]).toMatchObject({ id, url: `${base}/approvals/${id}` });
    expect(hooks[0]!.summary).toMatch(/DELETE \/api\/v2\/roles\//);

    const asAgent = await fetch(`${base}/approvals/${id}`, { headers: { authorization: `Bearer ${AGENT}` } });
    expect(asAgent.status).toBe(403);

    const page = await fetch(`${base}/approvals/${id}`, { headers: { authorization: `Bearer ${APPROVER}` } });
    expect(page.status).toBe(200);
    const html = await page.text();
    const csrf = /action="[^"]*\/approve">\s*<input type="hidden" name="csrf" value="([^"]+)"/.exec(
      html,
    )![1]!;
    const approve = (token: string) =>
      fetch(`${base}/approvals/${id}/approve`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          authorization: `Bearer ${APPROVER}`,
          origin: base,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ csrf: token }).toString(),
      });
    expect((await approve('forged')).status).toBe(403);
    expect((await approve(csrf)).status).toBeLessThan(400);

    const ran = await agent.call('invoke_write_operation', { ...args, approval_id: id });
    expect(ran.isError).toBe(false);
    const replay = await agent.call('invoke_write_operation', { ...args, approval_id: id });
    expect(replay.text).toMatch(/already used/);
    await agent.close();

    // The audit trail says who asked: the HTTP principal, beside the client's name.
    const records = readFileSync(join(stateDir, 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const sent = records.filter((r) => r.unmapped.decision === 'sent');
    expect(sent.length).toBeGreaterThan(0);
    for (const record of sent)
      expect(record.actor).toMatchObject({ app_name: 'tenant-mcp-tests', session: { uid: 'token-1' } });
  });
});
