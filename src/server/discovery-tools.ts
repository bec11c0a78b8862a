/**
 * The four generic tools that reach every operation for a small listing cost: search, describe, and one
 * invoke tool per side of the read/write line so a client's read-only trust maps onto MCP annotations.
 */
import { z } from 'zod';
import { CATALOG_ONLY, type ToolAnnotations } from '../tools/annotations.js';

const operationId = z.string().min(1).max(100).describe('Id from search_operations');

/** Input of search_operations. */
export const searchInput = z.strictObject({
  query: z.string().min(1).max(200),
  toolset: z.string().max(60).optional(),
  risk: z.enum(['read', 'write', 'destructive']).optional(),
  limit: z.int().min(1).max(25).optional().describe('Default 8'),
});

/** Input of describe_operation. */
export const describeInput = z.strictObject({ operation: operationId });

/** Input of invoke_read_operation. */
export const invokeReadInput = z.strictObject({
  operation: operationId,
  arguments: z.record(z.string(), z.unknown()).optional().describe('As describe_operation shows'),
  fields: z.array(z.string().min(1).max(100)).max(50).optional(),
  max_items: z.int().min(1).max(100).optional().describe('Default 25'),
});

/** An approval id a person gave with `tenant-mcp approve`. */
export const approvalId = z.string().max(40).describe('After a person approves');

/** Ask for a preview instead of running the write. */
export const dryRun = z.boolean().optional().describe('Preview; send nothing');

/** Input of invoke_write_operation. */
export const invokeWriteInput = z.strictObject({
  operation: operationId,
  arguments: z.record(z.string(), z.unknown()).optional().describe('As describe_operation shows'),
  dry_run: dryRun,
  approval_id: approvalId.optional(),
});

/** A generic tool's static declaration. */
export interface DiscoveryTool {
  /** Tool name. */
  name: string;
  /** Short human title. */
  title: string;
  /** What it does and when to use it; static text, never tenant data. */
  description: string;
  /** Zod schema of its arguments. */
  input: z.ZodObject;
  /** Behaviour hints. */
  annotations: ToolAnnotations;
  /** Whether only profiles that allow writes list it. */
  writes: boolean;
}

/** The generic tools, in listing order. */
export const DISCOVERY_TOOLS: readonly DiscoveryTool[] = [
  {
    name: 'search_operations',
    title: 'Search tenant operations',
    description: 'Find operations and task tools by intent ("unblock a user"). Next: describe_operation.',
    input: searchInput,
    annotations: CATALOG_ONLY,
    writes: false,
  },
  {
    name: 'describe_operation',
    title: 'Describe a tenant operation',
    description: "An operation's rules, scopes, a valid example and arguments' JSON Schema.",
    input: describeInput,
    annotations: CATALOG_ONLY,
    writes: false,
  },
  {
    name: 'invoke_read_operation',
    title: 'Run a read operation',
    description: 'Run a read operation. fields and max_items keep answers small.',
    input: invokeReadInput,
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    writes: false,
  },
  {
    name: 'invoke_write_operation',
    title: 'Run a write operation',
    description: 'Run a write (create, update, delete). Destructive calls wait for a person.',
    input: invokeWriteInput,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    writes: true,
  },
];
