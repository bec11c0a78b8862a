/**
 * What a task tool may do, and nothing more: read and write operations by id, ask a person once for the
 * whole task, and tell the time. The server implements this on top of the policy gate, so every request a
 * task makes is checked, confirmed where needed and audited like any other call; the tools themselves know
 * nothing of the gate, MCP or HTTP.
 */

/**
 * A person's confirmation of a task's steps, as the gate issued it; only passed back to
 * {@link TaskContext.write}. It covers exactly the steps (operation and arguments) that needed a person.
 */
export interface TaskGrant {
  /** The task tool confirmed. */
  readonly tool: string;
}

/** One request a task will make. */
export interface TaskStep {
  /** Operation id. */
  operation: string;
  /** Its arguments, exactly as the task will send them. */
  args: Record<string, unknown>;
}

/** What a task asks a person to confirm. */
export interface TaskConfirmation {
  /**
   * Every write the task will make. Each is decided as a call of its own would be; those that need a
   * person in the profile are confirmed together, and an approval id is bound to exactly those.
   */
  steps: TaskStep[];
  /**
   * What the task does, in our words for the person (the view adds whom it acts on and each field, so
   * this sentence carries no tenant value).
   */
  summary: string;
}

/** A request a write would send, as a dry run shows it; nothing was sent. */
export interface PlannedRequest {
  /** The operation id. */
  operation: string;
  /** HTTP method. */
  method: string;
  /** Path with the base and the encoded query, exactly as it would be requested. */
  path: string;
  /** The body, secrets masked. */
  body?: unknown;
}

/** A saved copy of a tenant's configuration, as `snapshot_tenant` writes it and `diff_tenant` reads it. */
export interface SnapshotDocument {
  /** Format marker, so a file from elsewhere is refused. */
  format: 'tenant-mcp-snapshot/1';
  /** Provider the snapshot was taken from. */
  provider: string;
  /** When it was taken (ISO). */
  taken_at: string;
  /** Kind (`clients`, `settings`...) → item id → the item's name and configuration, secrets masked. */
  kinds: Record<string, Record<string, { name?: string; data: unknown }>>;
  /** Kinds that could not be read, and why (a 403, a missing scope). */
  not_read?: Record<string, string>;
  /** Kinds cut short at the per-kind limit. */
  truncated?: string[];
}

/** Where a saved snapshot went. */
export interface SavedSnapshot {
  /** Its id, to pass to `diff_tenant`. */
  id: string;
  /** The file, in the server's state directory. */
  file: string;
  /** Its size on disk. */
  bytes: number;
}

/**
 * The snapshots of this tenant, kept by the server in its state directory: it masks secrets whatever the
 * profile says, bounds the size and the number of files, and writes them readable by the owner only.
 */
export interface SnapshotFiles {
  /** Masks and writes `snapshot`; rejects with a {@link TaskError} when it is too large. */
  save(snapshot: SnapshotDocument): Promise<SavedSnapshot>;
  /** Reads a saved snapshot by id, or the newest when `id` is omitted; rejects with a {@link TaskError}. */
  load(id?: string): Promise<SnapshotDocument & { id: string }>;
  /** `snapshot` masked exactly as a saved one is, so a live reading compares with a saved one alike. */
  prepare(snapshot: SnapshotDocument): SnapshotDocument;
}

/** The only door a task tool has to the tenant. */
export interface TaskContext {
  /**
   * Runs a read operation; resolves with the tenant's answer (secrets masked, invisible characters
   * stripped). Rejects with a {@link TaskError}.
   */
  read(
    operation: string,
    args: Record<string, unknown>,
    options?: { fields?: readonly string[] },
  ): Promise<unknown>;
  /** Runs a write, under `grant` when the task was confirmed. Rejects with a {@link TaskError}. */
  write(
    operation: string,
    args: Record<string, unknown>,
    grant?: TaskGrant,
    options?: { reveal?: readonly string[] },
  ): Promise<unknown>;
  /** Validates a write and returns the request it would send; sends nothing and asks no one. */
  preview(operation: string, args: Record<string, unknown>): Promise<PlannedRequest>;
  /**
   * Asks a person once for the whole task (elicitation, or an approval id the agent repeats the call
   * with). Rejects with a {@link TaskError} when declined or held for approval: nothing was sent.
   */
  confirm(task: TaskConfirmation): Promise<TaskGrant>;
  /** The current time, epoch milliseconds. */
  now(): number;
  /** This tenant's saved snapshots; absent when the server keeps no state directory. */
  snapshots?: SnapshotFiles;
}

/** Stable codes of {@link TaskError}. */
export type TaskErrorCode =
  /** The tenant answered 404. */
  | 'not_found'
  /** The tenant answered 403, or the tenant token lacks the scope. */
  | 'forbidden'
  /** The tenant failed or refused otherwise; `status` says how. */
  | 'tenant_error'
  /** The policy refused the call (profile, constraint, arguments); nothing was sent. */
  | 'refused'
  /** A person must approve, declined, or the approval did not fit; nothing was sent. */
  | 'needs_person'
  /** The task's own input breaks a rule; nothing was sent. */
  | 'invalid_input';

/** A provider's error code (`insufficient_scope`, `inexistent_user`, `IDENTIFIER_EXISTS`), bounded. */
const ERROR_CODE = /^[A-Za-z0-9_.:-]{1,64}$/;

/** A failure a task can act on (a lookup that was refused) or report; the message is for the agent. */
export class TaskError extends Error {
  override readonly name = 'TaskError';

  /**
   * @param code stable code
   * @param message what went wrong and what to do, for the agent
   * @param details the tenant's HTTP status and error code, when it answered
   */
  constructor(
    readonly code: TaskErrorCode,
    message: string,
    readonly details: { status?: number; errorCode?: string } = {},
  ) {
    super(message);
  }

  /** A short reason for a "not checked" list: `HTTP 403 insufficient_scope`, or the code. */
  get brief(): string {
    if (this.details.status !== undefined) {
      // The error code is the tenant's text, said here in our words: only when it is shaped like a code.
      const code = this.details.errorCode;
      return `HTTP ${this.details.status}${code && ERROR_CODE.test(code) ? ` ${code}` : ''}`;
    }
    return this.code === 'refused' ? 'refused by the policy' : this.code.replace('_', ' ');
  }
}

/**
 * A task's answer. `answer` holds only our own words and facts we computed (codes, counts, tool names);
 * every value that came from the tenant goes in `tenant`, which the server returns inside the untrusted
 * container, because anyone who signs up can write a name or an email.
 */
export interface TaskAnswer {
  /** Our words. */
  answer: Record<string, unknown>;
  /** Tenant-sourced values (ids, emails, IPs, log descriptions). */
  tenant?: unknown;
  /** True when the task did not do what was asked (unknown or ambiguous user, a failed step). */
  isError?: boolean;
}
