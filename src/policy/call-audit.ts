/**
 * One audit context per tool call: every record of the call shares its correlation id, tool, caller,
 * operation and (masked) arguments, and a refusal is one path that records then throws. Writing fails
 * closed: a decision that cannot be recorded does not go ahead.
 */
import { randomUUID } from 'node:crypto';
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
  /** Writes one record; throws `audit_unavailable` when it cannot. */
  record(decision: AuditDecision, reason: string, extra?: Partial<AuditEvent>): Promise<void>;
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

/** Opens the audit context of one call through `tool` by `client`. */
export function createCallAudit(scope: AuditScope, tool: string, client?: ClientInfo): CallAudit {
  const correlationId = randomUUID();
  let operation: AuditEvent['operation'];
  let operations: string[] | undefined;
  let args: unknown;
  const record = async (
    decision: AuditDecision,
    reason: string,
    extra: Partial<AuditEvent> = {},
  ): Promise<void> => {
    if (!scope.audit) return;
    const event: AuditEvent = {
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
      ...(args !== undefined ? { arguments: args } : {}),
      ...extra,
    };
    try {
      await scope.audit.appendDurable(event);
    } catch (error) {
      scope.log(`tenant-mcp: audit trail write failed: ${(error as Error).message}`);
      throw new CallError(
        'audit_unavailable',
        'The audit trail cannot be written, so no call can proceed; nothing was sent. A person must fix the audit log.',
      );
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
    async refuse(error, rules, extra = {}) {
      await record('refused', error.message, { ...(rules?.length ? { rules } : {}), ...extra });
      throw error;
    },
  };
}
