// A stalled tenant must not hold a call for a minute per attempt: pins TENANT_MCP_CALL_TIMEOUT, one clock
// per tool call (retries and task lookups included) that stops while a person reads a confirmation.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getProfile } from '../../src/policy/profiles.js';
import { startDeadline } from '../../src/server/deadline.js';
import { auth0Catalog } from '../../src/tools/auth0/index.js';
import { type RawStack, startRawStack } from '../helpers/raw-rpc.js';
import { type RecordingUpstream, startRecordingUpstream } from '../helpers/recording-upstream.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('startDeadline', () => {
  it('aborts its signal once the time is spent, and says so', async () => {
    const deadline = startDeadline(50);
    expect(deadline.signal.aborted).toBe(false);
    await sleep(120);
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.expired()).toBe(true);
    expect(deadline.note).toContain('TENANT_MCP_CALL_TIMEOUT');
    deadline.clear();
  });

  it('follows the client cancelling, without calling it expired', () => {
    const parent = new AbortController();
    const deadline = startDeadline(10_000, parent.signal);
    parent.abort();
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.expired()).toBe(false);
    deadline.clear();
  });

  it('stops the clock while a person is asked', async () => {
    const deadline = startDeadline(80);
    const confirmer = deadline.pausing({
      canAsk: () => true,
      ask: async () => {
        await sleep(200);
        return 'accept';
      },
    });
    expect(
      await confirmer.ask({ operation: 'x', risk: 'destructive', tenant: 't', summary: '', binding: 'b' }),
    ).toBe('accept');
    expect(deadline.signal.aborted).toBe(false);
    await sleep(150);
    expect(deadline.signal.aborted).toBe(true);
    deadline.clear();
  });

  it('never fires after clear(), and 0 means no deadline', async () => {
    const cleared = startDeadline(30);
    cleared.clear();
    const none = startDeadline(0);
    await sleep(80);
    expect(cleared.signal.aborted).toBe(false);
    expect(none.signal.aborted).toBe(false);
  });
});

describe('a stalled tenant (TENANT_MCP_CALL_TIMEOUT of 400 ms)', () => {
  let upstream: RecordingUpstream;
  let stack: RawStack | undefined;
  beforeAll(async () => {
    upstream = await startRecordingUpstream();
  });
  afterAll(() => upstream.close());
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
    upstream.reset();
  });

  it('ends a read whose tenant never answers, naming the deadline', async () => {
    stack = await startRawStack({
      catalog: auth0Catalog,
      profile: getProfile('admin', auth0Catalog),
      domain: upstream.url,
      callTimeoutMs: 400,
    });
    upstream.script({ stall: true });
    const started = Date.now();
    const result = await stack.client.callTool('invoke_read_operation', { operation: 'get_roles' });
    // Liveness, not speed: the executor's own timeout is 30 s, so only the deadline can end it this soon.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.isError).toBe(true);
    expect(result.text).toContain('deadline of 0.4 s (TENANT_MCP_CALL_TIMEOUT)');
    expect(result.text).toContain('cancelled');
  });

  it('ends a task tool mid-way with the same note', async () => {
    stack = await startRawStack({
      catalog: auth0Catalog,
      profile: getProfile('admin', auth0Catalog),
      domain: upstream.url,
      callTimeoutMs: 400,
    });
    upstream.setFallback({ stall: true });
    const result = await stack.client.callTool('diagnose_login', { user: 'carol@example.com' });
    upstream.setFallback({ status: 200, body: {} });
    expect(result.isError).toBe(true);
    expect(result.text.startsWith('tenant-mcp stopped this call at its deadline')).toBe(true);
  });

  it('does not count the time a person takes to confirm', async () => {
    stack = await startRawStack({
      catalog: auth0Catalog,
      profile: getProfile('admin', auth0Catalog),
      domain: upstream.url,
      callTimeoutMs: 400,
      onElicit: async () => {
        await sleep(700);
        return { action: 'accept', content: { confirm: true } };
      },
    });
    const result = await stack.client.callTool('invoke_write_operation', {
      operation: 'delete_roles_by_id',
      arguments: { id: 'rol_1' },
    });
    expect(result.text).not.toContain('deadline');
    expect(result.isError).toBe(false);
    expect(upstream.requests.map((r) => r.method)).toContain('DELETE');
  });
});
