/**
 * Users themselves: list, create, read, delete, enable/disable, lockout resets (account and per IP),
 * the username, profile claims, and public and private data. The rules an agent meets are MonoCloud's:
 * identifiers are unique across users (409), a weak password or bad username is an identity error
 * (422, `[{code, description}]`), a malformed field is a field error (422, `{field: [messages]}`).
 */
import { type FilterSpec, listPage } from '../listing.js';
import { conflict, identityErrors, notFound } from '../problem.js';
import {
  connectionFor,
  hashPassword,
  type IpAccessRecord,
  type JsonObject,
  type MonoCloudState,
  type MonoUser,
  newId,
  PASSWORD_ALGORITHMS,
} from '../state.js';
import {
  BodyReader,
  checkBcrypt,
  checkClaimConformance,
  checkEmail,
  checkPhone,
  passwordErrors,
  strengthOf,
  throwIdentity,
  usernameErrors,
  usernameMinLength,
} from '../validate.js';
import {
  findUser,
  hasOtherIdentifier,
  type MonoContext,
  type MonoHandlerTable,
  mergeData,
  touch,
  userJson,
  userSummary,
} from './context.js';

/** Where identifiers added through the management API say they came from. */
export const API_SOURCE = 'management_api';

/** Fields `sort` may name on user lists. */
export const USER_SORT_FIELDS = [
  'failure_count',
  'last_sign_in_attempt',
  'sign_in_attempts_count',
  'last_sign_in_success',
  'sign_in_success_count',
  'last_activity',
  'block_until',
  'creation_time',
  'last_updated',
] as const;

/**
 * How user lists filter. `email` and `phone_number` hold every address or number of the user;
 * `email_verified` is the primary address's flag; `idp` the identity providers the user signs in with.
 */
export const USER_FILTER: FilterSpec<MonoUser> = {
  fields: [
    'user_id',
    'email',
    'email_verified',
    'phone_number',
    'username',
    'name',
    'given_name',
    'family_name',
    'nickname',
    'disabled',
    'force_password_reset',
    'has_password',
    'idp',
    'failure_count',
    'block_until',
    'creation_time',
    'last_updated',
    'last_sign_in_success',
  ],
  words: ['email', 'username', 'name', 'phone_number'],
  view: (u) => ({
    user_id: u.user_id,
    email: u.emails.map((e) => e.email),
    email_verified: u.emails.find((e) => e.primary)?.verified ?? false,
    phone_number: u.phone_numbers.map((p) => p.phone),
    username: u.username?.username,
    name: u.claims.name,
    given_name: u.claims.given_name,
    family_name: u.claims.family_name,
    nickname: u.claims.nickname,
    disabled: u.disabled,
    force_password_reset: u.force_password_reset,
    has_password: u.has_password,
    idp: u.connections.map((c) => c.idp),
    failure_count: u.failure_count,
    block_until: u.block_until,
    creation_time: u.creation_time,
    last_updated: u.last_updated,
    last_sign_in_success: u.last_sign_in_success,
  }),
};

/** Profile claims `patch_claims` may set (besides `address`). */
const STRING_CLAIMS = [
  'name',
  'given_name',
  'middle_name',
  'family_name',
  'nickname',
  'picture',
  'preferred_username',
  'profile',
  'birthdate',
  'website',
  'gender',
  'zoneinfo',
  'locale',
] as const;
const ADDRESS_FIELDS = [
  'formatted',
  'street_address',
  'locality',
  'region',
  'postal_code',
  'country',
] as const;
/** Claims `create_user` accepts. */
const CREATE_CLAIMS = ['name', 'given_name', 'middle_name', 'family_name', 'nickname', 'picture'] as const;

/** The user (other than `except`) holding an email address, compared case-insensitively. */
export function emailOwner(state: MonoCloudState, email: string, except?: string): MonoUser | undefined {
  const wanted = email.toLowerCase();
  for (const u of state.users.values())
    if (u.user_id !== except && u.emails.some((e) => e.email.toLowerCase() === wanted)) return u;
  return undefined;
}

/** The user (other than `except`) holding a phone number. */
export function phoneOwner(state: MonoCloudState, phone: string, except?: string): MonoUser | undefined {
  for (const u of state.users.values())
    if (u.user_id !== except && u.phone_numbers.some((p) => p.phone === phone)) return u;
  return undefined;
}

/** The user (other than `except`) holding a username, compared case-insensitively. */
function usernameOwner(state: MonoCloudState, username: string, except?: string): MonoUser | undefined {
  const wanted = username.toLowerCase();
  for (const u of state.users.values())
    if (u.user_id !== except && u.username?.username.toLowerCase() === wanted) return u;
  return undefined;
}

/** Reads a password or an imported hash; records field errors for a missing, doubled or bad one. */
export function readPassword(
  reader: BodyReader,
  names: { password: string; hash: string; algorithm: string },
  required: boolean,
): { password?: string; hash?: string } {
  const password = reader.string(names.password);
  const hash = reader.string(names.hash);
  const algorithm = reader.oneOf(names.algorithm, PASSWORD_ALGORITHMS);
  if (password !== undefined && hash !== undefined)
    reader.fail(names.password, `Send either ${names.password} or ${names.hash}, not both.`);
  if (required && password === undefined && hash === undefined)
    reader.fail(names.password, `The ${names.password} field is required (or send ${names.hash}).`);
  if (hash !== undefined) {
    if (algorithm === undefined && !reader.has(names.algorithm))
      reader.fail(names.algorithm, `The ${names.algorithm} field is required with ${names.hash}.`);
    checkBcrypt(reader, names.hash, hash);
  }
  return { ...(password !== undefined ? { password } : {}), ...(hash !== undefined ? { hash } : {}) };
}

/** Stores a new password or imported hash for a user. */
export function storePassword(
  ctx: MonoContext,
  user: MonoUser,
  secret: { password?: string; hash?: string },
) {
  const stored = secret.password !== undefined ? hashPassword(secret.password) : `bcrypt:${secret.hash}`;
  ctx.state.passwords.set(user.user_id, stored);
  user.has_password = true;
  user.password_updated_at = ctx.now;
}

/** Ends all of a user's sessions and invalidates their opaque (reference) tokens. */
export function signOutEverywhere(state: MonoCloudState, userId: string): void {
  state.revokeSessions(userId);
  state.referenceTokens = state.referenceTokens.filter((t) => t.user_id !== userId);
}

function createUser(ctx: MonoContext) {
  const r = new BodyReader(ctx.body);
  const username = r.string('username');
  const email = r.string('email');
  const emailVerified = r.boolean('email_verified');
  const phone = r.string('phone_number');
  const phoneVerified = r.boolean('phone_number_verified');
  const secret = readPassword(
    r,
    { password: 'password', hash: 'password_hash', algorithm: 'password_hash_algorithm' },
    false,
  );
  const temporary = r.boolean('is_temporary_password');
  const claims: JsonObject = {};
  for (const claim of CREATE_CLAIMS) {
    const value = r.string(claim);
    if (value !== undefined) claims[claim] = value;
  }
  const skipPolicy = r.boolean('skip_password_policy_checks');
  r.boolean('skip_identifier_restriction_checks');
  const skipConformance = r.boolean('skip_conformance_checks');
  if (email === undefined && phone === undefined && username === undefined)
    r.fail('email', 'A user needs an email, a phone_number or a username.');
  checkEmail(r, 'email', email);
  checkPhone(r, 'phone_number', phone);
  if (!skipConformance) checkClaimConformance(r, claims);
  r.done();

  throwIdentity([
    ...(username !== undefined ? usernameErrors(username, usernameMinLength(ctx.state)) : []),
    ...(secret.password !== undefined && !skipPolicy
      ? passwordErrors(secret.password, strengthOf(ctx.state))
      : []),
  ]);
  if (email !== undefined && emailOwner(ctx.state, email))
    throw conflict(`The email address '${email}' is already used by another user.`);
  if (phone !== undefined && phoneOwner(ctx.state, phone))
    throw conflict(`The phone number '${phone}' is already used by another user.`);
  if (username !== undefined && usernameOwner(ctx.state, username))
    throw conflict(`The username '${username}' is already taken.`);

  const verified = (flag: boolean | undefined) => ({
    verified: flag === true,
    source: API_SOURCE,
    verification_source: flag === true ? API_SOURCE : null,
  });
  const user: MonoUser = {
    user_id: newId(),
    disabled: false,
    connections: [connectionFor('monocloud')],
    claims,
    public_data: {},
    private_data: {},
    emails: email !== undefined ? [{ id: newId(), primary: true, ...verified(emailVerified), email }] : [],
    phone_numbers:
      phone !== undefined ? [{ id: newId(), primary: true, ...verified(phoneVerified), phone }] : [],
    passkeys: [],
    force_password_reset: temporary === true,
    external_providers: [],
    creation_time: ctx.now,
    last_updated: ctx.now,
    username: username !== undefined ? { id: newId(), username, source: API_SOURCE } : null,
    has_password: false,
    password_updated_at: null,
    block_until: null,
    failure_count: 0,
    sign_in_attempts_count: 0,
    last_sign_in_attempt: null,
    last_sign_in_attempt_ip: null,
    sign_in_success_count: 0,
    last_sign_in_success: null,
    last_sign_in_success_ip: null,
    last_activity: null,
    last_known_city: null,
    last_known_country: null,
    last_known_region: null,
  };
  if (secret.password !== undefined || secret.hash !== undefined) storePassword(ctx, user, secret);
  ctx.state.users.set(user.user_id, user);
  // Groups marked for automatic assignment take every new user.
  for (const group of ctx.state.groups.values())
    if (group.is_auto_assigned === true)
      ctx.state.memberships.push({
        group_id: String(group.group_id),
        user_id: user.user_id,
        creation_time: ctx.now,
      });
  return { body: userJson(user) };
}

function disableUser(ctx: MonoContext) {
  const user = findUser(ctx);
  const r = new BodyReader(ctx.body);
  const revoke = r.boolean('revoke_sessions');
  r.done();
  user.disabled = true;
  if (revoke) signOutEverywhere(ctx.state, user.user_id);
  touch(ctx, user);
  return { body: userJson(user) };
}

function updateUsername(ctx: MonoContext) {
  const user = findUser(ctx);
  const r = new BodyReader(ctx.body);
  const username = r.string('username', { required: true });
  r.done();
  throwIdentity(usernameErrors(username!, usernameMinLength(ctx.state)));
  if (usernameOwner(ctx.state, username!, user.user_id))
    throw conflict(`The username '${username}' is already taken.`);
  user.username = { id: user.username?.id ?? newId(), username: username!, source: API_SOURCE };
  touch(ctx, user);
  return { body: userJson(user) };
}

function removeUsername(ctx: MonoContext) {
  const user = findUser(ctx);
  if (!user.username) throw notFound(`User '${user.user_id}' has no username.`);
  if (!hasOtherIdentifier(user, { username: true })) throw lastIdentifier();
  user.username = null;
  touch(ctx, user);
  return { body: userJson(user) };
}

/** 422 for removing the only identifier a user has left. */
export function lastIdentifier() {
  return identityErrors([
    {
      code: 'IdentifierRequired',
      description: 'A user must keep at least one email, phone number, username or external provider.',
    },
  ]);
}

function patchClaims(ctx: MonoContext) {
  const user = findUser(ctx);
  const r = new BodyReader(ctx.body);
  const patch: JsonObject = {};
  for (const claim of STRING_CLAIMS) {
    const value = r.nullableString(claim);
    if (value !== undefined) patch[claim] = value;
  }
  const address = r.nullableObject('address');
  if (address) {
    const clean: JsonObject = {};
    for (const [key, value] of Object.entries(address)) {
      if (!(ADDRESS_FIELDS as readonly string[]).includes(key)) continue;
      if (value !== null && typeof value !== 'string')
        r.fail(`address.${key}`, `The address.${key} field must be a string.`);
      else if (value !== null) clean[key] = value;
    }
    patch.address = clean;
  } else if (address === null) patch.address = null;
  const skipConformance = r.boolean('skip_conformance_checks');
  if (!skipConformance) checkClaimConformance(r, patch);
  r.done();
  user.claims = mergeData(user.claims, patch);
  touch(ctx, user);
  return { body: userJson(user) };
}

function patchData(key: 'private_data' | 'public_data') {
  return (ctx: MonoContext) => {
    const user = findUser(ctx);
    const r = new BodyReader(ctx.body);
    const patch = r.record(key, { required: true });
    r.done();
    user[key] = mergeData(user[key], patch!);
    touch(ctx, user);
    return { body: { [key]: structuredClone(user[key]) } };
  };
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const IPV6 = /^[0-9a-fA-F:]+(%\w+)?$/;

/** Lockout records of a user's IPs that are blocked now. */
function blockedIps(ctx: MonoContext, user: MonoUser): IpAccessRecord[] {
  return (ctx.state.ipAccess.get(user.user_id) ?? []).filter((r) => (r.block_until ?? 0) > ctx.now);
}

function unblockIp(ctx: MonoContext) {
  const user = findUser(ctx);
  const r = new BodyReader(ctx.body);
  const ip = r.string('ip_address', { required: true });
  if (ip !== undefined && ip !== 'all' && !IPV4.test(ip) && !(ip.includes(':') && IPV6.test(ip)))
    r.fail('ip_address', `'${ip}' is not an IP address; send an IPv4 or IPv6 address, or 'all'.`);
  r.done();
  const blocked = blockedIps(ctx, user).filter((rec) => ip === 'all' || rec.ip === ip);
  if (ip !== 'all' && blocked.length === 0)
    throw notFound(`IP address '${ip}' is not blocked for this user.`);
  for (const rec of blocked) {
    rec.block_until = null;
    rec.failure_count = 0;
  }
  touch(ctx, user);
  return { body: userJson(user) };
}

/** Stateful handlers for users, lockouts, usernames, claims and data. */
export const userHandlers: MonoHandlerTable = {
  get_all_users: (ctx) => {
    const page = listPage([...ctx.state.users.values()], ctx.query, {
      sortFields: USER_SORT_FIELDS,
      filter: USER_FILTER,
    });
    return { page: { ...page, items: (page.items as MonoUser[]).map(userSummary) } };
  },
  create_user: createUser,
  find_user_by_id: (ctx) => ({ body: userJson(findUser(ctx)) }),
  delete_user: (ctx) => {
    ctx.state.deleteUser(findUser(ctx).user_id);
    return {};
  },
  enable_user: (ctx) => {
    const user = findUser(ctx);
    user.disabled = false;
    touch(ctx, user);
    return { body: userJson(user) };
  },
  disable_user: disableUser,
  unblock_user: (ctx) => {
    const user = findUser(ctx);
    user.block_until = null;
    user.failure_count = 0;
    touch(ctx, user);
    return { body: userJson(user) };
  },
  update_username: updateUsername,
  remove_username: removeUsername,
  patch_claims: patchClaims,
  get_private_data: (ctx) => ({ body: { private_data: structuredClone(findUser(ctx).private_data) } }),
  patch_private_data: patchData('private_data'),
  get_public_data: (ctx) => ({ body: { public_data: structuredClone(findUser(ctx).public_data) } }),
  patch_public_data: patchData('public_data'),
  get_all_blocked_ips: (ctx) => {
    const user = findUser(ctx);
    const page = listPage(blockedIps(ctx, user), ctx.query, {
      sortFields: ['block_until', 'last_sign_in_attempt', 'last_sign_in_success'],
      filter: {
        fields: ['ip', 'failure_count', 'block_until', 'sign_in_attempts_count', 'last_sign_in_attempt'],
        words: ['ip'],
        view: (rec) => ({ ...rec }),
      },
    });
    return { page: { ...page, items: page.items.map((rec) => ({ ...(rec as IpAccessRecord) })) } };
  },
  unblock_ip: unblockIp,
};
