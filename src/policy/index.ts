/**
 * The policy gate: the only door from an agent's request to the tenant. In a fixed order it decides what
 * is listed; at call time it checks the profile again whatever route the call took, validates the
 * arguments against the operation's zod schema, applies argument constraints and the token's scopes,
 * holds destructive calls for a person, records every decision in the audit trail before the call goes
 * on, and only then hands a request to the executor. Results come back masked and sanitised. It knows
 * nothing of MCP: it asks for confirmation through the {@link Confirmer} the server implements.
 */
import { randomUUID } from 'node:crypto';
import { TenantError } from '../executor/errors.js';
import { type Pagination, readPagination } from '../executor/pagination.js';
import type { Executor, TenantRequest, TenantResponse } from '../executor/types.js';
import type { TaskConfirmation, TaskGrant } from '../tools/tasks/context.js';
import type { Catalog, OperationSpec, Risk } from '../tools/types.js';
import { ApprovalError, type ApprovalRecord, type ApprovalStore } from './approvals.js';
import type { AuditLog } from './audit/index.js';
import { CallError } from './errors.js';
import { describeRequest, diffFields, findReadCounterpart, type Preview, renderSummary } from './preview.js';
import { toTenantRequest } from './request.js';
import { sanitizeDeep, sanitizeText } from './sanitize.js';
import { collectSecretValues, maskSecrets, maskString } from './secrets.js';
import type { AuditDecision, AuditEvent, Confirmer, Profile } from './types.js';
import { closest, describeArgumentProblem, describeIssues } from './validate.js';

export type { TaskConfirmation, TaskGrant } from '../tools/tasks/context.js';
export { CallError, type CallErrorCode } from './errors.js';
export type { Confirmer, Profile } from './types.js';

/** Largest `arguments` object accepted, serialised as JSON; Auth0 bodies are far smaller. */
export const MAX_ARGUMENT_BYTES = 256 * 1024;

/** Which tool a call came through; a read route must never carry a write. */
export type CallRoute = 'read' | 'write' | 'operation-tool' | 'task-tool';

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
  /** Fields the agent wants back; pushed down to the API where it supports `fields`. */
  fields?: readonly string[];
  /** Return the preview of a write instead of running it. */
  dryRun?: boolean;
  /** An approval a person gave with `tenant-mcp approve`, for a call that needs one. */
  approvalId?: string;
  /** Asks a person, when the client can. */
  confirmer?: Confirmer;
  /** The MCP client (and over HTTP the authenticated principal), for the audit trail. */
  client?: { name: string; version?: string; principal?: string };
  /** Aborts the upstream request. */
  signal?: AbortSignal;
  /** A task confirmation from {@link Gate.confirmTask} covering this operation. */
  grant?: TaskGrant;
  /**
   * Top-level answer fields a task tool hands the agent although they are secrets (the password-change
   * ticket's `ticket` link is the point of that task). Honoured only for task tools whose call a person
   * confirmed; the audit trail never records answers, so the value stays out of it.
   */
  reveal?: readonly string[];
}

/** Writes one audit record for the current call. */
type Auditor = (decision: AuditDecision, reason: string, extra?: Partial<AuditEvent>) => Promise<void>;

/** Who is asking, for a task confirmation. */
export interface TaskCallContext {
  /** The task tool's name. */
  tool: string;
  /** Approval id from a held task, once a person approved it. */
  approvalId?: string;
  /** Asks a person, when the client can. */
  confirmer?: Confirmer;
  /** The MCP client (and over HTTP the authenticated principal), for the audit trail. */
  client?: { name: string; version?: string; principal?: string };
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
      /** What would happen. */
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
  /** Checks and runs one call; throws CallError for anything the agent can act on. */
  invoke(call: OperationCall): Promise<CallOutcome>;
  /**
   * Asks a person once for a whole task (block_user runs a PATCH and maybe a DELETE): the same
   * elicitation / approval-id rules as a single call, bound to the task's name and arguments. The grant
   * lets the listed operations skip their own confirmation; every other check still applies to each.
   */
  confirmTask(task: TaskConfirmation, call: TaskCallContext): Promise<TaskGrant>;
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
  /** Where approvals for destructive calls are kept. */
  approvals?: ApprovalStore;
  /** Diagnostics (stderr). */
  log?: (line: string) => void;
  /**
   * Told when a call is held for a person (e.g. to notify a chat-ops bot with the approvals page link).
   * The agent is never shown what this does; failures here never affect the call.
   */
  onHeld?: (record: ApprovalRecord) => void;
}

/** Creates the policy gate. */
export function createGate(options: GateOptions): Gate {
  const { profile, catalog, executor, tenant } = options;
  const byId = new Map(catalog.operations.map((op) => [op.id, op]));
  const visible = catalog.operations.filter((op) => !profile.denies(op));
  const log = options.log ?? (() => {});

  /** Issued task grants; a grant the gate did not issue confers nothing. */
  const grants = new WeakSet<TaskGrant>();

  /** An audit writer for one tool call; a write failure refuses the call (fail closed). */
  function auditorFor(
    tool: string,
    correlationId: string,
    client: OperationCall['client'],
    currentOp: () => OperationSpec | undefined,
    fixedArgs?: unknown,
    currentArgs?: () => unknown,
  ): Auditor {
    return async (decision, reason, extra = {}) => {
      if (!options.audit) return;
      const op = currentOp();
      const args = fixedArgs ?? currentArgs?.();
      const event: AuditEvent = {
        time: Date.now(),
        decision,
        reason,
        tenant,
        profile: profile.name,
        tool,
        correlationId,
        ...(client ? { client } : {}),
        ...(op ? { operation: { id: op.id, method: op.method, path: op.path, risk: op.risk } } : {}),
        ...(args !== undefined ? { arguments: args } : {}),
        ...extra,
      };
      try {
        await options.audit.appendDurable(event);
      } catch (error) {
        log(`tenant-mcp: audit trail write failed: ${(error as Error).message}`);
        // Fail closed: a decision that cannot be recorded does not go ahead.
        throw new CallError(
          'audit_unavailable',
          'The audit trail cannot be written, so no call can proceed; nothing was sent. A person must fix the audit log.',
        );
      }
    };
  }

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
    const denied = profile.denies(op);
    if (denied) {
      throw new CallError(
        'not_allowed',
        `Operation ${op.id} (${op.risk}) is not allowed by the "${profile.name}" profile (${denied}); nothing was sent. ` +
          'Only a person who starts the server with another profile can change that.',
        { operation: op.id, profile: profile.name, risk: op.risk },
      );
    }
    return op;
  }

  async function invoke(call: OperationCall): Promise<CallOutcome> {
    const correlationId = randomUUID();
    let op: OperationSpec | undefined;
    let maskedArgs: unknown;
    const audit = auditorFor(
      call.tool,
      correlationId,
      call.client,
      () => op,
      undefined,
      () => maskedArgs,
    );
    const refuse = async (error: CallError): Promise<never> => {
      await audit('refused', error.message);
      throw error;
    };

    try {
      op = lookup(call.operation);
    } catch (error) {
      if (error instanceof CallError) await refuse(error);
      throw error;
    }
    const rawArgs = call.arguments ?? {};
    maskedArgs = maskSecrets(rawArgs);
    if (call.route === 'read' && op.risk !== 'read') {
      await refuse(
        new CallError(
          'wrong_route',
          `${op.id} is a ${op.risk} operation; invoke_read_operation only runs reads. Nothing was sent.`,
          {
            operation: op.id,
          },
        ),
      );
    }
    if (call.route === 'write' && op.risk === 'read') {
      await refuse(
        new CallError(
          'wrong_route',
          `${op.id} only reads; call it with invoke_read_operation. Nothing was sent.`,
          { operation: op.id },
        ),
      );
    }
    const args = await validate(op, rawArgs).catch((error: unknown) =>
      error instanceof CallError ? refuse(error) : Promise.reject(error),
    );
    const constraint = profile.checkArguments(op, args);
    if (constraint) {
      await refuse(new CallError('constraint', `${constraint}; nothing was sent.`, { operation: op.id }));
    }
    const risk = effectiveRisk(op, args);
    await checkScopes(op, call.signal).catch((error: unknown) =>
      error instanceof CallError ? refuse(error) : Promise.reject(error),
    );
    const request = toTenantRequest(op, args, { fields: call.fields });
    if (call.signal) request.signal = call.signal;

    if (call.dryRun && op.risk !== 'read') {
      const preview = await buildPreview(op, args, request, call.signal);
      await audit('previewed', 'dry run: nothing was sent');
      return { kind: 'preview', operation: op, arguments: args, preview, risk };
    }

    const mode = profile.confirmFor(op);
    const needsPerson = mode === 'always' || (mode !== 'never' && risk === 'destructive');
    const confirmSkipped = mode === 'never' && risk === 'destructive';
    if (confirmSkipped) {
      log(`tenant-mcp: ${op.id} runs without confirmation: profile "${profile.name}" sets confirm: never`);
    }
    let approvalId: string | undefined;
    const granted =
      needsPerson && call.grant !== undefined && grants.has(call.grant) && call.grant.operations.has(op.id);
    if (needsPerson && !granted) {
      approvalId = await confirm(op, args, risk, request, call, audit);
    }
    await audit(
      'approved',
      approvalId
        ? `approved by a person (${approvalId})`
        : granted
          ? `confirmed by a person for task ${call.grant!.tool}`
          : needsPerson
            ? 'confirmed by a person'
            : 'allowed by policy',
      {
        ...(approvalId ? { approvalId } : {}),
        ...(confirmSkipped ? { confirmSkipped: true } : {}),
      },
    );

    const started = Date.now();
    let response: TenantResponse;
    try {
      response = await executor.send(request);
    } catch (error) {
      if (error instanceof TenantError) {
        const message = sanitizeText(maskString(error.message, collectSecretValues(args)));
        await audit('failed', message, {
          ...(error.details.status !== undefined ? { status: error.details.status } : {}),
          ...(error.details.requestId ? { requestId: error.details.requestId } : {}),
          latencyMs: Date.now() - started,
        });
        throw new CallError('tenant_error', message, { operation: op.id, ...error.details });
      }
      throw error;
    }
    await audit('sent', `HTTP ${response.status}`, {
      status: response.status,
      latencyMs: response.durationMs,
      ...(response.requestId ? { requestId: response.requestId } : {}),
    });
    let shown = profile.revealSecrets ? response.body : maskSecrets(response.body);
    if (
      call.reveal?.length &&
      call.route === 'task-tool' &&
      granted &&
      isRecord(response.body) &&
      isRecord(shown)
    ) {
      const original = response.body;
      shown = {
        ...shown,
        ...Object.fromEntries(
          call.reveal.filter((key) => key in original).map((key) => [key, original[key]]),
        ),
      };
    }
    const body = sanitizeDeep(shown);
    const pagination = readPagination(response.headers);
    return {
      kind: 'response',
      operation: op,
      arguments: args,
      response: { ...response, body },
      ...(pagination ? { pagination } : {}),
    };
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
      });
    }
    return parsed.data as Record<string, unknown>;
  }

  async function checkScopes(op: OperationSpec, signal?: AbortSignal): Promise<void> {
    if (!op.scopes.length || !executor.grantedScopes) return;
    let granted: ReadonlySet<string> | undefined;
    try {
      granted = await executor.grantedScopes(signal);
    } catch (error) {
      if (error instanceof TenantError)
        throw new CallError('tenant_error', error.message, { operation: op.id, ...error.details });
      throw error;
    }
    if (granted && !op.scopes.some((scope) => granted.has(scope))) {
      throw new CallError(
        'scope_missing',
        `The tenant token lacks the scope ${op.id} needs (any of: ${op.scopes.join(', ')}); nothing was sent. ` +
          "A person must grant it to the server's application.",
        { operation: op.id, scopes: op.scopes },
      );
    }
  }

  /** Holds the call for a person; resolves with the approval id used, or throws why it cannot run. */
  async function confirm(
    op: OperationSpec,
    args: Record<string, unknown>,
    risk: Risk,
    request: TenantRequest,
    call: OperationCall,
    audit: Auditor,
  ): Promise<string | undefined> {
    return askPerson({
      subject: op.id,
      risk,
      args,
      call,
      audit,
      summary: async () =>
        renderSummary({
          op,
          risk,
          tenant: tenant.name,
          preview: await buildPreview(op, args, request, call.signal),
        }),
    });
  }

  /**
   * Asks a person about one call or task (`subject` is the operation id or the task tool's name): uses
   * an approval id when given, else elicitation when the client can ask, else holds it for
   * `tenant-mcp approve`. Resolves with the approval id used; throws why it cannot run.
   */
  async function askPerson(input: {
    subject: string;
    risk: Risk;
    args: Record<string, unknown>;
    call: Pick<OperationCall, 'approvalId' | 'confirmer'>;
    audit: Auditor;
    summary: () => Promise<string>;
  }): Promise<string | undefined> {
    const { subject, risk, call, audit } = input;
    const bound = { tenant: tenant.name, operation: subject, arguments: input.args };
    if (call.approvalId) {
      if (!options.approvals)
        throw new CallError('approval_invalid', 'This server keeps no approvals; nothing was sent.');
      try {
        options.approvals.consume(call.approvalId, bound);
        return call.approvalId;
      } catch (error) {
        if (error instanceof ApprovalError) {
          await audit('refused', error.message, { approvalId: call.approvalId });
          throw new CallError('approval_invalid', error.message, { subject, approval: error.code });
        }
        throw error;
      }
    }
    const summary = await input.summary();
    if (call.confirmer?.canAsk()) {
      const answer = await call.confirmer.ask({ operation: subject, risk, tenant: tenant.name, summary });
      if (answer === 'accept') return undefined;
      await audit('declined', `the person answered ${answer} to the confirmation`);
      throw new CallError(
        'declined',
        `A person ${answer === 'decline' ? 'declined' : 'cancelled'} ${subject}; nothing was sent.`,
        { subject },
      );
    }
    if (!options.approvals) {
      throw new CallError(
        'approval_required',
        `${subject} needs a person's confirmation and this client cannot ask; nothing was sent.`,
      );
    }
    const record = options.approvals.create({ ...bound, risk, summary });
    await audit('held', 'waiting for a person to approve', { approvalId: record.id });
    try {
      options.onHeld?.(record);
    } catch (error) {
      log(`tenant-mcp: approval notification failed: ${(error as Error).message}`);
    }
    throw new CallError(
      'approval_required',
      `${subject} is ${risk} and needs a person's approval; nothing was sent. Ask a person to run:\n` +
        `  tenant-mcp approve ${record.id}\n` +
        `then repeat the same call with approval_id: "${record.id}" (beside the other arguments of the tool, not inside arguments). ` +
        `It expires at ${new Date(record.expiresAt).toISOString()} and works once, for these exact arguments.\n${summary}`,
      { subject, approvalId: record.id },
    );
  }

  async function confirmTask(task: TaskConfirmation, call: TaskCallContext): Promise<TaskGrant> {
    const correlationId = randomUUID();
    const audit = auditorFor(
      call.tool,
      correlationId,
      call.client,
      () => undefined,
      maskSecrets(task.arguments),
    );
    for (const id of task.operations) {
      const op = byId.get(id);
      const denied = op ? profile.denies(op) : 'unknown operation';
      if (denied) {
        const error = new CallError(
          'not_allowed',
          `${call.tool} needs ${id}, which the "${profile.name}" profile does not allow (${denied}); nothing was sent.`,
        );
        await audit('refused', error.message);
        throw error;
      }
    }
    const approvalId = await askPerson({
      subject: call.tool,
      risk: task.risk,
      args: task.arguments,
      call,
      audit,
      summary: async () =>
        `${task.summary}\nTask ${call.tool} (${task.risk}) on tenant "${tenant.name}"; it runs: ${task.operations.join(', ')}.`,
    });
    await audit(
      'approved',
      approvalId ? `task approved by a person (${approvalId})` : 'task confirmed by a person',
      {
        ...(approvalId ? { approvalId } : {}),
      },
    );
    const grant: TaskGrant = { tool: call.tool, operations: new Set(task.operations) };
    grants.add(grant);
    return grant;
  }

  async function buildPreview(
    op: OperationSpec,
    args: Record<string, unknown>,
    request: TenantRequest,
    signal?: AbortSignal,
  ): Promise<Preview> {
    const described = describeRequest(request, catalog.apiBasePath);
    const preview: Preview = {
      request: {
        ...described,
        ...(described.body !== undefined ? { body: maskSecrets(described.body) } : {}),
      },
    };
    const reader = findReadCounterpart(op, catalog.operations);
    if (!reader) return preview;
    preview.readWith = reader.id;
    if (profile.denies(reader)) {
      preview.currentUnavailable = `${reader.id} is not allowed by the profile`;
      return preview;
    }
    const pathParams: Record<string, unknown> = {};
    for (const param of reader.params) if (param.in === 'path') pathParams[param.name] = args[param.name];
    try {
      const current = await executor.send({
        method: 'GET',
        path: reader.path,
        pathParams: pathParams as Record<string, string>,
        label: reader.id,
        ...(signal ? { signal } : {}),
      });
      const shown = sanitizeDeep(profile.revealSecrets ? current.body : maskSecrets(current.body));
      preview.current = shown;
      if (op.method === 'DELETE') preview.removes = true;
      else if (request.body !== undefined) preview.changes = diffFields(shown, maskSecrets(request.body));
    } catch (error) {
      if (!(error instanceof TenantError)) throw error;
      preview.currentUnavailable = sanitizeText(error.message);
    }
    return preview;
  }

  return {
    profile: profile.name,
    tenant: tenant.name,
    visibleOperations: () => visible,
    allowsTool: (name) => profile.allowsTool(name),
    lookup,
    invoke,
    confirmTask,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The risk a call runs at: a write becomes destructive when it carries a destructive field. */
export function effectiveRisk(op: OperationSpec, args: Readonly<Record<string, unknown>>): Risk {
  if (op.risk === 'write' && op.destructiveFields?.some((field) => args[field] !== undefined))
    return 'destructive';
  return op.risk;
}
