// MonoCloud's catalog is generated from a document we wrote: pins its coverage of the SDK, the invariants
// every operation must hold, the risk classes, and the bad input its schemas refuse before anything is sent.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { generate } from '../../src/generator/generate.js';
import type { OperationObject } from '../../src/generator/openapi.js';
import { MONOCLOUD } from '../../src/generator/providers.js';
import { monocloudCatalog, UnknownOperationError } from '../../src/tools/monocloud/index.js';
import type { Risk } from '../../src/tools/types.js';
import { loadMonocloudSpec } from './fixtures.js';

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const ops = monocloudCatalog.operations;
const SNAPS = join(import.meta.dirname, '__snapshots__');

/** The Users client's 53 methods, as the SDK names them (the facts in users-api.md). */
const USERS_METHODS = [
  'getAllUsers',
  'createUser',
  'findUserById',
  'deleteUser',
  'enableUser',
  'disableUser',
  'unblockUser',
  'updateUsername',
  'removeUsername',
  'addEmail',
  'removeEmail',
  'setPrimaryEmail',
  'setEmailVerified',
  'setEmailUnverified',
  'verifyEmail',
  'addPhone',
  'removePhone',
  'setPrimaryPhone',
  'setPhoneVerified',
  'setPhoneUnverified',
  'removePasskey',
  'setPassword',
  'removePassword',
  'setPasswordResetRequired',
  'removePasswordResetRequired',
  'resetPassword',
  'changePassword',
  'patchClaims',
  'getPrivateData',
  'patchPrivateData',
  'getPublicData',
  'patchPublicData',
  'getAllBlockedIps',
  'unblockIp',
  'getAllUserSessions',
  'findUserSession',
  'revokeUserSession',
  'externalAuthenticatorDisconnect',
  'getAllUserGroups',
  'findUserGroup',
  'assignUserToGroup',
  'removeUserFromGroup',
  'getAllGroupAssignedUsers',
  'getAllUserClientGrants',
  'getAllUserConsents',
  'getAllReferenceTokens',
  'getAllRefreshTokens',
  'getAllAuthorizationCodes',
  'revokeUserClientGrants',
  'revokeUserConsent',
  'revokeReferenceToken',
  'revokeRefreshToken',
  'revokeAuthorizationCode',
];

/** Operations written per SDK client (toolset), checked against the SDK 0.2.7 source. */
const PER_TOOLSET = {
  users: 53,
  applications: 14,
  groups: 5,
  resources: 34,
  keys: 3,
  logs: 2,
  'network-zones': 9,
  options: 9,
  'trust-stores': 13,
  branding: 6,
};

/** Writes that are destructive although their method is not DELETE: credentials, access, irreversible. */
const DESTRUCTIVE_WRITES = [
  'disable_user',
  // Re-opening access an administrator closed: a person confirms, as for Auth0's `blocked` field.
  'enable_user',
  'set_password',
  'reset_password',
  'change_password',
  'external_authenticator_disconnect',
  'convert_api_access_basic_to_advanced_policy',
  'rotate_key',
  'revoke_key',
];

const snake = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

/** Every operation object of our document, by operation id. */
function documentOperations(): Map<string, OperationObject & { path: string; method: string }> {
  const found = new Map<string, OperationObject & { path: string; method: string }>();
  for (const [path, item] of Object.entries(loadMonocloudSpec().paths)) {
    for (const [method, op] of Object.entries(item) as Array<[string, OperationObject]>) {
      found.set(op.operationId!, { ...op, path, method });
    }
  }
  return found;
}

async function issues(id: string, args: unknown): Promise<string[]> {
  const result = (await monocloudCatalog.inputSchema(id)).safeParse(args);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('monocloud catalog', () => {
  const document = documentOperations();

  it('covers the SDK client by client, 148 operations, the Users client whole', () => {
    expect(ops).toHaveLength(148);
    const counts: Record<string, number> = {};
    for (const op of ops) counts[op.toolset] = (counts[op.toolset] ?? 0) + 1;
    expect(counts).toEqual(PER_TOOLSET);
    const users = ops.filter((op) => op.toolset === 'users').map((op) => op.id);
    expect(users).toEqual(USERS_METHODS.map(snake));
  });

  it('names each operation after its SDK method in snake_case', () => {
    for (const op of ops) {
      const method = String(document.get(op.id)?.['x-monocloud-sdk-method']).split('.')[1]!;
      expect(op.id, method).toBe(snake(method));
      expect(op.toolName).toBe(op.id);
    }
    expect(ops.map((op) => op.id)).toEqual(expect.arrayContaining(['get_all_users', 'find_user_by_id']));
  });

  it('holds the invariants for every operation', async () => {
    const ids = new Set<string>();
    for (const op of ops) {
      const at = op.id;
      const source = document.get(op.id)!;
      expect(op.toolName, at).toMatch(TOOL_NAME);
      expect(ids.has(op.id), `${at} is unique`).toBe(false);
      ids.add(op.id);
      expect(op.scopes, `${at}: an API key carries no scopes`).toEqual([]);
      expect(op.toolset, at).toMatch(/^[a-z0-9-]+$/);
      expect(op.summary, `${at} keeps our document's summary`).toBe(source.summary);
      expect(op.summary, at).toMatch(/^[A-Z][^\n]{5,159}$/);
      expect(op.risk, `${at} risk`).toBe(source['x-tenant-mcp-risk'] as Risk);
      expect(['read', 'write', 'destructive'], at).toContain(op.risk);
      if (op.method === 'GET') expect(op.risk, at).toBe('read');
      else expect(op.risk, at).not.toBe('read');

      const args = [...op.params.map((p) => p.name), ...(op.body?.fields ?? [])];
      expect(new Set(args).size, `${at} argument names are distinct`).toBe(args.length);
      for (const [, name] of op.path.matchAll(/\{([^}]+)\}/g)) {
        expect(
          op.params.find((p) => p.name === name && p.in === 'path'),
          `${at} ${name}`,
        ).toBeTruthy();
      }
      expect(op.body?.mode ?? 'fields', `${at} body spreads into arguments`).toBe('fields');

      const schema = await monocloudCatalog.inputSchema(op.id);
      const json = z.toJSONSchema(schema) as Record<string, unknown>;
      expect(json.type, `${at} input is an object`).toBe('object');
      expect(json.additionalProperties, `${at} input is strict`).toBe(false);
      for (const combinator of ['anyOf', 'oneOf', 'allOf']) expect(json, at).not.toHaveProperty(combinator);
      expect(Object.keys(json.properties as object).sort(), `${at} input keys`).toEqual([...args].sort());
      for (const param of op.params.filter((p) => p.in === 'path')) {
        expect(json.required, `${at} requires ${param.name}`).toContain(param.name);
      }
    }
  });

  it('marks deletes, revocations and credential changes destructive, and nothing else', () => {
    const destructive = ops.filter((op) => op.risk === 'destructive').map((op) => op.id);
    const deletes = ops
      .filter((op) => op.method === 'DELETE' && op.id !== 'remove_password_reset_required')
      .map((op) => op.id);
    expect(destructive.sort()).toEqual([...deletes, ...DESTRUCTIVE_WRITES].sort());
    const risk = (id: string) => ops.find((op) => op.id === id)?.risk;
    // Clearing the forced reset only removes a demand on the user; forcing one costs them nothing they own.
    expect(risk('remove_password_reset_required')).toBe('write');
    expect(risk('set_password_reset_required')).toBe('write');
    for (const id of ['remove_passkey', 'remove_password', 'revoke_user_session', 'revoke_refresh_token']) {
      expect(risk(id), id).toBe('destructive');
    }
  });

  it('gives the user-support operations search keywords', () => {
    const keywords = (id: string) => ops.find((op) => op.id === id)?.keywords ?? [];
    expect(keywords('disable_user')).toEqual(expect.arrayContaining(['block', 'suspend']));
    expect(keywords('enable_user')).toEqual(expect.arrayContaining(['unblock']));
    expect(keywords('unblock_user')).toEqual(expect.arrayContaining(['unlock', 'lockout']));
    expect(keywords('reset_password')).toEqual(expect.arrayContaining(['reset password', 'forgot password']));
    expect(keywords('revoke_user_session')).toEqual(expect.arrayContaining(['sign out', 'logout']));
    expect(keywords('remove_passkey')).toEqual(expect.arrayContaining(['mfa']));
  });

  it('memoizes schemas and rejects unknown ids clearly', async () => {
    const first = await monocloudCatalog.inputSchema('get_all_users');
    expect(await monocloudCatalog.inputSchema('get_all_users')).toBe(first);
    await expect(monocloudCatalog.inputSchema('get_users')).rejects.toThrow(UnknownOperationError);
    await expect(monocloudCatalog.inputSchema('toString')).rejects.toThrow(
      /No MonoCloud operation has the id "toString"/,
    );
  });

  it('carries our descriptions into the input schema an agent sees', async () => {
    const json = z.toJSONSchema(await monocloudCatalog.inputSchema('get_all_users')) as {
      properties: Record<string, { description?: string }>;
    };
    expect(json.properties.page?.description).toBe('Page number, from 1.');
    expect(json.properties.sort?.description).toContain('last_sign_in_attempt');
  });

  it.each([
    'create_user',
    'set_password',
    'get_all_users',
    'external_authenticator_disconnect',
    'patch_claims',
  ])('pins the input schema of %s', async (id) => {
    const json = z.toJSONSchema(await monocloudCatalog.inputSchema(id));
    await expect(`${JSON.stringify(json, null, 2)}\n`).toMatchFileSnapshot(
      join(SNAPS, `monocloud-${id}.json`),
    );
  });
});

describe('monocloud input refused before sending, naming the field', () => {
  it.each<[string, string, Record<string, unknown>, string]>([
    ['a number as a user id', 'find_user_by_id', { user_id: 42 }, 'user_id: Invalid input: expected string'],
    ['an empty user id', 'delete_user', { user_id: '' }, 'user_id: Too small'],
    ['a numeric session id', 'revoke_user_session', { user_id: 'u1', session_id: 7 }, 'session_id: Invalid'],
    [
      'a boolean given as a string',
      'disable_user',
      { user_id: 'u1', revoke_sessions: 'true' },
      'revoke_sessions: Invalid input: expected boolean',
    ],
    [
      'a boolean given as a string',
      'add_email',
      { user_id: 'u1', email: 'a@example.com', is_verified: 'yes' },
      'is_verified: Invalid input: expected boolean',
    ],
    [
      'an authenticator not in the list',
      'external_authenticator_disconnect',
      { user_id: 'u1', authenticator: 'okta', provider_user_id: 'p' },
      'authenticator: Invalid option',
    ],
    [
      'an unknown hash algorithm',
      'set_password',
      { user_id: 'u1', password_hash: '$2b$', password_hash_algorithm: 'md5' },
      'password_hash_algorithm: Invalid input: expected "bcrypt"',
    ],
    [
      'a password_hash without its algorithm (create)',
      'create_user',
      { email: 'a@example.com', password_hash: '$2b$10$abc' },
      'password_hash: password_hash needs password_hash_algorithm',
    ],
    [
      'a password_hash without its algorithm (set)',
      'set_password',
      { user_id: 'u1', password_hash: '$2b$10$abc' },
      'password_hash: password_hash needs password_hash_algorithm',
    ],
    [
      'a new_password_hash without its algorithm',
      'change_password',
      { user_id: 'u1', old_password: 'old', new_password_hash: '$2b$' },
      'new_password_hash: new_password_hash needs new_password_hash_algorithm',
    ],
    [
      'a password and a hash together',
      'set_password',
      { user_id: 'u1', password: 'p', password_hash: '$2b$', password_hash_algorithm: 'bcrypt' },
      'password_hash: password and password_hash cannot be sent together',
    ],
    [
      'a set_password with no password at all',
      'set_password',
      { user_id: 'u1', revoke_sessions: true },
      'password: Send at least one of password or password_hash',
    ],
    ['a page below 1', 'get_all_users', { page: 0 }, 'page: Too small'],
    ['a fractional page size', 'get_all_users', { size: 2.5 }, 'size: Invalid input: expected int'],
    ['a sort without a direction', 'get_all_users', { sort: 'creation_time' }, 'sort: Invalid string'],
    [
      'an expiry given as a string',
      'reset_password',
      { user_id: 'u1', expiry: '3600' },
      'expiry: Invalid input: expected number',
    ],
    ['an unknown argument', 'enable_user', { user_id: 'u1', force: true }, ': Unrecognized key: "force"'],
    [
      'an unknown key in a nested request object',
      'patch_claims',
      { user_id: 'u1', address: { town: 'x' } },
      'address: Unrecognized key: "town"',
    ],
    [
      'private data that is not an object',
      'patch_private_data',
      { user_id: 'u1', private_data: 'x' },
      'private_data: Invalid input: expected object',
    ],
  ])('refuses %s (%s)', async (_, id, args, expected) => {
    const found = await issues(id, args);
    expect(
      found.some((issue) => issue.startsWith(expected)),
      found.join('\n'),
    ).toBe(true);
  });

  it('accepts the calls the refusals are variations of', async () => {
    const ok: Array<[string, Record<string, unknown>]> = [
      ['find_user_by_id', { user_id: 'usr_1' }],
      ['disable_user', { user_id: 'u1', revoke_sessions: true }],
      ['disable_user', { user_id: 'u1' }],
      [
        'external_authenticator_disconnect',
        { user_id: 'u1', authenticator: 'google', provider_user_id: 'p' },
      ],
      [
        'create_user',
        { email: 'a@example.com', password_hash: '$2b$10$abc', password_hash_algorithm: 'bcrypt' },
      ],
      ['create_user', { username: 'ann', password: 'S3cret!pass', is_temporary_password: true }],
      ['set_password', { user_id: 'u1', password: 'S3cret!pass', revoke_sessions: true }],
      ['change_password', { user_id: 'u1', old_password: 'old', new_password: 'new' }],
      ['get_all_users', { page: 1, size: 20, filter: 'email:ann', sort: 'creation_time:-1' }],
      ['patch_private_data', { user_id: 'u1', private_data: { plan: 'gold', stale: null } }],
      ['patch_claims', { user_id: 'u1', address: { locality: 'Oslo', country: null } }],
    ];
    for (const [id, args] of ok) expect(await issues(id, args), id).toEqual([]);
  });
});

describe('generating from our own document', () => {
  it('is deterministic and keeps summaries given in the document', async () => {
    const spec = loadMonocloudSpec();
    const first = await generate({ provider: MONOCLOUD, spec });
    expect(await generate({ provider: MONOCLOUD, spec })).toEqual(first);
    const catalog = first[0]!.content;
    expect(catalog).toContain(
      "summary: 'Disable a user so the account cannot sign in, optionally ending its sessions'",
    );
    expect(catalog).not.toContain('Post to');
  });

  it('refuses our keys anywhere but on an operation', async () => {
    const spec = structuredClone(loadMonocloudSpec());
    (spec.components!.schemas!.User as Record<string, unknown>)['x-tenant-mcp-risk'] = 'read';
    await expect(generate({ provider: MONOCLOUD, spec })).rejects.toThrow(
      /x-tenant-mcp-risk at components > schemas > User is not on an operation object/,
    );
  });

  it('refuses a summary that is not one short line', async () => {
    const spec = structuredClone(loadMonocloudSpec());
    (spec.paths['/users']!.get as { summary: string }).summary = 'Two\nlines';
    await expect(generate({ provider: MONOCLOUD, spec })).rejects.toThrow(
      /get_all_users .*summary must be one line/,
    );
  });
});
