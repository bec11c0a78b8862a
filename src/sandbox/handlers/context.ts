/**
 * What a stateful handler receives and returns, and the body checks they share. Handlers are plain
 * functions of one request; the dispatcher has already authenticated it and checked its scopes.
 */

import type { Engine } from '../engine/engine.js';
import { ApiError, badBody } from '../http.js';
import type { ModelOperation } from '../model.js';
import type { JsonObject, TenantState, UserRecord } from '../state.js';

/** One authenticated request, decoded. */
export interface HandlerContext {
  /** The operation the route matched. */
  op: ModelOperation;
  /** Path parameters, decoded. */
  params: Record<string, string>;
  /** Query string. */
  query: URLSearchParams;
  /** Query values checked and typed by the operation's declared parameters. */
  decoded: Record<string, unknown>;
  /** The resource engine, for handlers that build on its collections. */
  engine: Engine;
  /** Parsed body (JSON, form or multipart fields), undefined when empty. */
  body: unknown;
  /** The tenant. */
  state: TenantState;
  /** Request time, epoch milliseconds (from the sandbox clock). */
  nowMs: number;
  /** Sandbox origin, e.g. `http://127.0.0.1:4010`, for links such as ticket URLs. */
  origin: string;
  /** Client id of the calling token (`azp`). */
  clientId: string;
  /** How long each job stage lasts, in milliseconds. */
  jobStepMs: number;
}

/** A handler's answer; `status` defaults to the operation's success status. */
export interface HandlerResult {
  /** HTTP status. */
  status?: number;
  /** JSON body; undefined sends none. */
  body?: unknown;
}

/** A stateful implementation of one operation. */
export type Handler = (ctx: HandlerContext) => HandlerResult;

/** Handlers by operation id. */
export type HandlerTable = Record<string, Handler>;

/** The body as an object, or 400 when it is missing or not an object. */
export function objectBody(ctx: HandlerContext): JsonObject {
  const body = ctx.body;
  if (body === undefined) throw badBody('a JSON object body is required.');
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw badBody('the body must be a JSON object.');
  return body as JsonObject;
}

/** 400 when the body has a property outside `allowed`, naming it as Auth0 does. */
export function onlyProperties(body: JsonObject, allowed: readonly string[]): void {
  const extra = Object.keys(body).filter((k) => !allowed.includes(k));
  if (extra.length > 0) throw badBody(`additional properties not allowed: ${extra.join(', ')}.`);
}

/** A required non-empty string property, or 400 naming it. */
export function requiredString(body: JsonObject, key: string): string {
  const value = body[key];
  if (value === undefined || value === null || value === '')
    throw badBody(`missing required property: ${key}.`);
  if (typeof value !== 'string') throw badBody(`"${key}" must be a string.`);
  return value;
}

/** An optional property of the given JSON type, or 400. */
export function optional<T>(
  body: JsonObject,
  key: string,
  type: 'string' | 'boolean' | 'number' | 'object',
): T | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  const ok =
    type === 'object'
      ? value !== null && typeof value === 'object' && !Array.isArray(value)
      : typeof value === type;
  if (!ok) throw badBody(`"${key}" must be ${type === 'object' ? 'an object' : `a ${type}`}.`);
  return value as T;
}

/** The user, or Auth0's 404 for a missing one. */
export function findUser(ctx: HandlerContext, id: string | undefined): UserRecord {
  const user = id === undefined ? undefined : ctx.state.users.get(id);
  if (!user) throw new ApiError(404, 'The user does not exist.', 'inexistent_user');
  return user;
}

/** The ISO form of the request time. */
export function isoNow(ctx: HandlerContext): string {
  return new Date(ctx.nowMs).toISOString();
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Longest address the sandbox reads: the pattern backtracks quadratically, so only short text meets it. */
const MAX_EMAIL = 320;

/** 400 unless `value` looks like an email address. */
export function checkEmail(value: string, key = 'email'): void {
  if (value.length > MAX_EMAIL || !EMAIL.test(value))
    throw badBody(`"${key}" is not a valid email address: ${value.slice(0, MAX_EMAIL)}.`);
}
