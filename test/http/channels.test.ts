// Regression: over HTTP a chat-ops bot that declared elicitation and answered its own confirmation form
// got block_user done, and the webhook was never called: the "person" was the bot. An HTTP client now
// confirms in its own client only when the operator says a person uses it (`+elicitation`); everyone else's
// held calls go to the approvals page, the webhook and `tenant-mcp approve`, which show whom and what.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, connectHttp, type HttpCli, startHttpCli, tenantData } from '../helpers/mcp-client.js';

const BOT = 'chatops-bot-token-0123456789';
const DESK = 'person-desk-token-0123456789';
const APPROVER = 'approver-token-fedcba9876543210';

describe('confirmation channels over HTTP', () => {
  let cli: HttpCli;
  const hooks: Array<Record<string, string>> = [];
  let receiver: ReturnType<typeof createServer>;
  const stateDir = mkdtempSync(join(tmpdir(), 'tenant-mcp-channels-'));

  beforeAll(async () => {
    receiver = createServer(async (req: IncomingMessage, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      hooks.push(JSON.parse(body));
      res.end('ok');
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    cli = await startHttpCli(['--profile', 'helpdesk'], {
      TENANT_MCP_HTTP_TOKEN: `${BOT},${DESK}@helpdesk+elicitation`,
      TENANT_MCP_APPROVER_TOKEN: APPROVER,
      TENANT_MCP_APPROVAL_WEBHOOK: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
      TENANT_MCP_STATE_DIR: stateDir,
      TENANT_MCP_RATE_LIMIT: '0',
    });
  });
  afterAll(async () => {
    await cli?.stop();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('a bot that answers its own form is never asked: the call is held for a person and the webhook told', async () => {
    const asked: string[] = [];
    const bot = await connectHttp(cli.url, BOT, {
      onElicit: (message) => {
        asked.push(message);
        return { action: 'accept', content: { confirm: true } };
      },
    });
    try {
      const held = await bot.call('block_user', { user: 'alice@northwind.example.com' });
      expect(held.isError).toBe(true);
      expect(asked).toEqual([]);
      const id = /apr_[a-z0-9]{24}/.exec(held.text)![0];
      const base = cli.url.replace(/\/mcp$/, '');
      expect(held.text).toContain(`approvals page: ${base}/approvals/${id}`);
      await expect.poll(() => hooks.length).toBe(1);
      expect(hooks[0]!.id).toBe(id);
      // The webhook, the page and the terminal show whom it is about and who asked.
      expect(hooks[0]!.summary).toMatch(/name "Alice Nguyen", email "alice@northwind\.example\.com"/);
      expect(hooks[0]!.summary).toMatch(/principal "token-1" · profile "helpdesk" · tool block_user/);
      const page = await fetch(`${base}/approvals/${id}`, {
        headers: { authorization: `Bearer ${APPROVER}` },
      });
      expect(await page.text()).toContain('name &quot;Alice Nguyen&quot;');
      const terminal = spawnSync(process.execPath, [CLI, 'approve', id], {
        env: { PATH: process.env.PATH ?? '', TENANT_MCP_STATE_DIR: stateDir },
        encoding: 'utf8',
      });
      expect(terminal.stdout).toMatch(/email "alice@northwind\.example\.com"/);
      expect(terminal.stdout).toMatch(/Asked by client "tenant-mcp-tests 1\.0\.0" · principal "token-1"/);

      const state = await bot.call('invoke_read_operation', {
        operation: 'get_users_by_id',
        arguments: { id: 'auth0|64f1a0c2e4b0a1b2c3d40001' },
      });
      expect((tenantData(state.text) as { blocked?: boolean }).blocked).not.toBe(true);
    } finally {
      await bot.close();
    }
  });

  it('a principal the operator marked +elicitation confirms in its own client', async () => {
    const asked: string[] = [];
    const desk = await connectHttp(cli.url, DESK, {
      onElicit: (message) => {
        asked.push(message);
        return { action: 'accept', content: { confirm: true } };
      },
    });
    try {
      const done = await desk.call('block_user', { user: 'bob@northwind.example.com' });
      expect(done.isError, done.text).toBe(false);
      expect(asked).toHaveLength(1);
      expect(asked[0]).toMatch(/principal "token-2"/);
    } finally {
      await desk.close();
    }
  });
});
