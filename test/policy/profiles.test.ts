// Pins what each built-in profile lets an agent see and run over the real 406-operation catalog, and the
// rule semantics (deny wins, extends only narrows, tools follow writes) that policy-file profiles share.
import { describe, expect, it } from 'vitest';
import { PolicyFileError } from '../../src/policy/policy-error.js';
import { parsePolicy } from '../../src/policy/policy-file.js';
import {
  allows,
  createProfile,
  DISCOVERY_TOOLS,
  getProfile,
  HELPDESK_WRITES,
  INVOKE_READ_TOOL,
  INVOKE_WRITE_TOOL,
  isProfileName,
  PROFILE_NAMES,
  parseRule,
  resolveProfile,
  TASK_TOOLS,
  TOOL_NAMES,
} from '../../src/policy/profiles.js';
import type { Profile } from '../../src/policy/types.js';
import { auth0Catalog } from '../../src/tools/auth0/index.js';
import { namedTools } from '../../src/tools/registry.js';
import type { OperationSpec } from '../../src/tools/types.js';

const ops = auth0Catalog.operations;
const op = (id: string): OperationSpec => {
  const found = ops.find((o) => o.id === id);
  if (!found) throw new Error(`no operation ${id}`);
  return found;
};
const allowedIds = (profile: Profile) => ops.filter((o) => !profile.denies(o)).map((o) => o.id);
const READ_TASK_TOOLS = [
  'find_users',
  'get_user_overview',
  'diagnose_login',
  'list_security_events',
  'review_security_settings',
  'snapshot_tenant',
  'diff_tenant',
];
const WRITE_TASK_TOOLS = [
  'block_user',
  'unblock_user',
  'revoke_user_sessions',
  'create_password_change_ticket',
];

describe('the catalog these tests count on', () => {
  it('has 406 operations: 170 reads, 236 writes and destructive', () => {
    expect(ops).toHaveLength(406);
    expect(ops.filter((o) => o.risk === 'read')).toHaveLength(170);
  });

  it('lists the task tools by what they do', () => {
    expect(Object.keys(TASK_TOOLS).filter((t) => !TASK_TOOLS[t]!.writes)).toEqual(READ_TASK_TOOLS);
    expect(Object.keys(TASK_TOOLS).filter((t) => TASK_TOOLS[t]!.writes)).toEqual(WRITE_TASK_TOOLS);
  });
});

describe('read-only', () => {
  const profile = getProfile('read-only', auth0Catalog);

  it('denies exactly the 236 operations that are not reads', () => {
    const denied = ops.filter((o) => profile.denies(o)).map((o) => o.id);
    expect(denied).toHaveLength(236);
    expect(denied).toEqual(ops.filter((o) => o.risk !== 'read').map((o) => o.id));
  });

  it('says why a write is denied', () => {
    expect(profile.denies(op('delete_users_by_id'))).toBe(
      'denied by profile "read-only": its max_risk is read and this operation is destructive',
    );
  });

  it('lists the discovery tools, the read tool and the reading task tools only', () => {
    const listed = TOOL_NAMES.filter((t) => profile.allowsTool(t));
    expect(listed).toEqual([...DISCOVERY_TOOLS, INVOKE_READ_TOOL, ...READ_TASK_TOOLS]);
    expect(profile.allowsTool(INVOKE_WRITE_TOOL)).toBe(false);
  });

  it('lists per-operation tools by their operation', () => {
    expect(profile.allowsTool('get_users')).toBe(true);
    expect(profile.allowsTool('patch_users_by_id')).toBe(false);
    expect(profile.allowsTool('no_such_tool')).toBe(false);
  });

  it('masks secrets, sets no scope allowlist, no confirmation override and no constraint', () => {
    expect(profile.revealSecrets).toBe(false);
    expect(profile.scopes).toBeUndefined();
    expect(ops.every((o) => profile.confirmFor(o) === undefined)).toBe(true);
    expect(profile.checkArguments(op('get_users'), { q: 'x' })).toBeUndefined();
  });
});

describe('helpdesk', () => {
  const profile = getProfile('helpdesk', auth0Catalog);

  it('allows every read and exactly its listed writes', () => {
    const writes = ops.filter((o) => o.risk !== 'read' && !profile.denies(o)).map((o) => o.id);
    expect(writes.sort()).toEqual(
      [
        'delete_sessions_for_user',
        'delete_user-blocks',
        'delete_user-blocks_by_id',
        'patch_users_by_id',
        'post_invalidate-remember-browser',
        'post_password-change',
        'post_verification-email',
        'user_revoke_access',
      ].sort(),
    );
    expect(Object.keys(HELPDESK_WRITES).sort()).toEqual(writes);
    expect(ops.filter((o) => o.risk === 'read').every((o) => !profile.denies(o))).toBe(true);
    expect(allowedIds(profile)).toHaveLength(178);
  });

  it('refuses the ticket that would hand a verification link to the agent', () => {
    expect(profile.denies(op('post_email-verification'))).toMatch(
      /^denied by profile "helpdesk": it runs reads and only these writes: patch_users_by_id, /,
    );
  });

  it('lists every task tool and the write tool', () => {
    expect(TOOL_NAMES.filter((t) => profile.allowsTool(t))).toEqual([
      ...DISCOVERY_TOOLS,
      INVOKE_READ_TOOL,
      INVOKE_WRITE_TOOL,
      ...READ_TASK_TOOLS,
      ...WRITE_TASK_TOOLS,
    ]);
  });

  it('lets a user update carry only the blocked flag', () => {
    const patch = op('patch_users_by_id');
    expect(profile.checkArguments(patch, { id: 'auth0|1', blocked: true })).toBeUndefined();
    expect(profile.checkArguments(patch, { id: 'auth0|1', blocked: false })).toBeUndefined();
    expect(profile.checkArguments(patch, { id: 'auth0|1', email: 'x@example.com', blocked: true })).toBe(
      'patch_users_by_id: body field "email" may not be sent under profile "helpdesk"; the body may only ' +
        'carry "blocked".',
    );
    expect(profile.checkArguments(patch, { id: 'auth0|1', password: 'p', app_metadata: {} })).toMatch(
      /body fields "password", "app_metadata" may not be sent/,
    );
  });

  it('keeps password-reset links from verifying emails or redirecting anywhere', () => {
    const ticket = op('post_password-change');
    expect(profile.checkArguments(ticket, { user_id: 'auth0|1', ttl_sec: 3600 })).toBeUndefined();
    for (const field of ['mark_email_as_verified', 'result_url', 'includeEmailInRedirect']) {
      expect(profile.checkArguments(ticket, { user_id: 'auth0|1', [field]: true })).toMatch(
        new RegExp(`^post_password-change: body field "${field}" may not be sent`),
      );
    }
  });

  it('masks secrets and leaves confirmation to the default', () => {
    expect(profile.revealSecrets).toBe(false);
    expect(profile.confirmFor(op('delete_sessions_for_user'))).toBeUndefined();
  });
});

describe('admin', () => {
  const profile = getProfile('admin', auth0Catalog);

  it('allows all 406 operations and every tool', () => {
    expect(allowedIds(profile)).toHaveLength(406);
    expect(TOOL_NAMES.every((t) => profile.allowsTool(t))).toBe(true);
  });

  it('overrides no confirmation, constrains nothing and masks secrets', () => {
    expect(ops.every((o) => profile.confirmFor(o) === undefined)).toBe(true);
    expect(
      profile.checkArguments(op('patch_users_by_id'), { id: 'x', email: 'e@example.com' }),
    ).toBeUndefined();
    expect(profile.revealSecrets).toBe(false);
  });
});

describe('built-in names', () => {
  it('keeps the names and checks the gate and config use', () => {
    expect(PROFILE_NAMES).toEqual(['read-only', 'admin', 'helpdesk']);
    expect(isProfileName('helpdesk')).toBe(true);
    expect(isProfileName('root')).toBe(false);
    expect(allows(getProfile('read-only', auth0Catalog), op('get_users'))).toBe(true);
    expect(allows(getProfile('read-only', auth0Catalog), op('post_users'))).toBe(false);
  });

  it('resolves built-in and file profiles, and lists the known ones otherwise', () => {
    const policy = parsePolicy('version: 1\nprofiles:\n  support:\n    extends: helpdesk\n', 'p.yaml');
    expect(resolveProfile('admin', undefined, auth0Catalog)).toBe(getProfile('admin', auth0Catalog));
    expect(resolveProfile('support', policy, auth0Catalog).name).toBe('support');
    expect(() => resolveProfile('support', undefined, auth0Catalog)).toThrow(
      new PolicyFileError({}, 'unknown profile "support" (known: read-only, admin, helpdesk)'),
    );
    expect(() => resolveProfile('suport', policy, auth0Catalog)).toThrow(
      'p.yaml: unknown profile "suport" (known: read-only, admin, helpdesk, support)',
    );
  });
});

describe('rules', () => {
  it('reads plain globs as operation ids, toolset: as toolsets, tool: as tool names', () => {
    const plain = parseRule('get_user*');
    const toolset = parseRule('toolset:{keys,logs}');
    const tool = parseRule('tool:*_user');
    expect(plain.target === 'operation' && plain.matches(op('get_users'))).toBe(true);
    expect(plain.target === 'operation' && plain.matches(op('get_logs'))).toBe(false);
    expect(toolset.target === 'operation' && toolset.matches(op('get_logs'))).toBe(true);
    expect(toolset.target === 'operation' && toolset.matches(op('get_users'))).toBe(false);
    expect(tool.target === 'tool' && tool.matches('block_user')).toBe(true);
    expect(tool.target === 'tool' && tool.matches('find_users')).toBe(false);
  });

  it('lets a deny win over an allow, here and in a parent', () => {
    const parent = createProfile(
      {
        name: 'p',
        allow: [parseRule('toolset:users')],
        deny: [parseRule('delete_*')],
      },
      auth0Catalog.operations,
      namedTools('auth0'),
    );
    const child = createProfile(
      { name: 'c', extends: parent, allow: [parseRule('*_users*')] },
      auth0Catalog.operations,
      namedTools('auth0'),
    );
    expect(parent.denies(op('delete_users_by_id'))).toBe('denied by profile "p": deny rule "delete_*"');
    expect(child.denies(op('delete_users_by_id'))).toBe('denied by profile "p": deny rule "delete_*"');
    expect(child.denies(op('patch_users_by_id'))).toBeUndefined();
    expect(child.denies(op('get_logs'))).toBe(
      'denied by profile "p": not matched by its allow list (toolset:users)',
    );
  });

  it('narrows only: a child never allows what its parent denies', () => {
    const child = createProfile(
      { name: 'c', extends: getProfile('read-only', auth0Catalog), allow: [parseRule('*')] },
      auth0Catalog.operations,
      namedTools('auth0'),
    );
    expect(allowedIds(child)).toEqual(allowedIds(getProfile('read-only', auth0Catalog)));
  });

  it('without a parent, allows only what allow names, and no task tool unless a tool: rule names it', () => {
    const profile = createProfile(
      { name: 'x', allow: [parseRule('get_users')] },
      auth0Catalog.operations,
      namedTools('auth0'),
    );
    expect(allowedIds(profile)).toEqual(['get_users']);
    expect(profile.allowsTool('find_users')).toBe(false);
    expect(profile.allowsTool(INVOKE_READ_TOOL)).toBe(true);
    expect(profile.allowsTool(INVOKE_WRITE_TOOL)).toBe(false);
  });

  it('keeps the parent task tools when the child allow list has no tool: rule', () => {
    const child = createProfile(
      { name: 'c', extends: getProfile('helpdesk', auth0Catalog), allow: [parseRule('get_*')] },
      auth0Catalog.operations,
      namedTools('auth0'),
    );
    expect(child.allowsTool('find_users')).toBe(true);
    // No write is left, so neither the write tool nor a writing task tool is listed.
    expect(child.allowsTool(INVOKE_WRITE_TOOL)).toBe(false);
    expect(child.allowsTool('block_user')).toBe(false);
  });

  it('lets a tool: deny hide the generic write tool while task tools stay', () => {
    const child = createProfile(
      {
        name: 'c',
        extends: getProfile('helpdesk', auth0Catalog),
        deny: [parseRule(`tool:${INVOKE_WRITE_TOOL}`)],
      },
      auth0Catalog.operations,
      namedTools('auth0'),
    );
    expect(child.allowsTool(INVOKE_WRITE_TOOL)).toBe(false);
    expect(child.allowsTool('block_user')).toBe(true);
  });

  it('treats an unknown tool name as a writing task tool', () => {
    expect(getProfile('admin', auth0Catalog).allowsTool('reset_mfa')).toBe(true);
    expect(getProfile('helpdesk', auth0Catalog).allowsTool('reset_mfa')).toBe(false);
  });

  it('intersects scope allowlists down an extends chain', () => {
    const parent = createProfile(
      {
        name: 'p',
        extends: getProfile('admin', auth0Catalog),
        scopes: ['read:users', 'read:logs'],
      },
      auth0Catalog.operations,
      namedTools('auth0'),
    );
    const child = createProfile(
      { name: 'c', extends: parent, scopes: ['read:logs', 'read:roles'] },
      auth0Catalog.operations,
      namedTools('auth0'),
    );
    expect([...(child.scopes ?? [])]).toEqual(['read:logs']);
    expect(child.denies(op('get_roles'))).toBe(
      'denied by profile "p": not in the scope allowlist (needs one of: read:roles)',
    );
  });
});
