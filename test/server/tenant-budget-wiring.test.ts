// The composition root wires the tenant rate budget into the executor a real server uses: a tenant that
// allows 5 requests a second (Auth0's headers, 429 past it) sees no 429 from a burst of calls when the
// budget is on, and does without it (the control). Settings are checked at start, naming the setting.
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { startLimitedTenant } from '../helpers/budget-replicas.js';
import { CLI, type Connected, connectCli } from '../helpers/mcp-client.js';

let open: Connected | undefined;
let tenant: Awaited<ReturnType<typeof startLimitedTenant>> | undefined;
afterEach(async () => {
  await open?.close();
  await tenant?.upstream.close();
  open = undefined;
  tenant = undefined;
});

async function burst(budget: string, calls: number): Promise<{ refused: number; errors: number }> {
  tenant = await startLimitedTenant(5);
  open = await connectCli(['--profile', 'read-only'], {
    AUTH0_DOMAIN: tenant.upstream.url,
    AUTH0_TOKEN: 'wiring-test-token',
    TENANT_MCP_TENANT_BUDGET: budget,
  });
  let errors = 0;
  await Promise.all(
    Array.from({ length: 4 }, async (_, worker) => {
      for (let i = worker; i < calls; i += 4) {
        const { isError } = await open!.call('invoke_read_operation', {
          operation: 'get_roles',
          arguments: {},
        });
        if (isError) errors++;
      }
    }),
  );
  return { refused: tenant.refused(), errors };
}

describe('the tenant rate budget in a running server', () => {
  it('keeps a burst inside the tenant limit: no 429 reaches the tenant', async () => {
    const { refused, errors } = await burst('embedded', 16);
    expect(refused).toBe(0);
    expect(errors).toBe(0);
    expect(tenant!.accepted.length).toBe(16);
  }, 30_000);

  it('without it, the same burst runs into the tenant’s 429s (the control)', async () => {
    const { refused } = await burst('off', 16);
    expect(refused).toBeGreaterThan(0);
  }, 30_000);

  it('refuses bad settings at start, naming the setting', () => {
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, [CLI], {
        env: { PATH: process.env.PATH ?? '', ...env },
        input: '',
        encoding: 'utf8',
        timeout: 15_000,
      });
    const bogus = run({
      AUTH0_DOMAIN: 'https://example.auth0.com',
      AUTH0_TOKEN: 't',
      TENANT_MCP_TENANT_BUDGET: 'sometimes',
    });
    expect(bogus.status).toBe(2);
    expect(bogus.stderr).toContain('TENANT_MCP_TENANT_BUDGET');
    const sandbox = run({ TENANT_MCP_TENANT_BUDGET: 'embedded' });
    expect(sandbox.status).toBe(2);
    expect(sandbox.stderr).toContain('the embedded sandbox is not rate limited');
  });
});
