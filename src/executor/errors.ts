/**
 * The executor's one error class and the words it uses. Every failure reaching the tenant becomes a
 * {@link TenantError} with a stable code and a message an agent can act on: what happened, Auth0's own
 * words, the request id, and what to do next.
 */
import { STATUS_CODES } from 'node:http';
import type { TenantErrorCode, TenantErrorDetails } from './types.js';

/** Anything that went wrong reaching the tenant; `message` is written for an agent. */
export class TenantError extends Error {
  /** Stable code, also in `details.code`. */
  readonly code: TenantErrorCode;
  /** Structured facts: status, Auth0's fields, request id, attempts. */
  readonly details: TenantErrorDetails;

  /**
   * @param message What happened and what to do, for an agent.
   * @param details Structured facts; `details.code` becomes `code`.
   * @param options `cause` for logs; it never reaches the agent.
   */
  constructor(message: string, details: TenantErrorDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TenantError';
    this.code = details.code;
    this.details = details;
  }
}

/** Whether `value` is a {@link TenantError}. */
export function isTenantError(value: unknown): value is TenantError {
  return value instanceof TenantError;
}

/** Longest excerpt of a non-JSON body put in a message. */
export const EXCERPT_LENGTH = 200;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/**
 * A short, single-line, tag-free excerpt of a body, safe to show an agent: HTML error pages from proxies
 * are mostly markup, and a raw page would bury the one useful sentence and waste the agent's context.
 */
export function excerpt(text: string, max = EXCERPT_LENGTH): string {
  const plain = text
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (whole, name: string) => {
      if (name.startsWith('#')) {
        const code =
          name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
        return Number.isFinite(code) && code > 31 && code < 0x110000 ? String.fromCodePoint(code) : ' ';
      }
      return ENTITIES[name.toLowerCase()] ?? whole;
    })
    .replace(/[\p{Cc}\p{Cf}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return plain.length > max ? `${plain.slice(0, max - 1)}…` : plain;
}

/** `404 Not Found`: the status with its reason phrase. */
export function statusLine(status: number): string {
  const reason = STATUS_CODES[status];
  return reason ? `${status} ${reason}` : String(status);
}

/** Auth0's error body fields, when the body is one. */
export interface Auth0ErrorBody {
  /** Auth0's `statusCode`. */
  statusCode?: number;
  /** Auth0's `error`, the reason phrase (`Not Found`). */
  error?: string;
  /** Auth0's `message`, the useful sentence. */
  message?: string;
  /** Auth0's `errorCode` (`inexistent_user`). */
  errorCode?: string;
}

/** Picks Auth0's error fields out of a parsed body, ignoring anything of the wrong type. */
export function readAuth0Error(body: unknown): Auth0ErrorBody | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const record = body as Record<string, unknown>;
  const text = (key: string) =>
    typeof record[key] === 'string' && record[key] !== '' ? record[key] : undefined;
  const fields: Auth0ErrorBody = {
    statusCode: typeof record.statusCode === 'number' ? record.statusCode : undefined,
    error: text('error'),
    message: text('message'),
    errorCode: text('errorCode'),
  };
  return fields.error || fields.message || fields.errorCode ? fields : undefined;
}

/**
 * Scopes named by Auth0's 403 message (`Insufficient scope, expected any of: read:users,read:roles`), so
 * the hint can say exactly which grant is missing.
 */
export function missingScopes(message: string | undefined): string[] {
  const match = message?.match(/expected (?:any|all) of:?\s*([\w:.\-, ]+)/i);
  if (!match?.[1]) return [];
  return match[1].split(/[\s,]+/).filter((scope) => scope.includes(':'));
}

/** Whether a method changes the tenant, so an unclear outcome matters. */
export function isMutating(method: string): boolean {
  return method !== 'GET' && method !== 'HEAD';
}

/**
 * Whether a method may be sent again after an attempt that may have reached the tenant: repeating a
 * GET, HEAD, PUT or DELETE leaves the tenant as one call would, repeating a POST or PATCH may not.
 */
export function isRetrySafe(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'PUT' || method === 'DELETE';
}

/** What an agent should do after a given status. */
export function statusHint(status: number, method: string, upstreamMessage?: string): string {
  if (status === 400) return 'Fix the arguments Auth0 names above and call again.';
  if (status === 401) {
    return 'The Management API token was refused: it may have expired, or belong to another tenant or audience. Check the credentials.';
  }
  if (status === 403) {
    const scopes = missingScopes(upstreamMessage);
    if (scopes.length > 0) {
      return `The token lacks the scope ${scopes.join(' or ')}: grant it to the application for the Auth0 Management API, or use a tool that does not need it.`;
    }
    return 'The credentials are not allowed to do this (a missing scope or a tenant restriction); do not retry as is.';
  }
  if (status === 404) {
    return 'Check the id or path values (list or search for the resource first) and call again.';
  }
  if (status === 409)
    return 'It conflicts with the current state (it may already exist); read the current state and adapt.';
  if (status === 429) return 'Auth0 is rate limiting this tenant; wait before trying again.';
  if (status >= 500) {
    if (!isMutating(method)) return 'Auth0 failed on its side; try again later.';
    return isRetrySafe(method)
      ? 'Auth0 failed on its side and the change may or may not have been applied: check the tenant state before trying again.'
      : 'Auth0 failed on its side. The request was not resent because it may have been applied: check the tenant state before trying again.';
  }
  return 'Auth0 refused the request; adjust it as the message says.';
}

/** Appends `Request id: x.` when known; the id lets Auth0 support find the call in their logs. */
export function withRequestId(message: string, requestId: string | undefined): string {
  return requestId ? `${message} Request id: ${requestId}.` : message;
}

/** Ends a sentence with a full stop unless it already has one. */
export function sentence(text: string): string {
  return /[.!?…]$/.test(text) ? text : `${text}.`;
}

/**
 * Replaces every occurrence of the given secrets by `[redacted]`. Applied to every message the executor
 * writes, so even a proxy echoing our request back cannot leak a token or client secret to the agent.
 */
export function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    // Very short "secrets" would blank ordinary words; real tokens and secrets are long.
    if (secret && secret.length >= 6) out = out.split(secret).join('[redacted]');
  }
  return out;
}

/** A copy of `error` with secrets removed from its message and Auth0 fields. */
export function redactError(error: TenantError, secrets: ReadonlyArray<string | undefined>): TenantError {
  const message = redact(error.message, secrets);
  const upstreamMessage = error.details.upstreamMessage && redact(error.details.upstreamMessage, secrets);
  if (message === error.message && upstreamMessage === error.details.upstreamMessage) return error;
  const copy = new TenantError(message, { ...error.details, upstreamMessage }, { cause: error.cause });
  copy.stack = error.stack && redact(error.stack, secrets);
  return copy;
}
