/**
 * The executor's one error class and the words it uses. Every failure reaching the tenant becomes a
 * {@link TenantError} with a stable code and a message an agent can act on: what happened, the provider's
 * own words, the request id, and what to do next.
 */
import { STATUS_CODES } from 'node:http';
import { AUTH0_PROVIDER } from './provider.js';
import type { TenantErrorCode, TenantErrorDetails, UpstreamErrorItem } from './types.js';

/** Anything that went wrong reaching the tenant; `message` is written for an agent. */
export class TenantError extends Error {
  /** Stable code, also in `details.code`. */
  readonly code: TenantErrorCode;
  /** Structured facts: status, the provider's fields, request id, attempts. */
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

/**
 * Most of a text an excerpt reads. A proxy's error page says what went wrong near its top, and a 10 MB
 * body must not cost the event loop more than this much reading.
 */
export const EXCERPT_INPUT_LIMIT = 8 * 1024;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Whether `text` has `word` (lower-case ASCII) at `at`, ignoring ASCII case. */
function hasWordAt(text: string, at: number, word: string): boolean {
  if (at + word.length > text.length) return false;
  for (let k = 0; k < word.length; k++)
    if ((text.charCodeAt(at + k) | 0x20) !== word.charCodeAt(k)) return false;
  return true;
}

/** Whether the character at `at` ends a tag name (what `\b` meant after `script`). */
function endsName(text: string, at: number): boolean {
  const c = text.charCodeAt(at);
  return !(c === 95 || (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 122));
}

/** Where the entity starting with `&` at `at` ends (its `;`), or -1 when it is not one we decode. */
function entityEnd(text: string, at: number): number {
  const numeric = text[at + 1] === '#';
  const hex = numeric && (text[at + 2] === 'x' || text[at + 2] === 'X');
  const from = at + 1 + (hex ? 2 : numeric ? 1 : 0);
  let j = from;
  for (; j < text.length; j++) {
    const c = text.charCodeAt(j) | 0x20;
    const digit = c >= 48 && c <= 57;
    if (numeric ? !(digit || (hex && c >= 97 && c <= 102)) : !(c >= 97 && c <= 122)) break;
  }
  return j > from && text[j] === ';' ? j : -1;
}

/** The text an entity such as `&amp;` or `&#x41;` stands for. */
function decodeEntity(entity: string): string {
  const name = entity.slice(1, -1);
  if (name.startsWith('#')) {
    const code =
      name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
    return Number.isFinite(code) && code > 31 && code < 0x110000 ? String.fromCodePoint(code) : ' ';
  }
  return ENTITIES[name.toLowerCase()] ?? entity;
}

/** `text` with each `[start, end)` range that `next` finds from a position replaced by `by`. */
function replaceRanges(
  text: string,
  next: (from: number) => { start: number; end: number } | undefined,
  by: (range: string) => string,
): string {
  const out: string[] = [];
  let at = 0;
  for (let range = next(0); range; range = next(at)) {
    out.push(text.slice(at, range.start), by(text.slice(range.start, range.end)));
    at = range.end;
  }
  out.push(text.slice(at));
  return out.join('');
}

/** The next `<script>…</script>` or `<style>…</style>` block (any case) from `from`. */
function nextBlock(
  text: string,
  from: number,
  missing: Set<string>,
): { start: number; end: number } | undefined {
  for (let i = text.indexOf('<', from); i !== -1; i = text.indexOf('<', i + 1)) {
    for (const name of ['script', 'style']) {
      if (missing.has(name) || !hasWordAt(text, i + 1, name) || !endsName(text, i + 1 + name.length))
        continue;
      // The first closer after the opening name: `</name`, optional whitespace, `>`.
      for (
        let open = text.indexOf('</', i + 1 + name.length);
        open !== -1;
        open = text.indexOf('</', open + 2)
      ) {
        if (!hasWordAt(text, open + 2, name)) continue;
        let k = open + 2 + name.length;
        while (k < text.length && /\s/.test(text[k]!)) k++;
        if (text[k] === '>') return { start: i, end: k + 1 };
      }
      // No closer from here on means none for any later opening either: never search again.
      missing.add(name);
    }
    if (missing.size === 2) return undefined;
  }
  return undefined;
}

/** The next range that starts with `open` and ends with the first `close` after it. */
function nextDelimited(text: string, from: number, open: string, close: string) {
  const start = text.indexOf(open, from);
  if (start === -1) return undefined;
  const end = text.indexOf(close, start + open.length);
  return end === -1 ? undefined : { start, end: end + close.length };
}

/**
 * `text` without markup, as the regular expressions this replaces read it (scripts and styles, then
 * comments, then tags become spaces; then entities are decoded), but in passes that each read every
 * character a bounded number of times: nothing can backtrack.
 */
function stripMarkup(text: string): string {
  const missing = new Set<string>();
  const space = () => ' ';
  let plain = replaceRanges(text, (from) => nextBlock(text, from, missing), space);
  const noComments = plain;
  plain = replaceRanges(noComments, (from) => nextDelimited(noComments, from, '<!--', '-->'), space);
  const noTags = plain;
  plain = replaceRanges(noTags, (from) => nextDelimited(noTags, from, '<', '>'), space);
  const entities = plain;
  return replaceRanges(
    entities,
    (from) => {
      for (let i = entities.indexOf('&', from); i !== -1; i = entities.indexOf('&', i + 1)) {
        const end = entityEnd(entities, i);
        if (end !== -1) return { start: i, end: end + 1 };
      }
      return undefined;
    },
    decodeEntity,
  );
}

/**
 * A short, single-line, tag-free excerpt of a body, safe to show an agent: HTML error pages from proxies
 * are mostly markup, and a raw page would bury the one useful sentence and waste the agent's context.
 * Reads at most {@link EXCERPT_INPUT_LIMIT} characters, in linear time.
 */
export function excerpt(text: string, max = EXCERPT_LENGTH): string {
  const head = text.length > EXCERPT_INPUT_LIMIT ? text.slice(0, EXCERPT_INPUT_LIMIT) : text;
  const plain = stripMarkup(head)
    .replace(/[\p{Cc}\p{Cf}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const cut = plain.length > max || head.length < text.length;
  return cut ? `${plain.slice(0, max - 1)}…` : plain;
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

/** An RFC 7807 problem body's fields (MonoCloud's errors), when the body is one. */
export interface ProblemBody {
  /** `type`, a URI naming the kind of problem (`https://httpstatuses.io/422#validation-error`). */
  type?: string;
  /** `title`, a short summary (`One or more validation errors occurred.`). */
  title?: string;
  /** `status`, the HTTP status. */
  status?: number;
  /** `detail`, the explanation of this occurrence. */
  detail?: string;
  /** `instance`, a URI of this occurrence. */
  instance?: string;
  /** `traceId`, the id to quote to the provider's support. */
  traceId?: string;
  /** `errors` in either form, flattened: `{field: [messages]}` or `[{code, description}]`. */
  errors: UpstreamErrorItem[];
}

const PROBLEM_MARKERS = ['title', 'detail', 'traceId', 'instance'] as const;

/** Field or code errors from a problem's `errors` member, ignoring entries of the wrong shape. */
function readProblemErrors(errors: unknown): UpstreamErrorItem[] {
  const items: UpstreamErrorItem[] = [];
  if (Array.isArray(errors)) {
    for (const entry of errors) {
      if (typeof entry === 'string' && entry !== '') items.push({ message: entry });
      if (typeof entry !== 'object' || entry === null) continue;
      const { code, description, message } = entry as Record<string, unknown>;
      const text = typeof description === 'string' && description ? description : message;
      const item: UpstreamErrorItem = { message: typeof text === 'string' ? text : '' };
      if (typeof code === 'string' && code) item.code = code;
      if (item.message || item.code) items.push(item);
    }
  } else if (typeof errors === 'object' && errors !== null) {
    for (const [field, messages] of Object.entries(errors)) {
      for (const message of Array.isArray(messages) ? messages : [messages]) {
        if (typeof message === 'string' && message) items.push({ field, message });
      }
    }
  }
  return items;
}

/**
 * Picks RFC 7807 problem fields out of a parsed body, ignoring anything of the wrong type. A body counts as
 * a problem when announced as `application/problem+json` (`announced`) or when it carries one of `title`,
 * `detail`, `traceId`, `instance` or a non-empty `errors` (Auth0's bodies use none of these).
 */
export function readProblem(body: unknown, announced = false): ProblemBody | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const record = body as Record<string, unknown>;
  const text = (key: string) =>
    typeof record[key] === 'string' && record[key] !== '' ? (record[key] as string) : undefined;
  const problem: ProblemBody = {
    type: text('type'),
    title: text('title'),
    status: typeof record.status === 'number' ? record.status : undefined,
    detail: text('detail'),
    instance: text('instance'),
    traceId: text('traceId'),
    errors: readProblemErrors(record.errors),
  };
  const marked = PROBLEM_MARKERS.some((key) => problem[key] !== undefined) || problem.errors.length > 0;
  return announced || marked ? problem : undefined;
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

/** Who answered and how we authenticated, for the wording of {@link statusHint}. */
export interface HintWording {
  /** Provider name (default `Auth0`). */
  provider?: string;
  /** What authenticates the call (default a token): a refused API key is not an expired token. */
  credential?: 'token' | 'api_key';
}

/** What an agent should do after a given status. */
export function statusHint(
  status: number,
  method: string,
  upstreamMessage?: string,
  wording: HintWording = {},
): string {
  const name = wording.provider ?? AUTH0_PROVIDER.name;
  if (status === 400) return `Fix the arguments ${name} names above and call again.`;
  if (status === 401) {
    return wording.credential === 'api_key'
      ? `The API key was refused: it may be wrong, revoked, or belong to another tenant. Check the credentials.`
      : 'The Management API token was refused: it may have expired, or belong to another tenant or audience. Check the credentials.';
  }
  if (status === 402) {
    return `Your ${name} plan does not include this feature, or its limit is reached; do not retry: a person must change the plan.`;
  }
  if (status === 403) {
    const scopes = missingScopes(upstreamMessage);
    if (scopes.length > 0) {
      return `The token lacks the scope ${scopes.join(' or ')}: grant it to the application for the ${name} Management API, or use a tool that does not need it.`;
    }
    return 'The credentials are not allowed to do this (a missing scope or a tenant restriction); do not retry as is.';
  }
  if (status === 404) {
    return 'Check the id or path values (list or search for the resource first) and call again.';
  }
  if (status === 409)
    return 'It conflicts with the current state (it may already exist); read the current state and adapt.';
  if (status === 422) {
    return 'Fix the values named above and call again (a value already in use needs another value, or the existing resource).';
  }
  if (status === 429) return `${name} is rate limiting this tenant; wait before trying again.`;
  if (status >= 500) {
    if (!isMutating(method)) return `${name} failed on its side; try again later.`;
    return isRetrySafe(method)
      ? `${name} failed on its side and the change may or may not have been applied: check the tenant state before trying again.`
      : `${name} failed on its side. The request was not resent because it may have been applied: check the tenant state before trying again.`;
  }
  return `${name} refused the request; adjust it as the message says.`;
}

/** Appends `Request id: x.` when known; the id lets the provider's support find the call in their logs. */
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
    if (!secret || secret.length < 6) continue;
    // As sent, and as an echo would carry it: JSON-escaped inside a quoted body, percent-encoded, or
    // both (a JSON request body echoed inside a URL).
    const escaped = JSON.stringify(secret).slice(1, -1);
    const forms = [secret, escaped, percentEncoded(secret), percentEncoded(escaped)];
    for (const form of new Set(forms)) {
      if (form) out = out.split(form).join('[redacted]');
    }
  }
  return out;
}

/** `encodeURIComponent(text)`, or `undefined` when it cannot be encoded (a lone surrogate). */
function percentEncoded(text: string): string | undefined {
  try {
    return encodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * Most of an error body the executor reads: a provider's error object is a few hundred bytes, and a
 * larger body is excerpted, never parsed whole, so a hostile 10 MB error costs no more than a small one.
 */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** A copy of `error` with secrets removed from its message and the provider's fields. */
export function redactError(error: TenantError, secrets: ReadonlyArray<string | undefined>): TenantError {
  const message = redact(error.message, secrets);
  const details: TenantErrorDetails = { ...error.details };
  if (details.upstreamMessage) details.upstreamMessage = redact(details.upstreamMessage, secrets);
  if (details.upstreamCode) details.upstreamCode = redact(details.upstreamCode, secrets);
  if (details.upstreamErrors) {
    details.upstreamErrors = details.upstreamErrors.map((item) => {
      const clean: UpstreamErrorItem = { message: redact(item.message, secrets) };
      if (item.field !== undefined) clean.field = redact(item.field, secrets);
      if (item.code !== undefined) clean.code = redact(item.code, secrets);
      return clean;
    });
  }
  if (message === error.message && JSON.stringify(details) === JSON.stringify(error.details)) return error;
  const copy = new TenantError(message, details, { cause: error.cause });
  copy.stack = error.stack && redact(error.stack, secrets);
  return copy;
}
