/**
 * A user's sign-in sessions: list the live ones (optionally for one application), read one, revoke
 * one. Revoking a session also ends the tokens bound to it; unbound tokens live on, as on MonoCloud.
 */
import { listPage } from '../listing.js';
import { notFound } from '../problem.js';
import type { SessionRecord } from '../state.js';
import { findUser, type MonoContext, type MonoHandlerTable } from './context.js';

/** The `UserSession` model: the record without its owner. */
function sessionJson(session: SessionRecord) {
  const { user_id: _owner, ...rest } = structuredClone(session);
  return rest;
}

function findSession(ctx: MonoContext): SessionRecord {
  const user = findUser(ctx);
  const session = ctx.state.sessions.get(ctx.params.session_id ?? '');
  if (!session || session.user_id !== user.user_id || session.expires_at <= ctx.now)
    throw notFound(`The user has no session with id '${ctx.params.session_id}'.`);
  return session;
}

/** Stateful handlers for sessions. */
export const sessionHandlers: MonoHandlerTable = {
  get_all_user_sessions: (ctx) => {
    const user = findUser(ctx);
    const clientId = ctx.query.get('client_id');
    const sessions = [...ctx.state.sessions.values()].filter(
      (s) =>
        s.user_id === user.user_id &&
        s.expires_at > ctx.now &&
        (!clientId || s.client_ids.includes(clientId)),
    );
    const page = listPage(sessions, ctx.query, {
      sortFields: ['session_id', 'initiated_at', 'expires_at', 'last_updated'],
    });
    return { page: { ...page, items: (page.items as SessionRecord[]).map(sessionJson) } };
  },
  find_user_session: (ctx) => ({ body: sessionJson(findSession(ctx)) }),
  revoke_user_session: (ctx) => {
    const session = findSession(ctx);
    ctx.state.revokeSessions(session.user_id, [session.session_id]);
    return {};
  },
};
