// Pins TENANT_MCP_APPROVAL_WEBHOOK: a held call reaches a chat-ops bot as {id, summary, url} while the
// agent's answer never carries the link, and a slow, failing or absent bot never touches the call.
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApprovalStore } from '../../src/policy/approvals.js';
import { CallError, createGate } from '../../src/policy/index.js';
import { getProfile } from '../../src/policy/profiles.js';
import { createApprovalWebhook } from '../../src/policy/webhook.js';
import { auth0Catalog } from '../../src/tools/auth0/index.js';
import { createStubExecutor } from '../helpers/in-process.js';
import { holdCall } from './serve.js';

interface Received {
  headers: IncomingMessage['headers'];
  path: string;
  body: unknown;
}

let receiver: Server | undefined;
afterEach(async () => {
  receiver?.closeAllConnections();
  await new Promise((resolve) => (receiver ? receiver.close(resolve) : resolve(undefined)));
  receiver = undefined;
});

/** A loopback bot; `answer` decides each reply (default 204). */
async function startReceiver(
  answer: (res: ServerResponse) => void = (res) => res.writeHead(204).end(),
): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  receiver = createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    received.push({ headers: req.headers, path: req.url ?? '', body: JSON.parse(text) });
    answer(res);
  });
  await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`, received };
}

const newStore = () => createApprovalStore({ stateDir: mkdtempSync(join(tmpdir(), 'tenant-mcp-hook-')) });

describe('approval webhook', () => {
  it('posts {id, summary, url} as JSON when the gate holds a call; the agent sees the id, never the link', async () => {
    const bot = await startReceiver();
    const logs: string[] = [];
    const notify = createApprovalWebhook({
      url: `${bot.url}/hooks/T0SECRET`,
      publicUrl: 'https://mcp.example.test/',
      log: (line) => logs.push(line),
    });
    const store = newStore();
    const executor = createStubExecutor(() => ({ user_id: 'auth0|1', name: 'Jane' }));
    const gate = createGate({
      catalog: auth0Catalog,
      profile: getProfile('admin', auth0Catalog),
      executor,
      tenant: { name: 'prod', domain: 'stub.invalid' },
      approvals: store,
      onHeld: notify,
    });
    const held = await gate
      .invoke({
        operation: 'delete_users_by_id',
        arguments: { id: 'auth0|1' },
        route: 'write',
        tool: 'invoke_write_operation',
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(held).toBeInstanceOf(CallError);
    const message = (held as CallError).message;
    const id = /tenant-mcp approve (apr_[a-z0-9]{24})/.exec(message)?.[1];
    expect(id).toBeDefined();
    expect(message).not.toContain('/approvals/');
    expect(message).not.toContain('mcp.example.test');
    expect(executor.requests.every((request) => request.method === 'GET')).toBe(true);

    await notify.idle();
    expect(bot.received).toHaveLength(1);
    const [hit] = bot.received;
    expect(hit!.path).toBe('/hooks/T0SECRET');
    expect(hit!.headers['content-type']).toBe('application/json');
    const record = store.get(id!);
    expect(hit!.body).toEqual({
      id,
      summary: record.summary,
      url: `https://mcp.example.test/approvals/${id}`,
      operation: 'delete_users_by_id',
      tenant: 'prod',
      risk: 'destructive',
      expiresAt: new Date(record.expiresAt).toISOString(),
    });
    expect(record.summary).toContain('delete_users_by_id');
    expect(logs).toEqual([]);
  });

  it('logs a bot that answers 500, without the secret part of its URL', async () => {
    const bot = await startReceiver((res) => res.writeHead(500).end('boom'));
    const logs: string[] = [];
    const notify = createApprovalWebhook({
      url: `${bot.url}/hooks/T0SECRET?token=s3cret`,
      log: (l) => logs.push(l),
    });
    const record = holdCall(newStore());
    notify(record);
    await notify.idle();
    expect(bot.received).toHaveLength(1);
    expect((bot.received[0]!.body as { url?: string }).url).toBeUndefined();
    expect(logs).toEqual([`tenant-mcp: approval webhook ${bot.url} answered HTTP 500 for ${record.id}`]);
    expect(logs.join('\n')).not.toMatch(/T0SECRET|s3cret/);
  });

  it('gives up on a bot that does not answer within the timeout, and returns at once meanwhile', async () => {
    const bot = await startReceiver(() => {});
    const logs: string[] = [];
    const notify = createApprovalWebhook({ url: bot.url, timeoutMs: 200, log: (l) => logs.push(l) });
    const record = holdCall(newStore());
    const started = performance.now();
    notify(record);
    expect(performance.now() - started).toBeLessThan(50);
    await notify.idle();
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(logs).toEqual([
      `tenant-mcp: approval webhook ${bot.url} failed for ${record.id}: no answer within 200 ms`,
    ]);
  });

  it('logs an unreachable bot, and never throws into the gate', async () => {
    const bot = await startReceiver();
    const url = bot.url;
    receiver!.close();
    receiver = undefined;
    const logs: string[] = [];
    const notify = createApprovalWebhook({ url, log: (l) => logs.push(l) });
    expect(() => notify(holdCall(newStore()))).not.toThrow();
    await notify.idle();
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(new RegExp(`^tenant-mcp: approval webhook ${url} failed for apr_`));
  });

  it('refuses a webhook URL that is not absolute http(s), without echoing it', () => {
    for (const url of ['hooks.example/x', 'file:///etc/passwd', 'javascript:alert(1)']) {
      expect(() => createApprovalWebhook({ url, log: () => {} })).toThrow(/TENANT_MCP_APPROVAL_WEBHOOK/);
    }
    expect(() => createApprovalWebhook({ url: 'nope-secret', log: () => {} })).not.toThrow(/nope-secret/);
  });
});
