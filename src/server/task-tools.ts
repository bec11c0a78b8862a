/**
 * The {@link TaskContext} a task tool runs on: every read and write is a `gate.invoke` on the `task-tool`
 * route under the task's name, and the steps that need a person are confirmed by one `gate.confirmTask`
 * for the whole task. The gate's refusals become {@link TaskError}s the tasks can tell apart.
 */
import { CallError, type Caller, type Gate, type OperationCall } from '../policy/index.js';
import {
  type PlannedRequest,
  type SnapshotFiles,
  type TaskContext,
  TaskError,
} from '../tools/tasks/index.js';

/** Who is calling and how to reach a person, for one task call. */
export interface TaskCallOptions {
  /** Aborts the tenant requests. */
  signal?: AbortSignal;
  /** Who asks and through which client. */
  caller?: Caller;
  /** The clock (tests move it). */
  now?: () => number;
  /** This tenant's saved snapshots (snapshot_tenant, diff_tenant). */
  snapshots?: SnapshotFiles;
}

/** The {@link TaskContext} of one task call: every request goes through the gate under the task's name. */
export function createTaskContext(
  gate: Gate,
  tool: string,
  options: TaskCallOptions & { approvalId?: string },
): TaskContext {
  const base = (operation: string, args: Record<string, unknown>): OperationCall => ({
    operation,
    arguments: args,
    route: 'task-tool',
    tool,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.caller ? { caller: options.caller } : {}),
  });
  return {
    async read(operation, args, readOptions) {
      const outcome = await guard(
        gate.invoke({
          ...base(operation, args),
          ...(readOptions?.fields ? { fields: readOptions.fields } : {}),
        }),
      );
      return outcome.kind === 'response' ? outcome.response.body : undefined;
    },
    async write(operation, args, grant, options) {
      const outcome = await guard(
        gate.invoke({
          ...base(operation, args),
          ...(grant ? { grant } : {}),
          ...(options?.reveal ? { reveal: options.reveal } : {}),
        }),
      );
      return outcome.kind === 'response' ? outcome.response.body : undefined;
    },
    async preview(operation, args): Promise<PlannedRequest> {
      const outcome = await guard(gate.invoke({ ...base(operation, args), dryRun: true }));
      if (outcome.kind !== 'preview') {
        // A read has nothing to preview; say what it would request in the same shape.
        return { operation, method: outcome.operation.method, path: outcome.operation.path };
      }
      const { request } = outcome.preview;
      return {
        operation,
        method: request.method,
        path: request.path,
        ...(request.body !== undefined ? { body: request.body } : {}),
      };
    },
    async confirm(task) {
      return guard(
        gate.confirmTask(task, {
          tool,
          ...(options.approvalId ? { approvalId: options.approvalId } : {}),
          ...(options.caller ? { caller: options.caller } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        }),
      );
    },
    now: options.now ?? Date.now,
    ...(options.snapshots ? { snapshots: options.snapshots } : {}),
  };
}

/** The gate's refusals and the tenant's errors, as {@link TaskError}s the tasks can tell apart. */
async function guard<T>(pending: Promise<T>): Promise<T> {
  try {
    return await pending;
  } catch (error) {
    // A trail that cannot be written stops the whole task, not just one lookup (fail closed).
    if (!(error instanceof CallError) || error.code === 'audit_unavailable') throw error;
    throw toTaskError(error);
  }
}

/** Maps a gate error onto the codes a task reads. */
export function toTaskError(error: CallError): TaskError {
  const status = typeof error.details.status === 'number' ? error.details.status : undefined;
  const upstream = error.details.upstreamCode;
  const details = {
    ...(status !== undefined ? { status } : {}),
    ...(typeof upstream === 'string' ? { errorCode: upstream } : {}),
  };
  switch (error.code) {
    case 'tenant_error':
      return new TaskError(
        status === 404 ? 'not_found' : status === 403 ? 'forbidden' : 'tenant_error',
        error.message,
        details,
      );
    case 'scope_missing':
      return new TaskError('forbidden', error.message, details);
    case 'approval_required':
    case 'approval_invalid':
    case 'declined':
    case 'change_too_large':
      return new TaskError('needs_person', error.message, details);
    default:
      return new TaskError('refused', error.message, details);
  }
}
