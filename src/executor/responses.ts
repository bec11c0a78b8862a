/**
 * Reading answers: a 2xx body as JSON, text or nothing; any other status, or a failure without an answer,
 * as a {@link TenantError} worded for an agent.
 */
import {
  excerpt,
  isMutating,
  isRetrySafe,
  MAX_ERROR_BODY_BYTES,
  type ProblemBody,
  readAuth0Error,
  readProblem,
  sentence,
  statusHint,
  statusLine,
  TenantError,
  withRequestId,
} from './errors.js';
import type { AttemptFailure, RawResponse } from './exchange.js';
import { AUTH0_PROVIDER } from './provider.js';
import type { TenantErrorDetails, UpstreamErrorItem } from './types.js';

/** What the error wording needs to know about the call. */
export interface CallContext {
  /** HTTP method. */
  method: string;
  /** Path template, e.g. `/users/{id}`: names the operation without echoing values. */
  path: string;
  /** The caller's label. */
  label?: string;
  /** Attempts made so far. */
  attempts: number;
  /** Whether an earlier attempt may have reached the tenant (it timed out or was cut off). */
  earlierMayHaveReached: boolean;
  /** Provider name for messages (default `Auth0`). */
  provider?: string;
  /** What authenticates the call (default a token), for the 401 hint. */
  credential?: 'token' | 'api_key';
}

/** The tenant's request id, from the first header Auth0 or its CDN sets. */
export function requestIdOf(headers: Record<string, string>): string | undefined {
  return headers['x-request-id'] ?? headers['x-auth0-requestid'] ?? headers['cf-ray'];
}

function providerOf(context: CallContext): string {
  return context.provider ?? AUTH0_PROVIDER.name;
}

/** Whether a content type is JSON (`application/json`, `application/problem+json`...). */
export function isJsonType(contentType: string | undefined): boolean {
  const essence = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return essence === 'application/json' || essence.endsWith('+json');
}

function operation(context: CallContext): string {
  return `${context.method} ${context.path}`;
}

function attemptsText(attempts: number): string {
  return attempts === 1 ? '1 attempt' : `${attempts} attempts`;
}

/** The sentence telling an agent to look before retrying a change that may have happened. */
export const CHECK_STATE =
  'It may have reached the tenant and been applied: check the tenant state (get or list the resource) before trying again.';

function baseDetails(
  context: CallContext,
  raw?: RawResponse,
  requestId = raw && requestIdOf(raw.headers),
): Omit<TenantErrorDetails, 'code'> {
  const details: Omit<TenantErrorDetails, 'code'> = { attempts: context.attempts };
  if (raw) details.status = raw.status;
  if (requestId) details.requestId = requestId;
  if (context.label) details.label = context.label;
  return details;
}

/**
 * The body of a 2xx answer: parsed JSON when announced as JSON, `undefined` when empty, text otherwise.
 * @throws TenantError `bad_response` when the body is over the cap or is malformed JSON.
 */
export function readSuccessBody(raw: RawResponse, context: CallContext): unknown {
  const applied = isMutating(context.method)
    ? ' The change was probably applied: check the tenant state before trying again.'
    : '';
  if (raw.overCap) {
    throw new TenantError(
      withRequestId(
        `${providerOf(context)} answered ${statusLine(raw.status)} for ${operation(context)} with a body larger than the executor reads.${applied || ' Ask for less (a smaller page or fewer fields).'}`,
        requestIdOf(raw.headers),
      ),
      {
        code: 'bad_response',
        ...baseDetails(context, raw),
        mayHaveReachedTenant: isMutating(context.method),
      },
    );
  }
  if (raw.status === 204 || raw.body.length === 0) return undefined;
  const text = raw.body.toString('utf8');
  if (!isJsonType(raw.headers['content-type'])) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new TenantError(
      withRequestId(
        `${providerOf(context)} answered ${statusLine(raw.status)} for ${operation(context)} with malformed JSON: "${excerpt(text)}".${applied}`,
        requestIdOf(raw.headers),
      ),
      {
        code: 'bad_response',
        ...baseDetails(context, raw),
        mayHaveReachedTenant: isMutating(context.method),
      },
      { cause },
    );
  }
}

interface ErrorSummary {
  /** `(errorCode): message` or `: excerpt`, ready to follow the status line. */
  said: string;
  upstreamCode?: string;
  upstreamMessage?: string;
  upstreamErrors?: UpstreamErrorItem[];
  /** A request id the body gave (a problem's `traceId`). */
  requestId?: string;
}

/** Most validation entries spelled out in a message; the rest are counted (all stay in the details). */
const MAX_LISTED_ERRORS = 10;

/** `email: must be valid; IDENTIFIER_EXISTS: already in use`: each entry named by its field or code. */
export function explainErrors(items: readonly UpstreamErrorItem[]): string {
  const parts = items.slice(0, MAX_LISTED_ERRORS).map((item) => {
    const message = excerpt(item.message, 200).replace(/[.;]+$/, '');
    const name = excerpt(item.field || item.code || '', 100);
    if (!name) return message;
    return message ? `${name}: ${message}` : name;
  });
  const more = items.length - MAX_LISTED_ERRORS;
  if (more > 0) parts.push(`and ${more} more`);
  return parts.join('; ');
}

function summariseProblem(problem: ProblemBody): ErrorSummary {
  const head = problem.detail ?? problem.title;
  const headText = head && excerpt(head, 500);
  const listed = explainErrors(problem.errors);
  const words = [headText && sentence(headText), listed && sentence(listed)].filter(Boolean).join(' ');
  const summary: ErrorSummary = { said: words ? `: ${words}` : '.' };
  if (words) summary.upstreamMessage = words;
  const code = problem.errors.find((item) => item.code)?.code;
  if (code) summary.upstreamCode = code;
  if (problem.errors.length > 0) summary.upstreamErrors = problem.errors;
  if (problem.traceId) summary.requestId = excerpt(problem.traceId, 100);
  return summary;
}

function summarise(raw: RawResponse): ErrorSummary {
  if (raw.overCap) return { said: ' with a body too large to read.' };
  const text = raw.body.toString('utf8', 0, MAX_ERROR_BODY_BYTES);
  if (text.trim() === '') return { said: ' with an empty body.' };
  // Too large to be a provider's error object: only its start is shown, nothing is parsed.
  if (raw.body.length > MAX_ERROR_BODY_BYTES) return { said: `: "${excerpt(text)}".` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON whatever it claims (an HTML page from a proxy, say): show a short, clean excerpt.
    return { said: `: "${excerpt(text)}".` };
  }
  const announced =
    raw.headers['content-type']?.split(';')[0]?.trim().toLowerCase() === 'application/problem+json';
  const problem = readProblem(parsed, announced);
  if (problem) return summariseProblem(problem);
  const auth0 = readAuth0Error(parsed);
  if (!auth0) return { said: `: "${excerpt(text)}".` };
  const message = auth0.message && excerpt(auth0.message, 500);
  const code = auth0.errorCode ? ` (${auth0.errorCode})` : '';
  const said = message
    ? `${code}: ${sentence(message)}`
    : `${code}${auth0.error ? `: ${sentence(auth0.error)}` : '.'}`;
  return { said, upstreamCode: auth0.errorCode, upstreamMessage: message ?? auth0.error };
}

type UpstreamFields = Pick<TenantErrorDetails, 'upstreamCode' | 'upstreamMessage' | 'upstreamErrors'>;

/** The provider's fields of a summary, for {@link TenantErrorDetails}. */
function upstreamDetails(summary: ErrorSummary): UpstreamFields {
  const details: UpstreamFields = {};
  if (summary.upstreamCode) details.upstreamCode = summary.upstreamCode;
  if (summary.upstreamMessage) details.upstreamMessage = summary.upstreamMessage;
  if (summary.upstreamErrors) details.upstreamErrors = summary.upstreamErrors;
  return details;
}

/** A {@link TenantError} `upstream_error` for a non-2xx answer that will not be retried. */
export function upstreamError(raw: RawResponse, context: CallContext): TenantError {
  const summary = summarise(raw);
  const requestId = summary.requestId ?? requestIdOf(raw.headers);
  const mutating = isMutating(context.method);
  let mayHaveReached = mutating && (raw.status >= 500 || context.earlierMayHaveReached);
  let message = `${providerOf(context)} answered ${statusLine(raw.status)} for ${operation(context)}${summary.said}`;
  message = withRequestId(message, requestId);
  message += ` ${statusHint(raw.status, context.method, summary.upstreamMessage, {
    provider: providerOf(context),
    credential: context.credential,
  })}`;
  if (mutating && context.earlierMayHaveReached && raw.status < 500) {
    // A retried DELETE answering 404, or a PUT answering 409, is often the earlier attempt's own success.
    message += ` An earlier attempt was cut off and may already have applied this change: check the tenant state before trying again.`;
    mayHaveReached = true;
  }
  if (context.attempts > 1) message += ` (${attemptsText(context.attempts)}.)`;
  const details: TenantErrorDetails = {
    code: 'upstream_error',
    ...baseDetails(context, raw, requestId),
    ...upstreamDetails(summary),
  };
  if (mutating) details.mayHaveReachedTenant = mayHaveReached;
  return new TenantError(message, details);
}

/** A {@link TenantError} `rate_limited` once 429s used up the retry count or time budget. */
export function rateLimitedError(
  raw: RawResponse,
  context: CallContext,
  retryAfterMs: number,
  now: number,
): TenantError {
  const summary = summarise(raw);
  const requestId = summary.requestId ?? requestIdOf(raw.headers);
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  const at = new Date(now + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  let message = `${providerOf(context)} answered ${statusLine(raw.status)} for ${operation(context)}${summary.said}`;
  message += ` The tenant is rate limited and the retry budget is spent (${attemptsText(context.attempts)}).`;
  message += ` Retry after ${at} (in ${seconds} s), or make fewer calls.`;
  message = withRequestId(message, requestId);
  const details: TenantErrorDetails = {
    code: 'rate_limited',
    ...baseDetails(context, raw, requestId),
    retryAfterMs,
    ...upstreamDetails(summary),
  };
  if (isMutating(context.method)) details.mayHaveReachedTenant = context.earlierMayHaveReached;
  return new TenantError(message, details);
}

/** A {@link TenantError} for an attempt that got no answer (timeout, network, abort). */
export function failureError(
  failure: AttemptFailure,
  context: CallContext,
  target: { origin: string; timeoutMs: number },
): TenantError {
  const mutating = isMutating(context.method);
  const mayHaveReached = mutating && (failure.sent || context.earlierMayHaveReached);
  const details: TenantErrorDetails = { code: failure.kind, ...baseDetails(context) };
  if (mutating) details.mayHaveReachedTenant = mayHaveReached;
  const tries = attemptsText(context.attempts);
  const name = providerOf(context);
  let message: string;
  if (failure.kind === 'aborted') {
    message = `The call ${operation(context)} was cancelled.`;
  } else if (failure.kind === 'timeout') {
    message = `No answer from ${name} within ${Math.round(target.timeoutMs / 100) / 10} s for ${operation(context)} (${tries}).`;
    if (!mayHaveReached)
      message += ` ${name} may be slow or unreachable: try again later, or ask for less (a smaller page).`;
  } else {
    const code = failure.errorCode ? `${failure.errorCode}, ` : '';
    message = failure.sent
      ? `The connection to ${name} at ${target.origin} broke during ${operation(context)} (${code}${tries}).`
      : `Could not connect to ${name} at ${target.origin} for ${operation(context)} (${code}${tries}).`;
    if (failure.errorCode === 'ENOTFOUND') message += ' The tenant domain does not resolve: check it.';
    else if (!failure.transient) message += ' Check the tenant domain and the network.';
    else if (!mayHaveReached) message += ` The network or ${name} may be down: try again later.`;
  }
  if (mayHaveReached) {
    message +=
      failure.kind === 'aborted' || isRetrySafe(context.method)
        ? ` ${CHECK_STATE}`
        : ` It was not resent. ${CHECK_STATE}`;
  }
  return new TenantError(message, details, { cause: failure });
}
