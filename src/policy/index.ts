/**
 * The policy gate: the only door from an agent's request to the tenant. It decides what is listed, checks
 * every call again at call time whatever route it took, validates the arguments against the operation's
 * zod schema, and only then hands a request to the executor. It knows nothing of MCP.
 */
import { TenantError } from '../executor/errors.js';
import type { Executor, TenantResponse } from '../executor/types.js';
import type { Catalog, OperationSpec } from '../tools/types.js';
import { CallError } from './errors.js';
import { allows, getProfile, type Profile, type ProfileName } from './profiles.js';
import { toTenantRequest } from './request.js';
import { closest, describeIssues } from './validate.js';

export { CallError, type CallErrorCode } from './errors.js';
export { isProfileName, PROFILE_NAMES, type ProfileName } from './profiles.js';

/** Largest `arguments` object accepted, serialised as JSON; Auth0 bodies are far smaller. */
export const MAX_ARGUMENT_BYTES = 256 * 1024;

/** Which tool a call came through; a read route must never carry a write. */
export type CallRoute = 'read' | 'write' | 'operation-tool';

/** One request from an agent to run an operation. */
export interface OperationCall {
  /** Operation id, e.g. `get_users`. */
  operation: string;
  /** The flat arguments object (parameters and body fields side by side). */
  arguments?: unknown;
  /** The tool the call came through. */
  route: CallRoute;
  /** Fields the agent wants back; pushed down to the API where it supports `fields`. */
  fields?: readonly string[];
  /** Aborts the upstream request. */
  signal?: AbortSignal;
}

/** The outcome of a call that reached the tenant and succeeded. */
export interface CallOutcome {
  /** The operation that ran. */
  operation: OperationSpec;
  /** The validated arguments that were sent. */
  arguments: Record<string, unknown>;
  /** The tenant's answer. */
  response: TenantResponse;
}

/** The gate's interface, as the server sees it. */
export interface Gate {
  /** Name of the active profile. */
  readonly profile: ProfileName;
  /** Operations the profile lets the agent see (and so run), in catalog order. */
  visibleOperations(): readonly OperationSpec[];
  /** A visible operation by id; throws a CallError naming close matches when unknown or hidden. */
  lookup(operationId: string): OperationSpec;
  /** Checks and runs one call; throws CallError for anything the agent can act on. */
  invoke(call: OperationCall): Promise<CallOutcome>;
}

/** What the gate is built from. */
export interface GateOptions {
  /** The provider's catalog. */
  catalog: Catalog;
  /** The built-in profile to enforce. */
  profile: ProfileName;
  /** Where validated requests go. */
  executor: Executor;
}

/** Creates the policy gate. */
export function createGate(options: GateOptions): Gate {
  const profile: Profile = getProfile(options.profile);
  const byId = new Map(options.catalog.operations.map((op) => [op.id, op]));
  const visible = options.catalog.operations.filter((op) => allows(profile, op));

  function lookup(operationId: string): OperationSpec {
    const op = byId.get(operationId);
    if (!op) {
      const guess = closest(
        operationId,
        visible.map((o) => o.id),
      );
      throw new CallError(
        'unknown_operation',
        `Unknown operation "${operationId}".${guess ? ` Did you mean "${guess}"?` : ''} ` +
          'Use search_operations to find operation ids.',
        { operation: operationId },
      );
    }
    if (!allows(profile, op)) {
      throw new CallError(
        'not_allowed',
        `Operation ${op.id} (${op.risk}) is not allowed by the "${profile.name}" profile; nothing was sent. ` +
          'Only a person who starts the server with another profile can change that.',
        { operation: op.id, profile: profile.name, risk: op.risk },
      );
    }
    return op;
  }

  async function invoke(call: OperationCall): Promise<CallOutcome> {
    const op = lookup(call.operation);
    if (call.route === 'read' && op.risk !== 'read') {
      throw new CallError(
        'wrong_route',
        `${op.id} is a ${op.risk} operation; invoke_read_operation only runs reads. Nothing was sent.`,
        { operation: op.id },
      );
    }
    if (call.route === 'write' && op.risk === 'read') {
      throw new CallError(
        'wrong_route',
        `${op.id} only reads; call it with invoke_read_operation. Nothing was sent.`,
        { operation: op.id },
      );
    }
    const args = call.arguments ?? {};
    if (typeof args !== 'object' || args === null || Array.isArray(args)) {
      throw new CallError(
        'invalid_arguments',
        `arguments must be an object of parameter and body field names for ${op.id}; nothing was sent.`,
        { operation: op.id },
      );
    }
    const size = Buffer.byteLength(JSON.stringify(args));
    if (size > MAX_ARGUMENT_BYTES) {
      throw new CallError(
        'invalid_arguments',
        `arguments for ${op.id} are ${size} bytes, over the ${MAX_ARGUMENT_BYTES}-byte limit; nothing was sent.`,
        { operation: op.id },
      );
    }
    const schema = await options.catalog.inputSchema(op.id);
    const parsed = schema.safeParse(args);
    if (!parsed.success) {
      const known = [...op.params.map((p) => p.name), ...(op.body?.fields ?? [])];
      if (op.body?.mode === 'wrapped') known.push('body');
      throw new CallError('invalid_arguments', describeIssues(op.id, parsed.error.issues, known), {
        operation: op.id,
      });
    }
    const validated = parsed.data as Record<string, unknown>;
    const request = toTenantRequest(op, validated, { fields: call.fields });
    if (call.signal) request.signal = call.signal;
    try {
      const response = await options.executor.send(request);
      return { operation: op, arguments: validated, response };
    } catch (error) {
      if (error instanceof TenantError) {
        throw new CallError('tenant_error', error.message, { operation: op.id, ...error.details });
      }
      throw error;
    }
  }

  return { profile: profile.name, visibleOperations: () => visible, lookup, invoke };
}
