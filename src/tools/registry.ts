/**
 * The one tool registry: every tool the server can list, generic, task or per-operation, is one
 * declaration here (name, title, description, input, risk, toolset, scopes, handler). Listing and calling
 * read it, and so does the policy layer (which names a `tool:` rule may match, and which tools write), so
 * no second list of tool names exists anywhere. Annotations come only from a declaration's risk.
 *
 * Handlers reach the tenant only through a {@link ToolContext}, which the server implements per call on
 * the policy gate; nothing here knows MCP, HTTP or the gate.
 */
import { z } from 'zod';
import { type ToolAnnotations, toolAnnotations } from './annotations.js';
import { type TaskAnswer, type TaskContext, TaskError } from './tasks/context.js';
import type { TaskToolDefinition } from './tasks/define.js';
import { taskToolsFor } from './tasks/index.js';
import type { Catalog, OperationSpec, Risk } from './types.js';

/** The key tenant data goes under in every answer; the instructions tell the agent never to obey it. */
export const UNTRUSTED = 'untrusted_tenant_data';

/** A tool's answer, in MCP's shape (text blocks and an error flag), built without MCP's types. */
export interface ToolResult {
  /** Text blocks. */
  content: Array<{ type: 'text'; text: string }>;
  /** Set when the call did not do what was asked. */
  isError?: boolean;
}

/** What `search_operations` is asked. */
export interface SearchInput {
  /** The intent in words. */
  query: string;
  /** Only this toolset. */
  toolset?: string | undefined;
  /** Only this risk class. */
  risk?: Risk | undefined;
  /** At most this many hits. */
  limit?: number | undefined;
}

/** One operation to run through the gate, as a generic or per-operation tool asks it. */
export interface InvokeRequest {
  /** Operation id. */
  operation: string;
  /** The route: the read tool, the write tool, or the operation's own tool. */
  route: 'read' | 'write' | 'operation-tool';
  /** The flat arguments, as sent (the gate validates them). */
  arguments: unknown;
  /** Fields the agent wants back. */
  fields?: string[] | undefined;
  /** Cap on list items. */
  maxItems?: number | undefined;
  /** Preview instead of running. */
  dryRun?: boolean | undefined;
  /** An approval a person gave out of band. */
  approvalId?: string | undefined;
}

/** What a tool's handler may do; implemented by the server on the policy gate, per call. */
export interface ToolContext {
  /** Searches the operations the profile allows. */
  search(input: SearchInput): ToolResult;
  /** Describes one operation the profile allows. */
  describe(operationId: string): Promise<ToolResult>;
  /** Runs one operation through the gate and shapes its answer. */
  invoke(request: InvokeRequest): Promise<ToolResult>;
  /** A task context under this tool's name (with the approval id the agent repeated the call with). */
  task(approvalId?: string): TaskContext;
}

/** Which of the four kinds a tool is. */
export type ToolKind = 'discovery' | 'invoke' | 'task' | 'operation';

/** One tool, as listed and called. */
export interface ToolDeclaration {
  /** Tool name, `^[a-zA-Z0-9_-]{1,64}$`. */
  readonly name: string;
  /** Short human title. */
  readonly title: string;
  /** What it does and when to use it; static text, never tenant data. */
  readonly description: string;
  /** Its kind. */
  readonly kind: ToolKind;
  /** The most it can do to the tenant; the one input to its annotations. */
  readonly risk: Risk;
  /** Whether it changes the tenant; writing tools are listed only by profiles that may write. */
  readonly writes: boolean;
  /** MCP behaviour hints, from `risk` (and whether it reaches the tenant, and repeats safely). */
  readonly annotations: ToolAnnotations;
  /** The toolset, for per-operation tools. */
  readonly toolset?: string;
  /** The scopes its operation needs, for per-operation tools. */
  readonly scopes?: readonly string[];
  /** The operation, for per-operation tools (whose input schema is the operation's, checked by the gate). */
  readonly operation?: OperationSpec;
  /** Words an admin would type for the job (task tools), for search. */
  readonly keywords?: readonly string[];
  /** Its arguments' schema, checked by the server before `handle`; absent for per-operation tools. */
  readonly input?: z.ZodObject;
  /** Does the job; `args` passed `input` (per-operation tools get them raw, for the gate). */
  handle(ctx: ToolContext, args: Record<string, unknown>): Promise<ToolResult>;
}

const operationId = z.string().min(1).max(100).describe('Id from search_operations');

const operationArguments = z
  .record(z.string(), z.unknown())
  .optional()
  .describe('As describe_operation shows');

/** Input of search_operations. */
export const searchInput = z.strictObject({
  query: z.string().min(1).max(200),
  toolset: z.string().max(60).optional(),
  risk: z.enum(['read', 'write', 'destructive']).optional(),
  limit: z.int().min(1).max(25).optional().describe('Default 8'),
});

/** Input of describe_operation. */
export const describeInput = z.strictObject({ operation: operationId });

/** An approval id a person gave out of band. */
export const approvalId = z.string().max(40).describe('After a person approves');

/** Ask for a preview instead of running the write. */
export const dryRun = z.boolean().optional().describe('Preview; send nothing');

/** Input of invoke_read_operation. */
export const invokeReadInput = z.strictObject({
  operation: operationId,
  arguments: operationArguments,
  fields: z.array(z.string().min(1).max(100)).max(50).optional(),
  max_items: z.int().min(1).max(100).optional().describe('Default 25'),
});

/** Input of invoke_write_operation. */
export const invokeWriteInput = z.strictObject({
  operation: operationId,
  arguments: operationArguments,
  dry_run: dryRun,
  approval_id: approvalId.optional(),
});

/** `dry_run` and `approval_id`, beside a writing per-operation tool's own arguments. */
export const writeControls = z.strictObject({ dry_run: dryRun, approval_id: approvalId.optional() });

/** The generic tools, in listing order: two that read the catalog, one invoke tool per side of the line. */
export const GENERIC_TOOLS: readonly ToolDeclaration[] = [
  {
    name: 'search_operations',
    title: 'Search tenant operations',
    description: 'Find operations and task tools by intent ("unblock a user"). Next: describe_operation.',
    kind: 'discovery',
    risk: 'read',
    writes: false,
    annotations: toolAnnotations('read', { idempotent: true, reachesTenant: false }),
    input: searchInput,
    handle: async (ctx, args) => ctx.search(args as z.infer<typeof searchInput>),
  },
  {
    name: 'describe_operation',
    title: 'Describe a tenant operation',
    description: "An operation's rules, scopes, a valid example and arguments' JSON Schema.",
    kind: 'discovery',
    risk: 'read',
    writes: false,
    annotations: toolAnnotations('read', { idempotent: true, reachesTenant: false }),
    input: describeInput,
    handle: (ctx, args) => ctx.describe((args as z.infer<typeof describeInput>).operation),
  },
  {
    name: 'invoke_read_operation',
    title: 'Run a read operation',
    description: 'Run a read operation. fields and max_items keep answers small.',
    kind: 'invoke',
    risk: 'read',
    writes: false,
    annotations: toolAnnotations('read', { idempotent: true, reachesTenant: true }),
    input: invokeReadInput,
    handle: (ctx, args) => {
      const input = args as z.infer<typeof invokeReadInput>;
      return ctx.invoke({
        operation: input.operation,
        route: 'read',
        arguments: input.arguments,
        fields: input.fields,
        maxItems: input.max_items,
      });
    },
  },
  {
    name: 'invoke_write_operation',
    title: 'Run a write operation',
    description: 'Run a write (create, update, delete). Destructive calls wait for a person.',
    kind: 'invoke',
    risk: 'destructive',
    writes: true,
    annotations: toolAnnotations('destructive', { idempotent: false, reachesTenant: true }),
    input: invokeWriteInput,
    handle: (ctx, args) => {
      const input = args as z.infer<typeof invokeWriteInput>;
      return ctx.invoke({
        operation: input.operation,
        route: 'write',
        arguments: input.arguments,
        dryRun: input.dry_run,
        approvalId: input.approval_id,
      });
    },
  },
];

/** The names of the two invoke tools, read and write, from their declarations. */
export const INVOKE_TOOLS = {
  read: GENERIC_TOOLS.find((tool) => tool.kind === 'invoke' && !tool.writes)!.name,
  write: GENERIC_TOOLS.find((tool) => tool.kind === 'invoke' && tool.writes)!.name,
} as const;

/** A text answer. */
export function textResult(text: string): ToolResult {
  return { content: [{ type: 'text', text }] };
}

/** An error answer the agent can act on. */
export function errorResult(text: string): ToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

/** A task's answer as a tool result: our words, and the tenant's values under {@link UNTRUSTED}. */
export function taskResult({ answer, tenant, isError }: TaskAnswer): ToolResult {
  const text = JSON.stringify({ ...answer, ...(tenant !== undefined ? { [UNTRUSTED]: tenant } : {}) });
  return { content: [{ type: 'text', text }], ...(isError ? { isError: true } : {}) };
}

/** A task tool as a declaration. */
function taskDeclaration(tool: TaskToolDefinition): ToolDeclaration {
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    kind: 'task',
    keywords: tool.keywords,
    risk: tool.risk,
    writes: tool.writes,
    annotations: tool.annotations,
    input: tool.input,
    async handle(ctx, input) {
      const approval = typeof input.approval_id === 'string' ? input.approval_id : undefined;
      try {
        return taskResult(await tool.handle(ctx.task(approval), input));
      } catch (error) {
        if (error instanceof TaskError) return errorResult(error.message);
        throw error;
      }
    },
  };
}

/** An operation as its own tool; its arguments go to the gate raw, beside `dry_run` and `approval_id`. */
function operationDeclaration(op: OperationSpec): ToolDeclaration {
  return {
    name: op.toolName,
    title: op.summary,
    description: `${op.summary}. ${op.method} ${op.path}; scopes: ${op.scopes.join(' or ') || 'none'}.`,
    kind: 'operation',
    risk: op.risk,
    writes: op.risk !== 'read',
    annotations: toolAnnotations(op.risk, {
      // GET, PUT and DELETE are idempotent by HTTP's definition; POST and PATCH are not promised to be.
      idempotent: op.method === 'GET' || op.method === 'PUT' || op.method === 'DELETE',
      reachesTenant: true,
    }),
    toolset: op.toolset,
    scopes: op.scopes,
    operation: op,
    async handle(ctx, args) {
      if (op.risk === 'read')
        return ctx.invoke({ operation: op.id, route: 'operation-tool', arguments: args });
      const { dry_run, approval_id, ...rest } = args;
      const controls = writeControls.safeParse({ dry_run, approval_id });
      if (!controls.success) {
        const lines = controls.error.issues.map((issue) => `- ${issue.path.join('.')}: ${issue.message}`);
        return errorResult(`Invalid arguments for ${op.toolName}; nothing was sent.\n${lines.join('\n')}`);
      }
      return ctx.invoke({
        operation: op.id,
        route: 'operation-tool',
        arguments: rest,
        dryRun: controls.data.dry_run,
        approvalId: controls.data.approval_id,
      });
    },
  };
}

/** The generic and task tools of a provider, by name (what policy rules over tool names may match). */
export function namedTools(provider: string): readonly ToolDeclaration[] {
  let tools = NAMED.get(provider);
  if (!tools) {
    tools = [...GENERIC_TOOLS, ...taskToolsFor(provider).map(taskDeclaration)];
    NAMED.set(provider, tools);
  }
  return tools;
}
const NAMED = new Map<string, readonly ToolDeclaration[]>();

/** Every tool name a `tool:` rule may match, across providers (per-operation tools follow their operation). */
export function ruleToolNames(): readonly string[] {
  return [...new Set(['auth0', 'monocloud'].flatMap((provider) => namedTools(provider).map((t) => t.name)))];
}

/** The tools of a catalog with these toolsets listed as per-operation tools. */
export interface ToolRegistry {
  /** Every declaration, in listing order: generic tools, per-operation tools, task tools. */
  readonly tools: readonly ToolDeclaration[];
  /** A declaration by name. */
  get(name: string): ToolDeclaration | undefined;
}

/**
 * The registry of a catalog. A task tool's name wins over an operation's (MonoCloud has an operation
 * called `unblock_user`), which then stays reachable through the generic invoke tools.
 */
export function createToolRegistry(catalog: Catalog, toolsets: Iterable<string> = []): ToolRegistry {
  const listed = new Set(toolsets);
  const named = namedTools(catalog.provider);
  const taken = new Set(named.map((tool) => tool.name));
  const operations = catalog.operations
    .filter((op) => listed.has(op.toolset) && !taken.has(op.toolName))
    .map(operationDeclaration);
  const generic = named.filter((tool) => tool.kind !== 'task');
  const tasks = named.filter((tool) => tool.kind === 'task');
  const tools = [...generic, ...operations, ...tasks];
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  return { tools, get: (name) => byName.get(name) };
}

export type { ToolAnnotations } from './annotations.js';
