/**
 * Password-change and email-verification tickets. The cross-field rules are the ones agents get wrong:
 * a user is named either by `user_id` or by `email` plus `connection_id`, never both, and `client_id`
 * and `result_url` exclude each other. Issued tickets are recorded so a user can have a pending reset.
 */
import { ApiError, badBody } from '../http.js';
import { randomAlnum, type TicketRecord, type UserRecord } from '../state.js';
import {
  checkEmail,
  findUser,
  type HandlerContext,
  type HandlerTable,
  objectBody,
  onlyProperties,
  optional,
} from './context.js';

/** Auth0's default ticket lifetime: five days. */
const DEFAULT_TTL_SEC = 432_000;

const COMMON = [
  'result_url',
  'user_id',
  'client_id',
  'organization_id',
  'ttl_sec',
  'includeEmailInRedirect',
  'identity',
];

function commonChecks(ctx: HandlerContext): { ttl: number; resultUrl?: string; clientId?: string } {
  const body = objectBody(ctx);
  const resultUrl = optional<string>(body, 'result_url', 'string');
  const clientId = optional<string>(body, 'client_id', 'string');
  if (resultUrl !== undefined && clientId !== undefined) {
    throw badBody('"client_id" and "result_url" cannot be used together; send one of them.');
  }
  if (clientId !== undefined && !ctx.state.clients.has(clientId)) {
    throw new ApiError(404, 'The client does not exist.', 'inexistent_client');
  }
  if (body.organization_id !== undefined && clientId === undefined) {
    throw badBody('"organization_id" needs "client_id" as well.');
  }
  const ttlRaw = optional<number>(body, 'ttl_sec', 'number');
  if (ttlRaw !== undefined && (!Number.isInteger(ttlRaw) || ttlRaw < 0)) {
    throw badBody('"ttl_sec" must be a whole number of seconds, zero or more.');
  }
  return {
    ttl: ttlRaw ? ttlRaw : DEFAULT_TTL_SEC,
    ...(resultUrl !== undefined ? { resultUrl } : {}),
    ...(clientId !== undefined ? { clientId } : {}),
  };
}

function issue(
  ctx: HandlerContext,
  kind: TicketRecord['kind'],
  user: UserRecord,
  options: { ttl: number; resultUrl?: string; clientId?: string },
): { ticket: string } {
  const id = randomAlnum(32);
  const path = kind === 'password-change' ? '/lo/reset' : '/lo/verify_email';
  const url = `${ctx.origin}${path}?ticket=${id}`;
  ctx.state.tickets.push({
    id,
    kind,
    user_id: user.user_id,
    url,
    created_at: new Date(ctx.nowMs).toISOString(),
    expires_at: new Date(ctx.nowMs + options.ttl * 1000).toISOString(),
    ...(options.resultUrl !== undefined ? { result_url: options.resultUrl } : {}),
    ...(options.clientId !== undefined ? { client_id: options.clientId } : {}),
  });
  return { ticket: url };
}

function passwordChange(ctx: HandlerContext) {
  const body = objectBody(ctx);
  onlyProperties(body, [...COMMON, 'connection_id', 'email', 'mark_email_as_verified']);
  optional(body, 'mark_email_as_verified', 'boolean');
  const options = commonChecks(ctx);
  const userId = optional<string>(body, 'user_id', 'string');
  const email = optional<string>(body, 'email', 'string');
  const connectionId = optional<string>(body, 'connection_id', 'string');
  let user: UserRecord;
  if (userId !== undefined) {
    if (email !== undefined || connectionId !== undefined) {
      throw badBody('name the user either by "user_id" or by "email" with "connection_id", not both.');
    }
    user = findUser(ctx, userId);
  } else {
    if (email === undefined) throw badBody('send "user_id", or "email" together with "connection_id".');
    if (connectionId === undefined) throw badBody('"email" needs "connection_id" to say which connection.');
    checkEmail(email);
    const connection = ctx.state.connections.get(connectionId);
    if (!connection) throw new ApiError(404, 'The connection does not exist.', 'inexistent_connection');
    const found = [...ctx.state.users.values()].find(
      (u) =>
        u.email?.toLowerCase() === email.toLowerCase() &&
        u.identities.some((i) => i.connection === connection.name),
    );
    if (!found) throw new ApiError(404, 'The user does not exist.', 'inexistent_user');
    user = found;
  }
  const connection = ctx.state.connectionByName(user.identities[0]?.connection ?? '');
  if (connection?.strategy !== 'auth0') {
    throw new ApiError(
      400,
      'Password-change tickets are for users of database connections; this user signs in through a provider.',
      'operation_not_supported',
    );
  }
  if (body.mark_email_as_verified === true) user.email_verified = true;
  return { body: issue(ctx, 'password-change', user, options) };
}

function emailVerification(ctx: HandlerContext) {
  const body = objectBody(ctx);
  onlyProperties(body, COMMON);
  const options = commonChecks(ctx);
  const userId = optional<string>(body, 'user_id', 'string');
  if (!userId) throw badBody('missing required property: user_id.');
  const user = findUser(ctx, userId);
  if (!user.email) throw badBody('the user has no email address to verify.');
  return { body: issue(ctx, 'email-verification', user, options) };
}

/** Stateful handlers for tickets. */
export const ticketHandlers: HandlerTable = {
  'post_password-change': passwordChange,
  'post_email-verification': emailVerification,
};
