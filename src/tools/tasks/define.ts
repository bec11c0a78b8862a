/**
 * A task tool is data: name, title, description, input schema, risk, and one `handle` that does the job
 * through a {@link TaskContext}. Writing tools get `dry_run` and `approval_id` added here, so every one of
 * them takes the same controls.
 */
import { z } from 'zod';
import { type ToolAnnotations, toolAnnotations } from '../annotations.js';
import type { Risk } from '../types.js';
import type { TaskAnswer, TaskContext } from './context.js';

/**
 * Longest text a task tool takes for a person (an email is at most 320 characters; ids and names are
 * shorter): every task input is bounded, so no check after the schema ever sees unbounded text.
 */
export const MAX_USER_LENGTH = 320;

/** Longest search expression `find_users` takes. */
export const MAX_QUERY_LENGTH = 512;

/** Longest id of an application, organization or connection a task tool takes. */
export const MAX_ID_LENGTH = 128;

/** The person to act on: an email, a user id or a name. */
export const userInput = z.string().trim().max(MAX_USER_LENGTH).describe('Email, user id or name');

/** `dry_run` of a writing task tool. */
export const dryRunInput = z.boolean().optional();

/** `approval_id` of a writing task tool, as `invoke_write_operation` takes it. */
export const approvalIdInput = z.string().max(40).optional();

/** What a task tool declares. */
export interface TaskToolSpec<S extends z.ZodObject> {
  /** Tool name, snake_case verb_noun. */
  name: string;
  /** Short human title. */
  title: string;
  /** What it does and when to use it; static text, never tenant data. */
  description: string;
  /** Words an admin would type for the job, so search_operations suggests the tool first. */
  keywords?: readonly string[];
  /** The tool's own arguments (a strict object; writing tools get `dry_run` and `approval_id` added). */
  input: S;
  /** What the task can do to the tenant. */
  risk: Risk;
  /** Whether repeating the call with the same arguments changes nothing more. */
  idempotent: boolean;
  /** Does the job. Input is already validated. */
  handle(ctx: TaskContext, input: z.infer<S> & { dry_run?: boolean }): Promise<TaskAnswer>;
}

/** A task tool as the server lists and runs it. */
export interface TaskToolDefinition {
  /** Tool name. */
  readonly name: string;
  /** Short human title. */
  readonly title: string;
  /** Static description. */
  readonly description: string;
  /** Search words for the job (never listed: search reads them). */
  readonly keywords: readonly string[];
  /** The full input schema (with the write controls for writing tools). */
  readonly input: z.ZodObject;
  /** Risk of the task. */
  readonly risk: Risk;
  /** Whether it changes the tenant; writing tools are listed only by profiles that may write. */
  readonly writes: boolean;
  /** MCP behaviour hints. */
  readonly annotations: ToolAnnotations;
  /** Runs the task on validated input. */
  handle(ctx: TaskContext, input: Record<string, unknown>): Promise<TaskAnswer>;
}

/** Declares a task tool. */
export function defineTaskTool<S extends z.ZodObject>(spec: TaskToolSpec<S>): TaskToolDefinition {
  const writes = spec.risk !== 'read';
  const input = writes
    ? z.strictObject({ ...spec.input.shape, dry_run: dryRunInput, approval_id: approvalIdInput })
    : spec.input;
  return {
    name: spec.name,
    title: spec.title,
    description: spec.description,
    keywords: spec.keywords ?? [],
    input,
    risk: spec.risk,
    writes,
    annotations: toolAnnotations(spec.risk, { idempotent: spec.idempotent, reachesTenant: true }),
    handle: (ctx, parsed) => spec.handle(ctx, parsed as z.infer<S> & { dry_run?: boolean }),
  };
}
