/**
 * Credentials: passkeys, the password (set, remove, require a reset, reset link, change after checking
 * the old one) and linked external authenticators. Setting or changing a password can sign the user
 * out everywhere, as the request models allow.
 */
import { randomBytes } from 'node:crypto';
import { identityErrors, notFound } from '../problem.js';
import { checkPassword, EXTERNAL_AUTHENTICATORS } from '../state.js';
import { BodyReader, passwordErrors, strengthOf, throwIdentity } from '../validate.js';
import { findUser, type MonoContext, type MonoHandlerTable, touch, userJson } from './context.js';
import { readPassword, signOutEverywhere, storePassword } from './users.js';

/** Default lifetime of a password reset link, seconds. */
const RESET_LINK_SECONDS = 3600;

function setPassword(ctx: MonoContext) {
  const user = findUser(ctx);
  const r = new BodyReader(ctx.body);
  const secret = readPassword(
    r,
    { password: 'password', hash: 'password_hash', algorithm: 'password_hash_algorithm' },
    true,
  );
  const temporary = r.boolean('is_temporary_password');
  const skipPolicy = r.boolean('skip_password_policy_checks');
  const revoke = r.boolean('revoke_sessions');
  r.done();
  if (secret.password !== undefined && !skipPolicy)
    throwIdentity(passwordErrors(secret.password, strengthOf(ctx.state)));
  storePassword(ctx, user, secret);
  // A password an administrator chose is temporary only when they say so; a permanent one lifts a
  // pending forced reset.
  user.force_password_reset = temporary === true;
  if (revoke) signOutEverywhere(ctx.state, user.user_id);
  touch(ctx, user);
  return { body: userJson(user) };
}

function changePassword(ctx: MonoContext) {
  const user = findUser(ctx);
  const r = new BodyReader(ctx.body);
  const old = r.string('old_password', { required: true });
  const secret = readPassword(
    r,
    { password: 'new_password', hash: 'new_password_hash', algorithm: 'new_password_hash_algorithm' },
    true,
  );
  const revoke = r.boolean('revoke_sessions');
  r.done();
  const stored = ctx.state.passwords.get(user.user_id);
  // An imported bcrypt hash cannot be checked without bcrypt, so the sandbox takes the old password on trust.
  const matches = stored !== undefined && (stored.startsWith('bcrypt:') || checkPassword(old!, stored));
  if (!user.has_password || !matches)
    throw identityErrors([{ code: 'PasswordMismatch', description: 'Incorrect password.' }]);
  if (secret.password !== undefined) throwIdentity(passwordErrors(secret.password, strengthOf(ctx.state)));
  storePassword(ctx, user, secret);
  user.force_password_reset = false;
  if (revoke) signOutEverywhere(ctx.state, user.user_id);
  touch(ctx, user);
  return { body: userJson(user) };
}

function resetPassword(ctx: MonoContext) {
  const user = findUser(ctx);
  const r = new BodyReader(ctx.body);
  const send = r.boolean('send_email');
  const expiry = r.integer('expiry', 60, 7 * 24 * 3600);
  r.done();
  const token = randomBytes(24).toString('base64url');
  const link = `${ctx.origin}/reset-password?token=${token}`;
  const expiresAt = ctx.now + (expiry ?? RESET_LINK_SECONDS);
  // Sent by default, and only when there is a primary address to send it to.
  const emailSent = send !== false && user.emails.some((e) => e.primary);
  ctx.state.links.push({
    kind: 'password_reset',
    token,
    user_id: user.user_id,
    link,
    created_at: ctx.now,
    expires_at: expiresAt,
    email_sent: emailSent,
  });
  return { body: { link, expires_at: expiresAt, email_sent: emailSent } };
}

function disconnectAuthenticator(ctx: MonoContext) {
  const user = findUser(ctx);
  const r = new BodyReader(ctx.body);
  const authenticator = r.oneOf('authenticator', EXTERNAL_AUTHENTICATORS, { required: true });
  const providerUserId = r.string('provider_user_id', { required: true });
  r.done();
  const index = user.external_providers.findIndex(
    (p) => p.authenticator === authenticator && p.provider_user_id === providerUserId,
  );
  if (index < 0) throw notFound(`The user has no ${authenticator} account '${providerUserId}' connected.`);
  user.external_providers.splice(index, 1);
  if (!user.external_providers.some((p) => p.authenticator === authenticator))
    user.connections = user.connections.filter((c) => c.idp !== authenticator);
  touch(ctx, user);
  return { body: userJson(user) };
}

/** Stateful handlers for passkeys, passwords and external authenticators. */
export const credentialHandlers: MonoHandlerTable = {
  remove_passkey: (ctx) => {
    const user = findUser(ctx);
    const index = user.passkeys.findIndex((p) => p.passkey_id === ctx.params.passkey_id);
    if (index < 0) throw notFound(`The user has no passkey with id '${ctx.params.passkey_id}'.`);
    user.passkeys.splice(index, 1);
    touch(ctx, user);
    return {};
  },
  set_password: setPassword,
  remove_password: (ctx) => {
    const user = findUser(ctx);
    if (!user.has_password) throw notFound(`User '${user.user_id}' has no password.`);
    ctx.state.passwords.delete(user.user_id);
    user.has_password = false;
    user.password_updated_at = null;
    user.force_password_reset = false;
    touch(ctx, user);
    return {};
  },
  set_password_reset_required: (ctx) => {
    const user = findUser(ctx);
    user.force_password_reset = true;
    touch(ctx, user);
    return { body: userJson(user) };
  },
  remove_password_reset_required: (ctx) => {
    const user = findUser(ctx);
    user.force_password_reset = false;
    touch(ctx, user);
    return { body: userJson(user) };
  },
  reset_password: resetPassword,
  change_password: changePassword,
  external_authenticator_disconnect: disconnectAuthenticator,
};
