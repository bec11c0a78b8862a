/**
 * The fuzz harness: fast-check arbitraries for tool calls over every tool of a provider (valid-shaped
 * arguments generated from each operation's published JSON Schema, then mutated the way an attacker
 * would), a lane that runs them against the real executor, gate and server with a recording upstream,
 * and the oracle that says what each call must do. The suite (`tools.test.ts`) and the bench share it.
 *
 * The oracle, per call: no crash, no hang, no internal error; an invalid call is refused with the field
 * named and nothing sent; a valid one is sent exactly as validated (method, every path segment decoded,
 * query, headers, body), after at most one preview read for a destructive call.
 */
import fc from 'fast-check';
import type { z } from 'zod';
import { getProfile } from '../../src/policy/profiles.js';
import { findArgumentProblem, MAX_ARGUMENT_DEPTH } from '../../src/policy/validate.js';
import { toClientJsonSchema } from '../../src/server/json-schema.js';
import { auth0Catalog } from '../../src/tools/auth0/index.js';
import { monocloudCatalog } from '../../src/tools/monocloud/index.js';
import { describeInput, invokeReadInput, invokeWriteInput, searchInput } from '../../src/tools/registry.js';
import { TASK_TOOL_DEFINITIONS, type TaskToolDefinition } from '../../src/tools/tasks/index.js';
import { MONOCLOUD_TASK_TOOL_DEFINITIONS } from '../../src/tools/tasks/monocloud/index.js';
import type { Catalog, OperationSpec } from '../../src/tools/types.js';
import { type RawStack, startRawStack, type ToolReply } from '../helpers/raw-rpc.js';
import {
  type RecordedRequest,
  type RecordingUpstream,
  type Reply,
  startRecordingUpstream,
} from '../helpers/recording-upstream.js';

type Json = Record<string, unknown>;

/** Largest `arguments` the gate takes (kept in step with the gate's constant). */
const MAX_ARGUMENT_BYTES = 256 * 1024;

// ---- hostile values ------------------------------------------------------------------------------

/** Strings that smuggle, overflow or break encodings. */
const HOSTILE_STRINGS = [
  '',
  ' ',
  '../../clients?x=1#frag',
  '..',
  '.',
  '%2e%2e',
  'auth0|x/../../clients?x=1#',
  'a\r\nX-Injected: 1',
  'nul\u0000byte',
  'lone\ud800surrogate',
  '\udfffback',
  'bidi\u202Eoverride',
  'tag\u{E0041}chars',
  '😀 emoji',
  '{org_id}',
  'name:"x" OR email:*',
  '<script>alert(1)</script>',
  'x'.repeat(300),
  'a@b',
  '@@@@',
  '__proto__',
  'constructor',
];

/** A string of `size` characters built to pump patterns, not generated character by character. */
const bigString = fc
  .tuple(
    fc.constantFrom('a', 'a-', '.', '<', '@', ' ', 'ä', 'a.b@'),
    fc.constantFrom(1_000, 100_000, 300_000),
  )
  .map(([unit, size]) => `${unit.repeat(Math.ceil(size / unit.length))}!`);

/**
 * Nested arrays or objects `depth` deep, as JSON text parsed back (cheap to build). At most 1,500: past
 * about 4,000 levels `JSON.stringify` itself overflows the stack (the 10,000-deep case is sent as text in
 * `test/hostile/arguments.test.ts`).
 */
const deepValue = fc
  .tuple(fc.integer({ min: MAX_ARGUMENT_DEPTH - 2, max: 1_500 }), fc.boolean())
  .map(([depth, arrays]) =>
    JSON.parse(
      arrays ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
    ),
  );

/** A value from JSON text with a key that parsers treat specially. */
const prototypeKeyed = fc
  .tuple(fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.jsonValue({ maxDepth: 1 }))
  .map(([key, value]) => JSON.parse(`{"${key}":${JSON.stringify(value) ?? 'null'},"ok":1}`));

/** Any hostile value: wrong types, huge strings, deep nesting, special keys, smuggling text. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: bigString },
  { weight: 1, arbitrary: deepValue },
  { weight: 2, arbitrary: prototypeKeyed },
  { weight: 1, arbitrary: fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, -1, 1e308, 0.5, -0) },
);

// ---- values shaped by a JSON Schema -------------------------------------------------------------

type Schema = Record<string, unknown>;

/** Values a JSON Schema describes (patterns, enums, bounds), bounded in size; any value for `{}`. */
export function shaped(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = schema[key] as Schema[] | undefined;
    if (branches?.length) return fc.oneof(...branches.map((branch) => shaped(branch, depth + 1)));
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length) return shaped(schema.allOf[0] as Schema, depth + 1);
  const types = Array.isArray(schema.type)
    ? (schema.type as string[])
    : schema.type
      ? [schema.type as string]
      : [];
  if (types.length > 1) return fc.oneof(...types.map((type) => shaped({ ...schema, type }, depth)));
  switch (types[0]) {
    case 'string':
      return shapedString(schema);
    case 'integer':
      return fc.integer({
        min: typeof schema.minimum === 'number' ? Math.ceil(schema.minimum) : -1_000,
        max: typeof schema.maximum === 'number' ? Math.floor(schema.maximum) : 1_000,
      });
    case 'number':
      return fc.double({
        min: typeof schema.minimum === 'number' ? schema.minimum : -1e6,
        max: typeof schema.maximum === 'number' ? schema.maximum : 1e6,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const items = schema.items && depth < 5 ? shaped(schema.items as Schema, depth + 1) : fc.string();
      const min = typeof schema.minItems === 'number' ? schema.minItems : 0;
      return fc.array(items, {
        minLength: min,
        maxLength: Math.max(min, Math.min(3, Number(schema.maxItems ?? 3))),
      });
    }
    case 'object':
      return shapedObject(schema, depth);
    default:
      return schema.properties ? shapedObject(schema, depth) : fc.jsonValue({ maxDepth: 2 });
  }
}

function shapedString(schema: Schema): fc.Arbitrary<string> {
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = Math.max(min, Math.min(typeof schema.maxLength === 'number' ? schema.maxLength : 24, 40));
  switch (schema.format) {
    case 'email':
      return fc.emailAddress();
    case 'uri':
    case 'url':
      return fc.webUrl();
    case 'date-time':
      return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
    case 'uuid':
      return fc.uuid();
  }
  if (typeof schema.pattern === 'string') {
    try {
      const pattern = new RegExp(schema.pattern);
      return fc.stringMatching(pattern).filter((s) => s.length >= min && s.length <= Math.max(max, 200));
    } catch {
      // A pattern fast-check cannot generate from: plain strings, mostly refused.
    }
  }
  return fc.string({ minLength: min, maxLength: max });
}

function shapedObject(schema: Schema, depth: number): fc.Arbitrary<unknown> {
  const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const names = Object.keys(properties).filter((name) => depth < 4 || required.has(name));
  const record = fc.record(
    Object.fromEntries(names.map((name) => [name, shaped(properties[name]!, depth + 1)])),
    { requiredKeys: names.filter((name) => required.has(name)) },
  );
  if (schema.additionalProperties === false || depth >= 3) return record;
  return fc
    .tuple(
      record,
      fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }),
    )
    .map(([known, extra]) => ({ ...extra, ...(known as Json) }));
}

/** `args` with one hostile change: a value replaced, a key added or dropped. */
export function mutated(args: fc.Arbitrary<Json>, keys: readonly string[]): fc.Arbitrary<Json> {
  const key = keys.length
    ? fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 12 }))
    : fc.string({ maxLength: 12 });
  return fc.tuple(args, fc.nat(2), key, hostileValue).map(([base, how, name, value]) => {
    const copy: Json = { ...base };
    if (how === 1) delete copy[name];
    else if (name === '__proto__' || name === 'constructor' || name === 'prototype') {
      return JSON.parse(
        `{"${name}":${JSON.stringify(value) ?? 'null'},${JSON.stringify(copy).slice(1)}`.replace(/,}$/, '}'),
      );
    } else copy[name] = value;
    return copy;
  });
}

// ---- one fuzz case -------------------------------------------------------------------------------

/** How the recording upstream answers during one case. */
export type UpstreamMood = 'ok' | 'list' | 'text' | 'not-found' | 'html-500' | 'secret-echo';

/** A generated tool call, with how the tenant answers it. */
export interface FuzzCase {
  /** The tool's name (maybe one that does not exist). */
  tool: string;
  /** The arguments, any JSON value (objects are the usual; anything else is a protocol error). */
  args: unknown;
  /** The tenant's mood. */
  mood: UpstreamMood;
}

/** What the fuzz arbitraries need of a provider, loaded once. */
export interface FuzzTarget {
  /** The catalog. */
  catalog: Catalog;
  /** Its task tools. */
  tasks: readonly TaskToolDefinition[];
  /** Each operation's published input schema. */
  schemas: ReadonlyMap<string, Schema>;
  /** Each operation's zod input schema (the gate's validation). */
  zod: ReadonlyMap<string, z.ZodType>;
}

/** Loads what the arbitraries and the oracle read for a provider. */
export async function loadTarget(provider: 'auth0' | 'monocloud'): Promise<FuzzTarget> {
  const catalog = provider === 'auth0' ? auth0Catalog : monocloudCatalog;
  const schemas = new Map<string, Schema>();
  const zod = new Map<string, z.ZodType>();
  for (const op of catalog.operations) {
    const schema = await catalog.inputSchema(op.id);
    zod.set(op.id, schema);
    schemas.set(op.id, toClientJsonSchema(schema));
  }
  return {
    catalog,
    tasks: provider === 'auth0' ? TASK_TOOL_DEFINITIONS : MONOCLOUD_TASK_TOOL_DEFINITIONS,
    schemas,
    zod,
  };
}

/** Arbitraries already built, per target and operation: building one from a large schema is slow. */
const ARGS = new WeakMap<FuzzTarget, Map<string, fc.Arbitrary<Json>>>();

/** Arguments for `op`: valid-shaped most of the time, mutated otherwise. */
function operationArgs(target: FuzzTarget, op: OperationSpec): fc.Arbitrary<Json> {
  let built = ARGS.get(target);
  if (!built) {
    built = new Map();
    ARGS.set(target, built);
  }
  let args = built.get(op.id);
  if (!args) {
    args = buildOperationArgs(target, op);
    built.set(op.id, args);
  }
  return args;
}

function buildOperationArgs(target: FuzzTarget, op: OperationSpec): fc.Arbitrary<Json> {
  const schema = target.schemas.get(op.id)!;
  const base = shaped(schema) as fc.Arbitrary<Json>;
  const keys = Object.keys((schema.properties as Json | undefined) ?? {});
  return fc.oneof({ weight: 3, arbitrary: base }, { weight: 2, arbitrary: mutated(base, keys) });
}

/** Every tool call the provider's server can be sent, hostile ones included. */
export function fuzzCase(target: FuzzTarget): fc.Arbitrary<FuzzCase> {
  const ops = target.catalog.operations;
  const mood = fc.constantFrom<UpstreamMood>(
    'ok',
    'ok',
    'list',
    'text',
    'not-found',
    'html-500',
    'secret-echo',
  );
  const anyOp = fc.constantFrom(...ops);
  const opId = fc.oneof(
    { weight: 8, arbitrary: anyOp.map((op) => op.id) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('get_userz', 'delete_everything', '', '__proto__', 'x'.repeat(101)),
    },
  );
  const fields = fc.option(
    fc.array(
      fc.oneof(
        fc.constantFrom('user_id', 'email', 'user_metadata.__proto__.x', 'a.b.c'),
        fc.string({ maxLength: 10 }),
      ),
      { maxLength: 4 },
    ),
    { nil: undefined },
  );
  const perOperation = anyOp.chain((op) =>
    fc.record({
      tool: fc.constant(op.toolName),
      args: fc
        .tuple(operationArgs(target, op), fc.option(fc.boolean(), { nil: undefined }))
        .map(([args, dry]) => (op.risk !== 'read' && dry !== undefined ? { ...args, dry_run: dry } : args)),
    }),
  );
  const invoke = fc
    .tuple(fc.boolean(), opId, fields, fc.option(fc.integer({ min: -1, max: 101 }), { nil: undefined }))
    .chain(([read, id, picked, maxItems]) => {
      const op = ops.find((o) => o.id === id);
      const args = op
        ? operationArgs(target, op)
        : fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 });
      return fc.record({
        tool: fc.constant(read ? 'invoke_read_operation' : 'invoke_write_operation'),
        args: args.map((a) => ({
          operation: id,
          arguments: a,
          ...(read && picked ? { fields: picked } : {}),
          ...(read && maxItems !== undefined ? { max_items: maxItems } : {}),
        })),
      });
    });
  const task = fc.constantFrom(...target.tasks).chain((tool) => {
    const schema = toClientJsonSchema(tool.input);
    const base = shaped(schema) as fc.Arbitrary<Json>;
    const keys = Object.keys((schema.properties as Json | undefined) ?? {});
    return fc.record({
      tool: fc.constant(tool.name),
      args: fc.oneof({ weight: 3, arbitrary: base }, { weight: 2, arbitrary: mutated(base, keys) }),
    });
  });
  const discovery = fc.oneof(
    fc.record({
      tool: fc.constant('search_operations'),
      args: fc.oneof(
        shaped(toClientJsonSchema(searchInput)),
        mutated(shaped(toClientJsonSchema(searchInput)) as fc.Arbitrary<Json>, ['query', 'limit']),
      ),
    }),
    fc.record({ tool: fc.constant('describe_operation'), args: opId.map((operation) => ({ operation })) }),
  );
  const junk = fc.record({
    tool: fc.oneof(
      fc.constantFrom('no_such_tool', '', 'invoke_read_operation'),
      fc.string({ maxLength: 10 }),
    ),
    args: fc.oneof(
      fc.constant([]),
      fc.constant('text'),
      fc.constant(7),
      fc.constant(null),
      fc.constant(undefined),
    ),
  });
  return fc
    .tuple(
      fc.oneof(
        { weight: 7, arbitrary: perOperation },
        { weight: 5, arbitrary: invoke },
        { weight: 4, arbitrary: task },
        { weight: 2, arbitrary: discovery },
        { weight: 1, arbitrary: junk },
      ),
      mood,
    )
    .map(([call, m]) => ({ tool: call.tool, args: call.args, mood: m }));
}

// ---- the tenant's answers ------------------------------------------------------------------------

/** The client secret of the lanes: an echo of it must never reach the agent. */
export const FUZZ_SECRET = 'fuzz-client-secret-canary-5150';

function moodReply(mood: UpstreamMood, request: RecordedRequest): Reply {
  switch (mood) {
    case 'ok':
      return {
        status: request.method === 'DELETE' ? 204 : 200,
        body: { user_id: 'auth0|1', client_secret: FUZZ_SECRET },
      };
    case 'list':
      return { status: 200, body: [{ user_id: 'auth0|1', __proto__x: 1 }, { user_id: 'auth0|2' }] };
    case 'text':
      return {
        status: 200,
        headers: { 'content-type': 'text/plain' },
        body: `client_secret=${FUZZ_SECRET}&ok=1`,
      };
    case 'not-found':
      return {
        status: 404,
        body: { statusCode: 404, error: 'Not Found', message: 'no such thing', errorCode: 'inexistent_user' },
      };
    case 'html-500':
      return {
        status: 500,
        headers: { 'content-type': 'text/html' },
        body: `<h1>down</h1>${'<p'.repeat(2_000)}`,
      };
    case 'secret-echo':
      return {
        status: 400,
        body: {
          statusCode: 400,
          message: `bad request: ${request.headers.authorization ?? request.headers['x-api-key']} ${request.body}`,
        },
      };
  }
}

// ---- the oracle ----------------------------------------------------------------------------------

/** What the oracle expects of one call. */
type Expectation =
  | { kind: 'protocol-error' }
  | { kind: 'refused'; names: string[] }
  | { kind: 'sent'; op: OperationSpec; data: Json; fields?: string[]; dryRun: boolean }
  | { kind: 'task'; tool: TaskToolDefinition; dryRun: boolean }
  | { kind: 'no-request' };

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The names a refusal must mention: the failing paths of zod's issues (or its unknown keys). */
function issueNames(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((k) => k.slice(0, 60))
      : issue.path.length
        ? [String(issue.path.at(-1)).slice(0, 60)]
        : [],
  );
}

function problemNames(value: unknown, root: string): string[] | undefined {
  const problem = findArgumentProblem(value, root);
  return problem ? [problem.path.split('.').at(-1)!.slice(0, 60)] : undefined;
}

function expectOperation(
  target: FuzzTarget,
  op: OperationSpec,
  raw: unknown,
  extra: { fields?: string[]; dryRun: boolean },
): Expectation {
  const args = raw ?? {};
  if (!isObject(args)) return { kind: 'refused', names: ['arguments'] };
  const problem = problemNames(args, 'arguments');
  if (problem) return { kind: 'refused', names: problem };
  if (Buffer.byteLength(JSON.stringify(args)) > MAX_ARGUMENT_BYTES)
    return { kind: 'refused', names: ['bytes'] };
  const parsed = target.zod.get(op.id)!.safeParse(args);
  if (!parsed.success) return { kind: 'refused', names: issueNames(parsed.error.issues) };
  const data = parsed.data as Json;
  return { kind: 'sent', op, data, ...(extra.fields ? { fields: extra.fields } : {}), dryRun: extra.dryRun };
}

/** What a call must do, from the catalog's schemas alone. */
export function expectationOf(target: FuzzTarget, call: FuzzCase): Expectation {
  const { tool, args } = call;
  const ops = target.catalog.operations;
  if (args !== undefined && !isObject(args)) return { kind: 'protocol-error' };
  const raw = (args ?? {}) as Json;
  const toolProblem = problemNames(raw, '');
  // A task tool wins over an operation of the same name (MonoCloud's unblock_user), which is not listed.
  const taskTool = target.tasks.find((t) => t.name === tool);
  const perOperation = taskTool ? undefined : ops.find((op) => op.toolName === tool);
  const generic = [
    'search_operations',
    'describe_operation',
    'invoke_read_operation',
    'invoke_write_operation',
  ];
  if (!perOperation && !taskTool && !generic.includes(tool)) return { kind: 'protocol-error' };
  if (taskTool) {
    if (toolProblem) return { kind: 'refused', names: toolProblem };
    const parsed = taskTool.input.safeParse(raw);
    if (!parsed.success) return { kind: 'refused', names: issueNames(parsed.error.issues) };
    return { kind: 'task', tool: taskTool, dryRun: (parsed.data as Json).dry_run === true };
  }
  if (perOperation) {
    if (perOperation.risk === 'read') return expectOperation(target, perOperation, raw, { dryRun: false });
    const { dry_run, approval_id, ...rest } = raw;
    if (dry_run !== undefined && typeof dry_run !== 'boolean') return { kind: 'refused', names: ['dry_run'] };
    if (approval_id !== undefined) return { kind: 'refused', names: [] };
    return expectOperation(target, perOperation, rest, { dryRun: dry_run === true });
  }
  if (tool === 'search_operations' || tool === 'describe_operation') {
    const parsed = (tool === 'search_operations' ? searchInput : describeInput).safeParse(raw);
    return parsed.success
      ? { kind: 'no-request' }
      : { kind: 'refused', names: issueNames(parsed.error.issues) };
  }
  const parsed = (tool === 'invoke_read_operation' ? invokeReadInput : invokeWriteInput).safeParse(raw);
  if (!parsed.success) return { kind: 'refused', names: issueNames(parsed.error.issues) };
  const op = ops.find((o) => o.id === parsed.data.operation);
  if (!op) return { kind: 'refused', names: [] };
  const read = tool === 'invoke_read_operation';
  if (read !== (op.risk === 'read')) return { kind: 'refused', names: [] };
  const input = parsed.data as Json;
  if (input.approval_id !== undefined) return { kind: 'refused', names: [] };
  return expectOperation(target, op, raw.arguments, {
    ...(Array.isArray(input.fields) ? { fields: input.fields as string[] } : {}),
    dryRun: input.dry_run === true,
  });
}

/** A failed expectation, for the report. */
export class FuzzFailure extends Error {}

function fail(call: FuzzCase, why: string, reply?: ToolReply, requests?: RecordedRequest[]): never {
  const args = JSON.stringify(call.args) ?? String(call.args);
  throw new FuzzFailure(
    `${why}\n  tool: ${call.tool} (tenant ${call.mood})\n  args: ${args.slice(0, 600)}${args.length > 600 ? '…' : ''}` +
      (reply ? `\n  answer: ${(reply.text || JSON.stringify(reply.reply.error)).slice(0, 600)}` : '') +
      (requests?.length
        ? `\n  sent: ${requests.map((r) => `${r.method} ${r.url.slice(0, 200)}`).join(' | ')}`
        : ''),
  );
}

/** The value JSON would carry (what went over the wire and back). */
const wire = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys(value[key])]),
  );
}

/** Checks that `request` is `op` with `data`, exactly: no segment escaped, no value lost or added. */
function checkSent(
  target: FuzzTarget,
  call: FuzzCase,
  expected: Extract<Expectation, { kind: 'sent' }>,
  request: RecordedRequest,
  reply: ToolReply,
): void {
  const { op, data } = expected;
  const bad = (why: string) =>
    fail(call, `sent differently from what was validated: ${why}`, reply, [request]);
  if (request.method !== op.method) bad(`method ${request.method}`);
  const base = target.catalog.apiBasePath ?? '';
  if (!request.path.startsWith(`${base}/`)) bad(`path ${request.path}`);
  const sent = request.path.slice(base.length).split('/');
  const template = op.path.split('/');
  if (sent.length !== template.length) bad(`${sent.length} segments for ${op.path}`);
  template.forEach((segment, i) => {
    const name = /^\{(.+)\}$/.exec(segment)?.[1];
    const value = name === undefined ? segment : String(data[name]);
    if (decodeURIComponent(sent[i]!) !== value) bad(`segment ${i}: ${sent[i]} is not ${value}`);
  });
  const query: Record<string, string[]> = {};
  for (const param of op.params.filter((p) => p.in === 'query')) {
    const value = data[param.name];
    const values = value === undefined ? [] : (Array.isArray(value) ? value : [value]).map(String);
    if (values.length) query[param.name] = values;
  }
  if (expected.fields?.length && op.params.some((p) => p.name === 'fields') && query.fields === undefined) {
    query.fields = [expected.fields.join(',')];
    if (op.params.some((p) => p.name === 'include_fields')) query.include_fields = ['true'];
  }
  const got: Record<string, string[]> = {};
  for (const name of new Set(request.query.keys())) got[name] = request.query.getAll(name);
  if (!deepEqual(got, query)) bad(`query ${JSON.stringify(got)} is not ${JSON.stringify(query)}`);
  for (const param of op.params.filter((p) => p.in === 'header')) {
    const value = data[param.name];
    if (value !== undefined && request.headers[param.name.toLowerCase()] !== String(value))
      bad(`header ${param.name}`);
  }
  let body: unknown;
  if (op.body?.mode === 'wrapped') body = data.body;
  else if (op.body) {
    const picked = Object.fromEntries(
      op.body.fields.filter((f) => data[f] !== undefined).map((f) => [f, data[f]]),
    );
    if (Object.keys(picked).length > 0 || op.body.required) body = picked;
  }
  if (body === undefined) {
    if (request.body !== '') bad('a body was sent');
    return;
  }
  const type = request.headers['content-type'] ?? '';
  if (type.startsWith('multipart/')) return;
  if (!deepEqual(request.json(), wire(body))) bad(`body ${request.body.slice(0, 300)}`);
}

/** The operations a task tool's request may be, by method and path template. */
function matchesCatalog(target: FuzzTarget, request: RecordedRequest): OperationSpec | undefined {
  const base = target.catalog.apiBasePath ?? '';
  const sent = request.path.slice(base.length).split('/');
  return target.catalog.operations.find((op) => {
    const template = op.path.split('/');
    return (
      op.method === request.method &&
      template.length === sent.length &&
      template.every((segment, i) => /^\{.+\}$/.test(segment) || segment === sent[i])
    );
  });
}

/** The prototype's own names before any call: a call that adds one polluted it. */
const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort().join();

/** A provider's server on a recording upstream, ready for fuzz cases. */
export interface FuzzLane {
  /** The provider. */
  target: FuzzTarget;
  /** Runs one case and checks it against the oracle; throws {@link FuzzFailure} when it fails. */
  run(call: FuzzCase): Promise<void>;
  /** Calls made so far. */
  calls(): number;
  /** The audit trail's file, when the lane writes one. */
  auditPath?: string;
  /** Stops the server and the upstream. */
  close(): Promise<void>;
}

/** Longest a call may take before it counts as a hang. */
const HANG_MS = 10_000;

/** Starts a lane: admin profile, every operation as its own tool, a person who accepts every question. */
export async function startFuzzLane(
  target: FuzzTarget,
  options: { audit?: boolean } = {},
): Promise<FuzzLane> {
  const monocloud = target.catalog.provider === 'monocloud';
  const upstream: RecordingUpstream = await startRecordingUpstream({
    ...(monocloud ? { tokenEndpoint: false } : {}),
    // Long enough for any URL a valid call can make (a 256 kB path segment is valid), so each is recorded.
    maxHeaderSize: 2 * 1024 * 1024,
  });
  let mood: UpstreamMood = 'ok';
  upstream.setFallback((request) => moodReply(mood, request));
  const stack: RawStack = await startRawStack({
    catalog: target.catalog,
    profile: getProfile('admin', target.catalog),
    domain: upstream.url,
    toolsets: [...new Set(target.catalog.operations.map((op) => op.toolset))],
    auth: monocloud
      ? { kind: 'api_key', apiKey: FUZZ_SECRET }
      : { kind: 'client_credentials', clientId: 'cid', clientSecret: FUZZ_SECRET },
    ...(options.audit ? { audit: true } : {}),
    callTimeoutMs: HANG_MS,
  });
  let count = 0;

  async function run(call: FuzzCase): Promise<void> {
    count++;
    mood = call.mood;
    upstream.reset();
    const expected = expectationOf(target, call);
    const logged = stack.logs.length;
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new FuzzFailure(`no answer within ${HANG_MS} ms`)), HANG_MS + 2_000);
    });
    let reply: ToolReply;
    try {
      reply = await Promise.race([
        stack.client.callTool(call.tool, call.args === undefined ? undefined : JSON.stringify(call.args)),
        hang,
      ]);
    } catch (error) {
      return fail(call, (error as Error).message);
    } finally {
      clearTimeout(timer);
    }
    const requests = [...upstream.requests];
    if (Object.getOwnPropertyNames(Object.prototype).sort().join() !== PROTOTYPE_KEYS)
      fail(call, 'Object.prototype was polluted', reply, requests);
    const errors = stack.logs.slice(logged).filter((line) => line.includes('internal error'));
    if (errors.length || reply.text.includes('Internal error'))
      fail(call, `internal error: ${errors.join(' ').slice(0, 800)}`, reply, requests);
    if (reply.text.includes(FUZZ_SECRET) || upstream.issuedTokens.some((token) => reply.text.includes(token)))
      fail(call, 'a credential reached the agent', reply, requests);
    if (expected.kind === 'protocol-error') {
      if (!reply.reply.error) fail(call, 'expected a JSON-RPC error', reply, requests);
      if (requests.length) fail(call, 'sent although the call was malformed', reply, requests);
      return;
    }
    if (reply.reply.error) fail(call, `unexpected JSON-RPC error ${reply.reply.error.code}`, reply, requests);
    switch (expected.kind) {
      case 'no-request':
        if (requests.length) fail(call, 'a discovery tool reached the tenant', reply, requests);
        return;
      case 'refused': {
        if (!reply.isError) fail(call, 'an invalid call was not refused', reply, requests);
        if (requests.length) fail(call, 'an invalid call reached the tenant', reply, requests);
        const named = expected.names.filter((name) => name && !/[^\x20-\x7e]/.test(name));
        if (named.length && !named.some((name) => reply.text.includes(name)))
          fail(call, `the refusal names none of ${named.join(', ')}`, reply, requests);
        return;
      }
      case 'task': {
        for (const request of requests) {
          const op = matchesCatalog(target, request);
          if (!op)
            fail(
              call,
              `a task sent a request no operation has: ${request.method} ${request.path}`,
              reply,
              requests,
            );
          if (request.method !== 'GET' && (!expected.tool.writes || expected.dryRun))
            fail(call, 'a task that may not write sent a write', reply, requests);
        }
        return;
      }
      case 'sent': {
        // A change too long for a person to read whole is refused before any write, by design.
        if (
          reply.isError &&
          /a change nobody can read whole is not put to a person/.test(reply.text) &&
          encodeURIComponent(JSON.stringify(call.args) ?? '').length > 4_000
        ) {
          if (requests.some((r) => r.method !== 'GET'))
            fail(call, 'a refused change sent a write', reply, requests);
          return;
        }
        if (expected.dryRun) {
          if (requests.some((r) => r.method !== 'GET')) fail(call, 'a dry run sent a write', reply, requests);
          return;
        }
        const writes = requests.filter((r) => !(r.method === 'GET' && expected.op.method !== 'GET'));
        // A confirmed call reads first (the current state and whom it acts on, for the person's view);
        // then exactly one request.
        if (writes.length !== 1 || requests.length > 7)
          fail(call, `expected one request, got ${requests.length}`, reply, requests);
        checkSent(target, call, expected, writes[0]!, reply);
        return;
      }
    }
  }

  return {
    target,
    run,
    calls: () => count,
    ...(stack.auditPath ? { auditPath: stack.auditPath } : {}),
    async close() {
      await stack.close();
      await upstream.close();
    },
  };
}
