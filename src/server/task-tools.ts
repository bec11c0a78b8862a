/**
 * Lists and runs the task tools. Each task reaches the tenant only through a {@link TaskContext} built here
 * on the policy gate: every read and write is a `gate.invoke` on the `task-tool` route under the task's
 * name, and a write that needs a person is covered by one `gate.confirmTask` for the whole task. The
 * answer keeps our words apart from the tenant's, which go inside the untrusted container.
 */
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { CallError, type Caller, type Gate, type OperationCall } from '../policy/index.js';
import { describeArgumentProblem } from '../policy/validate.js';
import {
  type PlannedRequest,
  type SnapshotFiles,
  type TaskContext,
  TaskError,
  type TaskToolDefinition,
  taskToolsFor,
} from '../tools/tasks/index.js';
import { type JsonSchema, toClientJsonSchema } from './json-schema.js';

/** The key tenant data goes under; the same as the server's `UNTRUSTED` (a test keeps them equal). */
export const TASK_UNTRUSTED_KEY = 'untrusted_tenant_data';

// Keyed by definition: two providers' tools share a name but not a schema.
const SCHEMAS = new WeakMap<TaskToolDefinition, JsonSchema>();

/** The task tool of that name for the catalog's provider, whether or not the profile lists it. */
export function findTaskTool(name: string, provider = 'auth0'): TaskToolDefinition | undefined {
  return taskToolsFor(provider).find((tool) => tool.name === name);
}

/** The names of the provider's task tools, listed or not. */
export function listTaskNames(provider = 'auth0'): string[] {
  return taskToolsFor(provider).map((tool) => tool.name);
}

/** The task tools of the catalog's provider that the gate's profile allows, as MCP tools. */
export function listTaskTools(gate: Gate, provider = 'auth0'): Tool[] {
  return taskToolsFor(provider)
    .filter((tool) => gate.allowsTool(tool.name))
    .map((tool) => {
      let schema = SCHEMAS.get(tool);
      if (!schema) {
        schema = toClientJsonSchema(tool.input);
        SCHEMAS.set(tool, schema);
      }
      return {
        name: tool.name,
        // No title: a task tool's name reads as one (find_users), and every token of a listing is paid on
        // every request. The title stays in the declaration for views meant for people.
        description: tool.description,
        inputSchema: schema as Tool['inputSchema'],
        annotations: tool.annotations,
      };
    });
}

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

/**
 * Runs a task tool. Errors the agent can act on (bad input, a refusal, a person declining) come back as
 * `isError` results; anything else is thrown to the server's error boundary.
 */
export async function callTaskTool(
  gate: Gate,
  tool: TaskToolDefinition,
  args: unknown,
  options: TaskCallOptions = {},
): Promise<CallToolResult> {
  // Checked again at call time: a client can call a name it was never shown.
  if (!gate.allowsTool(tool.name)) {
    return errorResult(
      `${tool.name} is not allowed by the "${gate.profile}" profile; nothing was sent. Only a person who starts the server with another profile can change that.`,
    );
  }
  // Keys and text no schema refuses on its own (a lone surrogate, `__proto__` deep inside), named.
  const problem = describeArgumentProblem(tool.name, args ?? {}, '');
  if (problem) return errorResult(problem);
  const parsed = tool.input.safeParse(args ?? {});
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) =>
      issue.code === 'unrecognized_keys'
        ? `- ${issue.keys.join(', ')}: not an argument of ${tool.name}`
        : `- ${issue.path.length ? issue.path.join('.') : '(arguments)'}: ${issue.message}`,
    );
    return errorResult(`Invalid arguments for ${tool.name}; nothing was sent.\n${lines.join('\n')}`);
  }
  const input = parsed.data as Record<string, unknown>;
  const approvalId = typeof input.approval_id === 'string' ? input.approval_id : undefined;
  const ctx = createTaskContext(gate, tool.name, { ...options, ...(approvalId ? { approvalId } : {}) });
  try {
    const { answer, tenant, isError } = await tool.handle(ctx, input);
    const text = JSON.stringify({
      ...answer,
      ...(tenant !== undefined ? { [TASK_UNTRUSTED_KEY]: tenant } : {}),
    });
    return { content: [{ type: 'text', text }], ...(isError ? { isError: true } : {}) };
  } catch (error) {
    if (error instanceof TaskError) return errorResult(error.message);
    throw error;
  }
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

function errorResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}
