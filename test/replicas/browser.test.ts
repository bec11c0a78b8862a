// The approvals page across replicas in a real browser: headless Chromium signs in and approves through
// HAProxy, which spreads the page's requests round robin over three replicas, so the sign-in lands on
// one, the list and the form on others, and the Approve post on yet another. The session cookie and the
// single-use form token live in Redis; the agent's repeat through the balancer then runs exactly once.
import { existsSync } from 'node:fs';
import type { Client } from '@modelcontextprotocol/client';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordingUpstream } from '../helpers/recording-upstream.js';
import { type RedisServer, startRedis } from '../shared/redis-server.js';
import {
  APPROVER,
  approvalIdOf,
  type Balancer,
  connectClient,
  deleteRole,
  type Replica,
  startFleet,
  startTenant,
  stopAll,
} from './cluster.js';

const CHROMIUM = '/usr/bin/chromium';

let redis: RedisServer;
let tenant: RecordingUpstream;
let replicas: Replica[] = [];
let balancer: Balancer;
let browser: Browser;
let agent: Client;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: install it with \`apt-get install -y chromium\` (.ci/run does).`,
    );
  redis = await startRedis();
  tenant = await startTenant();
  ({ replicas, balancer } = await startFleet({
    tenant,
    redisUrl: redis.url,
    env: { TENANT_MCP_RATE_LIMIT: '1000:2000' },
  }));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
    ],
  });
  agent = await connectClient(balancer.origin, 'modern');
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stopAll({ clients: [agent], balancer, replicas, tenant, redis });
});

const deleteB1 = (approval_id?: string) => deleteRole(agent, 'rol_B1', approval_id);

describe('the approvals page across replicas, in Chromium', () => {
  it('signs in, lists, approves through the balancer; the call then runs once', async () => {
    const held = await deleteB1();
    const id = approvalIdOf(held.text)!;
    expect(id, held.text).toBeDefined();

    const context = await browser.newContext();
    const page = await context.newPage();
    const first = await page.goto(`${balancer.origin}/approvals`);
    expect(first?.status()).toBe(401);
    await page.getByLabel('Your name').fill('Pat Person');
    await page.getByLabel('Approver token').fill(APPROVER);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${balancer.origin}/approvals`);
    // Reload the list a few times: round robin sends each load to another replica, and each knows the
    // session and the held call.
    for (let i = 0; i < 3; i++) {
      const again = await page.reload();
      expect(again?.status()).toBe(200);
      expect(await page.locator(`a[href="/approvals/${id}"]`).count()).toBe(1);
    }
    await page.locator(`a[href="/approvals/${id}"]`).click();
    await page.waitForURL(`${balancer.origin}/approvals/${id}`);
    expect(await page.locator('pre.summary').innerText()).toContain('rol_B1');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(`${balancer.origin}/approvals/${id}`);
    expect(await page.locator('.outcome').innerText()).toContain('Approved by Pat Person');
    // The Approve button is gone on every replica's copy of the page.
    for (const replica of replicas) {
      const cookies = await context.cookies(`${balancer.origin}/approvals/${id}`);
      const res = await fetch(`${replica.origin}/approvals/${id}`, {
        headers: { cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; ') },
      });
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('Approved by Pat Person');
      expect(html).not.toContain('>Approve</button>');
    }
    await context.close();

    tenant.script({ status: 204 });
    const ran = await deleteB1(id);
    expect(ran.isError, ran.text).toBe(false);
    const again = await deleteB1(id);
    expect(again.text).toMatch(/already used/);
    expect(tenant.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
  }, 60_000);
});
