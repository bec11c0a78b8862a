/**
 * Finding a MonoCloud user and reading one compactly. `user` may be a user id (a UUID), an email, or a
 * name, tried in that order with `find_user_by_id` or a `get_all_users` filter; the answer always says
 * which lookups ran. MonoCloud times are epoch seconds; answers show them cut to the minute.
 */
import { type TaskContext, TaskError } from '../context.js';
import {
  isEmailAddress,
  type Lookup,
  listOf,
  namesWholeWord,
  prune,
  readOrMissing,
  reasonOf,
} from '../users.js';

/** One address or number of a user. */
export interface MonoIdentifier extends Record<string, unknown> {
  /** Identifier id. */
  id: string;
  /** Whether it is the primary one. */
  primary?: boolean;
  /** Whether its owner proved it. */
  verified?: boolean;
  /** The address (emails). */
  email?: string;
  /** The number (phones). */
  phone?: string;
}

/** A MonoCloud user (`User` or `UserSummary`); only the fields the tasks read are typed. */
export interface MonoUser extends Record<string, unknown> {
  /** UUID. */
  user_id: string;
  /** Set when an administrator disabled the account. */
  disabled?: boolean;
  /** Addresses. */
  emails?: MonoIdentifier[];
  /** Numbers. */
  phone_numbers?: MonoIdentifier[];
  /** OIDC claims (`name`, ...). */
  claims?: Record<string, unknown>;
  /** Identity providers the user signs in with. */
  connections?: Array<{ idp?: string }>;
  /** Linked social accounts. */
  external_providers?: Array<{ authenticator?: string }>;
  /** Registered passkeys. */
  passkeys?: unknown[];
  /** Whether a password is set. */
  has_password?: boolean;
  /** Whether the next sign-in must choose a new password. */
  force_password_reset?: boolean;
  /** Locked out until then (epoch seconds). */
  block_until?: number | null;
  /** Failed sign-ins since the last success. */
  failure_count?: number;
}

/** The outcome of resolving `user`. */
export type MonoResolution =
  | { kind: 'found'; user: MonoUser; tried: Lookup[] }
  | { kind: 'ambiguous'; candidates: MonoUser[]; more: boolean; tried: Lookup[] }
  | { kind: 'partial'; candidates: MonoUser[]; tried: Lookup[] }
  | { kind: 'missing'; tried: Lookup[] }
  | { kind: 'unchecked'; tried: Lookup[] }
  | { kind: 'invalid'; reason: string };

/** MonoCloud user ids are UUIDs. */
export const USER_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A filter value quoted for the Lucene-style filter (quotes and backslashes cannot be searched for). */
export function quoted(text: string): string {
  return `"${text.replace(/["\\]/g, '')}"`;
}

/** The filter for a name: one plain word matches anywhere in email, username, name or phone; else the name. */
export function nameFilter(text: string): string {
  return /^[\p{L}\p{N}][\p{L}\p{N}._'-]*$/u.test(text) ? text : `name:${quoted(text)}`;
}

/** Epoch seconds as an ISO date cut to the minute (`2026-11-23T10:04Z`). */
export function at(seconds: unknown): string | undefined {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return undefined;
  return `${new Date(seconds * 1000).toISOString().slice(0, 16)}Z`;
}

/** The primary address (else the first), when any. */
export function primaryEmail(user: MonoUser): MonoIdentifier | undefined {
  return user.emails?.find((e) => e.primary) ?? user.emails?.[0];
}

/** The primary phone number (else the first), when any. */
export function primaryPhone(user: MonoUser): MonoIdentifier | undefined {
  return user.phone_numbers?.find((p) => p.primary) ?? user.phone_numbers?.[0];
}

/** Whether the lockout holds at `now` (epoch ms). */
export function lockedOut(user: MonoUser, now: number): boolean {
  return typeof user.block_until === 'number' && user.block_until * 1000 > now;
}

/** Identity providers other than MonoCloud's own, e.g. `google`. */
export function externalIdps(user: MonoUser): string[] {
  const fromProviders = (user.external_providers ?? []).map((p) => p.authenticator);
  const fromConnections = (user.connections ?? []).map((c) => c.idp).filter((idp) => idp !== 'monocloud');
  return [...new Set([...fromProviders, ...fromConnections])].filter(
    (x): x is string => typeof x === 'string',
  );
}

/** A compact row for one user (tenant data). */
export function monoUserRow(user: MonoUser, now: number): Record<string, unknown> {
  const email = primaryEmail(user);
  return prune({
    user_id: user.user_id,
    email: email?.email,
    name: typeof user.claims?.name === 'string' ? user.claims.name : undefined,
    idps: externalIdps(user).length ? externalIdps(user) : undefined,
    disabled: user.disabled === true ? true : undefined,
    locked_until: lockedOut(user, now) ? at(user.block_until) : undefined,
    email_verified: email?.verified === false ? false : undefined,
    last_sign_in: at(user.last_sign_in_success),
  });
}

/** Users matching a `get_all_users` filter, at most `size`; `more` when the tenant has others. */
export async function searchUsers(
  ctx: TaskContext,
  filter: string,
  size: number,
): Promise<{ users: MonoUser[]; more: boolean }> {
  // One more than asked, so "more match" needs no paging header.
  const users = listOf(await ctx.read('get_all_users', { filter, size: size + 1 }), 'users') as MonoUser[];
  return { users: users.slice(0, size), more: users.length > size };
}

/** Reads one user by id; `[]` when the tenant has none. */
export async function userById(ctx: TaskContext, id: string): Promise<MonoUser[]> {
  const body = await readOrMissing(ctx, 'find_user_by_id', { user_id: id });
  return body && typeof body === 'object' ? [body as MonoUser] : [];
}

/** Resolves `user` (an id, an email or a name) to exactly one MonoCloud user, or says why not. */
export async function resolveMonoUser(
  ctx: TaskContext,
  user: string,
  maxCandidates = 5,
): Promise<MonoResolution> {
  if (user === '') return { kind: 'invalid', reason: 'user is empty: send an email, a user id or a name.' };
  const tried: Lookup[] = [];
  const attempt = async (lookup: string, run: () => Promise<MonoUser[]>): Promise<MonoUser[] | null> => {
    try {
      const found = await run();
      tried.push({ lookup, result: `found ${found.length}` });
      return found;
    } catch (error) {
      tried.push({ lookup, result: `not checked: ${reasonOf(error)}` });
      return null;
    }
  };
  let found: MonoUser[] | null;
  let more = false;
  if (USER_ID_PATTERN.test(user)) {
    found = await attempt('user by id', () => userById(ctx, user));
  } else if (user.includes('@')) {
    if (!isEmailAddress(user)) {
      return {
        kind: 'invalid',
        reason:
          'user looks like an email address but is not one (expected name@domain.tld); nothing was looked up.',
      };
    }
    found = await attempt('users by email', async () => {
      const { users } = await searchUsers(ctx, `email:${quoted(user)}`, maxCandidates);
      // A filter may match loosely; an exact address wins.
      const exact = users.filter((u) => u.emails?.some((e) => e.email?.toLowerCase() === user.toLowerCase()));
      return exact.length ? exact : users;
    });
  } else {
    found = await attempt('users by name, email, username or phone', async () => {
      const page = await searchUsers(ctx, nameFilter(user), maxCandidates);
      more = page.more;
      return page.users;
    });
  }
  if (found === null) return { kind: 'unchecked', tried };
  if (found.length === 1) {
    const only = found[0]!;
    const byName = !USER_ID_PATTERN.test(user) && !user.includes('@');
    const names = [
      only.claims?.name,
      only.claims?.given_name,
      only.claims?.family_name,
      only.claims?.nickname,
      ...(only.emails ?? []).map((e) => e.email),
      typeof only.username === 'object' && only.username
        ? (only.username as { username?: unknown }).username
        : only.username,
    ];
    if (byName && !namesWholeWord(user, names)) return { kind: 'partial', candidates: [only], tried };
    return { kind: 'found', user: only, tried };
  }
  if (found.length === 0) return { kind: 'missing', tried };
  return {
    kind: 'ambiguous',
    candidates: found.slice(0, maxCandidates),
    more: more || found.length > maxCandidates,
    tried,
  };
}

/** The answer for a `user` that did not resolve to one person, as the Auth0 tools give it. */
export function unresolvedMono(
  resolution: Exclude<MonoResolution, { kind: 'found' }>,
  now: number,
): { answer: Record<string, unknown>; tenant?: unknown; isError: true } {
  switch (resolution.kind) {
    case 'invalid':
      return { answer: { error: resolution.reason }, isError: true };
    case 'ambiguous':
      return {
        answer: {
          error: `user matches ${resolution.more ? 'more than ' : ''}${resolution.candidates.length} people; call again with one user_id from the candidates. Nothing else was done.`,
          tried: resolution.tried,
        },
        tenant: { candidates: resolution.candidates.map((u) => monoUserRow(u, now)) },
        isError: true,
      };
    case 'partial':
      return {
        answer: {
          error:
            'user matches only the start of a word of one person, which is not enough to act on them; call again with their user_id, full name or email. Nothing else was done.',
          tried: resolution.tried,
        },
        tenant: { candidates: resolution.candidates.map((u) => monoUserRow(u, now)) },
        isError: true,
      };
    case 'missing':
      return {
        answer: {
          error: 'No user matches; nothing else was done. Check the spelling, or try find_users.',
          tried: resolution.tried,
        },
        isError: true,
      };
    case 'unchecked':
      return {
        answer: {
          error: 'The user could not be looked up (see tried); nothing else was done.',
          tried: resolution.tried,
        },
        isError: true,
      };
  }
}

/** A user's blocked IPs now (ip, until, failures), at most 100. */
export async function blockedIps(ctx: TaskContext, userId: string): Promise<Record<string, unknown>[]> {
  return listOf(await ctx.read('get_all_blocked_ips', { user_id: userId, size: 100 }), 'ips').map((r) =>
    prune({ ip: r.ip, until: at(r.block_until), failures: r.failure_count }),
  );
}

/** A user's live sessions, compact, at most 100. */
export async function userSessions(ctx: TaskContext, userId: string): Promise<Record<string, unknown>[]> {
  return listOf(await ctx.read('get_all_user_sessions', { user_id: userId, size: 100 }), 'sessions').map(
    (s) => {
      const meta = (s.last_metadata ?? {}) as Record<string, unknown>;
      return prune({ id: s.session_id, last: at(s.last_updated), ip: meta.ip_address, city: meta.city });
    },
  );
}

/** Rethrows what is not a {@link TaskError}; a task's own bugs must reach the server's boundary. */
export function taskErrorOf(error: unknown): TaskError {
  if (error instanceof TaskError) return error;
  throw error;
}
