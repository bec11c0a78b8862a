// Holds search quality where it was measured, so ranking cannot silently regress: hit@1 and hit@3 of the
// evaluation sets per provider, every toolset covered, the intents named in issue 15 answered first,
// synonyms and verbs read, destructive operations never above a read for a question, and task tools
// suggested only when the profile lists them.
import { describe, expect, it } from 'vitest';
import { rankedNames } from '../../src/server/search/index.js';
import { taskToolsFor } from '../../src/tools/tasks/index.js';
import { CATALOGS, evaluate, loadIntents, searchFor } from './evaluate.js';

/**
 * Intents answered first and in the top three, as measured when the figures were recorded in the README.
 * Raise them when ranking improves; a drop fails here, naming the intents that now miss. The held-out
 * sets are held too, though never tuned against: a change that helps the tuned set by hurting words
 * nobody tuned for shows up there.
 */
const FLOORS = {
  auth0: { hit1: 227, hit3: 252 },
  monocloud: { hit1: 81, hit3: 86 },
  'auth0-holdout': { hit1: 34, hit3: 40 },
  'monocloud-holdout': { hit1: 16, hit3: 18 },
} as const;

const PROVIDERS = ['auth0', 'monocloud'] as const;

describe('the evaluation sets', () => {
  for (const set of Object.keys(FLOORS) as Array<keyof typeof FLOORS>) {
    const provider = set.startsWith('monocloud') ? 'monocloud' : 'auth0';
    it(`${set}: hit@1 and hit@3 hold their measured level`, () => {
      const figures = evaluate(provider, loadIntents(set));
      const misses = figures.misses.map((m) => `${m.intent} → ${m.got.join(', ')}`);
      expect(Math.round(figures.hit3 * figures.count), misses.join('\n')).toBeGreaterThanOrEqual(
        FLOORS[set].hit3,
      );
      expect(Math.round(figures.hit1 * figures.count)).toBeGreaterThanOrEqual(FLOORS[set].hit1);
    });
  }

  it('holds at least 150 intents, every toolset of both catalogs, and only names that exist', () => {
    let total = 0;
    for (const provider of PROVIDERS) {
      const intents = loadIntents(provider);
      total += intents.length;
      const catalog = CATALOGS[provider];
      const known = new Set([
        ...catalog.operations.map((op) => op.id),
        ...taskToolsFor(provider).map((t) => t.name),
      ]);
      const byId = new Map(catalog.operations.map((op) => [op.id, op]));
      for (const set of [provider, `${provider}-holdout`]) {
        for (const { intent, accept } of loadIntents(set)) {
          expect(accept.length, intent).toBeGreaterThan(0);
          for (const name of accept) expect(known.has(name), `${set}: ${intent} → ${name}`).toBe(true);
        }
      }
      const covered = new Set(intents.flatMap((i) => i.accept.map((name) => byId.get(name)?.toolset)));
      const toolsets = [...new Set(catalog.operations.map((op) => op.toolset))];
      expect(toolsets.filter((toolset) => !covered.has(toolset))).toEqual([]);
    }
    expect(total).toBeGreaterThanOrEqual(150);
  });
});

describe('ranking', () => {
  const auth0 = searchFor('auth0', 'admin');
  const first = (query: string, index = auth0) => rankedNames(index.search({ query, limit: 8 }))[0];

  it.each([
    // The intents issue 15 found ranked wrong, each with the answer it now gets first.
    ['who logged in from 203.0.113.7', 'get_logs'],
    ['delete a user', 'delete_users_by_id'],
    ['which applications can use a connection', 'get_connection_clients'],
    ['list the APIs defined in the tenant', 'get_resource-servers'],
    ['require MFA for everyone', 'put_policies'],
    ['how many users logged in this month', 'get_active-users'],
    ["why can't alice log in", 'diagnose_login'],
  ])('%s → %s first', (query, expected) => {
    expect(first(query)).toBe(expected);
  });

  it.each([
    // Synonyms of the identity domain reach the word the catalog uses.
    ['list apps', 'get_clients'],
    ['list the resource servers', 'get_resource-servers'],
    ['which 2fa factors are on', 'get_factors'],
    ['which guardian factors are enabled', 'get_factors'],
    ['ban a person', 'block_user'],
    ['invalidate the remembered browsers of a user', 'post_invalidate-remember-browser'],
    ['sign bob out everywhere', 'revoke_user_sessions'],
    ['list the idps', 'get_connections'],
  ])('reads synonyms: %s → %s', (query, expected) => {
    expect(first(query)).toBe(expected);
  });

  it('reads the method from the verb: the same words find a read, a create, an update and a delete', () => {
    expect(first('list roles')).toBe('get_roles');
    expect(first('create a role')).toBe('post_roles');
    expect(first('rename a role')).toBe('patch_roles_by_id');
    expect(first('delete a role')).toBe('delete_roles_by_id');
  });

  it('never ranks a destructive operation above a read for a question', () => {
    const starts = ['who', 'which', 'what', 'is', 'are', 'show', 'list', 'does', 'when did'];
    const subjects = [
      'users were deleted',
      'roles does carol have',
      'sessions does bob have',
      'the signing keys',
      'grants a user gave',
      'the refresh tokens of dave',
      'a user blocked',
      'mfa enrolments removed',
      'applications use this connection',
      'organization members',
      'custom domains',
      'log streams',
      'the authentication methods of erin',
    ];
    const broken: string[] = [];
    for (const start of starts) {
      for (const subject of subjects) {
        const query = `${start} ${subject}`;
        const { hits } = auth0.search({ query, limit: 25 });
        const firstRead = hits.findIndex((h) => h.op.risk === 'read');
        const firstDestructive = hits.findIndex((h) => h.op.risk === 'destructive');
        if (firstRead >= 0 && firstDestructive >= 0 && firstDestructive < firstRead) broken.push(query);
      }
    }
    expect(broken).toEqual([]);
  });

  it('suggests a task tool first only when the profile lists it, and never a writing one for a question', () => {
    const admin = auth0.search({ query: 'block dave', limit: 5 });
    expect(admin.suggested?.task.name).toBe('block_user');
    const readOnly = searchFor('auth0', 'read-only').search({ query: 'block dave', limit: 5 });
    expect(readOnly.suggested).toBeUndefined();
    expect(readOnly.hits.every((h) => h.op.risk === 'read')).toBe(true);
    expect(auth0.search({ query: 'is dave blocked', limit: 5 }).suggested?.task.risk ?? 'read').toBe('read');
  });

  it('puts an exact operation id first', () => {
    for (const op of CATALOGS.auth0.operations.slice(0, 60)) expect(first(op.id), op.id).toBe(op.id);
  });
});
