// The audit agent's task tools on both sandboxes, whose settings are real state: review_security_settings
// finds what the seed leaves weak and stops finding it once fixed; snapshot_tenant writes a 0600 file
// with no secret in it; diff_tenant reports the changes made since, each with the log events behind it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MONOCLOUD_PROVIDER } from '../../src/executor/index.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { type MonoCloudSandbox, startMonoCloudSandbox } from '../../src/sandbox/monocloud/index.js';
import { auth0Catalog } from '../../src/tools/auth0/index.js';
import { monocloudCatalog } from '../../src/tools/monocloud/index.js';
import { ACCEPT, connectTasks, type Json, type TaskHarness } from './harness.js';

/** The promise of the issue: no audit answer over 1,500 tokens. */
const MAX_TOKENS = 1500;

const byId = new Map(auth0Catalog.operations.map((op) => [op.id, op]));
const ids = (json: Json) => json.findings.map((f: { id: string }) => f.id);

describe('Auth0 sandbox', () => {
  let sandbox: Sandbox;
  let agent: TaskHarness;
  let admin: TaskHarness;
  beforeAll(async () => {
    sandbox = await startSandbox();
    const tenant = { domain: sandbox.url, clientId: sandbox.clientId, clientSecret: sandbox.clientSecret };
    agent = await connectTasks({ ...tenant, profile: 'read-only' });
    admin = await connectTasks({ ...tenant, profile: 'admin', onElicit: () => ACCEPT });
  });
  afterAll(async () => {
    await agent?.close();
    await admin?.close();
    await sandbox?.close();
  });
  afterEach(() => sandbox.reset());

  const write = async (operation: string, args: Json) => {
    const result = await admin.call('invoke_write_operation', { operation, arguments: args });
    expect(result.isError, result.text).toBe(false);
  };

  it('reviews the seeded tenant: breached passwords off and no MFA policy, ranked, within budget', async () => {
    const { json, text, isError } = await agent.call('review_security_settings');
    expect(isError).toBe(false);
    expect(ids(json)).toEqual(expect.arrayContaining(['breached_passwords_off', 'mfa_not_required']));
    expect(json.findings[0]).toMatchObject({
      id: 'breached_passwords_off',
      risk: 'high',
      fix: 'patch_breached-password-detection',
    });
    const risks = json.findings.map((f: { risk: string }) => f.risk);
    expect(risks).toEqual(
      [...risks].sort((a, b) => ['high', 'medium', 'low'].indexOf(a) - ['high', 'medium', 'low'].indexOf(b)),
    );
    expect(json.checked).toHaveLength(11);
    expect(json.not_checked).toBeUndefined();
    expect(json.untrusted_tenant_data.settings).toMatchObject({
      brute_force: 'on',
      breached_passwords: 'off',
      mfa_policy: 'none',
      mfa_factors: expect.arrayContaining(['otp', 'push-notification']),
      session_hours: { lifetime: 168, idle: 72 },
    });
    expect(encode(text).length).toBeLessThanOrEqual(MAX_TOKENS);
    // Every request it made is on the audit trail under its name, and each was a read.
    const sent = agent.audit().filter((r) => r.src_endpoint?.name === 'review_security_settings');
    expect(sent.length).toBeGreaterThanOrEqual(11);
    for (const record of sent)
      expect(byId.get(record.api.operation)?.risk, record.api.operation).toBe('read');
  });

  it('follows the tenant: a fixed setting is no longer found, a weakened one is', async () => {
    await write('patch_breached-password-detection', { enabled: true, shields: ['block'] });
    await write('patch_settings', { session_lifetime: 2000 });
    await write('put_policies', { body: ['all-applications'] });
    const { json } = await agent.call('review_security_settings');
    expect(ids(json)).not.toContain('breached_passwords_off');
    expect(ids(json)).not.toContain('mfa_not_required');
    expect(ids(json)).toContain('session_lifetime_long');
    expect(json.untrusted_tenant_data.evidence.session_lifetime_long).toEqual({
      session_lifetime_hours: 2000,
    });
  });

  it('snapshots to a 0600 file in the state directory with no secret, then diffs the changes with their events', async () => {
    const snap = await agent.call('snapshot_tenant');
    expect(snap.isError, snap.text).toBe(false);
    const { snapshot, file, counts } = snap.json;
    expect(snapshot).toMatch(/^snap_\d{8}T\d{6}Z_[0-9a-f]{6}$/);
    expect(file.startsWith(join(agent.stateDir, 'snapshots', 'test'))).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(agent.stateDir, 'snapshots', 'test')).mode & 0o777).toBe(0o700);
    expect(counts).toMatchObject({ clients: 3, roles: 3, settings: 8 });
    const saved = readFileSync(file, 'utf8');
    expect(saved).not.toContain(sandbox.clientSecret);
    expect(saved).not.toContain('global-client-secret-of-the-sandbox-tenant-not-for-production-0');
    expect(saved).toContain('[masked]');
    expect(encode(snap.text).length).toBeLessThanOrEqual(MAX_TOKENS);

    const unchanged = await agent.call('diff_tenant', { snapshot });
    expect(unchanged.json).toMatchObject({ snapshot, changes: 0 });

    await write('patch_settings', { session_lifetime: 720 });
    await write('post_roles', { name: 'auditor', description: 'Reads everything' });
    await write('patch_brute-force-protection', { max_attempts: 25 });
    const diff = await agent.call('diff_tenant', {});
    expect(diff.isError, diff.text).toBe(false);
    expect(diff.json).toMatchObject({
      snapshot,
      changes: 3,
      by_kind: { roles: { added: 1 }, settings: { changed: 2 } },
      explained_by_logs: 3,
    });
    const changes = diff.json.untrusted_tenant_data.changes as Json[];
    const tenant = changes.find((c) => c.id === 'tenant')!;
    expect(tenant).toMatchObject({
      kind: 'settings',
      change: 'changed',
      fields: ['session_lifetime'],
      values: [{ field: 'session_lifetime', before: 168, after: 720 }],
    });
    expect(tenant.events[0].request).toBe('PATCH /api/v2/tenants/settings');
    expect(changes.find((c) => c.kind === 'roles')).toMatchObject({
      name: 'auditor',
      change: 'added',
      events: [expect.objectContaining({ request: 'POST /api/v2/roles' })],
    });
    expect(encode(diff.text).length).toBeLessThanOrEqual(MAX_TOKENS);
  });

  it('refuses a snapshot id that is not one, and a kind that does not exist, naming them', async () => {
    const traversal = await agent.call('diff_tenant', { snapshot: '../../audit' });
    expect(traversal.isError).toBe(true);
    expect(traversal.text).toMatch(/is not a snapshot id/);
    const kind = await agent.call('snapshot_tenant', { kinds: ['clients', 'robots'] });
    expect(kind.isError).toBe(true);
    expect(kind.json.error).toMatch(/"robots" unknown; use any of clients, connections/);
    const part = await agent.call('snapshot_tenant', { kinds: ['roles'] });
    expect(part.json.counts).toEqual({ roles: 3 });
  });
});

describe('MonoCloud sandbox', () => {
  let sandbox: MonoCloudSandbox;
  let agent: TaskHarness;
  let admin: TaskHarness;
  const connect = (profile: 'read-only' | 'admin') =>
    connectTasks({
      domain: sandbox.url,
      auth: { kind: 'api_key', apiKey: sandbox.apiKey },
      provider: MONOCLOUD_PROVIDER,
      catalog: monocloudCatalog,
      profile,
      onElicit: () => ACCEPT,
    });
  beforeAll(async () => {
    sandbox = await startMonoCloudSandbox();
    agent = await connect('read-only');
    admin = await connect('admin');
  });
  afterAll(async () => {
    await agent?.close();
    await admin?.close();
    await sandbox?.close();
  });

  it('reviews lockout, passwords, apps and keys, and says what MonoCloud cannot show', async () => {
    const before = await agent.call('review_security_settings');
    expect(before.isError, before.text).toBe(false);
    expect(ids(before.json)).toEqual(['lockout_per_ip_only', 'password_reuse_allowed']);
    expect(before.json.limits).toMatch(/no breached-password detection, bot detection/);
    expect(encode(before.text).length).toBeLessThanOrEqual(MAX_TOKENS);

    const snap = await agent.call('snapshot_tenant');
    expect(snap.isError, snap.text).toBe(false);
    expect(snap.json.counts).toMatchObject({ applications: 4, groups: 5, api_resources: 1, settings: 6 });
    expect(readdirSync(join(agent.stateDir, 'snapshots', 'test'))).toHaveLength(1);

    const apps = JSON.parse(
      (await admin.call('invoke_read_operation', { operation: 'get_all_applications' })).text.split('\n')[0]!,
    ).untrusted_tenant_data as Json[];
    const console = apps.find((a) => a.app_type === 'web_app')!;
    const write = async (operation: string, args: Json) => {
      const result = await admin.call('invoke_write_operation', { operation, arguments: args });
      expect(result.isError, result.text).toBe(false);
    };
    await write('patch_application', {
      client_id: console.id,
      redirect_uris: ['http://evil.example.com/cb'],
    });
    await write('create_group', { name: 'Auditors' });
    await write('patch_authentication_options', { account_protection: { user_lockout: { enabled: false } } });

    const after = await agent.call('review_security_settings');
    expect(ids(after.json).slice(0, 2)).toEqual(['lockout_off', 'insecure_redirects']);
    const diff = await agent.call('diff_tenant');
    expect(diff.json).toMatchObject({
      changes: 3,
      by_kind: { applications: { changed: 1 }, groups: { added: 1 }, settings: { changed: 1 } },
      explained_by_logs: 2,
      limits: expect.stringMatching(/no roles/),
    });
    const changes = diff.json.untrusted_tenant_data.changes as Json[];
    expect(changes.find((c) => c.kind === 'applications')).toMatchObject({
      fields: ['redirect_uris'],
      events: [expect.objectContaining({ code: 'client_updated' })],
    });
    expect(changes.find((c) => c.kind === 'groups')?.events[0].code).toBe('group_created');
    // Settings changes have no audit event on MonoCloud: the change is shown without one.
    expect(changes.find((c) => c.kind === 'settings')).toMatchObject({
      id: 'authentication',
      values: [{ field: 'account_protection.user_lockout.enabled', before: true, after: false }],
    });
    expect(changes.find((c) => c.kind === 'settings')?.events).toBeUndefined();
  });
});
