/**
 * A user's email addresses and phone numbers, which behave alike: add (unique across users, 409;
 * twice on one user, an identity error), remove (never the last identifier; a removed primary hands
 * primacy to the next one), set primary, mark verified or unverified, and for email a verification link.
 */
import { randomBytes } from 'node:crypto';
import { conflict, identityErrors, notFound } from '../problem.js';
import { type MonoUser, newId, type UserEmail, type UserPhone } from '../state.js';
import { BodyReader, checkEmail, checkPhone } from '../validate.js';
import {
  findUser,
  hasOtherIdentifier,
  type MonoContext,
  type MonoHandlerTable,
  touch,
  userJson,
} from './context.js';
import { API_SOURCE, emailOwner, lastIdentifier, phoneOwner } from './users.js';

type Identifier = UserEmail | UserPhone;

/** What differs between emails and phones. */
interface IdentifierKind {
  /** Noun for messages. */
  noun: string;
  /** The user's list of this kind. */
  list: (user: MonoUser) => Identifier[];
  /** The value of one identifier. */
  value: (item: Identifier) => string;
  /** Builds an identifier holding `value`. */
  make: (base: Omit<UserEmail, 'email'>, value: string) => Identifier;
  /** Request body field carrying the value. */
  field: string;
  /** Records a field error for a malformed value. */
  check: (reader: BodyReader, field: string, value: string | undefined) => void;
  /** Whether another user holds the value. */
  takenByOther: (ctx: MonoContext, value: string, userId: string) => boolean;
  /** Identity error code for adding a value the user already has. */
  duplicateCode: string;
  /** Key of the identifier in `hasOtherIdentifier`. */
  removingKey: 'email' | 'phone';
}

const EMAILS: IdentifierKind = {
  noun: 'email address',
  list: (u) => u.emails,
  value: (i) => (i as UserEmail).email,
  make: (base, email) => ({ ...base, email }),
  field: 'email',
  check: checkEmail,
  takenByOther: (ctx, v, id) => emailOwner(ctx.state, v, id) !== undefined,
  duplicateCode: 'DuplicateEmail',
  removingKey: 'email',
};

const PHONES: IdentifierKind = {
  noun: 'phone number',
  list: (u) => u.phone_numbers,
  value: (i) => (i as UserPhone).phone,
  make: (base, phone) => ({ ...base, phone }),
  field: 'phone_number',
  check: checkPhone,
  takenByOther: (ctx, v, id) => phoneOwner(ctx.state, v, id) !== undefined,
  duplicateCode: 'DuplicatePhoneNumber',
  removingKey: 'phone',
};

function find(ctx: MonoContext, kind: IdentifierKind): { user: MonoUser; item: Identifier } {
  const user = findUser(ctx);
  const item = kind.list(user).find((i) => i.id === ctx.params.identifier_id);
  if (!item) throw notFound(`The user has no ${kind.noun} with id '${ctx.params.identifier_id}'.`);
  return { user, item };
}

function add(kind: IdentifierKind) {
  return (ctx: MonoContext) => {
    const user = findUser(ctx);
    const r = new BodyReader(ctx.body);
    const value = r.string(kind.field, { required: true });
    const verified = r.boolean('is_verified');
    r.boolean('skip_restriction_checks');
    kind.check(r, kind.field, value);
    r.done();
    const list = kind.list(user);
    if (list.some((i) => kind.value(i).toLowerCase() === value!.toLowerCase())) {
      throw identityErrors([
        { code: kind.duplicateCode, description: `The user already has the ${kind.noun} '${value}'.` },
      ]);
    }
    if (kind.takenByOther(ctx, value!, user.user_id))
      throw conflict(`The ${kind.noun} '${value}' is already used by another user.`);
    list.push(
      kind.make(
        {
          id: newId(),
          primary: list.length === 0,
          verified: verified === true,
          source: API_SOURCE,
          verification_source: verified === true ? API_SOURCE : null,
        },
        value!,
      ),
    );
    touch(ctx, user);
    return { body: userJson(user) };
  };
}

function remove(kind: IdentifierKind) {
  return (ctx: MonoContext) => {
    const { user, item } = find(ctx, kind);
    if (!hasOtherIdentifier(user, { [kind.removingKey]: item.id })) throw lastIdentifier();
    const list = kind.list(user);
    list.splice(list.indexOf(item), 1);
    if (item.primary && list.length > 0) (list.find((i) => i.verified) ?? list[0]!).primary = true;
    touch(ctx, user);
    return { body: userJson(user) };
  };
}

function setPrimary(kind: IdentifierKind) {
  return (ctx: MonoContext) => {
    const { user, item } = find(ctx, kind);
    for (const i of kind.list(user)) i.primary = i === item;
    touch(ctx, user);
    return { body: userJson(user) };
  };
}

function setVerified(kind: IdentifierKind, verified: boolean) {
  return (ctx: MonoContext) => {
    const { user, item } = find(ctx, kind);
    item.verified = verified;
    item.verification_source = verified ? API_SOURCE : null;
    touch(ctx, user);
    return { body: userJson(user) };
  };
}

/** Default lifetime of a verification link, seconds. */
const VERIFY_LINK_SECONDS = 24 * 3600;

function verifyEmailLink(ctx: MonoContext) {
  const { user, item } = find(ctx, EMAILS);
  const r = new BodyReader(ctx.body);
  const expiry = r.integer('expiry', 60, 30 * 24 * 3600);
  r.done();
  const token = randomBytes(24).toString('base64url');
  const expiresAt = ctx.now + (expiry ?? VERIFY_LINK_SECONDS);
  ctx.state.links.push({
    kind: 'email_verification',
    token,
    user_id: user.user_id,
    identifier_id: item.id,
    link: `${ctx.origin}/verify-email?token=${token}`,
    created_at: ctx.now,
    expires_at: expiresAt,
    email_sent: true,
  });
  return { body: { expires_at: expiresAt, email_sent: true } };
}

/** Stateful handlers for email addresses and phone numbers. */
export const identifierHandlers: MonoHandlerTable = {
  add_email: add(EMAILS),
  remove_email: remove(EMAILS),
  set_primary_email: setPrimary(EMAILS),
  set_email_verified: setVerified(EMAILS, true),
  set_email_unverified: setVerified(EMAILS, false),
  verify_email: verifyEmailLink,
  add_phone: add(PHONES),
  remove_phone: remove(PHONES),
  set_primary_phone: setPrimary(PHONES),
  set_phone_verified: setVerified(PHONES, true),
  set_phone_unverified: setVerified(PHONES, false),
};
