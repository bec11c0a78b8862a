/**
 * The shape of one entry in `auth0-samples.generated.ts`: everything the sandbox needs to route an
 * operation, check its scopes and answer it with a body the API description allows.
 */

/** HTTP methods the Management API uses, upper case. */
export type SampleMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One Management API operation as the sandbox serves it when no stateful handler claims it. */
export interface SampleOperation {
  /** The operation id, as the API description names it (e.g. `get_users`). */
  id: string;
  /** HTTP method. */
  method: SampleMethod;
  /** Path template below `/api/v2`, e.g. `/users/{id}/roles`; each `{name}` is one path segment. */
  path: string;
  /** OAuth scopes, any one of which lets a token call the operation. */
  scopes: readonly string[];
  /** The first success status the description lists (200, 201, 202 or 204). */
  status: number;
  /** Media type of the success body; absent when the operation answers with no body. */
  contentType?: 'application/json' | 'text/event-stream';
  /** A minimal body that validates against the success response schema; absent when there is none. */
  body?: unknown;
  /**
   * Set when the description's response schema contradicts itself, so no body can validate; says why.
   * The sample then follows the schema's declared properties.
   */
  conflict?: string;
}
