/**
 * The policy gate: the only door from an agent's request to the tenant. Each call goes through three
 * steps with one audit context and one refusal path:
 *
 * 1. **decide** (`decide.ts`, pure): from the profile, the operation, the route, the validated arguments
 *    and the token's scopes, whether the call may run, whether a person must confirm, and the rules that
 *    led there;
 * 2. **confirm** (`confirm.ts`): for effects that need a person, a yes through a channel the operator
 *    trusts for the caller, or a refusal; a recent "no" to the same effect refuses it on every route;
 * 3. **send**: the record that the call goes ahead is durable before the executor sends it; the answer
 *    comes back masked and sanitised.
 *
 * Listing follows the same profile. It knows nothing of MCP: it asks for confirmation through the
 * {@link Confirmer} the server implements.
 */
import { TenantError } from '../executor/errors.js';
import { type Pagination, readPagination } from '../executor/pagination.js';
import type { Executor, TenantRequest, TenantResponse } from '../executor/types.js';
import { SharedStateUnavailable } from '../shared/redis.js';
import type { TaskConfirmation, TaskGrant } from '../tools/tasks/context.js';
import type { Catalog, OperationSpec, Risk } from '../tools/types.js';
import type { ApprovalRecord, ApprovalStore } from './approvals.js';
import type { AuditLog } from './audit/index.js';
import { type CallAudit, createCallAudit } from './call-audit.js';
import { createConfirmations } from './confirm.js';
import { type CallRoute, type Decision, decide } from './decide.js';
import { bound, type Effect, effectHash } from './effects.js';
import { CallError } from './errors.js';
import { createPreviewer, type Preview } from './preview.js';
import { toTenantRequest } from './request.js';
import { sanitizeDeep, sanitizeText } from './sanitize.js';
import { collectSecretValues, maskSecrets, maskString } from './secrets.js';
import type { Caller, Profile } from './types.js';
import { closest, describeArgumentProblem, describeIssues } from './validate.js';

export type { TaskConfirmation, TaskGrant } from '../tools/tasks/context.js';
export {
  type CallRoute,
  type Decision,
  decide,
  effectiveRisk,
  mayConfirmInClient,
  personNeed,
} from './decide.js';
export { CallError, type CallErrorCode } from './errors.js';
export {
  type Caller,
  type ClientInfo,
  type ConfirmationAnswer,
  ConfirmationPending,
  type ConfirmationRequest,
  type Confirmer,
  type Profile,
} from './types.js';

/** Largest `arguments` object accepted, serialised as JSON; Auth0 bodies are far smaller. */
export const MAX_ARGUMENT_BYTES = 256 * 1024;

/** One request from an agent to run an operation. */
export interface OperationCall {
  /** Operation id, e.g. `get_users`. */
  operation: string;
  /** The flat arguments object (parameters and body fields side by side). */
  arguments?: unknown;
  /** The kind of tool the call came through. */
  route: CallRoute;
  /** The tool's name, for the audit trail. */
  tool: string;
  /** Who asks and through which client; without one, an unnamed local (stdio) client that cannot be asked. */
  caller?: Caller;
  /** Fields the agent wants back; pushed down to the API where it supports `fields`. */
  fields?: readonly string[];
  /** Return the preview of a write instead of running it. */
  dryRun?: boolean;
  /** An approval a person gave out of band, for a call that needs one. */
  approvalId?: string;
  /** Aborts the upstream request. */
  signal?: AbortSignal;
  /** A task confirmation from {@link Gate.confirmTask} covering this effect. */
  grant?: TaskGrant;
  /**
   * Top-level answer fields a task tool hands the agent although they are secrets (the password-change
   * ticket's `ticket` link is the point of that task). Honoured only when a person confirmed this very
   * effect for the task; the audit trail never records answers, so the value stays out of it.
   */
  reveal?: readonly string[];
}

/** Who is asking, for a task confirmation. */
export interface TaskCallContext {
  /** The task tool's name. */
  tool: string;
  /** Approval id from a held task, once a person approved it. */
  approvalId?: string;
  /** Who asks and through which client. */
  caller?: Caller;
  /** Aborts the reads the confirmation needs. */
  signal?: AbortSignal;
}

/** What a call produced. */
export type CallOutcome =
  | {
      /** The tenant answered. */
      kind: 'response';
      /** The operation that ran. */
      operation: OperationSpec;
      /** The validated arguments that were sent. */
      arguments: Record<string, unknown>;
      /** The answer, its body masked and sanitised. */
      response: TenantResponse;
      /** Paging facts the provider sent in a header (MonoCloud's `x-pagination`), when it did. */
      pagination?: Pagination;
    }
  | {
      /** A dry run: nothing was sent. */
      kind: 'preview';
      /** The operation previewed. */
      operation: OperationSpec;
      /** The validated arguments. */
      arguments: Record<string, unknown>;
      /** What would happen (current state sanitised). */
      preview: Preview;
      /** The risk the call would run at. */
      risk: Risk;
    };

/** The gate's interface, as the server sees it. */
export interface Gate {
  /** Name of the active profile. */
  readonly profile: string;
  /** Name of the tenant. */
  readonly tenant: string;
  /** Operations the profile lets the agent see (and so run), in catalog order. */
  visibleOperations(): readonly OperationSpec[];
  /** Whether a (non-operation) tool may be listed, e.g. `invoke_write_operation` or `block_user`. */
  allowsTool(name: string): boolean;
  /** A visible operation by id; throws a CallError naming close matches when unknown or hidden. */
  lookup(operationId: string): OperationSpec;
  /** The decision for `operation` with `args` on `route`, without running or recording anything. */
  decision(operationId: string, route: CallRoute, args: Record<string, unknown>): Promise<Decision>;
  /** Checks and runs one call; throws CallError for anything the agent can act on. */
  invoke(call: OperationCall): Promise<CallOutcome>;
  /**
   * Asks a person once for a whole task (block_user may run a PATCH and a DELETE): every step is
   * validated and decided as a call of its own would be, and the steps that need a person in this profile
   * are confirmed together, exactly as each would be alone. The grant lets those exact effects skip their
   * own confirmation; every other check still applies to each.
   */
  confirmTask(task: TaskConfirmation, call: TaskCallContext): Promise<TaskGrant>;
  /**
   * Records that a call through `tool` failed inside tenant-mcp (a bug), with the reference the agent
   * was given, so every internal error is on the trail; its details go to stderr only.
   */
  recordFailure(failure: { tool: string; ref: string; caller?: Caller; operation?: string }): Promise<void>;
}

/** What the gate is built from. */
export interface GateOptions {
  /** The provider's catalog. */
  catalog: Catalog;
  /** The resolved profile to enforce. */
  profile: Profile;
  /** Where validated requests go. */
  executor: Executor;
  /** The tenant's name (for approvals and audit) and domain. */
  tenant: { name: string; domain: string };
  /** The audit trail; every decision is appended before the call goes on. */
  audit?: AuditLog;
  /** Where approvals for held calls and the memory of declines are kept. */
  approvals?: ApprovalStore;
  /** Diagnostics (stderr). */
  log?: (line: string) => void;
  /**
   * Told when a call is held for a person (e.g. to notify a chat-ops bot with the approvals page link).
   * The agent is never shown what this does; failures here never affect the call.
   */
  onHeld?: (record: ApprovalRecord) => void;
  /** How a person approves a held call, in words for the agent (default: `tenant-mcp approve <id>`). */
  heldHint?: (record: ApprovalRecord) => string;
  /** How long a person's decline refuses the same change (default 15 minutes). */
  declineTtlMs?: number;
  /**
   * State shared by replicas (Redis), when there is some: while it is down, nothing but reads runs, since
   * a write's declines, approvals and limits live there (fail closed).
   */
  shared?: { healthy(): boolean };
}

/** A caller nobody described: a local client that cannot be asked, so held calls wait out of band. */
const UNKNOWN_CALLER: Caller = { client: { name: 'unknown client' }, transport: 'stdio' };

/** Creates the policy gate. */
export function createGate(options: GateOptions): Gate {
  const { profile, catalog, executor, tenant } = options;
  const byId = new Map(catalog.operations.map((op) => [op.id, op]));
  const visible = catalog.operations.filter((op) => !profile.denies(op));
  const log = options.log ?? (() => {});
  const scope = { audit: options.audit, tenant, profile: profile.name, log };
  const previewer = createPreviewer({ executor, catalog, profile });
  const confirmations = createConfirmations({
    tenant,
    profile,
    previewer,
    apiBasePath: catalog.apiBasePath,
    approvals: options.approvals,
    onHeld: options.onHeld,
    heldHint: options.heldHint,
    declineTtlMs: options.declineTtlMs,
    log,
  });
  /** Issued task grants and the effects (by hash) each covers; a grant the gate did not issue confers nothing. */
  const grants = new WeakMap<TaskGrant, ReadonlySet<string>>();

  function unknownOperation(operationId: string): CallError {
    const guess = closest(
      operationId,
      visible.map((o) => o.id),
    );
    return new CallError(
      'unknown_operation',
      `Unknown operation "${operationId}".${guess ? ` Did you mean "${guess}"?` : ''} ` +
        'Use search_operations to find operation ids.',
      { operation: operationId },
    );
  }

  function lookup(operationId: string): OperationSpec {
    const op = byId.get(operationId);
    if (!op) throw unknownOperation(operationId);
    const refused = decide({ profile, op, route: op.risk === 'read' ? 'read' : 'write' });
    if (!refused.allowed && refused.code === 'not_allowed') {
      throw new CallError(refused.code, refused.message, {
        operation: op.id,
        profile: profile.name,
        risk: op.risk,
      });
    }
    return op;
  }

  /** The operation by id, or a recorded refusal naming the id asked for. */
  async function find(operationId: string, audit: CallAudit): Promise<OperationSpec> {
    const op = byId.get(operationId);
    if (op) {
      audit.operation(op);
      return op;
    }
    audit.operation({ id: operationId });
    return audit.refuse(unknownOperation(operationId), ['catalog:unknown operation']);
  }

  async function validate(op: OperationSpec, rawArgs: unknown): Promise<Record<string, unknown>> {
    if (typeof rawArgs !== 'object' || rawArgs === null || Array.isArray(rawArgs)) {
      throw new CallError(
        'invalid_arguments',
        `arguments must be an object of parameter and body field names for ${op.id}; nothing was sent.`,
        { operation: op.id },
      );
    }
    const problem = describeArgumentProblem(op.id, rawArgs);
    if (problem) throw new CallError('invalid_arguments', problem, { operation: op.id });
    const size = Buffer.byteLength(JSON.stringify(rawArgs));
    if (size > MAX_ARGUMENT_BYTES) {
      throw new CallError(
        'invalid_arguments',
        `arguments for ${op.id} are ${size} bytes, over the ${MAX_ARGUMENT_BYTES}-byte limit; nothing was sent.`,
        { operation: op.id },
      );
    }
    const parsed = (await catalog.inputSchema(op.id)).safeParse(rawArgs);
    if (!parsed.success) {
      const known = [...op.params.map((p) => p.name), ...(op.body?.fields ?? [])];
      if (op.body?.mode === 'wrapped') known.push('body');
      throw new CallError('invalid_arguments', describeIssues(op.id, parsed.error.issues, known), {
        operation: op.id,
        fields: [
          ...new Set(parsed.error.issues.map((issue) => issue.path.map(String).join('.') || '(arguments)')),
        ],
      });
    }
    return parsed.data as Record<string, unknown>;
  }

  /** The arguments as validated, or a recorded refusal. */
  async function validated(
    op: OperationSpec,
    raw: unknown,
    audit: CallAudit,
  ): Promise<Record<string, unknown>> {
    try {
      return await validate(op, raw);
    } catch (error) {
      if (error instanceof CallError) return audit.refuse(error, ['schema:invalid arguments']);
      throw error;
    }
  }

  async function grantedScopes(op: OperationSpec, signal: AbortSignal | undefined, audit: CallAudit) {
    if (!op.scopes.length || !executor.grantedScopes) return undefined;
    try {
      return await executor.grantedScopes(signal);
    } catch (error) {
      if (!(error instanceof TenantError)) throw error;
      return audit.refuse(
        new CallError('tenant_error', sanitizeText(error.message), { operation: op.id, ...error.details }),
        ['scope:token unavailable'],
      );
    }
  }

  /** Decides from the facts; a refusal is recorded and thrown. */
  async function decided(
    op: OperationSpec,
    route: CallRoute,
    args: Record<string, unknown>,
    scopes: ReadonlySet<string> | undefined,
    audit: CallAudit,
  ): Promise<Extract<Decision, { allowed: true }>> {
    const decision = decide({ profile, op, route, args, grantedScopes: scopes });
    if (decision.allowed) return decision;
    const details: Record<string, unknown> = { operation: op.id };
    if (decision.code === 'not_allowed') Object.assign(details, { profile: profile.name, risk: op.risk });
    if (decision.code === 'scope_missing') details.scopes = op.scopes;
    return audit.refuse(new CallError(decision.code, decision.message, details), decision.rules);
  }

  /** A refusal on the trail when shared state was needed and Redis could not answer; anything else rethrown. */
  async function sharedDown(error: unknown, audit: CallAudit, subject: string): Promise<never> {
    if (!(error instanceof SharedStateUnavailable)) throw error;
    return audit.refuse(
      new CallError(
        'shared_state_unavailable',
        `${error.message} ${subject} was not run; nothing was sent. Retry when Redis is back.`,
        { subject },
      ),
      ['shared state:unavailable'],
    );
  }

  async function invoke(call: OperationCall): Promise<CallOutcome> {
    const caller = call.caller ?? UNKNOWN_CALLER;
    const audit = createCallAudit(scope, call.tool, caller.client);
    try {
      return await invokeAudited(call, caller, audit);
    } catch (error) {
      return sharedDown(error, audit, call.operation);
    }
  }

  async function invokeAudited(call: OperationCall, caller: Caller, audit: CallAudit): Promise<CallOutcome> {
    const op = await find(call.operation, audit);
    const rawArgs = call.arguments ?? {};
    audit.arguments(maskSecrets(rawArgs));
    // Refusals that need no arguments come first, so a hidden operation is never described by its schema.
    const early = decide({ profile, op, route: call.route });
    if (!early.allowed && early.code !== 'constraint') await decided(op, call.route, {}, undefined, audit);
    const args = await validated(op, rawArgs, audit);
    const decision = await decided(op, call.route, args, await grantedScopes(op, call.signal, audit), audit);
    const effect: Effect = { op, args, risk: decision.risk };
    const request = toTenantRequest(op, args, { fields: call.fields });
    if (call.signal) request.signal = call.signal;

    if (call.dryRun && op.risk !== 'read') {
      const preview = await previewer.preview(op, args, request, call.signal);
      await audit.record('previewed', 'dry run: nothing was sent', { rules: decision.rules });
      return {
        kind: 'preview',
        operation: op,
        arguments: args,
        preview: sanitizePreview(preview),
        risk: decision.risk,
      };
    }

    if (op.risk !== 'read' && options.shared && !options.shared.healthy()) {
      throw new SharedStateUnavailable('Redis is not connected; only reads run until it is back');
    }
    await confirmations.checkDeclined([effect], audit);
    const covered =
      call.grant !== undefined &&
      (grants.get(call.grant)?.has(effectHash(tenant.name, bound(effect))) ?? false);
    if (call.approvalId && decision.person !== 'required') {
      await audit.refuse(
        new CallError(
          'approval_invalid',
          `approval_id was given, but ${op.id} needs no person's approval under the "${profile.name}" profile; ` +
            'nothing was sent. Call again without approval_id.',
          { operation: op.id },
        ),
        [...decision.rules, 'approval:not needed'],
      );
    }
    let reason = 'allowed by policy';
    let approvalId: string | undefined;
    if (decision.person === 'required' && covered)
      reason = `confirmed by a person for task ${call.grant!.tool}`;
    else if (decision.person === 'required') {
      const confirmed = await confirmations.confirm({
        effects: [effect],
        tool: call.tool,
        caller,
        approvalId: call.approvalId,
        audit,
        signal: call.signal,
      });
      approvalId = confirmed.approvalId;
      reason = approvalId ? `approved by a person (${approvalId})` : 'confirmed by a person in the client';
    } else if (decision.person === 'waived') {
      log(`tenant-mcp: ${op.id} runs without confirmation: profile "${profile.name}" sets confirm: never`);
    }
    await audit.record('approved', reason, {
      rules: decision.rules,
      ...(approvalId ? { approvalId } : {}),
      ...(decision.person === 'waived' ? { confirmSkipped: true } : {}),
    });
    return send(effect, request, call, audit, covered);
  }

  /** The send step: the executor, then the outcome recorded, then the answer masked and sanitised. */
  async function send(
    effect: Effect,
    request: TenantRequest,
    call: OperationCall,
    audit: CallAudit,
    confirmedForTask: boolean,
  ): Promise<CallOutcome> {
    const { op, args } = effect;
    const started = Date.now();
    let response: TenantResponse;
    try {
      response = await executor.send(request);
    } catch (error) {
      if (error instanceof TenantError) {
        const message = sanitizeText(maskString(error.message, collectSecretValues(args)));
        audit.outcome('failed', message, {
          ...(error.details.status !== undefined ? { status: error.details.status } : {}),
          ...(error.details.requestId ? { requestId: error.details.requestId } : {}),
          latencyMs: Date.now() - started,
        });
        throw new CallError('tenant_error', message, { operation: op.id, ...error.details });
      }
      throw error;
    }
    // The record that let the call go ahead is on disk; the outcome joins the next group commit.
    audit.outcome('sent', `HTTP ${response.status}`, {
      status: response.status,
      latencyMs: response.durationMs,
      ...(response.requestId ? { requestId: response.requestId } : {}),
    });
    let shown = profile.revealSecrets ? response.body : maskSecrets(response.body);
    if (
      call.reveal?.length &&
      call.route === 'task-tool' &&
      confirmedForTask &&
      isRecord(response.body) &&
      isRecord(shown)
    ) {
      const original = response.body;
      shown = {
        ...shown,
        ...Object.fromEntries(
          call.reveal.filter((key) => Object.hasOwn(original, key)).map((key) => [key, original[key]]),
        ),
      };
    }
    const body = sanitizeDeep(shown);
    const pagination = readPagination(response.headers);
    return {
      kind: 'response',
      operation: op,
      arguments: { ...args },
      response: { ...response, body },
      ...(pagination ? { pagination } : {}),
    };
  }

  async function confirmTask(task: TaskConfirmation, call: TaskCallContext): Promise<TaskGrant> {
    const caller = call.caller ?? UNKNOWN_CALLER;
    const audit = createCallAudit(scope, call.tool, caller.client);
    try {
      return await confirmTaskAudited(task, call, caller, audit);
    } catch (error) {
      return sharedDown(error, audit, call.tool);
    }
  }

  async function confirmTaskAudited(
    task: TaskConfirmation,
    call: TaskCallContext,
    caller: Caller,
    audit: CallAudit,
  ): Promise<TaskGrant> {
    audit.operations(task.steps.map((step) => step.operation));
    audit.arguments(
      maskSecrets(task.steps.map((step) => ({ operation: step.operation, arguments: step.args }))),
    );
    const effects: Array<Effect & { person: Decision & { allowed: true } }> = [];
    for (const step of task.steps) {
      const op = byId.get(step.operation);
      if (!op) return audit.refuse(unknownOperation(step.operation), ['catalog:unknown operation']);
      const args = await validated(op, step.args, audit);
      const decision = await decided(op, 'task-tool', args, undefined, audit);
      effects.push({ op, args, risk: decision.risk, person: decision });
    }
    await confirmations.checkDeclined(effects, audit);
    const needing = effects.filter((effect) => effect.person.person === 'required');
    const grant: TaskGrant = { tool: call.tool };
    if (needing.length === 0) {
      grants.set(grant, new Set());
      return grant;
    }
    const confirmed = await confirmations.confirm({
      effects: needing,
      tool: call.tool,
      caller,
      approvalId: call.approvalId,
      task: {
        summary: task.summary,
        others: effects.filter((effect) => effect.person.person !== 'required'),
      },
      audit,
      signal: call.signal,
    });
    await audit.record(
      'approved',
      confirmed.approvalId
        ? `task approved by a person (${confirmed.approvalId})`
        : 'task confirmed by a person in the client',
      {
        rules: [...new Set(needing.flatMap((effect) => effect.person.rules))],
        operations: needing.map((effect) => effect.op.id),
        ...(confirmed.approvalId ? { approvalId: confirmed.approvalId } : {}),
      },
    );
    grants.set(grant, new Set(needing.map((effect) => effectHash(tenant.name, bound(effect)))));
    return grant;
  }

  return {
    profile: profile.name,
    tenant: tenant.name,
    visibleOperations: () => visible,
    allowsTool: (name) => profile.allowsTool(name),
    lookup,
    async decision(operationId, route, args) {
      const op = byId.get(operationId);
      if (!op) throw unknownOperation(operationId);
      return decide({ profile, op, route, args: await validate(op, args) });
    },
    invoke,
    confirmTask,
    async recordFailure(failure) {
      const audit = createCallAudit(scope, failure.tool, failure.caller?.client);
      if (failure.operation) {
        const op = byId.get(failure.operation);
        audit.operation(op ?? { id: failure.operation });
      }
      await audit.record(
        'failed',
        `internal error in tenant-mcp (ref ${failure.ref}); details are on the server's stderr`,
        { rules: ['internal error'] },
      );
    },
  };
}

/** A preview as the agent sees it: the current state and changes are tenant data, sanitised. */
function sanitizePreview(preview: Preview): Preview {
  return {
    ...preview,
    ...(preview.current !== undefined ? { current: sanitizeDeep(preview.current) } : {}),
    ...(preview.changes ? { changes: sanitizeDeep(preview.changes) } : {}),
    ...(preview.currentUnavailable ? { currentUnavailable: sanitizeText(preview.currentUnavailable) } : {}),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
