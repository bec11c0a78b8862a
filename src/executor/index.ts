/**
 * The executor: sends one validated request to a tenant's Management API and returns its answer or a
 * {@link TenantError}. Knows nothing of policy, MCP, catalogs or the sandbox.
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
export { createExecutor, EXECUTOR_DEFAULTS } from './create-executor.js';
export { createDeferredExecutor } from './deferred.js';
export { excerpt, isTenantError, missingScopes, redact, statusHint, TenantError } from './errors.js';
export { AttemptFailure, classifyNetworkError } from './exchange.js';
export { backoffDelay, RETRYABLE_STATUSES, retryDelayFromHeaders } from './retry.js';
export { createTokenProvider, expiryMargin, type IssuedToken, type TokenProvider } from './token-provider.js';
export { scopesOfToken } from './token-scopes.js';
export type * from './types.js';
