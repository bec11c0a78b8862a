/**
 * JSON Schema for clients, derived from the zod schemas with zod's own `z.toJSONSchema`. Some clients
 * reject `$ref` (Gemini) or top-level combinators (Claude), so references are inlined and recursion is cut
 * at a fixed depth to an open schema; the zod schema still validates the full depth at call time.
 */
import { z } from 'zod';

/** A JSON Schema object. */
export type JsonSchema = Record<string, unknown>;

/** How many times a recursive definition is expanded before it is replaced by `{}`. */
const MAX_RECURSION = 2;

/** The input JSON Schema of a zod schema: no `$schema`, no `$ref`, no `$defs`. */
export function toClientJsonSchema(schema: z.ZodType): JsonSchema {
  const raw = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', reused: 'inline' }) as JsonSchema;
  const defs = { ...((raw.$defs as Record<string, JsonSchema> | undefined) ?? {}) };
  const { $schema: _schema, $defs: _defs, ...root } = raw;
  return inline(root, defs, new Map()) as JsonSchema;
}

function inline(node: unknown, defs: Record<string, JsonSchema>, depth: Map<string, number>): unknown {
  if (Array.isArray(node)) return node.map((item) => inline(item, defs, depth));
  if (typeof node !== 'object' || node === null) return node;
  const record = node as JsonSchema;
  if (typeof record.$ref === 'string') {
    const name = record.$ref.replace(/^#\/\$defs\//, '');
    const target = defs[name];
    const seen = depth.get(name) ?? 0;
    if (!target || seen >= MAX_RECURSION) return {};
    const next = new Map(depth).set(name, seen + 1);
    const { $ref: _ref, ...rest } = record;
    return inline({ ...target, ...rest }, defs, next);
  }
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(record)) {
    // zod writes JavaScript's safe-integer range onto every integer; it says nothing an agent needs.
    if ((key === 'minimum' || key === 'maximum') && Math.abs(value as number) === Number.MAX_SAFE_INTEGER)
      continue;
    out[key] = inline(value, defs, depth);
  }
  return out;
}
