/**
 * The executor's contract: one HTTP request to a tenant, already validated by the caller. The executor
 * knows nothing of policy, MCP or catalogs; it builds the URL, authenticates, retries what is safe to
 * retry and turns failures into errors an agent can act on.
 */

/** A request to the tenant's management API, in parts; the executor assembles and encodes it. */
export interface TenantRequest {
  /** HTTP method, upper case. */
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  /** Path template relative to the API base, e.g. `/users/{id}/roles`. */
  path: string;
  /** Values for the template's `{name}` segments; each is percent-encoded as one segment. */
  pathParams?: Record<string, string | number | boolean>;
  /** Query parameters; arrays repeat the name, booleans are `true`/`false`, undefined is dropped. */
  query?: Record<string, string | number | boolean | Array<string | number | boolean> | undefined>;
  /** Extra request headers (never `authorization`: the executor sets it). */
  headers?: Record<string, string>;
  /** Body to send; serialised according to `contentType`. */
  body?: unknown;
  /** Content type of the body (default `application/json` when a body is present). */
  contentType?: string;
  /** Caller's label for logs and errors, e.g. the operation id. */
  label?: string;
  /** Aborts the request (and any retry wait) when signalled. */
  signal?: AbortSignal;
}

/** A successful (2xx) answer. */
export interface TenantResponse {
  /** HTTP status. */
  status: number;
  /** Response headers, lower-case names. */
  headers: Record<string, string>;
  /** Parsed JSON when the body is JSON, the text otherwise, `undefined` when empty. */
  body: unknown;
  /** The tenant's request id (`x-request-id` or similar), when present. */
  requestId?: string;
  /** How many HTTP attempts were made (1 when no retry happened). */
  attempts: number;
  /** Wall time of the whole call including retries, in milliseconds. */
  durationMs: number;
}

/** Stable error codes of {@link TenantError}. */
export type TenantErrorCode =
  | 'upstream_error' // the tenant answered 4xx/5xx
  | 'rate_limited' // 429 after the retry budget was spent
  | 'timeout' // no answer within the timeout
  | 'network' // connection refused, reset, DNS...
  | 'auth_failed' // the token endpoint refused our credentials
  | 'bad_response' // a 2xx whose body could not be read as promised
  | 'aborted'; // the caller cancelled

/** Anything that went wrong reaching the tenant, worded for an agent. */
export interface TenantErrorDetails {
  /** Stable code. */
  code: TenantErrorCode;
  /** HTTP status when the tenant answered. */
  status?: number;
  /** Auth0's `errorCode` (e.g. `inexistent_user`) when given. */
  upstreamCode?: string;
  /** Auth0's message when given. */
  upstreamMessage?: string;
  /** The tenant's request id when given. */
  requestId?: string;
  /** HTTP attempts made. */
  attempts?: number;
  /** Whether the request may have reached and changed the tenant (a POST that timed out, say). */
  mayHaveReachedTenant?: boolean;
}

/** The executor's interface. */
export interface Executor {
  /** Sends one request; resolves with a 2xx answer or rejects with a TenantError. */
  send(request: TenantRequest): Promise<TenantResponse>;
  /** The base URL requests go to, e.g. `https://acme.eu.auth0.com/api/v2`. */
  readonly baseUrl: string;
  /** Releases sockets. */
  close(): Promise<void>;
}
