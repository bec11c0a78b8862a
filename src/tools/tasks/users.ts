/**
 * Finding the person a task is about. `user` may be a user id (anything with `|`), an email, or a name,
 * tried in that order; the answer always says which lookups ran, so "not found" is never a guess.
 */
import type { TaskContext } from './context.js';
import { TaskError } from './context.js';

/** A user as the tenant returns it; only the fields the tasks read are typed. */
export interface TenantUser extends Record<string, unknown> {
  /** `{provider}|{id}`. */
  user_id: string;
  /** Email address, when the connection has one. */
  email?: string;
  /** Whether the address is verified. */
  email_verified?: boolean;
  /** Display name. */
  name?: string;
  /** Set when an administrator blocked the user. */
  blocked?: boolean;
  /** Linked identities; the first is the primary one. */
  identities?: Array<{ connection?: string; provider?: string; user_id?: string; isSocial?: boolean }>;
}

/** Fields the tasks need of a user, pushed down to the API to keep answers small. */
export const USER_FIELDS = [
  'user_id',
  'email',
  'email_verified',
  'name',
  'nickname',
  'given_name',
  'family_name',
  'username',
  'phone_number',
  'identities',
  'blocked',
  'created_at',
  'last_login',
  'last_ip',
  'logins_count',
  'last_password_reset',
] as const;

/** A lookup that ran and what it told. */
export interface Lookup {
  /** What was asked, in our words, e.g. `users-by-email (every connection)`. */
  lookup: string;
  /** `found 1`, `found 0`, `404`, or why it could not run. */
  result: string;
}

/** The outcome of resolving `user`. */
export type Resolution =
  | { kind: 'found'; user: TenantUser; tried: Lookup[] }
  | { kind: 'ambiguous'; candidates: TenantUser[]; more: boolean; tried: Lookup[] }
  | { kind: 'partial'; candidates: TenantUser[]; tried: Lookup[] }
  | { kind: 'missing'; tried: Lookup[] }
  | { kind: 'unchecked'; tried: Lookup[] }
  | { kind: 'invalid'; reason: string };

/** Longest email address (RFC 5321 allows 64 + 1 + 255; no mailbox in practice is longer). */
export const MAX_EMAIL_LENGTH = 320;

/**
 * Loose email check: one `@` after a local part without `|`, a dot inside the domain, no spaces. The
 * tenant has the final word. Read by position, not by a regular expression: the pattern this replaces
 * (`^[^\s@|]+@[^\s@]+\.[^\s@]+$`) backtracked quadratically, 13.9 s on a 100 kB string with the event
 * loop blocked for every session.
 */
export function isEmailAddress(text: string): boolean {
  if (text.length > MAX_EMAIL_LENGTH || /\s/.test(text)) return false;
  const at = text.indexOf('@');
  if (at < 1 || text.indexOf('@', at + 1) !== -1 || text.lastIndexOf('|', at) !== -1) return false;
  // A dot with at least one character of the domain on each side.
  const domain = text.slice(at + 1);
  return domain.length >= 3 && domain.slice(1, -1).includes('.');
}

/** A name search word we can put in a wildcard query without escaping. */
const PLAIN_WORD = /^[\p{L}\p{N}][\p{L}\p{N}._'-]*$/u;

/**
 * The `q` expression for a name: a single plain word is a prefix of the name, nickname or email; anything
 * else is the exact name, quoted (quotes and backslashes dropped, as they cannot be searched for).
 */
export function nameQuery(text: string): string {
  if (PLAIN_WORD.test(text)) return `name:${text}* OR nickname:${text}* OR email:${text}*`;
  return `name:"${text.replace(/["\\]/g, '')}"`;
}

/**
 * Whether `fragment` names a person by a whole word of one of `values` (their name, nickname, email,
 * username): the whole value, an email's whole local part, or one word of it. A search by name matches
 * prefixes ("a" finds Alice), which is fine for finding people but not for acting on one: a task picks a
 * person only when the fragment is a whole word of who they are. Linear in the values' length.
 */
export function namesWholeWord(fragment: string, values: readonly unknown[]): boolean {
  const wanted = fragment.normalize('NFKC').trim().toLowerCase();
  if (!wanted) return false;
  for (const value of values) {
    if (typeof value !== 'string') continue;
    const text = value.normalize('NFKC').toLowerCase();
    if (text === wanted) return true;
    const at = text.indexOf('@');
    if (at > 0 && text.slice(0, at) === wanted) return true;
    if (text.split(/[\s.@_+'-]+/).includes(wanted)) return true;
  }
  return false;
}

/** Reads `operation`; a 404 resolves to `undefined`, other failures reject with the {@link TaskError}. */
export async function readOrMissing(
  ctx: TaskContext,
  operation: string,
  args: Record<string, unknown>,
  fields?: readonly string[],
): Promise<unknown> {
  try {
    return await ctx.read(operation, args, fields ? { fields } : undefined);
  } catch (error) {
    if (error instanceof TaskError && error.code === 'not_found') return undefined;
    throw error;
  }
}

/** The list inside a list answer (`[...]`, or `{ users: [...] }` when totals were asked for). */
export function listOf(body: unknown, key: string): Record<string, unknown>[] {
  if (Array.isArray(body)) return body as Record<string, unknown>[];
  if (body && typeof body === 'object') {
    const inner = (body as Record<string, unknown>)[key];
    if (Array.isArray(inner)) return inner as Record<string, unknown>[];
  }
  return [];
}

/** Why a lookup could not run, for "not checked" lists. */
export function reasonOf(error: unknown): string {
  if (error instanceof TaskError) return error.brief;
  throw error;
}

/** Resolves `user` (an id, an email or a name) to exactly one user, or says why not. */
export async function resolveUser(ctx: TaskContext, user: string, maxCandidates = 5): Promise<Resolution> {
  // Emptiness is checked here, not in the schema: a listing pays for every keyword of every schema.
  if (user === '') return { kind: 'invalid', reason: 'user is empty: send an email, a user id or a name.' };
  const tried: Lookup[] = [];
  const attempt = async (lookup: string, run: () => Promise<TenantUser[]>): Promise<TenantUser[] | null> => {
    try {
      const found = await run();
      tried.push({ lookup, result: `found ${found.length}` });
      return found;
    } catch (error) {
      tried.push({ lookup, result: `not checked: ${reasonOf(error)}` });
      return null;
    }
  };

  let found: TenantUser[] | null;
  if (user.includes('|')) {
    found = await attempt('user by id', async () => {
      const body = await readOrMissing(ctx, 'get_users_by_id', { id: user }, USER_FIELDS);
      return body && typeof body === 'object' ? [body as TenantUser] : [];
    });
  } else if (user.includes('@')) {
    if (!isEmailAddress(user)) {
      return {
        kind: 'invalid',
        reason:
          'user looks like an email address but is not one (expected name@domain.tld); nothing was looked up.',
      };
    }
    found = await attempt('users-by-email (every connection)', async () =>
      listOf(await ctx.read('get_users-by-email', { email: user }, { fields: USER_FIELDS }), 'users').map(
        (u) => u as TenantUser,
      ),
    );
  } else {
    found = await attempt('user search by name, nickname or email prefix', async () =>
      listOf(
        await ctx.read(
          'get_users',
          { q: nameQuery(user), per_page: maxCandidates + 1 },
          { fields: USER_FIELDS },
        ),
        'users',
      ).map((u) => u as TenantUser),
    );
  }
  if (found === null) return { kind: 'unchecked', tried };
  if (found.length === 1) {
    const only = found[0]!;
    const byName = !user.includes('|') && !user.includes('@');
    if (
      byName &&
      !namesWholeWord(user, [
        only.name,
        only.nickname,
        only.email,
        only.username,
        only.given_name,
        only.family_name,
      ])
    )
      return { kind: 'partial', candidates: [only], tried };
    return { kind: 'found', user: only, tried };
  }
  if (found.length === 0) return { kind: 'missing', tried };
  return {
    kind: 'ambiguous',
    candidates: found.slice(0, maxCandidates),
    more: found.length > maxCandidates,
    tried,
  };
}

/** The user's primary connection name, when known. */
export function connectionOf(user: TenantUser): string | undefined {
  return user.identities?.[0]?.connection;
}

/** An ISO date cut to the minute (`2026-11-23T10:04Z`): seconds cost tokens and tell nothing here. */
export function minute(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})/.exec(value);
  return m ? `${m[1]}Z` : value;
}

/** Drops `undefined` values so compact rows carry only what is known. */
export function prune<T extends Record<string, unknown>>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A compact row for one user (tenant data). */
export function userRow(user: TenantUser): Record<string, unknown> {
  return prune({
    user_id: user.user_id,
    email: user.email,
    name: user.name,
    connection: connectionOf(user),
    blocked: user.blocked === true ? true : undefined,
    email_verified: user.email_verified === false ? false : undefined,
    last_login: minute(user.last_login),
  });
}

/**
 * The answer for a `user` that did not resolve to one person: what was tried and, when ambiguous, the
 * candidates, so the agent can call again with a user id.
 */
export function unresolved(resolution: Exclude<Resolution, { kind: 'found' }>): {
  answer: Record<string, unknown>;
  tenant?: unknown;
} {
  switch (resolution.kind) {
    case 'invalid':
      return { answer: { error: resolution.reason } };
    case 'ambiguous':
      return {
        answer: {
          error: `user matches ${resolution.more ? 'more than ' : ''}${resolution.candidates.length} people; call again with one user_id from the candidates. Nothing else was done.`,
          tried: resolution.tried,
        },
        tenant: { candidates: resolution.candidates.map(userRow) },
      };
    case 'partial':
      return {
        answer: {
          error:
            'user matches only the start of a word of one person, which is not enough to act on them; call again with their user_id, full name or email. Nothing else was done.',
          tried: resolution.tried,
        },
        tenant: { candidates: resolution.candidates.map(userRow) },
      };
    case 'missing':
      return {
        answer: {
          error: 'No user matches; nothing else was done. Check the spelling, or try find_users.',
          tried: resolution.tried,
        },
      };
    case 'unchecked':
      return {
        answer: {
          error: 'The user could not be looked up (see tried); nothing else was done.',
          tried: resolution.tried,
        },
      };
  }
}
