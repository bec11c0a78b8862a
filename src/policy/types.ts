/**
 * Contracts inside the policy layer: what a resolved profile answers, what an audit record carries, and
 * how the gate asks a person for confirmation. Nothing here knows about MCP; the server implements
 * {@link Confirmer} on top of elicitation.
 */
import type { OperationSpec } from '../tools/types.js';

/** How a profile wants an operation confirmed: `always`/`never` override the default (destructive → ask). */
export type ConfirmMode = 'always' | 'never';

/** A profile, resolved from a built-in or a policy file; pure decisions, no I/O. */
export interface Profile {
  /** Profile name as configured (`read-only`, `helpdesk`, `admin`, or a policy-file name). */
  readonly name: string;
  /**
   * Why `op` may not be listed or run under this profile (risk, allow/deny globs, scope allowlist), or
   * `undefined` when it may. The text is for the agent: it names the rule, not the policy file's secrets.
   */
  denies(op: OperationSpec): string | undefined;
  /**
   * Whether a generic or task tool name may be listed (task tools such as `block_user`, the discovery
   * tools are always listed). Globs over tool names apply here.
   */
  allowsTool(toolName: string): boolean;
  /** The confirmation override for `op`, if the profile sets one. */
  confirmFor(op: OperationSpec): ConfirmMode | undefined;
  /**
   * Checks argument constraints (e.g. `connection` must be `Username-Password-Authentication`); returns
   * a message naming the argument when violated, `undefined` when the arguments are acceptable.
   */
  checkArguments(op: OperationSpec, args: Readonly<Record<string, unknown>>): string | undefined;
  /** Whether results show secrets unmasked (never true for built-in profiles). */
  readonly revealSecrets: boolean;
  /** Scopes the profile may use; `undefined` means no allowlist. */
  readonly scopes: ReadonlySet<string> | undefined;
}

/** What a person is asked to approve: the same text on elicitation and on `tenant-mcp approve`. */
export interface ConfirmationRequest {
  /** Operation id. */
  operation: string;
  /** Risk class of the call as it will run. */
  risk: string;
  /** Tenant name (e.g. `prod`, `sandbox`). */
  tenant: string;
  /** Plain-language summary: what will happen, to what, and the preview. */
  summary: string;
}

/** A person's answer. */
export type ConfirmationAnswer = 'accept' | 'decline' | 'cancel';

/** Asks a person, through the client, whether a call may run. Implemented by the server. */
export interface Confirmer {
  /** Whether the connected client can ask a person right now (declared elicitation). */
  canAsk(): boolean;
  /** Asks; resolves with the person's answer (`accept` only when they ticked the confirm box). */
  ask(request: ConfirmationRequest): Promise<ConfirmationAnswer>;
}

/** Decisions the audit trail records, one record each. */
export type AuditDecision = 'refused' | 'held' | 'approved' | 'declined' | 'sent' | 'failed' | 'previewed';

/** One decision about one call, before it becomes an OCSF record. */
export interface AuditEvent {
  /** When it happened, epoch milliseconds. */
  time: number;
  /** What was decided. */
  decision: AuditDecision;
  /** Why, in a sentence (the error or refusal text, the approval id...). */
  reason: string;
  /** Tenant name and its domain or URL. */
  tenant: { name: string; domain: string };
  /** The active profile. */
  profile: string;
  /**
   * The MCP client, from its `initialize` (name and version), when known, and over HTTP the authenticated
   * principal (`token-1`, `oauth:<issuer>#<subject>`): who asked, not just with what.
   */
  client?: { name: string; version?: string; principal?: string };
  /** The tool the call came through, e.g. `invoke_write_operation` or `block_user`. */
  tool: string;
  /** The operation, when known. */
  operation?: { id: string; method: string; path: string; risk: string };
  /** Arguments with secrets already masked by the caller. */
  arguments?: unknown;
  /** The tenant's HTTP status, when it answered. */
  status?: number;
  /** Upstream latency in milliseconds, when sent. */
  latencyMs?: number;
  /** The tenant's request id, when given. */
  requestId?: string;
  /** One id per tool call, shared by all records of that call. */
  correlationId: string;
  /** Approval id, when one was created or used. */
  approvalId?: string;
  /** Whether `confirm: never` let a destructive call skip confirmation (logged on every use). */
  confirmSkipped?: boolean;
}
