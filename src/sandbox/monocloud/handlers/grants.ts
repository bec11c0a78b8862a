/**
 * What a user has granted applications: consents, refresh and reference tokens, authorization codes,
 * and a per-application summary of them. Each can be listed (by application or session) and revoked
 * one by one, or all of one application's at once.
 */
import { listPage } from '../listing.js';
import { notFound } from '../problem.js';
import type { AuthorizationCodeRecord, ConsentRecord, MonoCloudState, TokenRecord } from '../state.js';
import { findUser, type MonoContext, type MonoHandlerTable } from './context.js';

type Owned = { id: string; user_id: string; client_id: string; session_id?: string | null };
type Collection = 'consents' | 'refreshTokens' | 'referenceTokens' | 'authorizationCodes';

/** A record without its owner, as the models show it. */
function withoutOwner<T extends { user_id: string }>(record: T): Omit<T, 'user_id'> {
  const { user_id: _owner, ...rest } = structuredClone(record);
  return rest;
}

function list(collection: Collection, bySession: boolean) {
  return (ctx: MonoContext) => {
    const user = findUser(ctx);
    const clientId = ctx.query.get('client_id');
    const sessionId = bySession ? ctx.query.get('session_id') : null;
    const items = (ctx.state[collection] as Owned[]).filter(
      (r) =>
        r.user_id === user.user_id &&
        (!clientId || r.client_id === clientId) &&
        (!sessionId || r.session_id === sessionId),
    );
    const page = listPage(items, ctx.query, { sortFields: ['creation_time'] });
    return { page: { ...page, items: (page.items as Owned[]).map(withoutOwner) } };
  };
}

function revoke(collection: Collection, param: string, noun: string) {
  return (ctx: MonoContext) => {
    const user = findUser(ctx);
    const id = ctx.params[param];
    const store = ctx.state as unknown as Record<Collection, Owned[]>;
    if (!store[collection].some((r) => r.id === id && r.user_id === user.user_id))
      throw notFound(`The user has no ${noun} with id '${id}'.`);
    store[collection] = store[collection].filter((r) => r.id !== id);
    return {};
  };
}

/** Per application: whether the user consented, and how many tokens and codes are outstanding. */
function clientGrants(state: MonoCloudState, userId: string) {
  const byClient = new Map<
    string,
    {
      client_id: string;
      consented: boolean;
      refresh_tokens: number;
      reference_tokens: number;
      authorization_codes: number;
    }
  >();
  const entry = (clientId: string) => {
    let e = byClient.get(clientId);
    if (!e) {
      e = {
        client_id: clientId,
        consented: false,
        refresh_tokens: 0,
        reference_tokens: 0,
        authorization_codes: 0,
      };
      byClient.set(clientId, e);
    }
    return e;
  };
  const mine = <T extends { user_id: string }>(records: T[]) => records.filter((r) => r.user_id === userId);
  for (const c of mine<ConsentRecord>(state.consents)) entry(c.client_id).consented = true;
  for (const t of mine<TokenRecord>(state.refreshTokens)) entry(t.client_id).refresh_tokens++;
  for (const t of mine<TokenRecord>(state.referenceTokens)) entry(t.client_id).reference_tokens++;
  for (const a of mine<AuthorizationCodeRecord>(state.authorizationCodes))
    entry(a.client_id).authorization_codes++;
  return [...byClient.values()];
}

/** Stateful handlers for grants and tokens. */
export const grantHandlers: MonoHandlerTable = {
  get_all_user_client_grants: (ctx) => {
    const user = findUser(ctx);
    return { page: listPage(clientGrants(ctx.state, user.user_id), ctx.query, { sortFields: [] }) };
  },
  get_all_user_consents: list('consents', false),
  get_all_reference_tokens: list('referenceTokens', true),
  get_all_refresh_tokens: list('refreshTokens', true),
  get_all_authorization_codes: list('authorizationCodes', true),
  revoke_user_client_grants: (ctx) => {
    const user = findUser(ctx);
    const clientId = ctx.params.client_id;
    if (!clientGrants(ctx.state, user.user_id).some((g) => g.client_id === clientId))
      throw notFound(`The user has granted nothing to client '${clientId}'.`);
    const keep = (r: Owned) => !(r.user_id === user.user_id && r.client_id === clientId);
    ctx.state.consents = ctx.state.consents.filter(keep);
    ctx.state.refreshTokens = ctx.state.refreshTokens.filter(keep);
    ctx.state.referenceTokens = ctx.state.referenceTokens.filter(keep);
    ctx.state.authorizationCodes = ctx.state.authorizationCodes.filter(keep);
    return {};
  },
  revoke_user_consent: revoke('consents', 'consent_id', 'consent'),
  revoke_reference_token: revoke('referenceTokens', 'token_id', 'reference token'),
  revoke_refresh_token: revoke('refreshTokens', 'token_id', 'refresh token'),
  revoke_authorization_code: revoke('authorizationCodes', 'code_id', 'authorization code'),
};
