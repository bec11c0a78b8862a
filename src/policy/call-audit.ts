/**
 * One audit context per tool call: every record of the call shares its correlation id, tool, caller,
 * operation and (masked) arguments, and a refusal is one path that records then throws. Writing fails
 * closed: a decision that cannot be recorded does not go ahead.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { OperationSpec } from '../tools/types.js';
import type { AuditLog } from './audit/index.js';
import { CallError } from './errors.js';
import type { AuditDecision, AuditEvent, ClientInfo } from './types.js';

/** The audit trail of one call. */
export interface CallAudit {
  /** Shared by every record of the call. */
  readonly correlationId: string;
  /** Names the operation the next records are about (or just its id, when it is unknown). */
  operation(op: OperationSpec | { id: string }): void;
  /** Names several operations (a task's steps). */
  operations(ids: readonly string[]): void;
  /** The call's arguments, secrets already masked. */
  arguments(masked: unknown): void;
  /** Writes one record and waits until it is on disk; throws `audit_unavailable` when it cannot. */
  record(decision: AuditDecision, reason: string, extra?: Partial<AuditEvent>): Promise<void>;
  /**
   * Writes the outcome of a call that already went ahead: at once, durable with the next group commit,
   * not waited for (the record that let it go ahead was). Never throws: the call has happened, so its
   * answer is still returned; a log that cannot take the record refuses every later call instead.
   */
  outcome(decision: AuditDecision, reason: string, extra?: Partial<AuditEvent>): void;
  /** Records the refusal (with the rules behind it) and throws it. */
  refuse(error: CallError, rules?: readonly string[], extra?: Partial<AuditEvent>): Promise<never>;
}

/** What every record of a gate carries. */
export interface AuditScope {
  /** The trail; without one, records go nowhere (tests, embedded use). */
  audit?: AuditLog | undefined;
  /** Tenant name and domain. */
  tenant: { name: string; domain: string };
  /** The active profile's name. */
  profile: string;
  /** Diagnostics. */
  log: (line: string) => void;
}

/** Arguments of a refused call are kept whole up to this size, then as a digest: refusals must not fill a disk. */
export const MAX_REFUSED_ARGUMENT_BYTES = 1024;

/** Arguments of any other record are kept whole up to this size. */
export const MAX_ARGUMENT_RECORD_BYTES = 16 * 1024;

/** How much of an oversized argument object a digest keeps, as text. */
const DIGEST_HEAD_CHARS = 256;

/**
 * The arguments as a record carries them: whole when small, else a bounded digest (size, SHA-256 of the
 * JSON, its first characters, and the fields that failed), so one 9 MiB argument costs a few hundred bytes.
 */
export function recordedArguments(masked: unknown, limit: number, fields?: readonly string[]): unknown {
  let json: string;
  try {
    json = JSON.stringify(masked) ?? 'null';
  } catch {
    return { digest: { unserializable: true, ...(fields?.length ? { fields } : {}) } };
  }
  if (json.length <= limit) return masked;
  return {
    digest: {
      bytes: Buffer.byteLength(json),
      sha256: createHash('sha256').update(json).digest('hex'),
      head: json.slice(0, DIGEST_HEAD_CHARS),
      ...(fields?.length ? { fields: [...fields].slice(0, 20) } : {}),
    },
  };
}

/** Opens the audit context of one call through `tool` by `client`. */
export function createCallAudit(scope: AuditScope, tool: string, client?: ClientInfo): CallAudit {
  const correlationId = randomUUID();
  let operation: AuditEvent['operation'];
  let operations: string[] | undefined;
  let args: unknown;
  let failedFields: readonly string[] | undefined;
  const eventOf = (decision: AuditDecision, reason: string, extra: Partial<AuditEvent>): AuditEvent => ({
    time: Date.now(),
    decision,
    reason,
    tenant: scope.tenant,
    profile: scope.profile,
    tool,
    correlationId,
    ...(client ? { client } : {}),
    ...(operation ? { operation } : {}),
    ...(operations ? { operations } : {}),
    ...(args !== undefined
      ? {
          arguments: recordedArguments(
            args,
            decision === 'refused' ? MAX_REFUSED_ARGUMENT_BYTES : MAX_ARGUMENT_RECORD_BYTES,
            failedFields,
          ),
        }
      : {}),
    ...extra,
  });
  const unavailable = (error: unknown): CallError => {
    scope.log(`tenant-mcp: audit trail write failed: ${(error as Error).message}`);
    return new CallError(
      'audit_unavailable',
      'The audit trail cannot be written, so no call can proceed; nothing was sent. A person must fix the audit log.',
    );
  };
  const record = async (
    decision: AuditDecision,
    reason: string,
    extra: Partial<AuditEvent> = {},
  ): Promise<void> => {
    if (!scope.audit) return;
    try {
      await scope.audit.appendDurable(eventOf(decision, reason, extra));
    } catch (error) {
      throw unavailable(error);
    }
  };
  return {
    correlationId,
    operation(op) {
      operation =
        'method' in op ? { id: op.id, method: op.method, path: op.path, risk: op.risk } : { id: op.id };
    },
    operations(ids) {
      operations = [...ids];
    },
    arguments(masked) {
      args = masked;
    },
    record,
    outcome(decision, reason, extra = {}) {
      if (!scope.audit) return;
      try {
        scope.audit.appendDeferred(eventOf(decision, reason, extra));
      } catch (error) {
        scope.log(
          `tenant-mcp: audit trail write failed after the call was sent: ${(error as Error).message}`,
        );
      }
    },
    async refuse(error, rules, extra = {}) {
      const fields = error.details.fields;
      if (Array.isArray(fields)) failedFields = fields.filter((f): f is string => typeof f === 'string');
      await record('refused', error.message, { ...(rules?.length ? { rules } : {}), ...extra });
      throw error;
    },
  };
}
