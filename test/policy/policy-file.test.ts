// Pins the policy-file format: every mistake stops start-up with the file, line and key path, the rules
// mean what the loader's comment says, and tenants take credentials from the environment only.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  loadPolicyFile,
  type PolicyFile,
  PolicyFileError,
  parsePolicy,
  resolveTenant,
} from '../../src/policy/policy-file.js';
import { getProfile, INVOKE_WRITE_TOOL, resolveProfile } from '../../src/policy/profiles.js';
import type { Profile } from '../../src/policy/types.js';
import { auth0Catalog } from '../../src/tools/auth0/index.js';
import { monocloudCatalog } from '../../src/tools/monocloud/index.js';
import type { OperationSpec } from '../../src/tools/types.js';

const ops = auth0Catalog.operations;
const op = (id: string): OperationSpec => {
  const found = ops.find((o) => o.id === id);
  if (!found) throw new Error(`no operation ${id}`);
  return found;
};
const allowedIds = (profile: Profile) => ops.filter((o) => !profile.denies(o)).map((o) => o.id);
const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'policy.yaml');

/** Lines joined as a YAML document, so a test reads with its line numbers in mind. */
const doc = (...lines: string[]) => `${lines.join('\n')}\n`;

function parse(text: string): PolicyFile {
  return parsePolicy(text, 'policy.yaml');
}

function profile(text: string, name = 'support'): Profile {
  const found = parse(text).profiles.get(name);
  if (!found) throw new Error(`no profile ${name}`);
  return found;
}

function failure(text: string): PolicyFileError {
  try {
    parse(text);
  } catch (error) {
    if (error instanceof PolicyFileError) return error;
    throw error;
  }
  throw new Error('the policy parsed');
}

/** [what, document, line, key path, reason (exact string or pattern)] */
const ERRORS: Array<[string, string, number, string, string | RegExp]> = [
  [
    'a YAML syntax error',
    doc('version: 1', 'profiles:', '  support:', '    allow:', '      - get_users', '     - get_logs'),
    6,
    'profiles.support.allow[0]',
    /^YAML syntax error: /,
  ],
  [
    'a duplicate key',
    doc('version: 1', 'profiles:', '  support:', '    extends: helpdesk', '    deny: [a]', '    deny: [b]'),
    6,
    'profiles.support.deny',
    'YAML syntax error: Map keys must be unique',
  ],
  [
    'a misspelt profile key',
    doc('version: 1', 'profiles:', '  support:', '    extends: helpdesk', '    alow: [get_users]'),
    5,
    'profiles.support.alow',
    'unknown key (did you mean "allow"?); known keys: description, provider, extends, allow, deny, max_risk, ' +
      'confirm, constraints, scopes, reveal_secrets, elicitation',
  ],
  [
    'a misspelt top-level key',
    doc('version: 1', 'tenant:', '  prod: {}'),
    2,
    'tenant',
    /^unknown key \(did you mean "tenants"\?\)/,
  ],
  [
    'a misspelt constraint key',
    doc(
      'version: 1',
      'profiles:',
      '  support:',
      '    extends: admin',
      '    constraints:',
      '      - operations: [post_users]',
      '        argumet: connection',
    ),
    7,
    'profiles.support.constraints[0].argumet',
    /^unknown key \(did you mean "argument"\?\)/,
  ],
  ['a missing version', doc('profiles: {}'), 1, 'version', 'missing (expected 1)'],
  ['another version', doc('version: 2'), 1, 'version', 'expected 1, got 2'],
  [
    'a string where a list goes',
    doc('version: 1', 'profiles:', '  support:', '    allow: get_users'),
    4,
    'profiles.support.allow',
    'expected a list, got a string',
  ],
  [
    'a string where a boolean goes',
    doc('version: 1', 'profiles:', '  support:', '    extends: admin', '    reveal_secrets: "yes"'),
    5,
    'profiles.support.reveal_secrets',
    'expected a boolean, got a string',
  ],
  [
    'an unknown risk',
    doc('version: 1', 'profiles:', '  support:', '    extends: admin', '    max_risk: writ'),
    5,
    'profiles.support.max_risk',
    'expected "read" | "write" | "destructive", got "writ"',
  ],
  [
    'an unknown confirm mode',
    doc(
      'version: 1',
      'profiles:',
      '  support:',
      '    extends: admin',
      '    confirm:',
      '      post_users: sometimes',
    ),
    6,
    'profiles.support.confirm.post_users',
    'expected "always" | "never", got "sometimes"',
  ],
  [
    'an unknown built-in in extends',
    doc('version: 1', 'profiles:', '  support:', '    extends: helpdsk'),
    4,
    'profiles.support.extends',
    'unknown profile "helpdsk" (did you mean "helpdesk"? known: read-only, admin, helpdesk)',
  ],
  [
    'an extends cycle',
    doc(
      'version: 1',
      'profiles:',
      '  a:',
      '    extends: b',
      '  b:',
      '    extends: c',
      '  c:',
      '    extends: a',
    ),
    8,
    'profiles.c.extends',
    'extends cycle: a → b → c → a',
  ],
  [
    'a profile extending itself',
    doc('version: 1', 'profiles:', '  a:', '    extends: a'),
    4,
    'profiles.a.extends',
    'extends cycle: a → a',
  ],
  [
    'an operation glob that matches nothing',
    doc(
      'version: 1',
      'profiles:',
      '  support:',
      '    extends: admin',
      '    deny:',
      '      - get_users',
      '      - get_userz',
    ),
    7,
    'profiles.support.deny[1]',
    '"get_userz" matches no operation id (did you mean "get_users"?); use search_operations to find ids',
  ],
  [
    'an unknown toolset',
    doc('version: 1', 'profiles:', '  support:', '    allow: [get_users, "toolset:logs", "toolset:userz"]'),
    4,
    'profiles.support.allow[2]',
    /^unknown toolset "userz" \(did you mean "users"\? known: actions, anomaly, /,
  ],
  [
    'an unknown tool',
    doc(
      'version: 1',
      'profiles:',
      '  support:',
      '    extends: helpdesk',
      '    deny:',
      '      - "tool:blok_user"',
    ),
    6,
    'profiles.support.deny[0]',
    /^unknown tool "blok_user" \(did you mean "block_user"\? known: search_operations, /,
  ],
  [
    'an unknown rule prefix',
    doc('version: 1', 'profiles:', '  support:', '    allow: ["toolsets:users"]'),
    4,
    'profiles.support.allow[0]',
    'unknown prefix "toolsets:" (use toolset:<glob>, tool:<glob> or an operation id glob)',
  ],
  [
    'an unknown scope',
    doc(
      'version: 1',
      'profiles:',
      '  support:',
      '    extends: admin',
      '    scopes:',
      '      - read:users',
      '      - read:user',
    ),
    7,
    'profiles.support.scopes[1]',
    /^unknown scope "read:user" \(did you mean "read:users"\? 221 known\)$/,
  ],
  [
    'a built-in name reused',
    doc('version: 1', 'profiles:', '  admin:', '    extends: read-only'),
    3,
    'profiles.admin',
    '"admin" is a built-in profile; choose another name (and extends: admin)',
  ],
  [
    'a profile with neither allow nor extends',
    doc('version: 1', 'profiles:', '  support:', '    max_risk: read'),
    3,
    'profiles.support',
    'needs allow or extends: without extends, a profile allows only what its allow list names',
  ],
  [
    'an allow rule that cannot widen the parent',
    doc(
      'version: 1',
      'profiles:',
      '  support:',
      '    extends: read-only',
      '    allow: [get_users, patch_users_by_id]',
    ),
    5,
    'profiles.support.allow[1]',
    '"patch_users_by_id" covers no operation that profile "read-only" (extended here) allows (denied by ' +
      'profile "read-only": its max_risk is read and this operation is write); extends can only narrow',
  ],
  [
    'a confirm override on an operation the profile does not allow',
    doc(
      'version: 1',
      'profiles:',
      '  support:',
      '    extends: helpdesk',
      '    confirm:',
      '      delete_users_by_id: never',
    ),
    6,
    'profiles.support.confirm.delete_users_by_id',
    /^confirm for an operation this profile does not allow \(denied by profile "helpdesk": it runs reads/,
  ],
  [
    'a confirm override on an unknown operation',
    doc(
      'version: 1',
      'profiles:',
      '  support:',
      '    extends: helpdesk',
      '    confirm:',
      '      delete_user-block_by_id: never',
    ),
    6,
    'profiles.support.confirm.delete_user-block_by_id',
    'unknown operation id "delete_user-block_by_id" (did you mean "delete_user-blocks_by_id"?); confirm takes ' +
      'exact ids, no globs',
  ],
  [
    'a constraint on an argument the operation does not take',
    doc(
      'version: 1',
      'profiles:',
      '  support:',
      '    extends: admin',
      '    constraints:',
      '      - operations: [post_users]',
      '        argument: conection',
      '        one_of: [Username-Password-Authentication]',
    ),
    7,
    'profiles.support.constraints[0].argument',
    /^post_users takes no argument "conection" \(did you mean "connection"\? known: /,
  ],
  [
    'a constraint with an invalid pattern',
    doc(
      'version: 1',
      'profiles:',
      '  support:',
      '    extends: admin',
      '    constraints:',
      '      - operations: [post_users]',
      '        argument: email',
      '        pattern: "[a-z"',
    ),
    8,
    'profiles.support.constraints[0].pattern',
    /^invalid regular expression: /,
  ],
  [
    'a constraint with two checks',
    doc(
      'version: 1',
      'profiles:',
      '  support:',
      '    extends: admin',
      '    constraints:',
      '      - operations: [post_users]',
      '        argument: connection',
      '        one_of: [a]',
      '        equals: a',
    ),
    9,
    'profiles.support.constraints[0].equals',
    'use one of one_of, equals and pattern per constraint, not one_of and equals',
  ],
  [
    'a constraint that checks nothing',
    doc(
      'version: 1',
      'profiles:',
      '  support:',
      '    extends: admin',
      '    constraints:',
      '      - operations: [post_users]',
      '        argument: connection',
    ),
    6,
    'profiles.support.constraints[0]',
    'checks nothing: add one_of, equals, pattern or required: true',
  ],
  [
    'a body-field limit naming a field the body lacks',
    doc(
      'version: 1',
      'profiles:',
      '  support:',
      '    extends: admin',
      '    constraints:',
      '      - operations: [patch_users_by_id]',
      '        body_fields: [blocked, blokced]',
    ),
    7,
    'profiles.support.constraints[0].body_fields[1]',
    /^patch_users_by_id has no body field "blokced" \(did you mean "blocked"\? known: blocked, /,
  ],
  [
    'a body-field limit on an operation without a body',
    doc(
      'version: 1',
      'profiles:',
      '  support:',
      '    extends: admin',
      '    constraints:',
      '      - operations: [delete_users_by_id]',
      '        body_fields: [blocked]',
    ),
    7,
    'profiles.support.constraints[0].body_fields',
    'delete_users_by_id has no body fields to limit',
  ],
  [
    'a constraint on operations the profile does not allow',
    doc(
      'version: 1',
      'profiles:',
      '  support:',
      '    extends: read-only',
      '    constraints:',
      '      - operations: [post_users]',
      '        argument: connection',
      '        equals: x',
    ),
    6,
    'profiles.support.constraints[0].operations',
    'names no operation this profile allows, so the constraint would never apply',
  ],
  [
    'a tool rule in a constraint',
    doc(
      'version: 1',
      'profiles:',
      '  support:',
      '    extends: admin',
      '    constraints:',
      '      - operations: ["tool:block_user"]',
      '        required: true',
      '        argument: id',
    ),
    6,
    'profiles.support.constraints[0].operations[0]',
    '"tool:block_user": tool rules do not apply here; name operations',
  ],
  [
    'a literal client secret',
    doc(
      'version: 1',
      'tenants:',
      '  prod:',
      '    domain: acme.eu.auth0.com',
      '    client_id: abc',
      '    client_secret: hunter2',
    ),
    6,
    'tenants.prod.client_secret',
    'literal secrets are not allowed in the policy file; use { env: VAR }',
  ],
  [
    'a literal token',
    doc('version: 1', 'tenants:', '  dev:', '    domain: acme.eu.auth0.com', '    token: eyJhbGciOi'),
    5,
    'tenants.dev.token',
    'literal secrets are not allowed in the policy file; use { env: VAR }',
  ],
  [
    'an environment reference that is not a variable name',
    doc('version: 1', 'tenants:', '  dev:', '    domain: acme.eu.auth0.com', '    token: { env: "1TOKEN" }'),
    5,
    'tenants.dev.token.env',
    'expected an environment variable name',
  ],
  [
    'a tenant with a token and client credentials',
    doc(
      'version: 1',
      'tenants:',
      '  dev:',
      '    domain: acme.eu.auth0.com',
      '    client_id: abc',
      '    client_secret: { env: S }',
      '    token: { env: T }',
    ),
    7,
    'tenants.dev.token',
    'give token or client_id and client_secret, not both',
  ],
  [
    'a tenant without credentials',
    doc('version: 1', 'tenants:', '  dev:', '    domain: acme.eu.auth0.com'),
    3,
    'tenants.dev',
    'needs credentials: token: { env: VAR }, or client_id and client_secret',
  ],
  [
    'a client id without its secret',
    doc('version: 1', 'tenants:', '  dev:', '    domain: acme.eu.auth0.com', '    client_id: abc'),
    5,
    'tenants.dev.client_id',
    'client_secret is missing',
  ],
  [
    'an audience with a token',
    doc('version: 1', 'tenants:', '  dev:', '    domain: d', '    token: { env: T }', '    audience: x'),
    6,
    'tenants.dev.audience',
    'audience only applies to client credentials, not to token',
  ],
  [
    'a tenant pinned to an unknown profile',
    doc('version: 1', 'tenants:', '  dev:', '    domain: d', '    token: { env: T }', '    profile: helpdsk'),
    6,
    'tenants.dev.profile',
    'unknown profile "helpdsk" (did you mean "helpdesk"? known: read-only, admin, helpdesk)',
  ],
  [
    'an unknown default tenant',
    doc('version: 1', 'tenants:', '  dev:', '    domain: d', '    token: { env: T }', 'default_tenant: prod'),
    6,
    'default_tenant',
    'unknown tenant "prod" (known: dev)',
  ],
];

describe('policy file errors', () => {
  it.each(ERRORS)('%s', (_what, text, line, path, reason) => {
    const error = failure(text);
    expect({ line: error.line, path: error.path, file: error.file }).toEqual({
      line,
      path,
      file: 'policy.yaml',
    });
    if (typeof reason === 'string') expect(error.reason).toBe(reason);
    else expect(error.reason).toMatch(reason);
    expect(error.message).toBe(`policy.yaml:${line}: ${path}: ${error.reason}`);
    expect(error.message).not.toContain('\n');
  });

  it('never echoes a literal secret', () => {
    const error = failure(
      doc('version: 1', 'tenants:', '  dev:', '    domain: d', '    token: s3cr3t-value'),
    );
    expect(error.message).not.toContain('s3cr3t');
  });

  it('reports the earliest problem in the file', () => {
    const error = failure(
      doc('version: 1', 'profiles:', '  a:', '    allow: 3', '  b:', '    alow: []', 'extra: 1'),
    );
    expect(error.line).toBe(4);
  });

  it('rejects an empty document and a document that is not a map', () => {
    expect(failure('# nothing\n').message).toBe(
      'policy.yaml:1: the policy file is empty; start it with version: 1',
    );
    expect(failure('- a\n').message).toBe('policy.yaml:1: expected a map, got a list');
  });

  it('names a file it cannot read', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'policy-')), 'missing.yaml');
    expect(() => loadPolicyFile(path)).toThrow(new PolicyFileError({ file: path }, 'no such file'));
  });
});

describe('profile semantics', () => {
  it('lets deny win over allow', () => {
    const p = profile(
      doc('version: 1', 'profiles:', '  support:', '    allow: ["toolset:users"]', '    deny: ["delete_*"]'),
    );
    expect(p.denies(op('patch_users_by_id'))).toBeUndefined();
    expect(p.denies(op('delete_users_by_id'))).toBe('denied by profile "support": deny rule "delete_*"');
    expect(p.denies(op('get_logs'))).toBe(
      'denied by profile "support": not matched by its allow list (toolset:users)',
    );
  });

  it('allows everything the parent allows when there is no allow list', () => {
    const p = profile(
      doc('version: 1', 'profiles:', '  support:', '    extends: helpdesk', '    deny: [user_revoke_access]'),
    );
    expect(allowedIds(p)).toEqual(
      allowedIds(getProfile('helpdesk', auth0Catalog)).filter((id) => id !== 'user_revoke_access'),
    );
    expect(p.denies(op('user_revoke_access'))).toBe(
      'denied by profile "support": deny rule "user_revoke_access"',
    );
  });

  it('follows extends chains in any order, each link narrowing', () => {
    const policy = parse(
      doc(
        'version: 1',
        'profiles:',
        '  c:',
        '    extends: b',
        '    deny: [delete_user-blocks]',
        '  b:',
        '    extends: a',
        '    allow: ["toolset:user-blocks", get_users]',
        '  a:',
        '    extends: helpdesk',
        '    max_risk: write',
      ),
    );
    const [a, b, c] = (['a', 'b', 'c'] as const).map((name) => policy.profiles.get(name)!);
    expect(allowedIds(a!).filter((id) => op(id).risk !== 'read')).toEqual([
      'post_verification-email',
      'delete_user-blocks',
      'delete_user-blocks_by_id',
      'patch_users_by_id',
    ]);
    expect(allowedIds(b!)).toEqual([
      'get_user-blocks',
      'delete_user-blocks',
      'get_user-blocks_by_id',
      'delete_user-blocks_by_id',
      'get_users',
    ]);
    expect(allowedIds(c!)).toEqual([
      'get_user-blocks',
      'get_user-blocks_by_id',
      'delete_user-blocks_by_id',
      'get_users',
    ]);
    expect(c!.denies(op('delete_sessions_for_user'))).toBe(
      'denied by profile "a": its max_risk is write and this operation is destructive',
    );
    // Constraints travel down the chain: helpdesk's limit on user updates still holds for b.
    expect(b!.denies(op('patch_users_by_id'))).toMatch(/not matched by its allow list/);
    expect(a!.checkArguments(op('patch_users_by_id'), { id: 'x', email: 'e' })).toMatch(
      /may not be sent under profile "helpdesk"/,
    );
  });

  it('caps risk with max_risk', () => {
    const p = profile(
      doc('version: 1', 'profiles:', '  support:', '    extends: admin', '    max_risk: write'),
    );
    expect(allowedIds(p)).toEqual(ops.filter((o) => o.risk !== 'destructive').map((o) => o.id));
  });

  it('keeps an operation when any one of its scopes is in the allowlist', () => {
    const p = profile(
      doc(
        'version: 1',
        'profiles:',
        '  support:',
        '    extends: admin',
        '    scopes: [update:users_app_metadata, read:logs]',
      ),
    );
    expect(op('patch_users_by_id').scopes).toContain('update:users_app_metadata');
    expect(p.denies(op('patch_users_by_id'))).toBeUndefined();
    expect(p.denies(op('get_logs'))).toBeUndefined();
    expect(p.denies(op('get_users'))).toBe(
      `denied by profile "support": not in the scope allowlist (needs one of: ${op('get_users').scopes.join(', ')})`,
    );
    expect([...(p.scopes ?? [])]).toEqual(['update:users_app_metadata', 'read:logs']);
  });

  it('keeps operations that need no scope', () => {
    const open: OperationSpec = { ...op('get_users'), id: 'get_open', toolName: 'get_open', scopes: [] };
    const policy = parsePolicy(
      doc('version: 1', 'profiles:', '  support:', '    extends: admin', '    scopes: [read:logs]'),
      'policy.yaml',
      { operations: [...ops, open] },
    );
    expect(policy.profiles.get('support')!.denies(open)).toBeUndefined();
  });

  it('applies confirm overrides, inherited and replaced per operation', () => {
    const policy = parse(
      doc(
        'version: 1',
        'profiles:',
        '  a:',
        '    extends: helpdesk',
        '    confirm:',
        '      delete_user-blocks_by_id: never',
        '      patch_users_by_id: always',
        '  b:',
        '    extends: a',
        '    confirm:',
        '      patch_users_by_id: never',
      ),
    );
    const a = policy.profiles.get('a')!;
    const b = policy.profiles.get('b')!;
    expect(a.confirmFor(op('delete_user-blocks_by_id'))).toBe('never');
    expect(a.confirmFor(op('patch_users_by_id'))).toBe('always');
    expect(a.confirmFor(op('user_revoke_access'))).toBeUndefined();
    expect(b.confirmFor(op('delete_user-blocks_by_id'))).toBe('never');
    expect(b.confirmFor(op('patch_users_by_id'))).toBe('never');
  });

  it('checks one_of, equals, pattern and required, naming argument, operation and allowed values', () => {
    const p = profile(
      doc(
        'version: 1',
        'profiles:',
        '  support:',
        '    extends: admin',
        '    constraints:',
        '      - operations: [post_users, patch_users_by_id]',
        '        argument: connection',
        '        one_of: [Username-Password-Authentication, corp-ldap]',
        '      - operations: [post_users]',
        '        argument: email',
        '        pattern: "[^@]+@northwind\\\\.example\\\\.com"',
        '        required: true',
        '      - operations: ["delete_user-blocks_by_*"]',
        '        argument: id',
        '        equals: auth0|1',
        '      - operations: [post_users]',
        '        argument: verify_email',
        '        required: true',
      ),
    );
    const post = op('post_users');
    const good = { connection: 'corp-ldap', email: 'ann@northwind.example.com', verify_email: true };
    expect(p.checkArguments(post, good)).toBeUndefined();
    expect(p.checkArguments(post, { ...good, connection: 'google-oauth2' })).toBe(
      'post_users: argument "connection" must be one of "Username-Password-Authentication", "corp-ldap" under ' +
        'profile "support".',
    );
    expect(p.checkArguments(op('patch_users_by_id'), { id: 'x', blocked: true })).toBeUndefined();
    expect(p.checkArguments(post, { ...good, email: 'ann@northwind.example.com.evil.test' })).toBe(
      'post_users: argument "email" must be a string matching /^(?:[^@]+@northwind\\.example\\.com)$/ under ' +
        'profile "support".',
    );
    expect(p.checkArguments(post, { connection: 'corp-ldap', verify_email: true })).toBe(
      'post_users: argument "email" is required under profile "support" and must be a string matching ' +
        '/^(?:[^@]+@northwind\\.example\\.com)$/.',
    );
    expect(p.checkArguments(post, { connection: 'corp-ldap', email: 'ann@northwind.example.com' })).toBe(
      'post_users: argument "verify_email" is required under profile "support".',
    );
    expect(p.checkArguments(op('delete_user-blocks_by_id'), { id: 'auth0|2' })).toBe(
      'delete_user-blocks_by_id: argument "id" must be "auth0|1" under profile "support".',
    );
    expect(p.checkArguments(op('get_users'), {})).toBeUndefined();
  });

  it('filters task tools with tool globs and keeps the write tool tied to writes', () => {
    const policy = parse(
      doc(
        'version: 1',
        'profiles:',
        '  support:',
        '    extends: helpdesk',
        '    allow: ["toolset:user-blocks", get_users, "tool:*_user"]',
        '  reader:',
        '    allow: [get_users, "tool:find_*"]',
      ),
    );
    const support = policy.profiles.get('support')!;
    expect(
      ['block_user', 'unblock_user', 'find_users', 'revoke_user_sessions'].map((t) => support.allowsTool(t)),
    ).toEqual([true, true, false, false]);
    expect(support.allowsTool(INVOKE_WRITE_TOOL)).toBe(true);
    const reader = policy.profiles.get('reader')!;
    expect(reader.allowsTool('find_users')).toBe(true);
    expect(reader.allowsTool(INVOKE_WRITE_TOOL)).toBe(false);
  });

  it('reveals secrets only where reveal_secrets is written', () => {
    const policy = parse(
      doc(
        'version: 1',
        'profiles:',
        '  ops:',
        '    extends: admin',
        '    reveal_secrets: true',
        '  child:',
        '    extends: ops',
      ),
    );
    expect(policy.profiles.get('ops')!.revealSecrets).toBe(true);
    expect(policy.profiles.get('child')!.revealSecrets).toBe(false);
    expect(resolveProfile('ops', policy, auth0Catalog).revealSecrets).toBe(true);
  });
});

describe('tenants', () => {
  const policy = parse(
    doc(
      'version: 1',
      'tenants:',
      '  prod:',
      '    domain: acme.eu.auth0.com',
      '    client_id: { env: PROD_ID }',
      '    client_secret: { env: PROD_SECRET }',
      '    audience: { env: PROD_AUDIENCE }',
      '    profile: read-only',
      '  dev:',
      '    domain: { env: DEV_DOMAIN }',
      '    token: { env: DEV_TOKEN }',
      'default_tenant: dev',
    ),
  );
  const env = {
    PROD_ID: 'client-1',
    PROD_SECRET: 'secret-1',
    PROD_AUDIENCE: 'https://acme.eu.auth0.com/api/v2/',
    DEV_DOMAIN: 'http://127.0.0.1:4010',
    DEV_TOKEN: 'token-1',
  };

  it('resolves a named tenant from its environment references', () => {
    expect(resolveTenant(policy, 'prod', env)).toEqual({
      name: 'prod',
      domain: 'acme.eu.auth0.com',
      auth: {
        kind: 'client_credentials',
        clientId: 'client-1',
        clientSecret: 'secret-1',
        audience: 'https://acme.eu.auth0.com/api/v2/',
      },
      profileName: 'read-only',
      provider: 'auth0',
    });
  });

  it('takes default_tenant without --tenant', () => {
    expect(resolveTenant(policy, undefined, env)).toEqual({
      name: 'dev',
      domain: 'http://127.0.0.1:4010',
      auth: { kind: 'token', token: 'token-1' },
      profileName: undefined,
      provider: 'auth0',
    });
  });

  it('names the tenant, key, variable and line of an unset variable', () => {
    expect(() => resolveTenant(policy, 'prod', { ...env, PROD_SECRET: '  ' })).toThrow(
      'policy.yaml:6: tenants.prod.client_secret: environment variable PROD_SECRET is not set (tenant "prod", ' +
        'client_secret)',
    );
    expect(() => resolveTenant(policy, undefined, { ...env, DEV_DOMAIN: undefined })).toThrow(
      'policy.yaml:10: tenants.dev.domain: environment variable DEV_DOMAIN is not set (tenant "dev", domain)',
    );
  });

  it('lists the known tenants for an unknown one', () => {
    expect(() => resolveTenant(policy, 'prd', env)).toThrow(
      'policy.yaml: --tenant: unknown tenant "prd" (did you mean "prod"? known: prod, dev)',
    );
  });

  it('takes the only tenant, and asks for a choice among several without a default', () => {
    const one = parse(doc('version: 1', 'tenants:', '  dev:', '    domain: d', '    token: { env: T }'));
    expect(resolveTenant(one, undefined, { T: 't' })?.name).toBe('dev');
    const two = parse(
      doc(
        'version: 1',
        'tenants:',
        '  a:',
        '    domain: d',
        '    token: { env: T }',
        '  b:',
        '    domain: e',
        '    token: { env: T }',
      ),
    );
    expect(() => resolveTenant(two, undefined, { T: 't' })).toThrow(
      'policy.yaml: several tenants and no default_tenant: choose one with --tenant (known: a, b)',
    );
  });

  it('leaves the choice to AUTH0_* without a policy file or tenants, but refuses a --tenant then', () => {
    expect(resolveTenant(undefined, undefined, env)).toBeUndefined();
    expect(resolveTenant(parse(doc('version: 1')), undefined, env)).toBeUndefined();
    expect(() => resolveTenant(undefined, 'prod', env)).toThrow(
      '--tenant: "prod" needs a policy file with tenants; pass --policy FILE (or set TENANT_MCP_POLICY)',
    );
  });
});

describe('examples/policy.yaml', () => {
  const example = loadPolicyFile(EXAMPLE);

  it('parses, with the profiles it documents', () => {
    expect([...example.profiles.keys()]).toEqual(['tier1', 'onboarding', 'auditor']);
    const tier1 = example.profiles.get('tier1')!;
    expect(tier1.denies(op('post_password-change'))).toBe(
      'denied by profile "tier1": deny rule "post_password-change"',
    );
    expect(tier1.allowsTool('create_password_change_ticket')).toBe(false);
    expect(tier1.confirmFor(op('delete_user-blocks_by_id'))).toBe('never');
    const onboarding = example.profiles.get('onboarding')!;
    expect(
      onboarding.checkArguments(op('post_users'), {
        connection: 'google-oauth2',
        email: 'a@northwind.example.com',
      }),
    ).toMatch(/argument "connection" must be "Username-Password-Authentication"/);
    expect(example.profiles.get('auditor')!.denies(op('get_logs'))).toBeUndefined();
  });

  it('resolves every tenant with a fake environment', () => {
    const env = {
      PROD_AUTH0_CLIENT_ID: 'prod-id',
      PROD_AUTH0_CLIENT_SECRET: 'prod-secret',
      STAGING_AUTH0_DOMAIN: 'acme-staging.eu.auth0.com',
      STAGING_AUTH0_CLIENT_ID: 'staging-id',
      STAGING_AUTH0_CLIENT_SECRET: 'staging-secret',
      DEV_AUTH0_TOKEN: 'dev-token',
    };
    const resolved = ['prod', 'staging', 'dev', undefined].map((name) => resolveTenant(example, name, env));
    expect(resolved.map((t) => [t?.name, t?.domain, t?.auth.kind, t?.profileName])).toEqual([
      ['prod', 'acme.eu.auth0.com', 'client_credentials', 'tier1'],
      ['staging', 'acme-staging.eu.auth0.com', 'client_credentials', 'onboarding'],
      ['dev', 'acme-dev.eu.auth0.com', 'token', 'admin'],
      ['dev', 'acme-dev.eu.auth0.com', 'token', 'admin'],
    ]);
    for (const tenant of resolved)
      expect(resolveProfile(tenant!.profileName!, example, auth0Catalog).name).toBe(tenant!.profileName);
  });

  it('loads from a path with the path in its messages', () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-'));
    const path = join(dir, 'bad.yaml');
    writeFileSync(path, doc('version: 1', 'profiles:', '  x:', '    extends: admin', '    deny: [nope]'));
    expect(() => loadPolicyFile(path)).toThrow(
      `${path}:5: profiles.x.deny[0]: "nope" matches no operation id`,
    );
  });
});

describe('providers in a policy file', () => {
  const catalogs = { monocloud: monocloudCatalog };
  const parseMixed = (text: string) => parsePolicy(text, 'mixed.yaml', { catalogs });

  it('checks a MonoCloud profile against MonoCloud operations and builds it over that catalog', () => {
    const policy = parseMixed(
      doc(
        'version: 1',
        'profiles:',
        '  mc:',
        '    provider: monocloud',
        '    extends: helpdesk',
        '    deny: [reset_password]',
      ),
    );
    const profile = resolveProfile('mc', policy, monocloudCatalog);
    const byId = (id: string) => monocloudCatalog.operations.find((o) => o.id === id)!;
    expect(profile.denies(byId('disable_user'))).toBeUndefined();
    expect(profile.denies(byId('reset_password'))).toMatch(/reset_password/);
    expect(profile.denies(byId('delete_user'))).toBeDefined();
    expect(() => resolveProfile('mc', policy, auth0Catalog)).toThrow(/written for monocloud, not for auth0/);
  });

  it('refuses an Auth0 operation id in a MonoCloud profile, with the line', () => {
    expect(() =>
      parseMixed(
        doc('version: 1', 'profiles:', '  mc:', '    provider: monocloud', '    allow: [get_users_by_id]'),
      ),
    ).toThrow(/mixed\.yaml:5: .*matches no operation id/);
  });

  it('resolves a MonoCloud tenant with an env-referenced api key', () => {
    const policy = parseMixed(
      doc(
        'version: 1',
        'tenants:',
        '  mc:',
        '    provider: monocloud',
        '    domain: acme.us.monocloud.com',
        '    api_key: { env: MC_KEY }',
      ),
    );
    expect(resolveTenant(policy, 'mc', { MC_KEY: 'k' })).toEqual({
      name: 'mc',
      domain: 'acme.us.monocloud.com',
      auth: { kind: 'api_key', apiKey: 'k' },
      profileName: undefined,
      provider: 'monocloud',
    });
  });

  it.each([
    [['  mc:', '    provider: monocloud', '    domain: x.monocloud.com'], /needs api_key/],
    [
      [
        '  mc:',
        '    provider: monocloud',
        '    domain: x.monocloud.com',
        '    api_key: { env: K }',
        '    token: { env: T }',
      ],
      /token is for Auth0 tenants/,
    ],
    [['  a0:', '    domain: x.auth0.com', '    api_key: { env: K }'], /api_key is for MonoCloud tenants/],
    [['  mc:', '    provider: monocloud', '    domain: x.monocloud.com', '    api_key: literal-key'], /env/],
  ])("refuses a tenant mixing providers' credentials (%#)", (lines, message) => {
    expect(() => parseMixed(doc('version: 1', 'tenants:', ...lines))).toThrow(message);
  });

  it('refuses a tenant pinned to a profile written for the other provider', () => {
    expect(() =>
      parseMixed(
        doc(
          'version: 1',
          'profiles:',
          '  mc:',
          '    provider: monocloud',
          '    extends: read-only',
          'tenants:',
          '  a0:',
          '    domain: x.auth0.com',
          '    token: { env: T }',
          '    profile: mc',
        ),
      ),
    ).toThrow(/profile "mc" is written for monocloud, this tenant is auth0/);
  });
});
