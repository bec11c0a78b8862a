/**
 * Errors the caller can act on. Each carries a stable code and a message that says what was wrong and
 * what to send instead; the server turns them into `isError` tool results.
 */

/** Stable codes of {@link CallError}. */
export type CallErrorCode =
  | 'unknown_operation' // no such operation id in the catalog
  | 'not_allowed' // the profile does not let this operation run
  | 'wrong_route' // a write sent through the read tool, or the reverse
  | 'invalid_arguments' // the arguments failed the operation's schema; nothing was sent
  | 'constraint' // the arguments break one of the profile's argument constraints
  | 'scope_missing' // the tenant token cannot perform the operation
  | 'approval_required' // a person must approve; the message carries the approval id
  | 'approval_invalid' // the approval id is unknown, pending, expired, used or for another call
  | 'declined' // a person declined or cancelled the confirmation, or declined the same change recently
  | 'change_too_large' // the change is too long for a person to review whole, so it is refused
  | 'audit_unavailable' // the audit trail cannot be written, so nothing may run (fail closed)
  | 'shared_state_unavailable' // Redis (approvals, declines, limits shared by replicas) is down: fail closed
  | 'tenant_error'; // the tenant refused or failed; carries its status and request id

/** An error the agent can fix or report; never a bug of ours. */
export class CallError extends Error {
  override readonly name = 'CallError';
  /**
   * @param code stable machine-readable code
   * @param message what went wrong and what to do, for the agent
   * @param details structured facts (HTTP status, request id, fields) for logs and results
   */
  constructor(
    readonly code: CallErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
