// Pins what the MonoCloud sandbox keeps beyond users: each collection's create → get → list → update
// → delete, settings that merge only what a PATCH names, keys that rotate and revoke, secrets that
// really change, counts and relations that follow changes, MonoCloud's paging, the rules that refuse
// what a tenant would refuse, the audit log, and a tenant saved to a file and served over HTTPS.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  IDENTITY_VALIDATION_ERROR_TYPE,
  MONOCLOUD_FIXTURES,
  MONOCLOUD_SEED,
  type MonoCloudSandbox,
  startMonoCloudSandbox,
  VALIDATION_ERROR_TYPE,
} from '../../src/sandbox/monocloud/index.js';
import {
  componentSchema,
  type MonoReply,
  monoCall,
  monoSchemaErrors,
  paginationOf,
} from './monocloud-harness.js';
import { testCa } from './monocloud-requests.js';

// biome-ignore lint/suspicious/noExplicitAny: tests read many ad-hoc shapes; expect() does the checking.
type Loose = Record<string, any>;

const S = MONOCLOUD_SEED;
const F = MONOCLOUD_FIXTURES;
const C = S.clients;
const G = S.groups;
const A = S.api;
const FLEET = `/resources/api_resources/${A.fleet}`;

function expectProblem(reply: MonoReply, status: number, field?: string): void {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  if (field !== undefined) {
    expect(reply.body.type).toBe(VALIDATION_ERROR_TYPE);
    expect(Object.keys(reply.body.errors), reply.text).toContain(field);
  }
}

/** One collection's round trip: where it lives, what to create and what to change. */
interface Collection {
  name: string;
  list: string;
  create: { path: string; body: Record<string, unknown> };
  item: (id: string) => string;
  id?: string;
  patch?: Record<string, unknown>;
  schema: string;
}

const COLLECTIONS: Collection[] = [
  {
    name: 'applications',
    list: '/applications',
    create: {
      path: '/applications',
      body: { client_name: 'Depot Kiosk', allowed_grant_types: ['device_code'], app_type: 'device' },
    },
    item: (id) => `/applications/${id}`,
    patch: { client_name: 'Depot Kiosk 2', device_code_lifetime: 600 },
    schema: 'Application',
  },
  {
    name: 'application secrets',
    list: `/applications/${C.console}/secrets`,
    create: { path: `/applications/${C.console}/secrets`, body: { description: 'Second key' } },
    item: (id) => `/applications/${C.console}/secrets/${id}`,
    schema: 'Secret',
  },
  {
    name: 'groups',
    list: '/groups',
    create: { path: '/groups', body: { name: 'Night Shift' } },
    item: (id) => `/groups/${id}`,
    id: 'group_id',
    patch: { description: 'Operators on the night rota', is_auto_assigned: true },
    schema: 'Group',
  },
  {
    name: 'API resources',
    list: '/resources/api_resources',
    create: {
      path: '/resources/api_resources',
      body: { audience: 'https://api.northwind.example.com/maps' },
    },
    item: (id) => `/resources/api_resources/${id}`,
    patch: { display_name: 'Maps API', access_token_type: 'reference' },
    schema: 'ApiResource',
  },
  {
    name: 'API resource secrets',
    list: `${FLEET}/secrets`,
    create: { path: `${FLEET}/secrets`, body: { type: 'x509_thumbprint', secret_value: 'AB'.repeat(20) } },
    item: (id) => `${FLEET}/secrets/${id}`,
    schema: 'Secret',
  },
  {
    name: 'API scopes',
    list: `${FLEET}/scopes`,
    create: { path: `${FLEET}/scopes`, body: { name: 'fleet:admin' } },
    item: (id) => `${FLEET}/scopes/${id}`,
    patch: { display_name: 'Administer the fleet', required: true },
    schema: 'ApiScope',
  },
  {
    name: 'basic access policies',
    list: `${FLEET}/policies`,
    create: {
      path: `${FLEET}/policies/basic`,
      body: { name: 'Mobile reads', client_id: C.mobile, scopes: ['fleet:read'] },
    },
    item: (id) => `${FLEET}/policies/basic/${id}`,
    patch: { name: 'Mobile reads the fleet', actions: { access_token_lifetime: 120 } },
    schema: 'BasicApiAccessPolicy',
  },
  {
    name: 'advanced access policies',
    list: `${FLEET}/policies`,
    create: {
      path: `${FLEET}/policies/advanced`,
      body: { name: 'Everyone reads', cedar: 'permit (principal, action, resource);' },
    },
    item: (id) => `${FLEET}/policies/advanced/${id}`,
    patch: { enabled: false },
    schema: 'AdvancedApiAccessPolicy',
  },
  {
    name: 'identity scopes',
    list: '/resources/scopes',
    create: { path: '/resources/scopes', body: { name: 'staff', user_claims: [{ claim: 'employee_id' }] } },
    item: (id) => `/resources/scopes/${id}`,
    patch: {
      description: 'Who works here',
      user_claims: [{ claim: 'name', include_in_identity_token: true }],
    },
    schema: 'Scope',
  },
  {
    name: 'claims',
    list: '/resources/claim_resources',
    create: {
      path: '/resources/claim_resources',
      body: { name: 'depot', source: 'user.private_data.depot' },
    },
    item: (id) => `/resources/claim_resources/${id}`,
    patch: { display_name: 'Home depot', show_in_discovery_document: false },
    schema: 'ClaimResource',
  },
  {
    name: 'IP network zones',
    list: '/network_zones',
    create: {
      path: '/network_zones/ip',
      body: { name: 'VPN', category: 'trusted', operator: 'in', ip_ranges: ['10.0.0.0/8'] },
    },
    item: (id) => `/network_zones/ip/${id}`,
    patch: { operator: 'not_in', ip_ranges: ['10.0.0.0/8', '192.0.2.7'] },
    schema: 'IpNetworkZone',
  },
  {
    name: 'regional network zones',
    list: '/network_zones',
    create: {
      path: '/network_zones/regional',
      body: { name: 'EU', category: 'trusted', operator: 'in', countries: ['IE'] },
    },
    item: (id) => `/network_zones/regional/${id}`,
    patch: { countries: ['IE', 'FR'] },
    schema: 'RegionalNetworkZone',
  },
  {
    name: 'sign-up fields',
    list: '/options/authentication/signup/custom_fields',
    create: {
      path: '/options/authentication/signup/custom_fields',
      body: { claim_name: 'depot', enabled: true, required: true, value_type: 'string', label: 'Depot' },
    },
    item: (id) => `/options/authentication/signup/custom_fields/${id}`,
    id: 'claim_name',
    patch: { label: 'Home depot', required: false },
    schema: 'SignUpCustomField',
  },
  {
    name: 'trust stores',
    list: '/truststores',
    create: {
      path: '/truststores',
      body: { name: 'Lab devices', cert_chain: testCa().pem, options: { revocation_mode: 'online' } },
    },
    item: (id) => `/truststores/${id}`,
    patch: { enabled: false, options: { ocsp_check_timeout: 3 } },
    schema: 'TrustStore',
  },
];

describe('MonoCloud sandbox resources', () => {
  let sandbox: MonoCloudSandbox;
  const api = (method: string, path: string, body?: unknown) => monoCall(sandbox, method, path, body);
  const all = async (path: string) => {
    const items: Array<Record<string, unknown>> = [];
    for (let page = 1; page <= 50; page++) {
      const reply = await api('GET', `${path}${path.includes('?') ? '&' : '?'}page=${page}&size=100`);
      if (reply.status === 422) return (await api('GET', path)).body as Array<Record<string, unknown>>;
      items.push(...reply.body);
      if (!paginationOf(reply)?.has_next) break;
    }
    return items;
  };

  beforeAll(async () => {
    sandbox = await startMonoCloudSandbox();
  });
  beforeEach(() => {
    sandbox.reset();
  });
  afterAll(() => sandbox.close());

  describe.each(COLLECTIONS.map((c) => [c.name, c] as const))(
    '%s: create → get → list → update → delete',
    (_n, c) => {
      it('stays consistent', async () => {
        const field = c.id ?? 'id';
        const created = await api('POST', c.create.path, c.create.body);
        expect(created.status, created.text).toBe(200);
        expect(monoSchemaErrors(componentSchema(c.schema), created.body), created.text).toBeUndefined();
        expect(created.body).toMatchObject(
          c.create.body.user_claims ? { name: c.create.body.name } : c.create.body,
        );
        const id = created.body[field] as string;
        if ('creation_time' in created.body)
          expect(created.body.creation_time).toBe(created.body.last_updated);

        const got = await api('GET', c.item(id));
        expect(got.body, got.text).toEqual(created.body);
        expect((await all(c.list)).map((r) => r[field])).toContain(id);

        if (c.patch) {
          const patched = await api('PATCH', c.item(id), c.patch);
          expect(patched.status, patched.text).toBe(200);
          expect(monoSchemaErrors(componentSchema(c.schema), patched.body), patched.text).toBeUndefined();
          for (const [key, value] of Object.entries(c.patch)) {
            if (Array.isArray(value) || typeof value !== 'object')
              expect(patched.body[key], key).toEqual(
                key === 'user_claims'
                  ? (value as Array<Record<string, unknown>>).map((v) => ({
                      include_in_identity_token: false,
                      include_in_user_info: true,
                      ...v,
                    }))
                  : value,
              );
            else expect(patched.body[key]).toMatchObject(value as object);
          }
          // What the PATCH left out stays as it was.
          for (const key of Object.keys(created.body))
            if (!(key in c.patch) && key !== 'last_updated' && key !== 'users_assigned')
              expect(patched.body[key], key).toEqual(created.body[key]);
          expect((await api('GET', c.item(id))).body).toEqual(patched.body);
        }

        expect((await api('DELETE', c.item(id))).status).toBe(204);
        expectProblem(await api('GET', c.item(id)), 404);
        expectProblem(await api('DELETE', c.item(id)), 404);
        expect((await all(c.list)).map((r) => r[field])).not.toContain(id);
      });
    },
  );

  describe('settings', () => {
    it.each([
      ['/branding/page', { primary_color: '#0f766e' }, 'PageBrandingOptions'],
      ['/branding/email', { welcome: { subject: 'Welcome aboard' } }, 'EmailBrandingOptions'],
      ['/branding/sms', { sign_in: { template: 'Code {code}' } }, 'SmsBrandingOptions'],
      [
        '/options/authentication',
        {
          session: { sliding_session_lifetime: 3600 },
          authenticators: { github: { enable_sign_in: true, scopes: ['read:user'] } },
        },
        'AuthenticationOptions',
      ],
      [
        '/options/communication',
        {
          email: {
            provider: 'send_grid',
            send_grid: { api_key: 'SG.x', from_email: 'fleet@northwind.example.com' },
          },
        },
        'CommunicationOptions',
      ],
    ])('%s merges only what a PATCH names', async (path, patch, schema) => {
      const before = (await api('GET', path)).body;
      const patched = await api('PATCH', path, patch);
      expect(patched.status, patched.text).toBe(200);
      expect(monoSchemaErrors(componentSchema(schema), patched.body), patched.text).toBeUndefined();
      expect(patched.body).toMatchObject(patch);
      expect((await api('GET', path)).body).toEqual(patched.body);
      // Every section the patch did not name is as it was.
      for (const key of Object.keys(before))
        if (!(key in patch)) expect(patched.body[key], key).toEqual(before[key]);
    });

    it('keeps the untouched parts of a nested section', async () => {
      const patched = await api('PATCH', '/options/authentication', {
        account_protection: { user_lockout: { max_failed_access_attempts: 3 } },
      });
      expect(patched.body.account_protection.user_lockout).toMatchObject({
        enabled: true,
        max_failed_access_attempts: 3,
        lockout_type: 'ip',
        user_unblock: { email: { expiry: 3600 } },
      });
    });

    it('enforces the password and username rules its settings hold', async () => {
      const weak = { email: 'kai@example.org', password: 'Robots-123' };
      expect((await api('POST', '/users', weak)).status).toBe(200);
      await api('PATCH', '/options/authentication', {
        authenticators: {
          password: { strength: { minimum_length: 12, require_non_alphanumeric_character: false } },
        },
        identifiers: { username: { minimum_length: 6 } },
      });
      const refused = await api('POST', '/users', { ...weak, email: 'kai2@example.org' });
      expectProblem(refused, 422);
      expect(refused.body.type).toBe(IDENTITY_VALIDATION_ERROR_TYPE);
      expect(refused.body.errors).toEqual([
        { code: 'PasswordTooShort', description: expect.stringMatching(/12/) },
      ]);
      const set = await api('PUT', `/users/${S.users.bob}/password`, { password: 'Short-1' });
      expect(set.body.errors.map((e: { code: string }) => e.code)).toEqual(['PasswordTooShort']);
      const name = await api('PUT', `/users/${S.users.bob}/username`, { username: 'bob' });
      expect(name.body.errors[0].code).toBe('InvalidUserName');
      await api('PATCH', '/options/authentication', {
        authenticators: {
          password: { strength: { minimum_length: 8, require_non_alphanumeric_character: true } },
        },
      });
      const symbol = await api('POST', '/users', { email: 'kai3@example.org', password: 'Robots123x' });
      expect(symbol.body.errors.map((e: { code: string }) => e.code)).toEqual([
        'PasswordRequiresNonAlphanumeric',
      ]);
    });

    it('refuses SendGrid or Twilio without their credentials', async () => {
      expectProblem(
        await api('PATCH', '/options/communication', { email: { provider: 'send_grid' } }),
        422,
        'email.send_grid',
      );
      expectProblem(
        await api('PATCH', '/options/communication', { sms: { provider: 'twilio', twilio: { sid: 'AC1' } } }),
        422,
        'sms.twilio',
      );
      expect((await api('GET', '/options/communication')).body.email.provider).toBe('monocloud');
    });

    it('refuses an enum value and a mistyped nested field, naming the path', async () => {
      expectProblem(
        await api('PATCH', '/options/authentication', { session: { persistence_mode: 'forever' } }),
        422,
        'session.persistence_mode',
      );
      const nested = await api('PATCH', '/options/authentication', { logout: { show_logout_promt: true } });
      expectProblem(nested, 422, 'logout.show_logout_promt');
    });

    it('moves a sign-up field renamed through PATCH', async () => {
      const path = '/options/authentication/signup/custom_fields';
      const renamed = await api('PATCH', `${path}/company`, { claim_name: 'employer', label: 'Employer' });
      expect(renamed.body).toMatchObject({ claim_name: 'employer', label: 'Employer', enabled: true });
      expectProblem(await api('GET', `${path}/company`), 404);
      expect((await api('GET', `${path}/employer`)).body).toEqual(renamed.body);
      await api('POST', path, {
        claim_name: 'depot',
        enabled: true,
        required: false,
        value_type: 'string',
        label: 'Depot',
      });
      expectProblem(await api('PATCH', `${path}/employer`, { claim_name: 'depot' }), 409);
      expectProblem(
        await api('POST', path, {
          claim_name: 'depot',
          enabled: true,
          required: false,
          value_type: 'string',
          label: 'x',
        }),
        409,
      );
    });
  });

  describe('keys', () => {
    it('rotates the current key, keeping the old one for validation, and revokes only a retired one', async () => {
      const before = (await api('GET', '/keys')).body as Array<Record<string, unknown>>;
      expect(before.filter((k) => k.is_current).map((k) => k.id)).toEqual([F.currentKey]);
      expectProblem(await api('PUT', `/keys/${F.currentKey}/revoke`), 409);
      expect((await api('PUT', `/keys/${F.currentKey}/rotate`)).status).toBe(204);
      const after = (await api('GET', '/keys')).body as Array<Record<string, unknown>>;
      expect(after).toHaveLength(3);
      const old = after.find((k) => k.id === F.currentKey)!;
      expect(old).toMatchObject({ is_current: false, use: 'validation', rotation_date: expect.any(Number) });
      const next = after.find((k) => k.is_current)!;
      expect(next.id).not.toBe(F.currentKey);
      expect(next).toMatchObject({ use: 'signing', signing_algorithm: 'rs256', rotation_date: null });
      expectProblem(await api('PUT', `/keys/${F.currentKey}/rotate`), 409);
      expect((await api('PUT', `/keys/${F.currentKey}/revoke`)).status).toBe(204);
      const revoked = ((await api('GET', '/keys')).body as Array<Record<string, unknown>>).find(
        (k) => k.id === F.currentKey,
      )!;
      expect(revoked.revocation_date).toEqual(expect.any(Number));
      expectProblem(await api('PUT', `/keys/${F.currentKey}/revoke`), 409);
      expectProblem(await api('PUT', `/keys/${F.currentKey}/rotate`), 409);
    });
  });

  describe('applications', () => {
    it('issues secrets with fresh values, so rotating one really changes it', async () => {
      const path = `/applications/${C.automation}/secrets`;
      const first = await api('POST', path, { description: 'new' });
      const second = await api('POST', path, { description: 'newer' });
      expect(first.body.type).toBe('shared_secret');
      expect(first.body.secret_value).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(second.body.secret_value).not.toBe(first.body.secret_value);
      expect((await api('DELETE', `${path}/${S.secrets.automation}`)).status).toBe(204);
      expect(((await api('GET', path)).body as Array<{ id: string }>).map((s) => s.id)).toEqual([
        first.body.id,
        second.body.id,
      ]);
      const kept = await api('POST', path, { secret_value: 'chosen-by-the-admin' });
      expect(kept.body.secret_value).toBe('chosen-by-the-admin');
    });

    it('checks a secret against its type and expiry', async () => {
      const path = `/applications/${C.automation}/secrets`;
      expectProblem(
        await api('POST', path, { type: 'x509_thumbprint', secret_value: 'not-hex' }),
        422,
        'secret_value',
      );
      expectProblem(await api('POST', path, { type: 'jwk' }), 422, 'secret_value');
      expectProblem(await api('POST', path, { type: 'jwk', secret_value: '{"n":1}' }), 422, 'secret_value');
      expect((await api('POST', path, { type: 'jwk', secret_value: '{"kty":"EC"}' })).status).toBe(200);
      expectProblem(await api('POST', path, { expiration: 1000 }), 422, 'expiration');
      expectProblem(await api('POST', path, { type: 'passphrase' }), 422, 'type');
    });

    it('starts a public application without a secret and issues one when asked', async () => {
      const spa = await api('POST', '/applications', {
        client_name: 'Map',
        app_type: 'spa',
        allowed_grant_types: ['authorization_code'],
      });
      expect(spa.body.require_client_secret).toBe(false);
      expect((await api('GET', `/applications/${spa.body.id}/secrets`)).body).toEqual([]);
      const job = await api('POST', '/applications', {
        client_name: 'Job',
        app_type: 'm2m',
        allowed_grant_types: ['client_credentials'],
        auto_generate_secret: true,
      });
      expect(job.body).not.toHaveProperty('auto_generate_secret');
      expect((await api('GET', `/applications/${job.body.id}/secrets`)).body).toHaveLength(1);
    });

    it('refuses identity scopes the tenant does not have', async () => {
      const reply = await api('PATCH', `/applications/${C.console}`, {
        allowed_identity_scopes: ['openid', 'galaxy'],
      });
      expectProblem(reply, 422, 'allowed_identity_scopes');
      expect(reply.body.errors.allowed_identity_scopes[0]).toMatch(/'galaxy'/);
    });

    it('assigns groups, counts them, and lists the applications of a group', async () => {
      const path = `/applications/${C.console}/groups/${G.supportAgents}`;
      expect((await api('POST', path)).status).toBe(204);
      expectProblem(await api('POST', path), 409);
      expect((await api('GET', path)).body).toMatchObject({
        group_id: G.supportAgents,
        group_name: 'Support Agents',
      });
      expect((await api('GET', `/groups/${G.supportAgents}`)).body.clients_assigned).toBe(1);
      const apps = await api('GET', `/applications/groups/${G.supportAgents}/assigned`);
      expect(apps.body.map((a: { id: string }) => a.id)).toEqual([C.console]);
      expect((await api('DELETE', path)).status).toBe(204);
      expectProblem(await api('GET', path), 404);
      expect((await api('GET', `/groups/${G.supportAgents}`)).body.clients_assigned).toBe(0);
      expectProblem(await api('POST', `/applications/${C.console}/groups/${'0'.repeat(8)}`), 404);
    });

    it('ends what users granted an application, and the policies naming it, when it is deleted', async () => {
      expect((await api('DELETE', `/applications/${C.mobile}`)).status).toBe(204);
      const grants = await api('GET', `/users/${S.users.alice}/grants/clients`);
      expect(grants.body.map((g: { client_id: string }) => g.client_id)).toEqual([C.console]);
      expect((await api('DELETE', `/applications/${C.automation}`)).status).toBe(204);
      expectProblem(await api('GET', `${FLEET}/policies/basic/${A.automationPolicy}`), 404);
      expectProblem(await api('GET', `/applications/${C.automation}/secrets/${S.secrets.automation}`), 404);
    });
  });

  describe('groups', () => {
    it('counts members and ends memberships and assignments when deleted', async () => {
      const admins = (await api('GET', `/groups/${G.fleetAdmins}`)).body;
      expect(admins).toMatchObject({ users_assigned: 1, clients_assigned: 1, type: 'custom' });
      expect(admins.last_assigned).toBeGreaterThan(admins.creation_time);
      await api('POST', `/users/${S.users.erin}/groups/${G.fleetAdmins}`);
      expect((await api('GET', `/groups/${G.fleetAdmins}`)).body.users_assigned).toBe(2);
      expect((await api('DELETE', `/groups/${G.fleetAdmins}`)).status).toBe(204);
      expectProblem(await api('GET', `/users/${S.users.alice}/groups/${G.fleetAdmins}`), 404);
      expectProblem(await api('GET', `/applications/${C.adminPortal}/groups/${G.fleetAdmins}`), 404);
      expectProblem(await api('GET', `/users/groups/${G.fleetAdmins}/assigned`), 404);
    });

    it('puts every user created afterwards into an automatically assigned group', async () => {
      await api('PATCH', `/groups/${G.customers}`, { is_auto_assigned: true });
      const user = await api('POST', '/users', { email: 'li.wei@example.org' });
      const groups = await api('GET', `/users/${user.body.user_id}/groups`);
      expect(groups.body.map((g: { group_id: string }) => g.group_id)).toEqual([G.customers]);
    });

    it('refuses a second group of the same name', async () => {
      const reply = await api('POST', '/groups', { name: 'Finance' });
      expectProblem(reply, 409);
      expect(reply.body.detail).toMatch(/name 'Finance'/);
      expectProblem(await api('PATCH', `/groups/${G.betaTesters}`, { name: 'Finance' }), 409);
    });

    it('pages, sorts and filters as MonoCloud lists do', async () => {
      for (let i = 1; i <= 22; i++)
        await api('POST', '/groups', { name: `Depot ${String(i).padStart(2, '0')}` });
      const third = await api('GET', '/groups?page=3&size=10&sort=name:1');
      expect(paginationOf(third)).toEqual({
        total_count: 27,
        page_size: 10,
        current_page: 3,
        has_next: false,
        has_previous: true,
      });
      expect(third.body).toHaveLength(7);
      const filtered = await api('GET', `/groups?filter=${encodeURIComponent('name:Depot*')}&size=5`);
      expect(paginationOf(filtered)).toMatchObject({ total_count: 22, has_next: true });
      const busiest = await api('GET', '/groups?sort=users_assigned:-1&size=1');
      expect(busiest.body[0].group_id).toBe(G.supportAgents);
      expectProblem(await api('GET', '/groups?sort=description:1'), 422, 'sort');
      expectProblem(await api('GET', '/groups?size=101'), 422, 'size');
      expectProblem(await api('GET', `/groups?filter=${encodeURIComponent('colour:teal')}`), 422, 'filter');
    });
  });

  describe('API resources, scopes, claims and policies', () => {
    it('refuses claims the tenant does not define', async () => {
      expectProblem(
        await api('POST', '/resources/api_resources', { audience: 'urn:x', user_claims: ['email', 'shoe'] }),
        422,
        'user_claims[1]',
      );
      expectProblem(
        await api('POST', '/resources/scopes', { name: 'x', user_claims: [{ claim: 'shoe' }] }),
        422,
        'user_claims[0]',
      );
      expectProblem(
        await api('POST', `${FLEET}/scopes`, { name: 'fleet:x', user_claims: ['shoe'] }),
        422,
        'user_claims[0]',
      );
    });

    it('refuses deleting what the platform defines or what is still in use', async () => {
      expectProblem(await api('DELETE', `/resources/scopes/${F.scopes.openid}`), 409);
      expectProblem(await api('DELETE', `/resources/claim_resources/${F.claims.email}`), 409);
      const used = await api('DELETE', `/resources/claim_resources/${S.employeeClaim}`);
      expectProblem(used, 409);
      expect(used.body.detail).toMatch(/scope 'employee'/);
      const allowed = await api('DELETE', `/resources/scopes/${S.employeeScope}`);
      expectProblem(allowed, 409);
      expect(allowed.body.detail).toMatch(/application 'Northwind Admin Portal'/);
      await api('PATCH', `/applications/${C.adminPortal}`, {
        allowed_identity_scopes: ['openid', 'profile'],
      });
      expect((await api('DELETE', `/resources/scopes/${S.employeeScope}`)).status).toBe(204);
      expect((await api('DELETE', `/resources/claim_resources/${S.employeeClaim}`)).status).toBe(204);
    });

    it('refuses deleting an API scope a policy still grants', async () => {
      const reply = await api('DELETE', `${FLEET}/scopes/${A.writeScope}`);
      expectProblem(reply, 409);
      expect(reply.body.detail).toMatch(/access policy 'Fleet sync job'/);
      await api('PATCH', `${FLEET}/policies/basic/${A.automationPolicy}`, { scopes: ['fleet:read'] });
      expect((await api('DELETE', `${FLEET}/scopes/${A.writeScope}`)).status).toBe(204);
    });

    it('refuses an audience twice', async () => {
      expectProblem(
        await api('POST', '/resources/api_resources', {
          audience: 'https://api.northwind.example.com/fleet',
        }),
        409,
      );
    });

    it('checks a basic policy’s application and scopes, and an advanced policy’s Cedar', async () => {
      const path = `${FLEET}/policies/basic`;
      expectProblem(await api('POST', path, { name: 'x', client_id: 'nope' }), 422, 'client_id');
      expectProblem(
        await api('POST', path, { name: 'x', client_id: C.console, scopes: ['fleet:read', 'fleet:fly'] }),
        422,
        'scopes[1]',
      );
      const advanced = `${FLEET}/policies/advanced`;
      for (const cedar of [
        'allow everyone',
        'permit (principal, action, resource)',
        'permit (principal, action;',
        'when { true };',
      ])
        expectProblem(await api('POST', advanced, { name: 'x', cedar }), 422, 'cedar');
      const forbid = await api('POST', advanced, {
        name: 'x',
        cedar: 'forbid (principal, action, resource);',
      });
      expect(forbid.body.is_permitted).toBe(false);
    });

    it('converts a basic policy in place, keeping its id and writing its Cedar', async () => {
      const converted = await api('POST', `${FLEET}/policies/basic/${A.automationPolicy}/convert`);
      expect(converted.status, converted.text).toBe(200);
      expect(converted.body).toMatchObject({
        id: A.automationPolicy,
        type: 'advanced',
        name: 'Fleet sync job',
      });
      expect(converted.body.cedar).toContain(C.automation);
      expect(converted.body.cedar).toContain('"fleet:write"');
      expect(converted.body).not.toHaveProperty('client_id');
      expectProblem(await api('GET', `${FLEET}/policies/basic/${A.automationPolicy}`), 404);
      expect((await api('GET', `${FLEET}/policies/advanced/${A.automationPolicy}`)).body).toEqual(
        converted.body,
      );
      const list = await api('GET', `${FLEET}/policies`);
      // Oldest first: the converted policy keeps its creation time.
      expect(list.body.map((p: { id: string; type: string }) => `${p.id} ${p.type}`)).toEqual([
        `${A.automationPolicy} advanced`,
        `${A.officeHoursPolicy} advanced`,
      ]);
      expectProblem(await api('POST', `${FLEET}/policies/basic/${A.automationPolicy}/convert`), 404);
    });

    it('deletes an API resource with its scopes, secrets and policies', async () => {
      expect((await api('DELETE', FLEET)).status).toBe(204);
      for (const path of [
        `${FLEET}/scopes`,
        `${FLEET}/secrets`,
        `${FLEET}/policies`,
        `${FLEET}/scopes/${A.readScope}`,
      ])
        expectProblem(await api('GET', path), 404);
      const again = await api('POST', '/resources/api_resources', {
        audience: 'https://api.northwind.example.com/fleet',
      });
      expect(again.status).toBe(200);
      expect((await api('GET', `/resources/api_resources/${again.body.id}/scopes`)).body).toEqual([]);
    });

    it('issues an introspection secret when asked to on creation', async () => {
      const made = await api('POST', '/resources/api_resources', {
        audience: 'urn:billing',
        auto_generate_secret: true,
      });
      const secrets = await api('GET', `/resources/api_resources/${made.body.id}/secrets`);
      expect(secrets.body).toEqual([
        expect.objectContaining({ type: 'shared_secret', secret_value: expect.any(String) }),
      ]);
    });
  });

  describe('network zones', () => {
    it('checks each range and country, and lists both kinds together', async () => {
      expectProblem(
        await api('POST', '/network_zones/ip', {
          name: 'x',
          category: 'blocked',
          operator: 'in',
          ip_ranges: ['10.0.0.0/8', '10.0.0.0/33', 'local'],
        }),
        422,
        'ip_ranges[1]',
      );
      expectProblem(
        await api('PATCH', `/network_zones/regional/${S.zones.serviceRegions}`, { countries: ['GB', 'uk'] }),
        422,
        'countries[1]',
      );
      expectProblem(await api('GET', `/network_zones/regional/${S.zones.office}`), 404);
      const zones = await api('GET', '/network_zones?sort=type:-1');
      expect(zones.body.map((z: { type: string }) => z.type)).toEqual(['regional', 'ip', 'ip']);
      for (const zone of zones.body)
        expect(monoSchemaErrors(componentSchema('INetworkZone'), zone)).toBeUndefined();
    });
  });

  describe('trust stores', () => {
    const storePath = `/truststores/${S.deviceTrustStore}`;

    it('reads its chain, summarises it in the list, and keeps one default', async () => {
      expectProblem(
        await api('POST', '/truststores', { name: 'x', cert_chain: 'hello', options: {} }),
        422,
        'cert_chain',
      );
      expectProblem(
        await api('POST', '/truststores', {
          name: 'x',
          cert_chain: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----',
          options: {},
        }),
        422,
        'cert_chain',
      );
      const two = testCa();
      const made = await api('POST', '/truststores', {
        name: 'Two',
        cert_chain: `${two.pem}${testCa().pem}`,
        options: {},
      });
      expect(made.body.options).toMatchObject({
        revocation_mode: 'no_check',
        validate_validity_period: true,
      });
      const list = await api('GET', '/truststores?sort=name:1');
      expect(list.body).toEqual([
        expect.objectContaining({
          name: 'Fleet devices',
          is_default: true,
          certificate_count: 1,
          banned_certificates_count: 1,
        }),
        expect.objectContaining({
          name: 'Two',
          is_default: false,
          certificate_count: 2,
          banned_certificates_count: 0,
        }),
      ]);
      expect(list.body[0]).not.toHaveProperty('cert_chain');
      expect((await api('POST', `/truststores/${made.body.id}/default`)).body.is_default).toBe(true);
      expect((await api('GET', storePath)).body.is_default).toBe(false);
    });

    it('takes a CRL only from its own issuer, with a valid signature, and a delta only with its base', async () => {
      const ca = testCa();
      const made = await api('POST', '/truststores', {
        name: 'Lab',
        cert_chain: ca.pem,
        options: { revocation_mode: 'offline' },
      });
      const path = `/truststores/${made.body.id}/revocations`;
      expectProblem(await api('POST', path, { value: 'not a crl' }), 422, 'value');
      expectProblem(await api('POST', path, { value: testCa().crl(1) }), 422, 'value');
      const tampered = Buffer.from(ca.crl(1).replace(/-----[^-]+-----|\s/g, ''), 'base64');
      tampered[tampered.length - 5]! ^= 0xff;
      const bad = await api('POST', path, { value: tampered.toString('base64') });
      expectProblem(bad, 422, 'value');
      expect(bad.body.errors.value[0]).toMatch(/signature/);
      expectProblem(await api('POST', path, { value: ca.crl(2, 1) }), 422, 'value');

      const base = await api('POST', path, { value: ca.crl(1) });
      expect(base.status, base.text).toBe(200);
      expect(base.body).toMatchObject({
        type: 'base',
        crl_number: 1,
        base_revocation_id: null,
        issuer_thumbprint: expect.stringMatching(/^[0-9A-F]{40}$/),
      });
      expect(base.body.next_update).toBeGreaterThan(base.body.issued_at);
      expectProblem(await api('POST', path, { value: ca.crl(1) }), 409);
      const delta = await api('POST', path, { value: ca.crl(2, 1) });
      expect(delta.body).toMatchObject({
        type: 'delta',
        crl_number: 2,
        delta_crl_number: 2,
        base_revocation_id: base.body.id,
      });
      const grouped = await api('GET', path);
      expect(
        monoSchemaErrors(componentSchema('RevocationGrouped'), grouped.body[0]),
        grouped.text,
      ).toBeUndefined();
      expect(grouped.body).toEqual([
        expect.objectContaining({
          id: base.body.id,
          deltas: [expect.objectContaining({ id: delta.body.id })],
        }),
      ]);
      expect((await api('DELETE', `${path}/${base.body.id}`)).status).toBe(204);
      expectProblem(await api('GET', `${path}/${delta.body.id}`), 404);
      expect((await api('GET', path)).body).toEqual([]);
    });

    it('answers 422, never a 500, for any byte string or any cut of a real CRL', async () => {
      const ca = testCa();
      const made = await api('POST', '/truststores', { name: 'Fuzz', cert_chain: ca.pem, options: {} });
      const path = `/truststores/${made.body.id}/revocations`;
      const der = Buffer.from(ca.crl(1).replace(/-----[^-]+-----|\s/g, ''), 'base64');
      for (let cut = 0; cut < der.length; cut += 7) {
        const reply = await api('POST', path, { value: der.subarray(0, cut).toString('base64') || 'AA==' });
        expectProblem(reply, 422, 'value');
      }
      // Each byte flipped in turn: the list no longer parses or no longer verifies.
      for (let at = 0; at < der.length; at++) {
        const flipped = Buffer.from(der);
        flipped[at] = flipped[at]! ^ 0x41;
        const reply = await api('POST', path, { value: flipped.toString('base64') });
        expect([200, 422], reply.text).toContain(reply.status);
        if (reply.status === 200) await api('DELETE', `${path}/${reply.body.id}`);
      }
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 300 }), async (bytes) => {
          const reply = await api('POST', path, { value: Buffer.from(bytes).toString('base64') });
          expect(reply.status, reply.text).toBe(422);
        }),
        { numRuns: 150, seed: 1313 },
      );
    });

    it('reads the seeded CRL, which OpenSSL made', async () => {
      const crl = (await api('GET', `${storePath}/revocations/${S.deviceCrl}`)).body;
      expect(crl).toMatchObject({
        type: 'base',
        crl_number: 1,
        issuer_thumbprint: '5A49EED155468BD27107674107D9CFEA10DEC45E',
      });
    });

    it('bans certificates by thumbprint, serial number or subject, once each', async () => {
      const path = `${storePath}/banned_certificates`;
      expectProblem(await api('POST', path, { value: 'xyz' }), 422, 'value');
      expectProblem(await api('POST', path, { type: 'subject', value: 'fleet unit' }), 422, 'value');
      expect((await api('POST', path, { type: 'subject', value: 'CN=fleet-unit-0099' })).status).toBe(200);
      const seeded = (await api('GET', path)).body[0];
      expectProblem(await api('POST', path, { value: seeded.value.toLowerCase() }), 409);
      expect((await api('DELETE', `${path}/${S.deviceBan}`)).status).toBe(204);
      expect((await api('GET', path)).body.map((b: { type: string }) => b.type)).toEqual(['subject']);
    });

    it('deletes a store with its lists and bans', async () => {
      expect((await api('DELETE', storePath)).status).toBe(204);
      expectProblem(await api('GET', `${storePath}/revocations`), 404);
      expectProblem(await api('GET', `${storePath}/banned_certificates`), 404);
    });
  });

  describe('the audit log', () => {
    it('records each write MonoCloud logs, newest first, and finds one by id', async () => {
      const app = await api('POST', '/applications', {
        client_name: 'Audited',
        allowed_grant_types: ['client_credentials'],
      });
      await api('DELETE', `/applications/${app.body.id}`);
      await api('PATCH', '/branding/page', { primary_color: '#000000' });
      const logs = await api('GET', '/logs?size=2');
      expect(logs.body.map((l: { code: string }) => l.code)).toEqual(['client_deleted', 'client_created']);
      expect(logs.body[1]).toMatchObject({
        category: 'clients',
        type: 'success',
        actor: { type: 'api_key' },
        targets: [{ type: 'client', id: app.body.id, name: 'Audited' }],
      });
      expect(logs.body[1].request.trace_id).toMatch(/^00-/);
      expect((await api('GET', `/logs/${logs.body[1].id}`)).body).toEqual(logs.body[1]);
      const blocks = await api('GET', `/logs?filter=${encodeURIComponent('code:user_account_blocked')}`);
      expect(blocks.body).toHaveLength(1);
      expect(blocks.body[0].targets[0].id).toBe(S.users.carol);
      const oldest = await api('GET', '/logs?sort=time_stamp:1&size=1');
      expect(oldest.body[0].code).toBe('user_registration_succeeded');
    });
  });

  describe('errors', () => {
    it('never writes a prototype, whatever a body holds', async () => {
      const raw = (method: string, path: string, text: string) =>
        fetch(`${sandbox.url}/api${path}`, {
          method,
          headers: { 'x-api-key': sandbox.apiKey, 'content-type': 'application/json' },
          body: text,
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as Loose }));
      const data = await raw(
        'PATCH',
        `/users/${S.users.erin}/public_data`,
        '{"public_data":{"__proto__":{"polluted":true},"ok":1}}',
      );
      expect(data.status).toBe(200);
      expect(Object.keys(data.body.public_data).sort()).toEqual(['fleet_size', 'newsletter', 'ok']);
      expect(Object.getPrototypeOf(data.body.public_data)).toBe(Object.prototype);
      const app = await raw(
        'POST',
        '/applications',
        '{"client_name":"P","allowed_grant_types":["client_credentials"],"claims":{"__proto__":{"polluted":true},"tier":"gold"}}',
      );
      expect(app.status).toBe(200);
      expect(app.body.claims).toEqual({ tier: 'gold' });
      const top = await raw('PATCH', '/branding/page', '{"__proto__":{"show_watermark":false}}');
      expect(top.status).toBe(422);
      expect(Object.keys(top.body.errors)).toEqual(['__proto__']);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect((await api('GET', '/branding/page')).body.show_watermark).toBe(true);
    });

    it('names the kind of record it cannot find', async () => {
      expect((await api('GET', '/applications/nope')).body.detail).toBe("Application 'nope' was not found.");
      expect((await api('GET', '/applications/nope/secrets')).body.detail).toBe(
        "Application 'nope' was not found.",
      );
      expect((await api('GET', '/truststores/nope/banned_certificates')).body.detail).toMatch(
        /^Trust store 'nope'/,
      );
    });

    it('names every bad field at once', async () => {
      const reply = await api('POST', '/applications', {
        client_name: 7,
        app_type: 'toaster',
        allowed_grant_types: ['password'],
        redirect_uris: 'https://x',
      });
      expectProblem(reply, 422);
      expect(reply.body.errors).toEqual({
        client_name: ['The client_name field must be a string.'],
        app_type: [
          expect.stringMatching(/"toaster" is not valid for app_type; expected one of: custom, spa/),
        ],
        'allowed_grant_types[0]': [expect.stringMatching(/"password" is not valid/)],
        redirect_uris: ['The redirect_uris field must be an array.'],
      });
    });
  });
});

describe('MonoCloud sandbox state and transport', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tenant-mcp-monocloud-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('saves the tenant to its state file after every change and loads it on the next start', async () => {
    const stateFile = join(dir, 'tenant.json');
    const first = await startMonoCloudSandbox({ stateFile });
    const group = await monoCall(first, 'POST', '/groups', { name: 'Kept' });
    await monoCall(first, 'POST', `/users/${S.users.erin}/groups/${group.body.group_id}`);
    await monoCall(first, 'DELETE', `/users/${S.users.dave}`);
    await monoCall(first, 'PUT', `/keys/${F.currentKey}/rotate`);
    const saved = JSON.parse(await readFile(stateFile, 'utf8'));
    expect(saved).toMatchObject({ version: 1, provider: 'monocloud' });
    await first.close();

    const second = await startMonoCloudSandbox({ stateFile });
    try {
      expect((await monoCall(second, 'GET', `/groups/${group.body.group_id}`)).body.users_assigned).toBe(1);
      expect((await monoCall(second, 'GET', `/users/${S.users.dave}`)).status).toBe(404);
      expect((await monoCall(second, 'GET', '/keys')).body).toHaveLength(3);
      const alice = await monoCall(second, 'PUT', `/users/${S.users.bob}/password/change`, {
        old_password: S.passwords.bob,
        new_password: 'Support-Bob-900',
      });
      expect(alice.status, alice.text).toBe(200);
    } finally {
      await second.close();
    }
  });

  it('refuses a state file it cannot read, naming it', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ version: 1, users: [] }));
    await expect(startMonoCloudSandbox({ stateFile: bad })).rejects.toThrow(
      /bad\.json cannot be read: not a MonoCloud sandbox state file/,
    );
  });

  it('starts a new tenant with only what every tenant has', async () => {
    const bare = await startMonoCloudSandbox({ seed: 'none' });
    try {
      expect((await monoCall(bare, 'GET', '/applications')).body).toEqual([]);
      // An empty list still knows which fields its records have.
      const none = await monoCall(
        bare,
        'GET',
        `/applications?filter=${encodeURIComponent('client_name:Kiosk')}`,
      );
      expect(none.status, none.text).toBe(200);
      expect(none.body).toEqual([]);
      expect((await monoCall(bare, 'GET', '/keys')).body).toHaveLength(2);
      const scopes = (await monoCall(bare, 'GET', '/resources/scopes?sort=name:1')).body;
      expect(scopes.map((s: { name: string }) => s.name)).toEqual([
        'address',
        'email',
        'openid',
        'phone',
        'profile',
      ]);
      expect((await monoCall(bare, 'GET', '/options/authentication')).status).toBe(200);
      expect((await monoCall(bare, 'GET', '/logs')).body).toEqual([]);
    } finally {
      await bare.close();
    }
  });

  it('serves HTTPS with a CA it generated', async () => {
    const secure = await startMonoCloudSandbox({ tls: true });
    const dispatcher = new Agent({ connect: { ca: secure.tls!.ca } });
    try {
      expect(secure.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const reply = await undiciFetch(`${secure.url}/api/groups`, {
        dispatcher,
        headers: { 'x-api-key': secure.apiKey },
      });
      expect(reply.status).toBe(200);
      expect(reply.headers.get('x-pagination')).toBeTruthy();
      await expect(fetch(`${secure.url}/api/groups`)).rejects.toThrow();
    } finally {
      await dispatcher.close();
      await secure.close();
    }
  });
});
