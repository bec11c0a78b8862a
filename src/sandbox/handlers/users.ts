/**
 * Users, users-by-email and brute-force blocks, with Auth0's rules where agents are most likely to
 * trip: a connection is required to create a user, an email is unique per connection, metadata merges
 * one level deep on update (null removes a key), and `blocked` is distinct from a brute-force block.
 */
import { createHash } from 'node:crypto';
import { ApiError, badBody, badQuery } from '../http.js';
import { boolParam, paginate, project, sortBy } from '../listing.js';
import { compileQuery } from '../search.js';
import { identifiersOf, type JsonObject, randomHex, type UserRecord } from '../state.js';
import {
  checkEmail,
  findUser,
  type HandlerContext,
  type HandlerTable,
  isoNow,
  objectBody,
  onlyProperties,
  optional,
  requiredString,
} from './context.js';

const CREATE_FIELDS = [
  'email',
  'phone_number',
  'user_metadata',
  'blocked',
  'email_verified',
  'phone_verified',
  'app_metadata',
  'given_name',
  'family_name',
  'name',
  'nickname',
  'picture',
  'user_id',
  'connection',
  'password',
  'verify_email',
  'username',
];
const UPDATE_FIELDS = [
  'blocked',
  'email_verified',
  'email',
  'phone_number',
  'phone_verified',
  'user_metadata',
  'app_metadata',
  'given_name',
  'family_name',
  'name',
  'nickname',
  'picture',
  'verify_email',
  'verify_phone_number',
  'password',
  'connection',
  'client_id',
  'username',
];
/** Profile fields an update may clear with null. */
const NULLABLE = [
  'email',
  'phone_number',
  'given_name',
  'family_name',
  'name',
  'nickname',
  'picture',
  'username',
];
/** Fields kept in storage but never returned. */
const HIDDEN = new Set(['password_hash']);

/** The user as the API returns it: empty metadata and internal fields left out. */
export function userJson(user: UserRecord): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(user)) {
    if (HIDDEN.has(key)) continue;
    if ((key === 'app_metadata' || key === 'user_metadata') && Object.keys(value as JsonObject).length === 0)
      continue;
    out[key] = value;
  }
  return out;
}

function primaryConnection(user: UserRecord): string | undefined {
  return user.identities[0]?.connection;
}

/** Top-level merge as Auth0 does it: keys are replaced, a null value deletes, `{}` clears everything. */
function mergeMetadata(current: JsonObject, patch: JsonObject): JsonObject {
  if (Object.keys(patch).length === 0) return {};
  const next = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}

function hashPassword(password: string): string {
  return createHash('sha256').update(password).digest('hex');
}

/** Auth0's password policies: minimum length, and which kinds of character a password must mix. */
const POLICIES: Record<string, { length: number; kinds: number; all?: boolean; maxRun?: number }> = {
  none: { length: 1, kinds: 0 },
  low: { length: 6, kinds: 0 },
  // fair: lower case, upper case and digits, all three.
  fair: { length: 8, kinds: 3, all: true },
  // good: three of lower case, upper case, digits and special characters.
  good: { length: 8, kinds: 3 },
  // excellent: as good, at least 10 long, and no character three times in a row.
  excellent: { length: 10, kinds: 3, maxRun: 2 },
};

/** Whether `password` meets the connection's policy, as Auth0 judges it. */
export function meetsPolicy(password: string, options: JsonObject): boolean {
  const name = typeof options.passwordPolicy === 'string' ? options.passwordPolicy : 'good';
  const policy = POLICIES[name] ?? POLICIES.good!;
  const minLength = Number(
    (options.password_complexity_options as JsonObject | undefined)?.min_length ?? policy.length,
  );
  if ([...password].length < Math.max(1, minLength)) return false;
  const kinds = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/].map((re) => re.test(password));
  if (policy.all && !(kinds[0] && kinds[1] && kinds[2])) return false;
  if (!policy.all && kinds.filter(Boolean).length < policy.kinds) return false;
  if (policy.maxRun !== undefined && new RegExp(`(.)\\1{${policy.maxRun}}`).test(password)) return false;
  return true;
}

function checkPassword(password: string, options: JsonObject): void {
  if (!meetsPolicy(password, options)) {
    throw new ApiError(400, 'PasswordStrengthError: Password is too weak', 'invalid_password');
  }
}

function createUser(ctx: HandlerContext) {
  const body = objectBody(ctx);
  onlyProperties(body, CREATE_FIELDS);
  const connectionName = requiredString(body, 'connection');
  const connection = ctx.state.connectionByName(connectionName);
  if (!connection) throw new ApiError(400, 'The connection does not exist.', 'inexistent_connection');
  const email = optional<string>(body, 'email', 'string');
  const username = optional<string>(body, 'username', 'string');
  const phone = optional<string>(body, 'phone_number', 'string');
  const password = optional<string>(body, 'password', 'string');
  if (email !== undefined) checkEmail(email);
  for (const key of ['blocked', 'email_verified', 'phone_verified', 'verify_email'])
    optional(body, key, 'boolean');
  const appMetadata = optional<JsonObject>(body, 'app_metadata', 'object') ?? {};
  const userMetadata = optional<JsonObject>(body, 'user_metadata', 'object') ?? {};

  const strategy = connection.strategy;
  if (strategy === 'auth0') {
    if (!email) throw badBody('missing required property: email.');
    if (!password) throw badBody('missing required property: password.');
    if (connection.options.requires_username === true && !username) {
      throw badBody('missing required property: username (the connection requires usernames).');
    }
    checkPassword(password, connection.options);
  } else if (strategy === 'email') {
    if (!email) throw badBody('missing required property: email.');
  } else if (strategy === 'sms') {
    if (!phone) throw badBody('missing required property: phone_number.');
  } else {
    throw new ApiError(
      400,
      `Users cannot be created on the "${connectionName}" connection (strategy ${strategy}); they sign in through their provider.`,
      'operation_not_supported',
    );
  }

  const onConnection = [...ctx.state.users.values()].filter((u) => primaryConnection(u) === connectionName);
  if (email && onConnection.some((u) => u.email?.toLowerCase() === email.toLowerCase())) {
    throw new ApiError(409, 'The user already exists.', 'auth0_idp_error');
  }
  if (username && onConnection.some((u) => u.username?.toLowerCase() === username.toLowerCase())) {
    throw new ApiError(409, 'The username already exists.', 'auth0_idp_error');
  }
  const provider = strategy === 'auth0' ? 'auth0' : strategy;
  const localId = optional<string>(body, 'user_id', 'string') || randomHex(24);
  const userId = `${provider}|${localId}`;
  if (ctx.state.users.has(userId)) throw new ApiError(409, 'The user already exists.', 'auth0_idp_error');

  const now = isoNow(ctx);
  const label = email ?? username ?? phone ?? localId;
  const nickname = (body.nickname as string | undefined) ?? label.split('@')[0]!;
  const user: UserRecord = {
    user_id: userId,
    ...(email ? { email, email_verified: body.email_verified === true } : {}),
    ...(username ? { username } : {}),
    ...(phone ? { phone_number: phone, phone_verified: body.phone_verified === true } : {}),
    name: (body.name as string | undefined) ?? label,
    nickname,
    ...(typeof body.given_name === 'string' ? { given_name: body.given_name } : {}),
    ...(typeof body.family_name === 'string' ? { family_name: body.family_name } : {}),
    picture:
      (body.picture as string | undefined) ??
      `https://avatars.example.com/${encodeURIComponent(nickname)}.png`,
    created_at: now,
    updated_at: now,
    identities: [{ connection: connectionName, user_id: localId, provider, isSocial: false }],
    app_metadata: appMetadata,
    user_metadata: userMetadata,
    ...(body.blocked === true ? { blocked: true } : {}),
    logins_count: 0,
  };
  if (password) user.password_hash = hashPassword(password);
  ctx.state.users.set(userId, user);
  return { body: userJson(user) };
}

function listUsers(ctx: HandlerContext) {
  const { query } = ctx;
  let users = [...ctx.state.users.values()];
  const connection = query.get('connection');
  if (connection) users = users.filter((u) => u.identities.some((i) => i.connection === connection));
  const q = query.get('q');
  if (q) {
    const match = compileQuery(q, ['email', 'name', 'nickname', 'username', 'user_id'], {
      connection: 'identities.connection',
      provider: 'identities.provider',
    });
    users = users.filter((u) => match(userJson(u)));
  }
  users = sortBy(users, query.get('sort'));
  const page = paginate(
    users.map((u) => project(userJson(u), query)),
    query,
    'users',
    { withLength: true },
  );
  return { body: page };
}

function updateUser(ctx: HandlerContext) {
  const user = findUser(ctx, ctx.params.id);
  const body = objectBody(ctx);
  onlyProperties(body, UPDATE_FIELDS);
  if (Object.keys(body).length === 0) throw badBody('the body must set at least one property.');
  for (const key of ['blocked', 'email_verified', 'phone_verified', 'verify_email', 'verify_phone_number']) {
    optional(body, key, 'boolean');
  }
  const next: UserRecord = { ...user };
  const connection = ctx.state.connectionByName(primaryConnection(user) ?? '');
  if (body.password !== undefined && body.email !== undefined) {
    throw new ApiError(400, 'Cannot update password and email simultaneously', 'invalid_body');
  }

  if (typeof body.email === 'string' && body.email.toLowerCase() !== user.email?.toLowerCase()) {
    checkEmail(body.email);
    const taken = [...ctx.state.users.values()].some(
      (u) =>
        u.user_id !== user.user_id &&
        primaryConnection(u) === primaryConnection(user) &&
        u.email?.toLowerCase() === (body.email as string).toLowerCase(),
    );
    if (taken) throw new ApiError(400, 'The specified new email already exists.', 'auth0_idp_error');
    next.email = body.email;
    // A new address is unverified unless the caller says otherwise, as on a real tenant.
    next.email_verified = body.email_verified === true;
  }
  if (body.password !== undefined && body.password !== null) {
    if (typeof body.password !== 'string') throw badBody('"password" must be a string.');
    if (connection?.strategy !== 'auth0') {
      throw new ApiError(
        400,
        'Only users of database connections have a password to change.',
        'operation_not_supported',
      );
    }
    checkPassword(body.password, connection.options);
    next.password_hash = hashPassword(body.password);
    next.last_password_reset = isoNow(ctx);
  }
  for (const key of NULLABLE) {
    if (key === 'email' || !(key in body)) continue;
    const value = body[key];
    if (value === null) delete next[key];
    else if (typeof value === 'string') next[key] = value;
    else throw badBody(`"${key}" must be a string or null.`);
  }
  if (typeof body.blocked === 'boolean') {
    if (body.blocked) next.blocked = true;
    else delete next.blocked;
  }
  if (typeof body.email_verified === 'boolean') next.email_verified = body.email_verified;
  if (typeof body.phone_verified === 'boolean') next.phone_verified = body.phone_verified;
  for (const key of ['app_metadata', 'user_metadata'] as const) {
    const patch = optional<JsonObject>(body, key, 'object');
    if (patch) next[key] = mergeMetadata(user[key], patch);
  }
  next.updated_at = isoNow(ctx);
  ctx.state.users.set(user.user_id, next);
  return { body: userJson(next) };
}

function usersByEmail(ctx: HandlerContext) {
  const email = ctx.query.get('email');
  if (!email) throw badQuery('missing required property: email.');
  const wanted = email.toLowerCase();
  const users = [...ctx.state.users.values()].filter((u) => u.email?.toLowerCase() === wanted);
  return { body: users.map((u) => project(userJson(u), ctx.query)) };
}

/** Blocks naming one of `identifiers`; optionally only where the connection still has protection on. */
function blocksFor(ctx: HandlerContext, identifiers: string[]) {
  const onlyProtected = boolParam(ctx.query, 'consider_brute_force_enablement', false);
  return ctx.state.blocks.filter((b) => {
    if (!identifiers.includes(b.identifier.toLowerCase())) return false;
    if (!onlyProtected) return true;
    return ctx.state.connectionByName(b.connection)?.options.brute_force_protection === true;
  });
}

function identifierParam(ctx: HandlerContext): string {
  const identifier = ctx.query.get('identifier');
  if (!identifier) throw badQuery('missing required property: identifier.');
  return identifier.toLowerCase();
}

/** Stateful handlers for users and user blocks. */
export const userHandlers: HandlerTable = {
  get_users: listUsers,
  post_users: createUser,
  get_users_by_id: (ctx) => ({ body: project(userJson(findUser(ctx, ctx.params.id)), ctx.query) }),
  patch_users_by_id: updateUser,
  delete_users_by_id: (ctx) => {
    const user = findUser(ctx, ctx.params.id);
    ctx.state.deleteUser(user.user_id);
    return {};
  },
  'get_users-by-email': usersByEmail,
  'get_user-blocks_by_id': (ctx) => ({
    body: { blocked_for: blocksFor(ctx, identifiersOf(findUser(ctx, ctx.params.id))).map((b) => ({ ...b })) },
  }),
  'delete_user-blocks_by_id': (ctx) => {
    const ids = identifiersOf(findUser(ctx, ctx.params.id));
    ctx.state.blocks = ctx.state.blocks.filter((b) => !ids.includes(b.identifier.toLowerCase()));
    return {};
  },
  'get_user-blocks': (ctx) => ({
    body: { blocked_for: blocksFor(ctx, [identifierParam(ctx)]).map((b) => ({ ...b })) },
  }),
  'delete_user-blocks': (ctx) => {
    const identifier = identifierParam(ctx);
    ctx.state.blocks = ctx.state.blocks.filter((b) => b.identifier.toLowerCase() !== identifier);
    return {};
  },
};
