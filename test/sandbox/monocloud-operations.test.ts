// Proves each of the 53 MonoCloud Users operations answers a realistic request with the status and the
// response model the SDK facts name, judged against the facts file itself rather than the sandbox's code.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  MONOCLOUD_OPERATIONS,
  MONOCLOUD_SEED,
  type MonoCloudSandbox,
  startMonoCloudSandbox,
} from '../../src/sandbox/monocloud/index.js';

const FACTS = readFileSync(
  join(import.meta.dirname, '..', '..', '..', 'shared', 'monocloud', 'users-api.md'),
  'utf8',
);

/** One row of the facts' operation table. */
interface FactOperation {
  sdk: string;
  method: string;
  path: string;
  response: string;
}

const FACT_OPERATIONS: FactOperation[] = FACTS.split('\n')
  .filter((line) => line.startsWith('| `'))
  .map((line) => {
    const cells = line.split('|').map((c) => c.trim());
    return {
      sdk: cells[1]!.replaceAll('`', ''),
      method: cells[2]!,
      path: cells[3]!.replaceAll('`', ''),
      response: cells[6]!,
    };
  });

type Field = { name: string; optional: boolean; type: string };
const MODELS = new Map<string, Field[]>();
for (const m of FACTS.matchAll(/^### (\w+)\n(.+)$/gm)) {
  const fields = [...m[2]!.matchAll(/`(\w+)(\??): ([^`]+)`/g)].map((f) => ({
    name: f[1]!,
    optional: f[2] === '?',
    type: f[3]!.trim(),
  }));
  MODELS.set(m[1]!, fields);
}
const ENUMS = new Map<string, string[]>();
for (const m of FACTS.matchAll(/^- `(\w+)`: (.+)$/gm))
  ENUMS.set(
    m[1]!,
    [...m[2]!.matchAll(/'([^']+)'/g)].map((v) => v[1]!),
  );

/** Problems with `value` as an instance of the facts' `type` (a model, enum, primitive, array or union). */
function check(type: string, value: unknown, at: string): string[] {
  const alternatives = type.split('|').map((t) => t.trim());
  if (alternatives.length > 1) {
    if (value === null && alternatives.includes('null')) return [];
    return check(alternatives.filter((t) => t !== 'null').join(' | '), value, at);
  }
  if (type.endsWith('[]')) {
    if (!Array.isArray(value)) return [`${at}: expected an array`];
    return value.flatMap((item, i) => check(type.slice(0, -2), item, `${at}[${i}]`));
  }
  if (type === 'string' || type === 'number' || type === 'boolean')
    return typeof value === type ? [] : [`${at}: expected ${type}, got ${JSON.stringify(value)}`];
  if (type.startsWith('Record<'))
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? []
      : [`${at}: expected an object`];
  const allowed = ENUMS.get(type);
  if (allowed)
    return allowed.includes(value as string) ? [] : [`${at}: ${JSON.stringify(value)} is not a ${type}`];
  const fields = MODELS.get(type);
  if (!fields) return [`${at}: the facts define no type ${type}`];
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return [`${at}: expected a ${type} object`];
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const f of fields) {
    if (record[f.name] === undefined) {
      if (!f.optional) problems.push(`${at}.${f.name}: missing`);
      continue;
    }
    problems.push(...check(f.type, record[f.name], `${at}.${f.name}`));
  }
  for (const key of Object.keys(record))
    if (!fields.some((f) => f.name === key)) problems.push(`${at}.${key}: not a field of ${type}`);
  return problems;
}

const S = MONOCLOUD_SEED;
const U = S.users;

/** A realistic request per operation, against the seeded tenant. */
const REQUESTS: Record<string, { path: string; body?: unknown; status: number }> = {
  getAllUsers: { path: '/users?page=1&size=5&sort=creation_time:-1', status: 200 },
  createUser: {
    path: '/users',
    body: {
      email: 'hana.sato@example.org',
      email_verified: false,
      password: 'Robots-Rule-7',
      name: 'Hana Sato',
      given_name: 'Hana',
      family_name: 'Sato',
    },
    status: 200,
  },
  findUserById: { path: `/users/${U.alice}`, status: 200 },
  deleteUser: { path: `/users/${U.dave}`, status: 204 },
  enableUser: { path: `/users/${U.dave}/enable`, status: 200 },
  disableUser: { path: `/users/${U.bob}/disable`, body: { revoke_sessions: true }, status: 200 },
  unblockUser: { path: `/users/${U.carol}/unblock`, status: 200 },
  updateUsername: { path: `/users/${U.bob}/username`, body: { username: 'bob.okafor' }, status: 200 },
  removeUsername: { path: `/users/${U.alice}/username`, status: 200 },
  addEmail: {
    path: `/users/${U.bob}/emails`,
    body: { email: 'bob.okafor@example.com', is_verified: false },
    status: 200,
  },
  removeEmail: { path: `/users/${U.alice}/emails/${S.emails.alice}`, status: 200 },
  setPrimaryEmail: { path: `/users/${U.erin}/emails/${S.emails.erin}/primary`, status: 200 },
  setEmailVerified: { path: `/users/${U.erin}/emails/${S.emails.erin}/verify`, status: 200 },
  setEmailUnverified: { path: `/users/${U.bob}/emails/${S.emails.bob}/unverify`, status: 200 },
  verifyEmail: {
    path: `/users/${U.erin}/emails/${S.emails.erin}/verify/link`,
    body: { expiry: 86400 },
    status: 200,
  },
  addPhone: { path: `/users/${U.bob}/phones`, body: { phone_number: '+14155550123' }, status: 200 },
  removePhone: { path: `/users/${U.alice}/phones/${S.phones.alice}`, status: 200 },
  setPrimaryPhone: { path: `/users/${U.erin}/phones/${S.phones.erin}/primary`, status: 200 },
  setPhoneVerified: { path: `/users/${U.erin}/phones/${S.phones.erin}/verify`, status: 200 },
  setPhoneUnverified: { path: `/users/${U.alice}/phones/${S.phones.alice}/unverify`, status: 200 },
  removePasskey: { path: `/users/${U.alice}/passkeys/${S.passkeys.alicePhone}`, status: 204 },
  setPassword: {
    path: `/users/${U.grace}/password`,
    body: { password: 'Ledger-Grace-2025', is_temporary_password: false, revoke_sessions: true },
    status: 200,
  },
  removePassword: { path: `/users/${U.erin}/password`, status: 204 },
  setPasswordResetRequired: { path: `/users/${U.bob}/password/force_reset`, status: 200 },
  removePasswordResetRequired: { path: `/users/${U.grace}/password/force_reset`, status: 200 },
  resetPassword: {
    path: `/users/${U.carol}/password/reset`,
    body: { send_email: false, expiry: 1800 },
    status: 200,
  },
  changePassword: {
    path: `/users/${U.bob}/password/change`,
    body: { old_password: S.passwords.bob, new_password: 'Support-Bob-108', revoke_sessions: false },
    status: 200,
  },
  patchClaims: {
    path: `/users/${U.erin}/claims`,
    body: { locale: 'en-GB', address: { locality: 'Baltimore', country: 'US' } },
    status: 200,
  },
  getPrivateData: { path: `/users/${U.alice}/private_data`, status: 200 },
  patchPrivateData: {
    path: `/users/${U.alice}/private_data`,
    body: { private_data: { cost_centre: 'CC-7' } },
    status: 200,
  },
  getPublicData: { path: `/users/${U.alice}/public_data`, status: 200 },
  patchPublicData: {
    path: `/users/${U.erin}/public_data`,
    body: { public_data: { fleet_size: 4 } },
    status: 200,
  },
  getAllBlockedIps: { path: `/users/${U.carol}/blocked_ips?sort=block_until:-1`, status: 200 },
  unblockIp: {
    path: `/users/${U.carol}/blocked_ips/unblock`,
    body: { ip_address: S.attackerIp },
    status: 200,
  },
  getAllUserSessions: { path: `/users/${U.alice}/sessions?sort=initiated_at:-1`, status: 200 },
  findUserSession: { path: `/users/${U.alice}/sessions/${S.sessions.aliceLaptop}`, status: 200 },
  revokeUserSession: { path: `/users/${U.alice}/sessions/${S.sessions.alicePhone}`, status: 204 },
  externalAuthenticatorDisconnect: {
    path: `/users/${U.bob}/external_authenticator/disconnect`,
    body: { authenticator: 'github', provider_user_id: '58213477' },
    status: 200,
  },
  getAllUserGroups: { path: `/users/${U.alice}/groups?sort=creation_time:1`, status: 200 },
  findUserGroup: { path: `/users/${U.alice}/groups/${S.groups.fleetAdmins}`, status: 200 },
  assignUserToGroup: { path: `/users/${U.erin}/groups/${S.groups.betaTesters}`, status: 200 },
  removeUserFromGroup: { path: `/users/${U.bob}/groups/${S.groups.supportAgents}`, status: 204 },
  getAllGroupAssignedUsers: { path: `/users/groups/${S.groups.customers}/assigned?size=1`, status: 200 },
  getAllUserClientGrants: { path: `/users/${U.alice}/grants/clients`, status: 200 },
  getAllUserConsents: {
    path: `/users/${U.alice}/grants/consents?client_id=${S.clients.console}`,
    status: 200,
  },
  getAllReferenceTokens: { path: `/users/${U.alice}/grants/reference_tokens`, status: 200 },
  getAllRefreshTokens: {
    path: `/users/${U.alice}/grants/refresh_tokens?session_id=${S.sessions.aliceLaptop}`,
    status: 200,
  },
  getAllAuthorizationCodes: { path: `/users/${U.alice}/grants/codes?sort=creation_time:-1`, status: 200 },
  revokeUserClientGrants: { path: `/users/${U.alice}/grants/clients/${S.clients.mobile}`, status: 204 },
  revokeUserConsent: { path: `/users/${U.frank}/grants/consents/${S.consents.frankMobile}`, status: 204 },
  revokeReferenceToken: {
    path: `/users/${U.bob}/grants/reference_tokens/${S.referenceTokens.bobDesktop}`,
    status: 204,
  },
  revokeRefreshToken: {
    path: `/users/${U.erin}/grants/refresh_tokens/${S.refreshTokens.erinPhone}`,
    status: 204,
  },
  revokeAuthorizationCode: {
    path: `/users/${U.alice}/grants/codes/${S.authorizationCodes.alicePhone}`,
    status: 204,
  },
};

describe('MonoCloud sandbox: every Users operation', () => {
  let sandbox: MonoCloudSandbox;

  beforeAll(async () => {
    sandbox = await startMonoCloudSandbox();
  });
  beforeEach(() => sandbox.reset());
  afterAll(() => sandbox.close());

  it('reads 53 operations and their models from the facts', () => {
    expect(FACT_OPERATIONS).toHaveLength(53);
    expect(MODELS.get('User')?.length).toBeGreaterThan(20);
    expect(ENUMS.get('ExternalAuthenticators')).toContain('github');
  });

  it('has a model check that notices missing, mistyped and extra fields', async () => {
    const res = await fetch(`${sandbox.url}/api/users/${U.alice}`, {
      headers: { 'x-api-key': sandbox.apiKey },
    });
    const user = (await res.json()) as Record<string, unknown>;
    expect(check('User', user, 'user')).toEqual([]);
    expect(check('UserSummary', user, 'user')).toEqual([
      'user.public_data: not a field of UserSummary',
      'user.private_data: not a field of UserSummary',
    ]);
    const { disabled: _d, ...withoutDisabled } = user;
    expect(check('User', withoutDisabled, 'user')).toEqual(['user.disabled: missing']);
    expect(check('User', { ...user, failure_count: '0' }, 'user')).toEqual([
      'user.failure_count: expected number, got "0"',
    ]);
    expect(check('ExternalAuthenticators', 'myspace', 'x')).toEqual([
      'x: "myspace" is not a ExternalAuthenticators',
    ]);
  });

  it('serves exactly the facts operations, under snake_case ids', () => {
    const served = MONOCLOUD_OPERATIONS.map((op) => `${op.sdk} ${op.method} ${op.path}`);
    expect(served).toEqual(FACT_OPERATIONS.map((op) => `${op.sdk} ${op.method} ${op.path}`));
    for (const op of MONOCLOUD_OPERATIONS)
      expect(op.id).toBe(op.sdk.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
  });

  it('has a request for every operation in this table', () => {
    expect(Object.keys(REQUESTS).sort()).toEqual(FACT_OPERATIONS.map((op) => op.sdk).sort());
  });

  it.each(FACT_OPERATIONS.map((op) => [op.sdk, op] as const))('%s', async (_name, op) => {
    const request = REQUESTS[op.sdk]!;
    const res = await fetch(`${sandbox.url}/api${request.path}`, {
      method: op.method,
      headers: { 'x-api-key': sandbox.apiKey, 'content-type': 'application/json' },
      ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
    });
    const text = await res.text();
    expect(res.status, text).toBe(request.status);
    expect(res.headers.get('x-trace-id')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    const model = op.response.replace(' (paginated)', '');
    if (model === 'null') {
      expect(text).toBe('');
      return;
    }
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = JSON.parse(text) as unknown;
    expect(check(model, body, 'body')).toEqual([]);
    if (op.response.endsWith('(paginated)')) {
      expect(Array.isArray(body) && body.length > 0, 'a seeded list should not be empty').toBe(true);
      const pagination = JSON.parse(res.headers.get('x-pagination') ?? 'null') as Record<string, unknown>;
      expect(Object.keys(pagination).sort()).toEqual(
        ['current_page', 'has_next', 'has_previous', 'page_size', 'total_count'].sort(),
      );
      expect(pagination.current_page).toBe(1);
    } else {
      expect(res.headers.get('x-pagination')).toBeNull();
    }
  });
});
