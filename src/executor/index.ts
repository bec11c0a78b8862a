/**
 * The executor: sends one validated request to a tenant's management API and returns its answer or a
 * {@link TenantError}. Knows nothing of policy, MCP, catalogs or the sandbox; a provider's facts (name, API
 * path, credential header) come in as options.
 */
export {
  buildHeaders,
  buildPath,
  buildQuery,
  type EncodedBody,
  encodeBody,
  encodePathSegment,
  FORBIDDEN_HEADERS,
  resolveTenantUrls,
  type TenantUrls,
} from './build-request.js';
export { createExecutor, DEFAULT_API_KEY_HEADER, EXECUTOR_DEFAULTS } from './create-executor.js';
export { createDeferredExecutor } from './deferred.js';
export {
  excerpt,
  type HintWording,
  isTenantError,
  missingScopes,
  type ProblemBody,
  readProblem,
  redact,
  statusHint,
  TenantError,
} from './errors.js';
export { AttemptFailure, classifyNetworkError } from './exchange.js';
export { PAGINATION_HEADER, type Pagination, readPagination } from './pagination.js';
export { AUTH0_PROVIDER, MONOCLOUD_PROVIDER } from './provider.js';
export { explainErrors } from './responses.js';
export { backoffDelay, RETRYABLE_STATUSES, retryDelayFromHeaders } from './retry.js';
export { createTokenProvider, expiryMargin, type IssuedToken, type TokenProvider } from './token-provider.js';
export { scopesOfToken } from './token-scopes.js';
export type * from './types.js';
