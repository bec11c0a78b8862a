/**
 * Contracts inside the policy layer: what a resolved profile answers, what an audit record carries, and
 * how the gate asks a person for confirmation. Nothing here knows about MCP; the server implements
 * {@link Confirmer} on top of elicitation.
 */
import type { OperationSpec } from '../tools/types.js';

/** How a profile wants an operation confirmed: `always`/`never` override the default (destructive → ask). */
export type ConfirmMode = 'always' | 'never';

/**
 * Where a person may answer a confirmation inside the agent's own client (MCP elicitation): `stdio`
 * (the default) trusts the host that started the server over stdio, which shows the form to its user;
 * `allowed` also trusts HTTP principals under the profile; `never` sends every confirmation out of band.
 * An HTTP principal may also be trusted on its own (a token's `+elicitation`, the OAuth scope).
 */
export type ElicitationSetting = 'stdio' | 'allowed' | 'never';

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
  /** Where a person may confirm in the client (default `stdio`). */
  readonly elicitation: ElicitationSetting;
}

/**
 * What a person is asked to approve: the same text on elicitation, `tenant-mcp approve`, the approvals
 * page and the webhook.
 */
export interface ConfirmationRequest {
  /** What is held: the operation id, or the task tool's name. */
  operation: string;
  /** Risk class of the call as it will run. */
  risk: string;
  /** Tenant name (e.g. `prod`, `sandbox`). */
  tenant: string;
  /** The approver's view: tenant, who asked, each change in full with its target (see `approver-view.ts`). */
  summary: string;
  /**
   * The hash of exactly the changes asked about (tenant, operations, canonical arguments): a client that
   * answers in a later round (MCP's `input_required`) must answer for these changes and no others.
   */
  binding: string;
}

/**
 * Thrown by a {@link Confirmer} that put the question to the client and will get the answer with a retry
 * of the same call (MCP 2026-07-28's `input_required`): nothing was decided yet, and nothing was sent.
 * The server turns it into the protocol's answer; the gate records that the call waits for a person.
 */
export class ConfirmationPending extends Error {
  override readonly name = 'ConfirmationPending';
  /** @param request what was asked */
  constructor(readonly request: ConfirmationRequest) {
    super('waiting for a person to answer in the client');
  }
}

/**
 * A person's answer: `accept` only when they ticked the confirm box; `decline` (also an unticked box) and
 * `cancel`; or `failed` when no answer came (the client erred, timed out, or answered with a malformed
 * form), with what happened in words.
 */
export type ConfirmationAnswer = 'accept' | 'decline' | 'cancel' | { failed: string };

/** Asks a person, through the client, whether a call may run. Implemented by the server. */
export interface Confirmer {
  /** Whether the connected client can ask a person right now (declared elicitation). */
  canAsk(): boolean;
  /** Asks; resolves with the person's answer. Should not reject; a rejection counts as `failed`. */
  ask(request: ConfirmationRequest): Promise<ConfirmationAnswer>;
}

/** The MCP client a call came from, as the audit trail and the approver see it. */
export interface ClientInfo {
  /** The client's name, from its `initialize`. */
  name: string;
  /** Its version. */
  version?: string;
  /** Over HTTP, the authenticated principal (`token-1`, `oauth:<issuer>#<subject>`). */
  principal?: string;
}

/**
 * Who is calling and through which channel. The composition root fills it in per session; the gate
 * decides from it (and the profile) whether a person may confirm inside this client.
 */
export interface Caller {
  /** The client and principal. */
  client: ClientInfo;
  /** `stdio`: the host that started us shows forms to its user; `http`: the client may be the agent itself. */
  transport: 'stdio' | 'http';
  /** Over HTTP: the operator trusts this principal to confirm in its own client (`+elicitation`, scope). */
  elicitation?: boolean;
  /** Asks a person through the client, when it can. */
  confirmer?: Confirmer;
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
  /** The operation, when known; an unknown one keeps the id it was asked by. */
  operation?: { id: string; method?: string; path?: string; risk?: string };
  /** A task's operations, when the record is about several. */
  operations?: string[];
  /** The rules that led to the decision (profile, route, risk, constraint, confirm override...). */
  rules?: readonly string[];
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
