// One HTTP server can serve a read-only audit agent and an admin side by side: each static token may name
// its own profile (`token@profile`), and the gate each caller reaches is that profile's.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, connectHttp, type HttpCli, startHttpCli } from '../helpers/mcp-client.js';

const AUDITOR = 'auditor-token-0123456789abcdef';
const ADMIN = 'admin-token-fedcba9876543210ab';
const ADMIN_HASH = `sha256:${createHash('sha256').update(ADMIN).digest('hex')}`;

describe('per-token profiles over HTTP', () => {
  let cli: HttpCli;
  beforeAll(async () => {
    cli = await startHttpCli(['--profile', 'helpdesk'], {
      TENANT_MCP_HTTP_TOKEN: `${AUDITOR}@read-only,${ADMIN_HASH}@admin`,
    });
  });
  afterAll(() => cli?.stop());

  it('lists and allows what each token profile allows', async () => {
    const auditor = await connectHttp(cli.url, AUDITOR);
    const admin = await connectHttp(cli.url, ADMIN);
    const names = async (c: typeof auditor) => (await c.client.listTools()).tools.map((t) => t.name);
    expect(await names(auditor)).not.toContain('invoke_write_operation');
    expect(await names(admin)).toContain('invoke_write_operation');
    const refused = await auditor.call('invoke_read_operation', {
      operation: 'delete_roles_by_id',
      arguments: { id: 'r' },
    });
    expect(refused.text).toMatch(/not allowed by the "read-only" profile/);
    await auditor.close();
    await admin.close();
  });

  it('refuses to start when a token names an unknown profile', () => {
    const run = spawnSync(process.execPath, [CLI, '--transport', 'http', '--port', '0'], {
      env: {
        PATH: process.env.PATH,
        TENANT_MCP_STATE_DIR: '/tmp/tenant-mcp-token-profiles',
        TENANT_MCP_HTTP_TOKEN: `${AUDITOR}@root`,
      },
      encoding: 'utf8',
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/unknown profile "root"/);
  });
});
