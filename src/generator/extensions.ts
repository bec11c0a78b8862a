/**
 * Our `x-tenant-mcp-*` extension keys: the only vocabulary the overlay may add to operations. Each key has
 * a zod schema so a typo or a bad value fails generation instead of silently doing nothing.
 */
import { z } from 'zod';
import type { FieldRule, Risk } from '../tools/types.js';
import { GeneratorError } from './errors.js';

/** Prefix of every extension key we own. */
export const EXTENSION_PREFIX = 'x-tenant-mcp-';

const fieldName = z.string().min(1);
const message = z.string().min(1).optional();

/** The cross-field rule vocabulary, mirroring {@link FieldRule}. */
export const fieldRuleSchema: z.ZodType<FieldRule> = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('exclusive'), fields: z.array(fieldName).min(2), message }),
  z.strictObject({ kind: z.literal('requires'), field: fieldName, with: z.array(fieldName).min(1), message }),
  z.strictObject({
    kind: z.literal('any-requires'),
    fields: z.array(fieldName).min(1),
    with: z.array(fieldName).min(1),
    message,
  }),
  z.strictObject({
    kind: z.literal('one-of-groups'),
    groups: z.array(z.array(fieldName).min(1)).min(2),
    message,
  }),
  z.strictObject({ kind: z.literal('at-least-one'), fields: z.array(fieldName).min(1), message }),
]);

/** Every extension key we accept on an operation object, with the shape of its value. */
export const EXTENSIONS = {
  'x-tenant-mcp-summary': z
    .string()
    .min(1)
    .max(160)
    .regex(/^[^\n]+$/, 'must be one line'),
  'x-tenant-mcp-risk': z.enum(['read', 'write', 'destructive']),
  'x-tenant-mcp-toolset': z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be kebab-case'),
  'x-tenant-mcp-keywords': z.array(z.string().min(1)).min(1),
  'x-tenant-mcp-destructive-fields': z.array(fieldName).min(1),
  'x-tenant-mcp-rules': z.array(fieldRuleSchema).min(1),
} as const;

/** Name of one of our extension keys. */
export type ExtensionKey = keyof typeof EXTENSIONS;

/** What our overlay says about one operation, read from its extension keys. */
export interface OperationExtensions {
  /** Our one-line purpose, replacing the generated summary. */
  summary?: string;
  /** Risk override, fed to `deriveRisk`. */
  risk?: Risk;
  /** Toolset override. */
  toolset?: string;
  /** Search synonyms, de-duplicated (arrays append when several actions target one operation). */
  keywords?: string[];
  /** Body fields whose presence makes the call destructive. */
  destructiveFields?: string[];
  /** Cross-field rules on the arguments. */
  rules?: FieldRule[];
}

/** True when `name` is one of our extension keys. */
export function isExtensionKey(name: string): name is ExtensionKey {
  return Object.hasOwn(EXTENSIONS, name);
}

/**
 * Checks one extension value; returns a message naming the key and the problem, or `undefined` when it is
 * valid.
 */
export function checkExtension(name: string, value: unknown): string | undefined {
  if (!isExtensionKey(name)) {
    return `unknown extension key "${name}" (known: ${Object.keys(EXTENSIONS).join(', ')})`;
  }
  const result = EXTENSIONS[name].safeParse(value);
  if (result.success) return undefined;
  const issue = result.error.issues[0];
  const at = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
  return `bad value for "${name}"${at}: ${issue?.message ?? 'invalid'}`;
}

/** Reads our extension keys from an operation object (already validated when the overlay was applied). */
export function readExtensions(operation: Record<string, unknown>, where: string): OperationExtensions {
  const found: OperationExtensions = {};
  for (const [name, value] of Object.entries(operation)) {
    if (!name.startsWith(EXTENSION_PREFIX)) continue;
    const problem = checkExtension(name, value);
    if (problem) throw new GeneratorError(`${where}: ${problem}`);
    switch (name as ExtensionKey) {
      case 'x-tenant-mcp-summary':
        found.summary = value as string;
        break;
      case 'x-tenant-mcp-risk':
        found.risk = value as Risk;
        break;
      case 'x-tenant-mcp-toolset':
        found.toolset = value as string;
        break;
      case 'x-tenant-mcp-keywords':
        found.keywords = [...new Set(value as string[])];
        break;
      case 'x-tenant-mcp-destructive-fields':
        found.destructiveFields = [...new Set(value as string[])];
        break;
      case 'x-tenant-mcp-rules':
        found.rules = value as FieldRule[];
        break;
    }
  }
  return found;
}

/**
 * Where the first `x-tenant-mcp-*` key sits outside an operation object of `doc` (as a message), or
 * `undefined`. Our keys only mean something on operations, so one anywhere else is a mistake to report.
 */
export function misplacedExtensions(doc: unknown): string | undefined {
  const walk = (value: unknown, trail: string[]): string | undefined => {
    if (typeof value !== 'object' || value === null) return undefined;
    // Operations sit at `paths.<path>.<method>` and carry an operationId.
    const isOperation =
      trail.length === 3 &&
      trail[0] === 'paths' &&
      typeof (value as { operationId?: unknown }).operationId === 'string';
    for (const [name, inner] of Object.entries(value)) {
      if (name.startsWith(EXTENSION_PREFIX)) {
        if (isOperation) continue;
        return `${name} at ${trail.join(' > ') || 'the document root'} is not on an operation object`;
      }
      const found = walk(inner, [...trail, name]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(doc, []);
}
