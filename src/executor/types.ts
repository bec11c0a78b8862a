/**
 * The executor's contract: one HTTP request to a tenant, already validated by the caller. The executor
 * knows nothing of policy, MCP or catalogs; it builds the URL, authenticates, retries what is safe to
 * retry and turns failures into errors an agent can act on.
 */
import type { Dispatcher } from 'undici';

/** A request to the tenant's management API, in parts; the executor assembles and encodes it. */
export interface TenantRequest {
  /** HTTP method, upper case. */
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  /** Path template relative to the API base, e.g. `/users/{id}/roles`. */
  path: string;
  /**
   * Values for the template's `{name}` segments; each is percent-encoded as one segment (`.` and `..`
   * become `%2E` and `%2E%2E`). A missing value is a programming error and throws; an empty one is refused
   * with `invalid_request`, since `/users/` would address a different operation.
   */
  pathParams?: Record<string, string | number | boolean>;
  /** Query parameters; arrays repeat the name, booleans are `true`/`false`, undefined is dropped. */
  query?: Record<string, string | number | boolean | Array<string | number | boolean> | undefined>;
  /**
   * Extra request headers. `authorization`, `proxy-authorization`, `host` and framing headers are refused
   * with `invalid_request`: the executor sets them.
   */
  headers?: Record<string, string>;
  /**
   * Body to send, serialised according to `contentType`: any JSON value for JSON; a record of scalars or
   * scalar arrays for `application/x-www-form-urlencoded`; a `FormData` or a record whose values are
   * scalars, `Blob`s or {@link MultipartFile}s for `multipart/form-data`; a string for other types.
   */
  body?: unknown;
  /** Content type of the body (default `application/json` when a body is present). */
  contentType?: string;
  /** Caller's label for logs and errors, e.g. the operation id. */
  label?: string;
  /** Aborts the request (and any retry wait) when signalled. */
  signal?: AbortSignal;
}

/** A file part of a `multipart/form-data` body given as plain data. */
export interface MultipartFile {
  /** File name announced in the part's `content-disposition`. */
  filename: string;
  /** File content. */
  content: string | Uint8Array;
  /** Content type of the part (default `application/octet-stream`). */
  contentType?: string;
}

/** A successful (2xx) answer. */
export interface TenantResponse {
  /** HTTP status. */
  status: number;
  /** Response headers, lower-case names (MonoCloud's paging is in `x-pagination`: see `readPagination`). */
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

/** Stable error codes of {@link TenantErrorDetails}. */
export type TenantErrorCode =
  | 'upstream_error' // the tenant answered 4xx/5xx
  | 'rate_limited' // 429 after the retry budget was spent
  | 'timeout' // no answer within the timeout
  | 'network' // connection refused, reset, DNS...
  | 'auth_failed' // the token endpoint refused our credentials
  | 'bad_response' // a 2xx whose body could not be read as promised
  | 'aborted' // the caller cancelled
  | 'invalid_request' // the request could not be built (empty path value, forbidden header, bad body)
  | 'budget_unavailable'; // the shared rate budget could not be consulted, so nothing was sent

/** Anything that went wrong reaching the tenant, worded for an agent. */
export interface TenantErrorDetails {
  /** Stable code. */
  code: TenantErrorCode;
  /** HTTP status when the tenant answered. */
  status?: number;
  /**
   * The provider's own code when given: Auth0's `errorCode` (e.g. `inexistent_user`), the token endpoint's
   * `error`, or the first `code` of a problem+json `errors` list (e.g. `IDENTIFIER_EXISTS`).
   */
  upstreamCode?: string;
  /**
   * The provider's words when given: Auth0's `message`, the token endpoint's `error_description`, or a
   * problem+json `detail` (else `title`) followed by its `errors` explained.
   */
  upstreamMessage?: string;
  /** Each entry of a problem+json `errors` member (validation failures), when given. */
  upstreamErrors?: UpstreamErrorItem[];
  /** The tenant's request id when given (a response header, or a problem+json `traceId`). */
  requestId?: string;
  /** HTTP attempts made. */
  attempts?: number;
  /** Whether the request may have reached and changed the tenant (a POST that timed out, say). */
  mayHaveReachedTenant?: boolean;
  /** For `rate_limited`: how long to wait before trying again, in milliseconds, when known. */
  retryAfterMs?: number;
  /** The request's {@link TenantRequest.label}, for logs. */
  label?: string;
}

/** One validation failure a provider listed in a problem+json `errors` member. */
export interface UpstreamErrorItem {
  /** The field it concerns, from the `{field: [messages]}` form (may be `''` for the body as a whole). */
  field?: string;
  /** The machine code, from the `[{code, description}]` form (e.g. `IDENTIFIER_EXISTS`). */
  code?: string;
  /** The message or description. */
  message: string;
}

/** The executor's interface. */
export interface Executor {
  /** Sends one request; resolves with a 2xx answer or rejects with a TenantError. */
  send(request: TenantRequest): Promise<TenantResponse>;
  /** The base URL requests go to, e.g. `https://acme.eu.auth0.com/api/v2`. */
  readonly baseUrl: string;
  /**
   * The scopes the current token grants (its JWT `scope` claim), fetching a token if needed; `undefined`
   * when the token is not a JWT with a scope claim, or when an API key authenticates (there is no token to
   * read). Rejects like `send` when no token can be had.
   */
  grantedScopes?(signal?: AbortSignal): Promise<ReadonlySet<string> | undefined>;
  /** Releases sockets. */
  close(): Promise<void>;
}

/** How the executor authenticates to the Management API. */
export type TenantAuth =
  | {
      /** A static Management API token (e.g. `AUTH0_TOKEN`), sent as is until it expires. */
      kind: 'token';
      /** The bearer token. */
      token: string;
    }
  | {
      /** A machine-to-machine application; tokens are fetched, cached and refreshed by the executor. */
      kind: 'client_credentials';
      /** The application's client id. */
      clientId: string;
      /** The application's client secret; never logged nor put in an error message. */
      clientSecret: string;
      /** Token audience (default `{origin}{apiPath}/`); set it when `domain` is a custom domain. */
      audience?: string;
    }
  | {
      /** A static API key (MonoCloud's), sent in its own header on every request; never as a bearer. */
      kind: 'api_key';
      /** The key; never logged nor put in an error message. */
      apiKey: string;
      /**
       * Header carrying the key (default `x-api-key`; header names are case-insensitive). Neither
       * `authorization` nor another header the executor owns.
       */
      header?: string;
    };

/** Facts about a provider's management API that shape URLs and wording; the executor has no other. */
export interface ProviderProfile {
  /** Name used in messages to the agent (`Auth0 answered 404 Not Found …`). */
  name: string;
  /** Path of the management API under the tenant origin, leading slash, no trailing one (`/api/v2`). */
  apiPath: string;
}

/** Options of `createExecutor`. */
export interface ExecutorOptions {
  /** Tenant domain (`acme.eu.auth0.com`) or a URL with a scheme (`http://127.0.0.1:4010`), used as is. */
  domain: string;
  /** Credentials. */
  auth: TenantAuth;
  /**
   * The provider's name and API path (default `AUTH0_PROVIDER`: `Auth0`, `/api/v2`); MonoCloud is
   * `{ name: 'MonoCloud', apiPath: '/api' }` (`MONOCLOUD_PROVIDER`).
   */
  provider?: ProviderProfile;
  /** Version in the `user-agent` header, `tenant-mcp/<version>` (default `0.0.0-dev`). */
  version?: string;
  /** Time allowed per HTTP attempt, headers and body together, in milliseconds (default 30 000). */
  timeoutMs?: number;
  /** Retries after the first attempt, for every retryable cause together (default 3). */
  maxRetries?: number;
  /** Total time a call may spend including retry waits, in milliseconds (default 60 000). */
  retryBudgetMs?: number;
  /** First backoff step when the tenant gives no hint, in milliseconds (default 500); doubles per retry. */
  baseBackoffMs?: number;
  /** Largest backoff step, in milliseconds (default 10 000). */
  maxBackoffMs?: number;
  /** Largest response body read, in bytes (default 10 MiB); a larger 2xx body is a `bad_response`. */
  maxResponseBytes?: number;
  /** Most sockets kept open to the tenant (default 10). */
  connections?: number;
  /** Clock in epoch milliseconds; injectable so tests can move time (default `Date.now`). */
  now?: () => number;
  /** Waits between retries; injectable so tests need not really wait (default a timer). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Source of jitter in [0, 1) (default `Math.random`). */
  random?: () => number;
  /** A dispatcher to use instead of the executor's own keep-alive Agent; `close()` leaves it open. */
  dispatcher?: Dispatcher;
  /**
   * The tenant's rate budget, consulted before every attempt to the management API (retries included)
   * and fed every answer's headers; none by default, which sends as before.
   */
  budget?: RateBudget;
}

/** What a {@link RateBudget} says before an attempt. */
export type BudgetVerdict =
  | {
      /** One request may go, after `waitMs` (0: now); the slot is held for the caller meanwhile. */
      kind: 'go';
      /** Milliseconds to wait first. */
      waitMs: number;
    }
  | {
      /**
       * No slot now, and the budget does not know the tenant's limit yet (no answer so far): ask again after
       * `waitMs`, when an answer may have taught it.
       */
      kind: 'ask_again';
      /** Milliseconds to wait before asking again. */
      waitMs: number;
    }
  | {
      /** Sending now would exceed the tenant's rate limit, and waiting would take too long. */
      kind: 'refused';
      /** When a request could go, in milliseconds from now. */
      retryAfterMs: number;
      /** The tenant's burst as the budget knows it (its `X-RateLimit-Limit`, or the floor). */
      limit: number;
      /** Requests per second the budget refills at. */
      perSecond: number;
    };

/** An answer as a budget learns from it. */
export interface BudgetObservation {
  /** HTTP status. */
  status: number;
  /** Response headers, lower-case names. */
  headers: Record<string, string>;
}

/**
 * A tenant's rate budget: the executor asks it before each attempt and tells it each answer. `take` may
 * reject with an error whose `code` is `budget_unavailable` (its store is unreachable: the executor then
 * refuses the call, nothing is sent); any other rejection is a bug and propagates.
 */
export interface RateBudget {
  /** Claims one request, or says how long until one could go. */
  take(): Promise<BudgetVerdict>;
  /** Learns from an answer's `X-RateLimit-*`, `Retry-After` and `Date` headers; never rejects. */
  observe(answer: BudgetObservation): Promise<void>;
}
