/**
 * What a MonoCloud handler receives and returns, and the lookups and views handlers share. Handlers
 * are plain functions of one request; the dispatcher has already checked the API key and the plan.
 */
import type { Engine } from '../../engine/engine.js';
import type { ModelOperation } from '../../model.js';
import type { Page } from '../listing.js';
import { notFound } from '../problem.js';
import type { JsonObject, MonoCloudState, MonoUser } from '../state.js';

/** One authenticated request, decoded. */
export interface MonoContext {
  /** The operation the route matched. */
  op: ModelOperation;
  /** Path parameters, decoded. */
  params: Record<string, string>;
  /** Query string. */
  query: URLSearchParams;
  /** Query values decoded by their declared types (already checked). */
  decoded: Record<string, unknown>;
  /** The resource engine, for handlers that build on its collections. */
  engine: Engine;
  /** Parsed JSON body; undefined when empty. */
  body: unknown;
  /** The tenant. */
  state: MonoCloudState;
  /** Request time, epoch seconds. */
  now: number;
  /** Request time, epoch milliseconds (the engine's clock). */
  nowMs: number;
  /** Sandbox origin, for links. */
  origin: string;
}

/** A handler's answer: a body (status defaults to the operation's), or a page for list operations. */
export interface MonoResult {
  /** HTTP status, when not the operation's. */
  status?: number;
  /** JSON body; undefined sends none. */
  body?: unknown;
  /** For list operations: the items (sent as the body) and the `x-pagination` facts. */
  page?: Page;
  /** Headers to send besides the trace id. */
  headers?: Record<string, string>;
}

/** A stateful implementation of one operation. */
export type MonoHandler = (ctx: MonoContext) => MonoResult;

/** Serves the request through the resource engine (for handlers that add a rule around it). */
export function viaEngine(ctx: MonoContext, body: unknown = ctx.body): MonoResult {
  const result = ctx.engine.handle({
    op: ctx.op,
    params: ctx.params,
    query: ctx.decoded,
    body,
    nowMs: ctx.nowMs,
  });
  if (!result) throw new Error(`the engine does not serve ${ctx.op.id}`);
  return result;
}

/** Handlers by operation id. */
export type MonoHandlerTable = Record<string, MonoHandler>;

/** The path's user, or 404. */
export function findUser(ctx: MonoContext): MonoUser {
  const id = ctx.params.user_id;
  const user = id === undefined ? undefined : ctx.state.users.get(id);
  if (!user) throw notFound(`User '${id}' was not found.`);
  return user;
}

/** Marks a user changed now. */
export function touch(ctx: MonoContext, user: MonoUser): void {
  user.last_updated = ctx.now;
}

/** The `User` model: a deep copy, so callers cannot reach into the state. */
export function userJson(user: MonoUser): JsonObject {
  return structuredClone(user) as unknown as JsonObject;
}

/** The `UserSummary` model: no public or private data, external providers without their claims. */
export function userSummary(user: MonoUser): JsonObject {
  const { public_data: _pub, private_data: _priv, external_providers, ...rest } = structuredClone(user);
  return {
    ...rest,
    external_providers: external_providers.map((p) => ({
      authenticator: p.authenticator,
      provider_user_id: p.provider_user_id,
    })),
  };
}

/**
 * Merges a data patch one level deep: keys are replaced, a null value removes its key. A `__proto__`
 * key is dropped, so a hostile patch cannot reach the object's prototype.
 */
export function mergeData(current: JsonObject, patch: JsonObject): JsonObject {
  const next = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (key === '__proto__') continue;
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}

/** Whether the user keeps at least one way to be found and sign in besides the one being removed. */
export function hasOtherIdentifier(
  user: MonoUser,
  removing: { email?: string; phone?: string; username?: boolean },
) {
  const emails = user.emails.filter((e) => e.id !== removing.email).length;
  const phones = user.phone_numbers.filter((p) => p.id !== removing.phone).length;
  const username = user.username && !removing.username ? 1 : 0;
  return emails + phones + username + user.external_providers.length > 0;
}
