// The audit tools against a recording upstream with a tenant we script to be as weak and as large as we
// like: every answer under 1,500 tokens with the rest paged, lists read page by page, a refused read
// reported not fatal, only GETs on the wire, and no secret in an answer or a snapshot file, even under a
// profile that reveals secrets.
import { readFileSync } from 'node:fs';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MONOCLOUD_PROVIDER } from '../../src/executor/index.js';
import { createProfile, getProfile } from '../../src/policy/profiles.js';
import { auth0Catalog } from '../../src/tools/auth0/index.js';
import { monocloudCatalog } from '../../src/tools/monocloud/index.js';
import { namedTools } from '../../src/tools/registry.js';
import {
  type RecordedRequest,
  type RecordingUpstream,
  startRecordingUpstream,
} from '../helpers/recording-upstream.js';
import { connectTasks, type Json, type TaskHarness } from './harness.js';

const MAX_TOKENS = 1500;
const SECRET = 'client-secret-VALUE-that-must-never-leak-0001';
const TOO_OLD = '2020-01-01T00:00:00.000Z';

/** A tenant where everything a review checks is weak, with 150 applications and 60 databases. */
function weakTenant(options: { forbid?: string; clientNames?: (i: number) => string } = {}) {
  const clients = Array.from({ length: 150 }, (_, i) => ({
    client_id: `client${String(i).padStart(4, '0')}`,
    name: options.clientNames?.(i) ?? `App ${i}`,
    app_type: i % 2 ? 'spa' : 'regular_web',
    client_secret: SECRET,
    grant_types: ['password', 'implicit', 'authorization_code'],
    callbacks: ['http://app.example.com/cb', 'https://*.example.com/cb'],
    refresh_token: { rotation_type: 'non-rotating', expiration_type: 'non-expiring' },
    jwt_configuration: { alg: 'HS256' },
  }));
  const connections = Array.from({ length: 60 }, (_, i) => ({
    id: `con_${String(i).padStart(16, '0')}`,
    name: `db-${i}`,
    strategy: 'auth0',
    options: {
      passwordPolicy: 'low',
      password_complexity_options: { min_length: 4 },
      brute_force_protection: false,
    },
  }));
  const page = (request: RecordedRequest, rows: unknown[]) => {
    const n = Number(request.query.get('page') ?? 0);
    const size = Number(request.query.get('per_page') ?? 50);
    return rows.slice(n * size, (n + 1) * size);
  };
  return (request: RecordedRequest) => {
    const path = decodeURIComponent(request.path).replace(/^\/api\/v2/, '');
    if (options.forbid === path) {
      return {
        status: 403,
        body: { statusCode: 403, error: 'Forbidden', message: 'no', errorCode: 'insufficient_scope' },
      };
    }
    const ok = (body: unknown) => ({ status: 200, body });
    switch (path) {
      case '/attack-protection/brute-force-protection':
      case '/attack-protection/breached-password-detection':
      case '/attack-protection/suspicious-ip-throttling':
        return ok({ enabled: false, shields: [] });
      case '/attack-protection/bot-detection':
        return ok({ bot_detection_level: 'off' });
      case '/guardian/policies':
        return ok(['all-applications']);
      case '/guardian/factors':
        return ok([{ name: 'sms', enabled: false }]);
      case '/tenants/settings':
        return ok({
          session_lifetime: 8760,
          idle_session_lifetime: 720,
          flags: {
            allow_legacy_ro_grant_types: true,
            disable_clickjack_protection_headers: true,
            enable_public_signup_user_exists_error: true,
          },
        });
      case '/connections':
        return ok(page(request, connections));
      case '/clients':
        return ok(page(request, clients));
      case '/resource-servers':
        return ok([{ id: 'rs1', name: 'Fleet API', token_lifetime: 604800, signing_alg: 'HS256' }]);
      case '/keys/signing':
        return ok([{ kid: 'k1', current: true, current_since: TOO_OLD, pkcs7: 'PUBLIC' }]);
      default:
        return ok([]);
    }
  };
}

let upstream: RecordingUpstream;
let agent: TaskHarness;
const tenant = () => ({ domain: upstream.url, clientId: 'cid', clientSecret: 'csecret-audit-tests' });

beforeAll(async () => {
  upstream = await startRecordingUpstream({
    tokenEndpoint: { clientId: 'cid', clientSecret: 'csecret-audit-tests' },
  });
  agent = await connectTasks({ ...tenant(), profile: 'read-only' });
});
afterAll(async () => {
  await agent?.close();
  await upstream?.close();
});
beforeEach(() => upstream.reset());

describe('review_security_settings', () => {
  it('finds every weakness, highest first, pages them within 1,500 tokens, and sends only reads', async () => {
    upstream.setFallback(weakTenant());
    const first = await agent.call('review_security_settings');
    expect(first.isError, first.text).toBe(false);
    expect(encode(first.text).length).toBeLessThanOrEqual(MAX_TOKENS);
    expect(first.json.summary).toMatch(/^2\d findings: /);
    expect(first.json.findings[0].risk).toBe('high');
    expect(first.json.next_from).toBe(first.json.findings.length);
    const second = await agent.call('review_security_settings', { from: first.json.next_from });
    expect(encode(second.text).length).toBeLessThanOrEqual(MAX_TOKENS);
    const all = [...first.json.findings, ...second.json.findings].map((f: Json) => f.id);
    expect(new Set(all).size).toBe(all.length);
    expect(all).toEqual(
      expect.arrayContaining([
        'brute_force_off',
        'breached_passwords_off',
        'suspicious_ip_off',
        'bot_detection_off',
        'mfa_required_without_factor',
        'password_policy_weak',
        'password_short_minimum',
        'connection_brute_force_off',
        'session_lifetime_long',
        'idle_session_long',
        'legacy_features_on',
        'clickjack_headers_off',
        'signup_reveals_accounts',
        'password_grant_allowed',
        'implicit_grant_allowed',
        'refresh_tokens_never_expire',
        'insecure_callbacks',
        'symmetric_id_tokens',
        'access_tokens_long',
        'api_hs256',
        'signing_key_old',
      ]),
    );
    // Sixty weak databases make one finding naming five of them and counting the rest.
    const evidence = {
      ...first.json.untrusted_tenant_data.evidence,
      ...second.json.untrusted_tenant_data.evidence,
    };
    expect(evidence.password_policy_weak.connections).toEqual({
      names: ['db-0', 'db-1', 'db-2', 'db-3', 'db-4'],
      more: 55,
    });
    expect(upstream.requests.every((r) => r.method === 'GET')).toBe(true);
    const clientPages = upstream.requests
      .filter((r) => r.path === '/api/v2/clients')
      .map((r) => r.query.get('page'));
    expect(clientPages).toEqual(['0', '1', '0', '1']);
    expect(first.text + second.text).not.toContain(SECRET);
  });

  it('reports a refused read as not checked and reviews the rest', async () => {
    upstream.setFallback(weakTenant({ forbid: '/keys/signing' }));
    const { json, isError } = await agent.call('review_security_settings');
    expect(isError).toBe(false);
    expect(json.not_checked).toEqual({ 'signing keys': 'HTTP 403 insufficient_scope' });
    expect(json.checked).not.toContain('signing keys');
    expect(json.findings.length).toBeGreaterThan(5);
  });
});

describe('snapshot_tenant and diff_tenant', () => {
  it('writes no secret even under a profile that reveals secrets, and pages a large diff', async () => {
    const revealer = await connectTasks({
      ...tenant(),
      profile: createProfile(
        { name: 'revealer', extends: getProfile('read-only', auth0Catalog), revealSecrets: true },
        auth0Catalog.operations,
        namedTools('auth0'),
      ),
    });
    try {
      upstream.setFallback(weakTenant());
      // The profile does reveal: a plain read shows the secret to the agent.
      const read = await revealer.call('invoke_read_operation', {
        operation: 'get_clients',
        arguments: { per_page: 1 },
      });
      expect(read.text).toContain(SECRET);
      const snap = await revealer.call('snapshot_tenant');
      expect(snap.isError, snap.text).toBe(false);
      expect(snap.json.counts).toMatchObject({ clients: 150, connections: 60, resource_servers: 1 });
      const saved = readFileSync(snap.json.file, 'utf8');
      expect(saved).not.toContain(SECRET);
      expect(saved).toContain('"client_secret":"[masked]"');

      // Every application renamed: 150 changes, fifteen or fewer per answer, the rest paged.
      upstream.setFallback(weakTenant({ clientNames: (i) => `Renamed ${i}` }));
      const diff = await revealer.call('diff_tenant');
      expect(diff.isError, diff.text).toBe(false);
      expect(diff.json).toMatchObject({ changes: 150, by_kind: { clients: { changed: 150 } } });
      expect(diff.json.shown).toBeLessThanOrEqual(15);
      expect(encode(diff.text).length).toBeLessThanOrEqual(MAX_TOKENS);
      expect(diff.text).not.toContain(SECRET);
      const next = await revealer.call('diff_tenant', { from: diff.json.next_from });
      expect(next.json.untrusted_tenant_data.changes[0].id).not.toBe(
        diff.json.untrusted_tenant_data.changes[0].id,
      );
      expect(encode(next.text).length).toBeLessThanOrEqual(MAX_TOKENS);
    } finally {
      await revealer.close();
    }
  });

  it('explains a change with the Management API event whose path names it', async () => {
    const since = new Date().toISOString();
    upstream.setFallback(weakTenant());
    const snap = await agent.call('snapshot_tenant', { kinds: ['resource_servers'] });
    expect(snap.json.counts).toEqual({ resource_servers: 1 });
    const changed = weakTenant();
    upstream.setFallback((request) => {
      const path = decodeURIComponent(request.path);
      if (path === '/api/v2/resource-servers')
        return {
          status: 200,
          body: [{ id: 'rs1', name: 'Fleet API', token_lifetime: 3600, signing_alg: 'RS256' }],
        };
      if (path === '/api/v2/logs') {
        expect(request.query.get('search')).toContain('type:sapi');
        return {
          status: 200,
          body: [
            {
              date: since,
              type: 'sapi',
              client_name: 'Deploy bot',
              details: { request: { method: 'patch', path: '/api/v2/resource-servers/rs1' } },
            },
            {
              date: since,
              type: 'sapi',
              details: { request: { method: 'patch', path: '/api/v2/clients/other' } },
            },
          ],
        };
      }
      return changed(request);
    });
    const diff = await agent.call('diff_tenant', { snapshot: snap.json.snapshot });
    expect(diff.json).toMatchObject({ changes: 1, explained_by_logs: 1 });
    expect(diff.json.untrusted_tenant_data.changes[0]).toMatchObject({
      kind: 'resource_servers',
      id: 'rs1',
      fields: ['signing_alg', 'token_lifetime'],
      events: [{ by: 'Deploy bot', request: 'PATCH /api/v2/resource-servers/rs1' }],
    });
  });
});

describe('MonoCloud', () => {
  let mono: RecordingUpstream;
  let reviewer: TaskHarness;
  beforeAll(async () => {
    mono = await startRecordingUpstream({
      tokenEndpoint: false,
      apiKey: { key: 'mono-key-for-audit-tests-01' },
    });
    reviewer = await connectTasks({
      domain: mono.url,
      auth: { kind: 'api_key', apiKey: 'mono-key-for-audit-tests-01' },
      provider: MONOCLOUD_PROVIDER,
      catalog: monocloudCatalog,
      profile: 'read-only',
    });
  });
  afterAll(async () => {
    await reviewer?.close();
    await mono?.close();
  });

  it('pages applications from 1 with size, and finds PKCE off for a SPA and a stale key', async () => {
    const apps = Array.from({ length: 120 }, (_, i) => ({
      id: `app-${i}`,
      client_name: `App ${i}`,
      app_type: 'spa',
      require_pkce: i !== 7,
      allowed_grant_types: ['authorization_code'],
      redirect_uris: ['https://app.example.com/cb'],
    }));
    mono.setFallback((request) => {
      const path = request.path.replace(/^\/api/, '');
      if (path === '/options/authentication')
        return {
          status: 200,
          body: {
            account_protection: {
              user_lockout: { enabled: true, max_failed_access_attempts: 5, lockout_type: 'user_account' },
            },
          },
        };
      if (path === '/applications') {
        const page = Number(request.query.get('page'));
        const size = Number(request.query.get('size'));
        return { status: 200, body: apps.slice((page - 1) * size, page * size) };
      }
      if (path === '/keys')
        return {
          status: 200,
          body: [{ id: 'k', is_current: true, use: 'signing', creation_time: 1_500_000_000 }],
        };
      return { status: 404, body: { title: 'Not Found', status: 404 } };
    });
    const { json, text, isError } = await reviewer.call('review_security_settings');
    expect(isError, text).toBe(false);
    expect(json.findings.map((f: Json) => f.id)).toEqual(['pkce_not_required', 'signing_key_old']);
    expect(json.untrusted_tenant_data.evidence.pkce_not_required).toEqual({
      applications: { names: ['App 7'] },
    });
    expect(json.limits).toMatch(/MFA policy: not checked/);
    const pages = mono.requests
      .filter((r) => r.path === '/api/applications')
      .map((r) => `${r.query.get('page')}:${r.query.get('size')}`);
    expect(pages).toEqual(['1:100', '2:100']);
    expect(encode(text).length).toBeLessThanOrEqual(MAX_TOKENS);
  });
});
