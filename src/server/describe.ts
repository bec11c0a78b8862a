/**
 * What `describe_operation` answers: an operation's facts, the cross-field rules its arguments must keep
 * (in words, the same rules the input schema enforces), the token scopes it needs, and a minimal valid
 * example built from its schema and checked against it, so an agent's first call can succeed instead of
 * learning the rules by failing.
 */
import type { z } from 'zod';
import { describeRule } from '../tools/rules.js';
import type { OperationSpec } from '../tools/types.js';
import type { JsonSchema } from './json-schema.js';

/** What a description is built from. */
export interface DescribeInput {
  /** The operation. */
  op: OperationSpec;
  /** Its arguments' JSON Schema as clients see it. */
  schema: JsonSchema;
  /** Its arguments' zod schema: the example is checked against it. */
  validator: z.ZodType;
  /** The tool that runs it for this profile. */
  callWith: string;
}

/** The description, as JSON. */
export function describeOperation({
  op,
  schema,
  validator,
  callWith,
}: DescribeInput): Record<string, unknown> {
  const rules = (op.rules ?? []).map(describeRule);
  const example = minimalExample(op, schema, validator);
  return {
    operation: op.id,
    summary: op.summary,
    method: op.method,
    path: op.path,
    toolset: op.toolset,
    risk: op.risk,
    lifecycle: op.lifecycle,
    scopes: op.scopes,
    ...(op.scopes.length
      ? {
          token_needs: `a tenant token with ${op.scopes.length > 1 ? 'any one of ' : ''}${op.scopes.join(', ')}`,
        }
      : {}),
    call_with: callWith,
    ...(rules.length ? { rules } : {}),
    ...(op.destructiveFields?.length
      ? {
          destructive_when: `Sending ${list(op.destructiveFields)} makes the call destructive: a person confirms it.`,
        }
      : {}),
    ...(op.body?.mode === 'wrapped' ? { note: 'The request body goes whole under arguments.body.' } : {}),
    ...(example !== undefined ? { example: { arguments: example } } : {}),
    arguments: schema,
  };
}

/**
 * The smallest arguments that pass the operation's schema and rules: required fields only, each with a
 * plausible value of its type, enum, format and pattern, then the fields a cross-field rule asks for.
 * Undefined when no such example could be built (the schema is checked, never trusted).
 */
export function minimalExample(
  op: OperationSpec,
  schema: JsonSchema,
  validator: z.ZodType,
): Record<string, unknown> | undefined {
  // A path parameter reads better as the kind of id its segment names (a role id for /roles/{id}); when
  // the schema refuses that, the plain generated value stays.
  return (
    mended(withRules(op, schema, pathIds(op)), schema, validator) ??
    mended(withRules(op, schema, {}), schema, validator)
  );
}

/** Required fields with generated values (`ids` for path parameters), then what the rules ask for. */
function withRules(
  op: OperationSpec,
  schema: JsonSchema,
  ids: Record<string, string>,
): Record<string, unknown> {
  const args = (exampleOf(schema, '', 0) ?? {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(ids)) if (args[name] !== undefined) args[name] = value;
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const add = (name: string) => {
    if (args[name] === undefined && properties[name]) args[name] = exampleOf(properties[name], name, 1);
  };
  for (const rule of op.rules ?? []) {
    switch (rule.kind) {
      case 'one-of-groups': {
        const complete = rule.groups.filter((group) => group.every((name) => args[name] !== undefined));
        if (complete.length === 0) for (const name of rule.groups[0] ?? []) add(name);
        break;
      }
      case 'exclusive':
        for (const name of rule.fields.filter((f) => args[f] !== undefined).slice(1)) delete args[name];
        break;
      case 'requires':
        if (args[rule.field] !== undefined) for (const name of rule.with) add(name);
        break;
      case 'any-requires':
        if (rule.fields.some((f) => args[f] !== undefined)) for (const name of rule.with) add(name);
        break;
      case 'at-least-one':
        if (!rule.fields.some((f) => args[f] !== undefined)) add(rule.fields[0] ?? '');
        break;
    }
  }
  return args;
}

/** `args` once they pass `validator`, mended where a rule JSON Schema cannot carry failed; or undefined. */
function mended(
  args: Record<string, unknown>,
  schema: JsonSchema,
  validator: z.ZodType,
): Record<string, unknown> | undefined {
  // An object that must hold a property says so only in the zod schema: mend what its issues name.
  for (let attempt = 0; attempt < 4; attempt++) {
    const parsed = validator.safeParse(args);
    if (parsed.success) return args;
    const mendable = parsed.error.issues.filter((issue) => /needs at least \d+ propert/.test(issue.message));
    if (mendable.length === 0) return undefined;
    for (const issue of mendable) fillObject(args, schema, issue.path.map(String));
  }
  return validator.safeParse(args).success ? args : undefined;
}

/** Gives the (empty) object at `path` of `args` its first property, as its schema at `path` describes it. */
function fillObject(args: Record<string, unknown>, schema: JsonSchema, path: readonly string[]): void {
  let value: unknown = args;
  let node: JsonSchema | undefined = schema;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !node) return;
    value = (value as Record<string, unknown>)[key];
    node = branchOf(node, key);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !node) return;
  node = objectBranch(node);
  const target = value as Record<string, unknown>;
  const properties = (node.properties ?? {}) as Record<string, JsonSchema>;
  const first = Object.keys(properties).find((key) => !(key in target));
  if (first) {
    target[first] = exampleOf(properties[first]!, first, 1);
    return;
  }
  const extra = node.additionalProperties;
  if (extra && typeof extra === 'object') target.example = exampleOf(extra as JsonSchema, 'example', 1);
  else if (extra !== false) target.example = 'example';
}

/** The object branch of a union (`anyOf: [object, null]`), or the schema itself. */
function objectBranch(node: JsonSchema): JsonSchema {
  for (const union of ['anyOf', 'oneOf'] as const) {
    const branches = node[union] as JsonSchema[] | undefined;
    const object = branches?.find((b) => b.type === 'object' || b.properties);
    if (object) return objectBranch(object);
  }
  return node;
}

/** The schema of property `key` of an object schema (through a union's object branch). */
function branchOf(node: JsonSchema, key: string): JsonSchema | undefined {
  const properties = node.properties as Record<string, JsonSchema> | undefined;
  if (properties?.[key]) return properties[key];
  for (const union of ['anyOf', 'oneOf', 'allOf'] as const) {
    for (const branch of (node[union] as JsonSchema[] | undefined) ?? []) {
      const found = branchOf(branch, key);
      if (found) return found;
    }
  }
  const extra = node.additionalProperties;
  return extra && typeof extra === 'object' ? (extra as JsonSchema) : undefined;
}

/** Ids of the kind each path segment names, by the parameter that follows it. */
const SEGMENT_IDS: Record<string, string> = {
  users: 'auth0|64f1a0c2e4b0a1b2c3d40001',
  clients: 'AppClientId000000000000000000001',
  connections: 'con_AbCdEfGhIjKlMnOp',
  roles: 'rol_AbCdEfGhIjKlMnOp',
  organizations: 'org_AbCdEfGhIjKlMnOp',
  'resource-servers': '64f1a0c2e4b0a1b2c3d40002',
  'log-streams': 'lst_0000000000000001',
  actions: '8b2e1f7a-3c4d-4e5f-9a0b-1c2d3e4f5a6b',
};

/** For each path parameter, an id of the kind the segment before it names, when we know the kind. */
function pathIds(op: OperationSpec): Record<string, string> {
  const out: Record<string, string> = {};
  const segments = op.path.split('/').filter(Boolean);
  segments.forEach((segment, i) => {
    const param = /^\{(.+)\}$/.exec(segment)?.[1];
    const kind = SEGMENT_IDS[segments[i - 1] ?? ''];
    if (param && kind) out[param] = kind;
  });
  return out;
}

/** Deepest nesting an example goes to; below it an optional branch is left out. */
const MAX_DEPTH = 6;

/** A value for `schema` (the name of its field guides strings), or undefined when it has none to give. */
function exampleOf(schema: JsonSchema, name: string, depth: number): unknown {
  if (depth > MAX_DEPTH) return undefined;
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum.find((value) => value !== null) ?? schema.enum[0];
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = schema[key];
    if (Array.isArray(branches)) {
      const usable = (branches as JsonSchema[]).filter((b) => b.type !== 'null');
      for (const branch of usable) {
        const value = exampleOf({ ...withoutKey(schema, key), ...branch }, name, depth);
        if (value !== undefined) return value;
      }
      return null;
    }
  }
  if (Array.isArray(schema.allOf)) {
    return exampleOf(
      Object.assign({}, withoutKey(schema, 'allOf'), ...(schema.allOf as JsonSchema[])),
      name,
      depth,
    );
  }
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string | undefined];
  const type = types.find((t) => t !== 'null') ?? types[0];
  switch (type) {
    case 'object':
      return objectExample(schema, depth);
    case 'array': {
      const min = Math.max(1, Number(schema.minItems ?? 0));
      const items = (schema.items ?? {}) as JsonSchema;
      const out: unknown[] = [];
      for (let i = 0; i < min; i++) {
        const value = exampleOf(items, name, depth + 1);
        out.push(schema.uniqueItems && typeof value === 'string' && i > 0 ? `${value}${i}` : value);
      }
      return out;
    }
    case 'string':
      return stringExample(schema, name);
    case 'integer':
    case 'number':
      return numberExample(schema, type === 'integer');
    case 'boolean':
      return true;
    default:
      return schema.properties ? objectExample(schema, depth) : {};
  }
}

function objectExample(schema: JsonSchema, depth: number): Record<string, unknown> {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const out: Record<string, unknown> = {};
  const names = Object.keys(properties);
  for (const key of names.filter((k) => required.has(k))) {
    const value = exampleOf(properties[key]!, key, depth + 1);
    if (value !== undefined) out[key] = value;
  }
  // An object that must hold something gets its first optional fields until it does.
  const min = Number(schema.minProperties ?? 0);
  for (const key of names) {
    if (Object.keys(out).length >= min) break;
    if (key in out) continue;
    const value = exampleOf(properties[key]!, key, depth + 1);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function numberExample(schema: JsonSchema, integer: boolean): number {
  const minimum = typeof schema.minimum === 'number' ? schema.minimum : undefined;
  const exclusive = typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum : undefined;
  const maximum = typeof schema.maximum === 'number' ? schema.maximum : undefined;
  let value = minimum ?? (exclusive !== undefined ? exclusive + (integer ? 1 : 0.5) : 1);
  if (maximum !== undefined && value > maximum) value = maximum;
  const step = typeof schema.multipleOf === 'number' ? schema.multipleOf : undefined;
  if (step) value = Math.ceil(value / step) * step;
  return integer ? Math.ceil(value) : value;
}

/** Strings by format; then by what the field's name says it holds. */
const FORMATS: Record<string, string> = {
  email: 'user@example.com',
  uri: 'https://example.com/callback',
  url: 'https://example.com/callback',
  'date-time': '2026-01-01T00:00:00Z',
  date: '2026-01-01',
  time: '12:00:00',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
  uuid: '00000000-0000-4000-8000-000000000000',
  hostname: 'login.example.com',
  'user-id': 'auth0|64f1a0c2e4b0a1b2c3d40001',
};

/** Candidates tried in order against a pattern; the first that fits is used. */
const PATTERN_CANDIDATES = [
  'example',
  'example-1',
  'example_1',
  'abc123',
  'Example',
  'con_AbCdEfGhIjKlMnOp',
  '#635dff',
  'https://example.com/callback',
  'https://example.com',
  'name:1',
  '+15555550100',
  '123456789012',
  '12345',
  '1',
  'a',
  '00000000-0000-4000-8000-000000000000',
  'user.user_metadata.example',
  'user.app_metadata.example',
  'organization.metadata.example',
  'client.metadata.example',
  'transaction.custom_domain.domain_metadata.example',
  'untrusted_data.authorization_params.ext-example',
  'simplified/1.0',
  'aamva',
  'us-east-1',
  'dGVzdA==',
  'abcdef0123',
  'example.com',
  'login.example.com',
  '',
];

function stringExample(schema: JsonSchema, name: string): string | undefined {
  const min = Number(schema.minLength ?? 0);
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Number.POSITIVE_INFINITY;
  const fits = (value: string) => value.length >= min && value.length <= max;
  const pattern = typeof schema.pattern === 'string' ? safeRegExp(schema.pattern) : undefined;
  const ok = (value: string) => fits(value) && (!pattern || pattern.test(value));
  const format = typeof schema.format === 'string' ? FORMATS[schema.format] : undefined;
  const byName = nameExample(name);
  for (const candidate of [format, byName, ...(pattern ? PATTERN_CANDIDATES : ['example'])]) {
    if (candidate !== undefined && ok(candidate)) return candidate;
  }
  // Long minimums (a key, a certificate) get padding of a letter the pattern allows.
  for (const letter of ['a', '0', 'A']) {
    const padded = letter.repeat(Math.max(1, min));
    if (ok(padded)) return padded;
  }
  return undefined;
}

/** A value a field of this name plausibly holds. */
function nameExample(name: string): string | undefined {
  const n = name.toLowerCase();
  if (n === 'email' || n.endsWith('_email')) return 'user@example.com';
  if (n === 'connection_id') return 'con_AbCdEfGhIjKlMnOp';
  if (n === 'user_id' || n.endsWith('user_id')) return 'auth0|64f1a0c2e4b0a1b2c3d40001';
  if (n === 'client_id' || n.endsWith('client_id')) return 'AppClientId000000000000000000001';
  if (n === 'connection') return 'Username-Password-Authentication';
  if (n === 'password') return 'Correct-Horse-Battery-9';
  if (n.includes('url') || n.includes('uri')) return 'https://example.com/callback';
  if (n === 'phone_number' || n === 'phone') return '+15555550100';
  if (n === 'domain') return 'login.example.com';
  if (n === 'name' || n.endsWith('_name')) return 'example';
  return undefined;
}

/** The pattern compiled, or undefined when this engine cannot read it (the example is then left out). */
function safeRegExp(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    try {
      return new RegExp(pattern);
    } catch {
      return undefined;
    }
  }
}

function withoutKey(schema: JsonSchema, key: string): JsonSchema {
  const { [key]: _drop, ...rest } = schema;
  return rest;
}

function list(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}
