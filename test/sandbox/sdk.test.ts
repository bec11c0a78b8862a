// Drives the sandbox with Auth0's official Node SDK, a client nobody here wrote, through its `fetch`
// option: CRUD across the areas issue 13 found forgetting writes, sub-resources, settings, paging in
// each mode, jobs, keys and the refusals a real tenant makes. Every body the SDK receives is checked
// against the description's response schema for its operation, and the calls compile against the SDK's
// own TypeScript types.
import { X509Certificate } from 'node:crypto';
import { ManagementApiError, ManagementClient } from 'auth0';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, SEED, startSandbox } from '../../src/sandbox/index.js';
import { createRouter } from '../../src/sandbox/router.js';
import { loadSpec, type SpecOperation, schemaErrorsAllowingOverlap } from './harness.js';

const { operations } = loadSpec();
const router = createRouter(operations.map((o) => ({ ...o, method: o.method as 'GET' })));
const FAKE = 'https://northwind.sandbox.test';
const DB = 'Username-Password-Authentication';

interface Seen {
  op: SpecOperation;
  status: number;
  body: unknown;
}

/** Rejects with the SDK's error so tests can read status and errorCode. */
async function refusal(promise: Promise<unknown>): Promise<ManagementApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ManagementApiError) return error;
    throw error;
  }
  throw new Error('expected the call to be refused');
}

describe('the official auth0 SDK against the sandbox', () => {
  let sandbox: Sandbox;
  let mgmt: ManagementClient;
  const seen: Seen[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ jobStepMs: 20 });
    const fetchThrough = async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
      const target = `${sandbox.url}${url.pathname}${url.search}`;
      const res = await fetch(target, init);
      if (url.pathname.startsWith('/api/v2/')) {
        const match = router.match(
          (init?.method ?? 'GET').toUpperCase(),
          url.pathname.slice('/api/v2'.length),
        );
        const text = await res.clone().text();
        if (match && res.ok && text) seen.push({ op: match.op, status: res.status, body: JSON.parse(text) });
      }
      return res;
    };
    mgmt = new ManagementClient({
      domain: new URL(FAKE).host,
      clientId: sandbox.clientId,
      clientSecret: sandbox.clientSecret,
      audience: sandbox.audience,
      fetch: fetchThrough as typeof fetch,
    });
  });
  afterAll(() => sandbox.close());

  it('creates, reads, lists, updates and deletes users, paging each way', async () => {
    const created = await mgmt.users.create({
      connection: DB,
      email: 'nadia@northwind.example.com',
      password: 'Fleet-Ops-2024!',
      name: 'Nadia Haddad',
    });
    expect(created.status).toBe(201);
    const id = created.data.user_id;
    expect((await mgmt.users.get({ id })).data.email).toBe('nadia@northwind.example.com');
    expect(
      (await mgmt.users.update({ id }, { user_metadata: { shift: 'night' } })).data.user_metadata,
    ).toEqual({
      shift: 'night',
    });
    const page = await mgmt.users.getAll({ per_page: 2, page: 1, include_totals: true });
    expect(page.data).toMatchObject({ start: 2, limit: 2, length: 2, total: 8 });
    expect((await mgmt.users.getAll({ per_page: 3 })).data).toHaveLength(3);
    const cap = await refusal(mgmt.users.getAll({ per_page: 100, page: 10 }));
    expect([cap.statusCode, cap.errorCode]).toEqual([400, 'invalid_paging']);
    await mgmt.users.delete({ id });
    expect((await refusal(mgmt.users.get({ id }))).statusCode).toBe(404);
  });

  it('refuses what a real tenant refuses on users', async () => {
    const weak = await refusal(
      mgmt.users.create({ connection: DB, email: 'weak@example.org', password: 'aaaaaaaa' }),
    );
    expect([weak.statusCode, weak.message, weak.errorCode]).toEqual([
      400,
      'PasswordStrengthError: Password is too weak',
      'invalid_password',
    ]);
    const both = await refusal(
      mgmt.users.update(
        { id: SEED.users.alice },
        { email: 'alice2@northwind.example.com', password: 'Fleet-Ops-2024!' },
      ),
    );
    expect([both.statusCode, both.message]).toEqual([400, 'Cannot update password and email simultaneously']);
  });

  it('keeps resource servers, role permissions and user permissions', async () => {
    const api = await mgmt.resourceServers.create({
      name: 'Warehouse API',
      identifier: 'https://warehouse.northwind.example.com/',
      scopes: [{ value: 'read:stock', description: 'Read stock levels' }],
    });
    expect(api.status).toBe(201);
    expect((await mgmt.resourceServers.get({ id: api.data.id! })).data.identifier).toBe(
      'https://warehouse.northwind.example.com/',
    );
    const dup = await refusal(
      mgmt.resourceServers.create({ name: 'again', identifier: 'https://warehouse.northwind.example.com/' }),
    );
    expect(dup.statusCode).toBe(409);
    const noId = await refusal(mgmt.resourceServers.create({ name: 'no identifier' } as never));
    expect([noId.statusCode, noId.message]).toEqual([
      400,
      "Payload validation error: 'Missing required property: identifier'.",
    ]);
    expect((await refusal(mgmt.resourceServers.get({ id: '0123456789abcdef01234567' }))).statusCode).toBe(
      404,
    );

    const role = await mgmt.roles.create({ name: 'stock-reader', description: 'Reads warehouse stock.' });
    expect(role.data.description).toBe('Reads warehouse stock.');
    const permission = {
      resource_server_identifier: 'https://warehouse.northwind.example.com/',
      permission_name: 'read:stock',
    };
    expect(
      (await mgmt.roles.addPermissions({ id: role.data.id! }, { permissions: [permission] })).status,
    ).toBe(201);
    expect((await mgmt.roles.getPermissions({ id: role.data.id! })).data).toEqual([
      expect.objectContaining({ ...permission, resource_server_name: 'Warehouse API' }),
    ]);
    const unknownScope = await refusal(
      mgmt.roles.addPermissions(
        { id: role.data.id! },
        { permissions: [{ ...permission, permission_name: 'write:stock' }] },
      ),
    );
    expect(unknownScope.statusCode).toBe(400);
    await mgmt.users.assignRoles({ id: SEED.users.bob }, { roles: [role.data.id!] });
    const bobs = await mgmt.users.getPermissions({ id: SEED.users.bob, include_totals: true });
    expect(bobs.data.permissions.map((p) => p.permission_name)).toContain('read:stock');
    await mgmt.roles.deletePermissions({ id: role.data.id! }, { permissions: [permission] });
    expect((await mgmt.roles.getPermissions({ id: role.data.id! })).data).toEqual([]);
    await mgmt.resourceServers.update({ id: api.data.id! }, { token_lifetime: 3600 });
    expect((await mgmt.resourceServers.get({ id: api.data.id! })).data.token_lifetime).toBe(3600);
  });

  it('keeps client grants, rotates secrets, and refuses an unknown app type', async () => {
    const api = await mgmt.resourceServers.create({
      name: 'Billing',
      identifier: 'https://billing.example.com/',
    });
    const grant = await mgmt.clientGrants.create({
      client_id: SEED.clients.spa,
      audience: api.data.identifier!,
      scope: [],
    });
    expect(grant.status).toBe(201);
    const listed = await mgmt.clientGrants.getAll({ audience: 'https://billing.example.com/' });
    expect(listed.data.map((g) => g.id)).toEqual([grant.data.id]);
    expect(
      (
        await refusal(
          mgmt.clientGrants.create({
            client_id: SEED.clients.spa,
            audience: api.data.identifier!,
            scope: [],
          }),
        )
      ).statusCode,
    ).toBe(409);
    await mgmt.clientGrants.update({ id: grant.data.id! }, { scope: ['read:invoices'] });
    expect((await mgmt.clientGrants.getAll({ client_id: SEED.clients.spa })).data[0]?.scope).toEqual([
      'read:invoices',
    ]);
    await mgmt.clientGrants.delete({ id: grant.data.id! });
    expect((await mgmt.clientGrants.getAll({ audience: 'https://billing.example.com/' })).data).toEqual([]);

    const before = (await mgmt.clients.get({ client_id: sandbox.clientId })).data.client_secret;
    const rotated = await mgmt.clients.rotateClientSecret({ client_id: SEED.clients.spa });
    expect(rotated.data.client_secret).toHaveLength(64);
    expect((await mgmt.clients.get({ client_id: SEED.clients.spa })).data.client_secret).toBe(
      rotated.data.client_secret,
    );
    expect(before).toBe(sandbox.clientSecret);
    const toaster = await refusal(mgmt.clients.create({ name: 'Toaster', app_type: 'toaster' as never }));
    expect([toaster.statusCode, toaster.message]).toEqual([
      400,
      'Payload validation error: \'No enum match for: "toaster"\' on property app_type.',
    ]);
    expect((await mgmt.clients.getAll({ is_global: true })).data.map((c) => c.name)).toEqual([
      'All Applications',
    ]);
  });

  it('keeps organizations with members, member roles, invitations and connections', async () => {
    const spaces = await refusal(mgmt.organizations.create({ name: 'has spaces' }));
    expect(spaces.statusCode).toBe(400);
    const org = await mgmt.organizations.create({ name: 'acme-logistics', display_name: 'Acme Logistics' });
    const id = org.data.id;
    expect(id).toMatch(/^org_[A-Za-z0-9]{16}$/);
    expect((await mgmt.organizations.getByName({ name: 'acme-logistics' })).data.id).toBe(id);
    await mgmt.organizations.addMembers(
      { id },
      { members: [SEED.users.alice, SEED.users.bob, SEED.users.erin] },
    );
    // The SDK types the checkpoint answer as the offset one; the body is Auth0's `{ members, next }`.
    type Checkpoint = { members: Array<{ user_id: string }>; next?: string };
    const first = (await mgmt.organizations.getMembers({ id, take: 2 })).data as unknown as Checkpoint;
    expect(first.members.map((m) => m.user_id)).toEqual([SEED.users.alice, SEED.users.bob]);
    const rest = (await mgmt.organizations.getMembers({ id, from: first.next!, take: 2 }))
      .data as unknown as Checkpoint;
    expect(rest.members.map((m) => m.user_id)).toEqual([SEED.users.erin]);
    expect(rest.next).toBeUndefined();
    await mgmt.organizations.addMemberRoles({ id, user_id: SEED.users.bob }, { roles: [SEED.roles.support] });
    expect(
      (await mgmt.organizations.getMemberRoles({ id, user_id: SEED.users.bob })).data.map((r) => r.name),
    ).toEqual(['support']);
    await mgmt.organizations.addEnabledConnection({ id }, { connection_id: SEED.connections.database });
    expect((await mgmt.organizations.getEnabledConnections({ id })).data[0]?.connection).toEqual({
      name: DB,
      strategy: 'auth0',
    });
    const invitation = await mgmt.organizations.createInvitation(
      { id },
      { inviter: { name: 'Alice' }, invitee: { email: 'partner@example.org' }, client_id: SEED.clients.spa },
    );
    expect((await mgmt.organizations.getInvitations({ id })).data.map((i) => i.id)).toEqual([
      invitation.data.id,
    ]);
    expect((await mgmt.users.getUserOrganizations({ id: SEED.users.erin })).data.map((o) => o.name)).toEqual([
      'acme-logistics',
    ]);
    await mgmt.organizations.delete({ id });
    expect((await refusal(mgmt.organizations.getMembers({ id }))).statusCode).toBe(404);
  });

  it('merges tenant settings, attack protection and branding, and keeps guardian factors', async () => {
    await mgmt.tenants.updateSettings({ friendly_name: 'Northwind (staging)' });
    const settings = (await mgmt.tenants.getSettings()).data;
    expect(settings.friendly_name).toBe('Northwind (staging)');
    expect(settings.support_email).toBe('it-help@northwind.example.com');
    await mgmt.tenants.updateSettings({ flags: { enable_sso: false } });
    expect((await mgmt.tenants.getSettings()).data.flags).toMatchObject({
      enable_sso: false,
      revoke_refresh_token_grant: false,
    });

    const zero = await refusal(mgmt.attackProtection.updateBruteForceConfig({ max_attempts: 0 }));
    expect(zero.statusCode).toBe(400);
    await mgmt.attackProtection.updateBruteForceConfig({ max_attempts: 5 });
    expect((await mgmt.attackProtection.getBruteForceConfig()).data).toMatchObject({
      enabled: true,
      max_attempts: 5,
    });
    await mgmt.branding.updateSettings({ colors: { primary: '#123456' } });
    expect((await mgmt.branding.getSettings()).data.colors).toEqual({
      primary: '#123456',
      page_background: '#000000',
    });

    const factors = (await mgmt.guardian.getFactors()).data;
    expect(factors.find((f) => f.name === 'otp')?.enabled).toBe(true);
    await mgmt.guardian.updateFactor({ name: 'sms' }, { enabled: true });
    expect((await mgmt.guardian.getFactors()).data.find((f) => f.name === 'sms')?.enabled).toBe(true);
  });

  it('answers 404 for an email template until one is set', async () => {
    expect((await refusal(mgmt.emailTemplates.get({ templateName: 'welcome_email' }))).statusCode).toBe(404);
    await mgmt.emailTemplates.create({
      template: 'welcome_email',
      body: '<p>Welcome to Northwind</p>',
      from: 'it-help@northwind.example.com',
      subject: 'Welcome',
      syntax: 'liquid',
      enabled: true,
    });
    expect((await mgmt.emailTemplates.get({ templateName: 'welcome_email' })).data.subject).toBe('Welcome');
  });

  it('runs an import job to completion, creating users and reporting the ones it refused', async () => {
    const file = JSON.stringify([
      { email: 'imported.one@example.org', email_verified: true },
      { email: 'imported.two@example.org' },
      { email: 'not-an-address' },
      { email: 'alice@northwind.example.com' },
    ]);
    const job = await mgmt.jobs.importUsers({
      users: new Blob([file], { type: 'application/json' }),
      connection_id: SEED.connections.database,
    });
    expect(job.data.status).toBe('pending');
    const statuses = new Set<string>();
    let status = job.data.status;
    for (let i = 0; i < 50 && status !== 'completed'; i++) {
      status = (await mgmt.jobs.get({ id: job.data.id })).data.status;
      statuses.add(status);
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(status).toBe('completed');
    const done = (await mgmt.jobs.get({ id: job.data.id })).data;
    expect(done.summary).toEqual({ failed: 2, updated: 0, inserted: 2, total: 4 });
    expect((await mgmt.usersByEmail.getByEmail({ email: 'imported.one@example.org' })).data).toHaveLength(1);
    const errors = (await mgmt.jobs.getErrors({ id: job.data.id })).data as Array<{
      errors: Array<{ code: string }>;
    }>;
    expect(errors.map((e) => e.errors[0]?.code)).toEqual(['INVALID_FORMAT', 'DUPLICATED_USER']);
  });

  it('serves signing keys with real certificates, and rotates them', async () => {
    const keys = (await mgmt.keys.getAll()).data;
    expect(keys.map((k) => [k.current, k.next])).toEqual([
      [true, false],
      [false, true],
    ]);
    const cert = new X509Certificate(keys[0]!.cert);
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(keys[0]!.thumbprint).toBe(cert.fingerprint.replace(/:/g, ''));
    await mgmt.keys.rotate();
    const after = (await mgmt.keys.getAll()).data;
    expect(after.find((k) => k.current)?.kid).toBe(keys[1]!.kid);
    expect(after.find((k) => k.previous)?.kid).toBe(keys[0]!.kid);
    await mgmt.keys.revoke({ kid: keys[0]!.kid });
    expect((await mgmt.keys.get({ kid: keys[0]!.kid })).data.revoked).toBe(true);
  });

  it('keeps log streams, actions and their deployments, and pages logs by checkpoint', async () => {
    const stream = await mgmt.logStreams.create({
      name: 'siem',
      type: 'http',
      sink: { httpEndpoint: 'https://siem.example.com/ingest', httpContentType: 'application/json' },
    } as never);
    expect((await mgmt.logStreams.getAll()).data.map((s) => s.name)).toEqual(['siem']);
    await mgmt.logStreams.update({ id: stream.data.id! }, { status: 'paused' });
    expect((await mgmt.logStreams.get({ id: stream.data.id! })).data.status).toBe('paused');

    const action = await mgmt.actions.create({
      name: 'require-verified-email',
      supported_triggers: [{ id: 'post-login', version: 'v3' }],
      code: 'exports.onExecutePostLogin = async () => {};',
    });
    await mgmt.actions.deploy({ id: action.data.id! });
    expect((await mgmt.actions.get({ id: action.data.id! })).data.all_changes_deployed).toBe(true);
    expect((await mgmt.actions.getVersions({ actionId: action.data.id! })).data.versions).toHaveLength(1);

    const first = (await mgmt.logs.getAll({ take: 5 })).data;
    expect(first).toHaveLength(5);
  });

  it('received only bodies the description allows', () => {
    expect(seen.length).toBeGreaterThan(40);
    const bad = seen.flatMap((s) => {
      const errors = s.op.schema ? schemaErrorsAllowingOverlap(s.op.schema, s.body) : undefined;
      return errors ? [`${s.op.id}: ${errors}`] : [];
    });
    expect(bad).toEqual([]);
  });
});
