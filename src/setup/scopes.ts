/**
 * The scopes an application needs to run what a profile lists, computed from the catalog: for each
 * operation the profile allows, its primary scope, and nothing else. An operation lists the scopes any
 * one of which lets a token call it; the alternatives after the first are narrower or broader views
 * (`read:client_keys` shows secrets, `read:user_idp_tokens` identity-provider tokens, `read:current_user`
 * is for a user's own token), so granting the union would hand out more than the agent can use.
 */
import type { Profile } from '../policy/types.js';
import type { Catalog, OperationSpec } from '../tools/types.js';

/** What the profile needs granted, and why each scope is there. */
export interface ProfileScopes {
  /** Scopes to grant, sorted. Empty for a provider whose credentials carry no scopes (MonoCloud). */
  scopes: string[];
  /** For each scope, the ids of the listed operations it is the primary scope of. */
  operations: ReadonlyMap<string, readonly string[]>;
  /** How many operations the profile lists. */
  listed: number;
}

/**
 * The one scope an application gets for `op`: the first listed scope of the operation's kind (a `read:`
 * scope for a read, any other for a write), the first listed otherwise; only scopes of `allowlist`
 * count when the profile has one. `undefined` when the operation needs no scope.
 */
export function primaryScope(op: OperationSpec, allowlist?: ReadonlySet<string>): string | undefined {
  const candidates = allowlist ? op.scopes.filter((scope) => allowlist.has(scope)) : op.scopes;
  const reading = (scope: string) => scope.startsWith('read:');
  return candidates.find((scope) => (op.risk === 'read' ? reading(scope) : !reading(scope))) ?? candidates[0];
}

/** The scopes `profile` can use over `catalog`: the primary scope of every operation it lists. */
export function profileScopes(profile: Profile, catalog: Catalog): ProfileScopes {
  const operations = new Map<string, string[]>();
  let listed = 0;
  for (const op of catalog.operations) {
    if (profile.denies(op) !== undefined) continue;
    listed++;
    const scope = primaryScope(op, profile.scopes);
    if (scope === undefined) continue;
    const ids = operations.get(scope);
    if (ids) ids.push(op.id);
    else operations.set(scope, [op.id]);
  }
  return { scopes: [...operations.keys()].sort(), operations, listed };
}

/** How a granted set compares with what the profile needs. */
export interface ScopeComparison {
  /** Needed and not granted: these operations will be refused. */
  missing: string[];
  /** Granted and not needed: more than the agent can use. */
  extra: string[];
}

/** Compares granted scopes with the needed ones. */
export function compareScopes(needed: readonly string[], granted: Iterable<string>): ScopeComparison {
  const have = new Set(granted);
  const want = new Set(needed);
  return {
    missing: needed.filter((scope) => !have.has(scope)),
    extra: [...have].filter((scope) => !want.has(scope)).sort(),
  };
}

/** Scopes grouped by their verb, for a plan a person can read: `read: users, logs, …`. */
export function describeScopes(scopes: readonly string[]): string[] {
  const byVerb = new Map<string, string[]>();
  for (const scope of scopes) {
    const split = scope.indexOf(':');
    const verb = split > 0 ? scope.slice(0, split) : scope;
    const rest = split > 0 ? scope.slice(split + 1) : '';
    const list = byVerb.get(verb) ?? [];
    list.push(rest);
    byVerb.set(verb, list);
  }
  return [...byVerb].map(([verb, nouns]) => `${verb} (${nouns.length}): ${nouns.join(', ')}`);
}
