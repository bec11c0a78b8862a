/**
 * MonoCloud's error shape: RFC 7807 problem details (`application/problem+json`) with a trace id, and
 * the two 422 forms its SDK tells apart by `type`: field validation (`errors: {field: [messages]}`)
 * and identity validation (`errors: [{code, description}]`).
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';

/** `type` of a 422 whose `errors` map field names to messages. */
export const VALIDATION_ERROR_TYPE = 'https://httpstatuses.io/422#validation-error';
/** `type` of a 422 whose `errors` list identity rule violations as `{code, description}`. */
export const IDENTITY_VALIDATION_ERROR_TYPE = 'https://httpstatuses.io/422#identity-validation-error';

/** One broken identity rule, e.g. `PasswordTooShort`. */
export interface IdentityError {
  /** Stable machine-readable code. */
  code: string;
  /** What was wrong, for a person. */
  description: string;
}

/** An error answered as problem details. Throw it from a handler; the dispatcher sends it. */
export class Problem extends Error {
  /** HTTP status. */
  readonly status: number;
  /** Problem `type` URI. */
  readonly type: string;
  /** Field messages or identity errors, for 422s. */
  readonly errors: Record<string, string[]> | IdentityError[] | undefined;
  /** Seconds a 429 asks the caller to wait, sent as `Retry-After`. */
  readonly retryAfter: number | undefined;

  constructor(
    status: number,
    detail: string,
    extra: { type?: string; errors?: Record<string, string[]> | IdentityError[]; retryAfter?: number } = {},
  ) {
    super(detail);
    this.name = 'Problem';
    this.status = status;
    this.type = extra.type ?? `https://httpstatuses.io/${status}`;
    this.errors = extra.errors;
    this.retryAfter = extra.retryAfter;
  }

  /** The problem document for a request to `instance`. */
  toJSON(instance: string, traceId: string): Record<string, unknown> {
    return {
      type: this.type,
      title: STATUS_CODES[this.status] ?? 'Error',
      status: this.status,
      detail: this.message,
      instance,
      ...(this.errors ? { errors: this.errors } : {}),
      traceId,
    };
  }
}

/** 404 for a record the tenant does not hold. */
export function notFound(detail: string): Problem {
  return new Problem(404, detail);
}

/** 409 for an identifier or membership that already exists. */
export function conflict(detail: string): Problem {
  return new Problem(409, detail);
}

/** 422 in the field form, e.g. `{ email: ['...'] }`. */
export function fieldErrors(errors: Record<string, string[]>): Problem {
  const fields = Object.keys(errors).join(', ');
  return new Problem(422, `One or more validation errors occurred (${fields}).`, {
    type: VALIDATION_ERROR_TYPE,
    errors,
  });
}

/** 422 in the field form for a single field. */
export function fieldError(field: string, message: string): Problem {
  return fieldErrors({ [field]: [message] });
}

/** 422 in the identity form, e.g. `[{ code: 'PasswordTooShort', description: '...' }]`. */
export function identityErrors(errors: IdentityError[]): Problem {
  return new Problem(422, errors.map((e) => e.description).join(' '), {
    type: IDENTITY_VALIDATION_ERROR_TYPE,
    errors,
  });
}

/** A W3C trace-context id (`00-{trace}-{span}-01`), the form MonoCloud puts in `traceId`. */
export function newTraceId(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}

/** Sends `body` as JSON with `type` as content type, or no body when undefined. */
export function sendJson(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body?: unknown,
  type = 'application/json; charset=utf-8',
): void {
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': type,
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

/** Sends a problem document, with `Retry-After` when the problem carries one. */
export function sendProblem(
  res: ServerResponse,
  problem: Problem,
  headers: Record<string, string>,
  instance: string,
  traceId: string,
): void {
  const extra: Record<string, string> =
    problem.retryAfter !== undefined ? { 'retry-after': String(problem.retryAfter) } : {};
  sendJson(
    res,
    problem.status,
    { ...headers, ...extra },
    problem.toJSON(instance, traceId),
    'application/problem+json; charset=utf-8',
  );
}
