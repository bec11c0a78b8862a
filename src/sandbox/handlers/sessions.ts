/**
 * Login sessions: read one, list a user's, update metadata, and end them one by one or all at once
 * (what an agent does after a suspected account takeover).
 */
import { ApiError, badBody } from '../http.js';
import { checkpoint } from '../listing.js';
import type { JsonObject, SessionRecord } from '../state.js';
import { type HandlerContext, type HandlerTable, isoNow, objectBody, onlyProperties } from './context.js';

function findSession(ctx: HandlerContext): SessionRecord {
  const session = ctx.params.id === undefined ? undefined : ctx.state.sessions.get(ctx.params.id);
  if (!session) throw new ApiError(404, 'The session does not exist.', 'inexistent_session');
  return session;
}

function endSession(ctx: HandlerContext) {
  ctx.state.sessions.delete(findSession(ctx).id);
  return {};
}

/** Stateful handlers for sessions. */
export const sessionHandlers: HandlerTable = {
  get_session: (ctx) => ({ body: { ...findSession(ctx) } }),
  patch_sessions_by_id: (ctx) => {
    const session = findSession(ctx);
    const body = objectBody(ctx);
    onlyProperties(body, ['session_metadata']);
    const metadata = body.session_metadata;
    if (metadata === undefined) throw badBody('missing required property: session_metadata.');
    if (metadata !== null && (typeof metadata !== 'object' || Array.isArray(metadata))) {
      throw badBody('"session_metadata" must be an object or null.');
    }
    if (metadata === null) delete session.session_metadata;
    else session.session_metadata = metadata as JsonObject;
    session.updated_at = isoNow(ctx);
    return { body: { ...session } };
  },
  delete_session: endSession,
  revoke_session: endSession,
  get_sessions_for_user: (ctx) => {
    const userId = ctx.params.user_id;
    const sessions = [...ctx.state.sessions.values()]
      .filter((s) => s.user_id === userId)
      .map((s) => ({ ...s }));
    return { body: checkpoint(sessions, ctx.query, 'sessions') };
  },
  // Sessions only: the sandbox keeps no refresh tokens. An unknown user has nothing to revoke.
  user_revoke_access: (ctx) => {
    const body = ctx.body === undefined ? {} : objectBody(ctx);
    onlyProperties(body, ['session_id', 'preserve_refresh_tokens']);
    const only = typeof body.session_id === 'string' ? body.session_id : undefined;
    for (const [id, s] of ctx.state.sessions)
      if (s.user_id === ctx.params.id && (only === undefined || id === only)) ctx.state.sessions.delete(id);
    return {};
  },
  delete_sessions_for_user: (ctx) => {
    for (const [id, s] of ctx.state.sessions)
      if (s.user_id === ctx.params.user_id) ctx.state.sessions.delete(id);
    return {};
  },
};
