// Least privilege by construction: the scopes init grants are exactly what each profile lists can use,
// checked against the operations the profile allows and against the sandbox's own scope table.
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/policy/policy-file.js';
import { getProfile, PROFILE_NAMES } from '../../src/policy/profiles.js';
import { AUTH0_MODEL } from '../../src/sandbox/auth0-model.generated.js';
import { compareScopes, primaryScope, profileScopes } from '../../src/setup/scopes.js';
import { auth0Catalog } from '../../src/tools/auth0/index.js';
import { monocloudCatalog } from '../../src/tools/monocloud/index.js';

/** Alternatives no profile should get unless one of its operations takes nothing else. */
const WIDER_VIEWS = [
  'read:client_keys',
  'read:user_idp_tokens',
  'read:current_user',
  'update:current_user_metadata',
];

describe('profileScopes (Auth0)', () => {
  const sandboxScopes = new Map(AUTH0_MODEL.operations.map((op) => [op.id, op.scopes]));

  for (const name of PROFILE_NAMES) {
    it(`grants ${name} one scope per listed operation, covering each, and nothing it does not list`, () => {
      const profile = getProfile(name, auth0Catalog);
      const { scopes, operations, listed } = profileScopes(profile, auth0Catalog);
      const allowed = auth0Catalog.operations.filter((op) => profile.denies(op) === undefined);
      expect(listed).toBe(allowed.length);
      const granted = new Set(scopes);
      // Every listed operation can be called with the grant, by the sandbox's own table of scopes.
      for (const op of allowed) {
        const accepted = sandboxScopes.get(op.id) ?? op.scopes;
        expect(
          accepted.some((scope) => granted.has(scope)),
          op.id,
        ).toBe(true);
      }
      // Every granted scope is the one some listed operation needs; none serves only a hidden operation.
      for (const scope of scopes) {
        const users = operations.get(scope) ?? [];
        expect(users.length, scope).toBeGreaterThan(0);
        for (const id of users) expect(allowed.map((op) => op.id)).toContain(id);
      }
      expect(scopes).toEqual([...new Set(allowed.map((op) => primaryScope(op)).filter(Boolean))].sort());
      for (const wider of WIDER_VIEWS) {
        const onlyWay = allowed.some((op) => op.scopes.length === 1 && op.scopes[0] === wider);
        if (!onlyWay) expect(scopes, wider).not.toContain(wider);
      }
    });
  }

  it('gives read-only only read: scopes, and fewer than the union of what its operations accept', () => {
    const profile = getProfile('read-only', auth0Catalog);
    const { scopes } = profileScopes(profile, auth0Catalog);
    expect(scopes.every((scope) => scope.startsWith('read:'))).toBe(true);
    const union = new Set(
      auth0Catalog.operations.filter((op) => !profile.denies(op)).flatMap((op) => op.scopes),
    );
    // get_jobs_by_id accepts create:users too: the union would hand a read-only agent a write.
    expect(union.has('create:users')).toBe(true);
    expect(scopes).not.toContain('create:users');
    expect(scopes.length).toBeLessThan(union.size);
  });

  it('gives helpdesk exactly its writes’ scopes beyond reads, and nothing to delete users or change roles', () => {
    const { scopes } = profileScopes(getProfile('helpdesk', auth0Catalog), auth0Catalog);
    expect(scopes.filter((scope) => !scope.startsWith('read:'))).toEqual([
      'create:user_tickets',
      'delete:sessions',
      'update:users',
    ]);
  });

  it('keeps a policy profile inside its scope allowlist', () => {
    const policy = parsePolicy(
      'version: 1\nprofiles:\n  logs-only:\n    extends: read-only\n    scopes: [read:logs, read:logs_users]\n',
      'policy.yaml',
    );
    const profile = policy.profiles.get('logs-only')!;
    const { scopes, listed } = profileScopes(profile, auth0Catalog);
    expect(listed).toBeGreaterThan(0);
    expect(scopes).toEqual(['read:logs']);
  });

  it('compares a grant with the need both ways', () => {
    expect(compareScopes(['read:users', 'read:logs'], ['read:users', 'delete:users'])).toEqual({
      missing: ['read:logs'],
      extra: ['delete:users'],
    });
  });
});

describe('profileScopes (MonoCloud)', () => {
  it('is empty for every profile: MonoCloud keys carry no scopes', () => {
    for (const name of PROFILE_NAMES) {
      const result = profileScopes(getProfile(name, monocloudCatalog), monocloudCatalog);
      expect(result.scopes).toEqual([]);
      expect(result.listed).toBeGreaterThan(0);
    }
  });
});
