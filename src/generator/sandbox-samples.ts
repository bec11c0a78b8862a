/**
 * Emits `src/sandbox/auth0-samples.generated.ts`: for every Management API operation, its route, scopes,
 * success status and a minimal success body synthesised from the response schema. The sandbox answers
 * any operation it has no stateful handler for with that body, so all operations are callable offline.
 *
 * Synthesis is deliberately plain: required properties only, the first enum value, the first `oneOf`
 * branch that the real schema accepts. Every sample is then checked with ajv against the operation's
 * response schema, and a sample that does not validate stops the run with the operation id, because a
 * sandbox that answers invalid bodies would teach agents the wrong shapes.
 *
 * Run `tsx src/generator/sandbox-samples.ts --write` to regenerate, `--check` to verify freshness.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { $RefParser } from '@apidevtools/json-schema-ref-parser';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

/**
 * The parts of an OpenAPI 3.1 document the emitter reads. Pass the document as parsed from JSON, with
 * its `$ref`s in place: the emitter follows them itself and hands them to ajv, which cannot compile
 * the circular object graph a full dereference produces.
 */
export interface OpenAPIDocument {
  /** Path templates to path items (method name to operation object). */
  paths: Record<string, unknown>;
  /** Reusable schemas, responses and security schemes. */
  components?: unknown;
}

/** The file the emitter produces, relative to the repository root, and its text. */
export interface EmittedFile {
  /** Repository-relative path, always `src/sandbox/auth0-samples.generated.ts`. */
  file: string;
  /** The file's full text. */
  content: string;
}

/** Options of {@link emitSandboxSamples}. */
export interface SandboxSamplesOptions {
  /**
   * Resolves a local `$ref` to its target. Pass the generator's ref-parser resolver (`resolver.get`);
   * without one, `#/...` pointers are walked directly, which gives the same result for this document.
   */
  resolve?: (ref: string) => unknown;
}

/** Where the generated module lives. */
export const SANDBOX_SAMPLES_FILE = 'src/sandbox/auth0-samples.generated.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = Record<string, unknown>;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
/** Base id under which the document is registered with ajv, so `#/components/...` refs resolve. */
const DOC_ID = 'auth0.json';
/** Signals that no value could be made (a recursive schema was cut); the caller drops the property. */
const CUT = Symbol('cut');
type Sample = Json | typeof CUT;
/** Deeper than any honest schema in the document; stops runaway nesting. */
const MAX_DEPTH = 48;

/**
 * Builds the generated sample module from the Management API description.
 *
 * @throws when a synthesised sample fails to validate (the message names the operation id), or when
 *   the document was dereferenced into circular objects (pass it with its `$ref`s in place).
 */
export function emitSandboxSamples(doc: OpenAPIDocument, options: SandboxSamplesOptions = {}): EmittedFile {
  const components = asSchema(doc.components);
  try {
    JSON.stringify(doc.components);
  } catch {
    // A full dereference turns recursive schemas into cycles, which neither JSON nor ajv can take.
    throw new Error(
      'emitSandboxSamples needs the document with its $refs in place, not a dereferenced copy.',
    );
  }
  const synth = new Synthesiser(doc, options.resolve);
  const entries: string[] = [];
  for (const op of operations(doc)) {
    const entry: Record<string, unknown> = {
      id: op.id,
      method: op.method,
      path: op.path,
      scopes: op.scopes,
      status: op.status,
    };
    if (op.schema !== undefined && op.contentType) {
      const body = synth.sample(op.schema);
      if (body === CUT) throw new Error(`sandbox sample for ${op.id}: the response schema only recurses`);
      const errors = synth.check(op.schema, body);
      const conflicts = synth.takeConflicts();
      // A schema that contradicts itself cannot be met by any body; say so in the entry instead of
      // failing, but only when the contradiction was seen, so every other mismatch still stops the run.
      if (errors && conflicts.length === 0) {
        throw new Error(`sandbox sample for ${op.id} does not validate: ${errors}`);
      }
      entry.contentType = op.contentType;
      entry.body = body;
      if (errors) entry.conflict = conflicts.join('; ');
    }
    entries.push(JSON.stringify(entry));
  }
  const scopes = Object.keys(
    asSchema(
      asSchema(
        asSchema(asSchema(asSchema(components?.securitySchemes)?.oAuth2ClientCredentials)?.flows)
          ?.clientCredentials,
      )?.scopes,
    ) ?? {},
  ).sort();
  const content = [
    "// Generated by tenant-mcp's generator (src/generator/sandbox-samples.ts) from the Auth0 Management API",
    '// description: routes, scopes and minimal success bodies for the sandbox. Do not edit.',
    "import type { SampleOperation } from './sample-operation.js';",
    '',
    '/** Every OAuth scope the Management API defines; sandbox tokens carry all of them unless fewer are asked for. */',
    `export const AUTH0_SCOPES: readonly string[] = ${JSON.stringify(scopes)};`,
    '',
    '/** One entry per operation, sorted by id. */',
    'export const AUTH0_SAMPLES: readonly SampleOperation[] = [',
    ...entries.map((line) => `${line},`),
    '];',
    '',
  ].join('\n');
  return { file: SANDBOX_SAMPLES_FILE, content };
}

interface OperationFacts {
  id: string;
  method: string;
  path: string;
  scopes: string[];
  status: number;
  contentType?: 'application/json' | 'text/event-stream';
  schema?: unknown;
}

/** Operations of the document, sorted by id so the output does not depend on key order upstream. */
function operations(doc: OpenAPIDocument): OperationFacts[] {
  const found: OperationFacts[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = asSchema(asSchema(item)?.[method]);
      if (!op || typeof op.operationId !== 'string') continue;
      const responses = asSchema(op.responses) ?? {};
      const code = Object.keys(responses).find((c) => /^2\d\d$/.test(c));
      if (!code) throw new Error(`operation ${op.operationId} has no success response`);
      const content = asSchema(asSchema(responses[code])?.content);
      const security = Array.isArray(op.security) ? op.security : [];
      const scopes = security.flatMap((req) => {
        const list = asSchema(req)?.oAuth2ClientCredentials;
        return Array.isArray(list) ? list.filter((s): s is string => typeof s === 'string') : [];
      });
      const facts: OperationFacts = {
        id: op.operationId,
        method: method.toUpperCase(),
        path,
        scopes,
        status: Number(code),
      };
      for (const type of ['application/json', 'text/event-stream'] as const) {
        const media = asSchema(content?.[type]);
        if (media && media.schema !== undefined && code !== '204') {
          facts.contentType = type;
          facts.schema = media.schema;
          break;
        }
      }
      found.push(facts);
    }
  }
  return found.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function asSchema(value: unknown): Schema | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Schema) : undefined;
}

/** Makes minimal values for schemas of one document and checks them with ajv. */
class Synthesiser {
  private readonly ajv: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction>();
  private conflicts: string[] = [];

  constructor(
    private readonly doc: OpenAPIDocument,
    private readonly resolve?: (ref: string) => unknown,
  ) {
    // Formats are Auth0's own (connection-id, client-id...) and patterns use syntax that is invalid in
    // unicode mode, so the check is about structure, types, enums and patterns in legacy mode.
    this.ajv = new Ajv2020({ strict: false, validateFormats: false, unicodeRegExp: false, allErrors: false });
    this.ajv.addSchema({ $id: DOC_ID, components: doc.components }, DOC_ID);
  }

  /** A minimal value for `schema`, or CUT when only recursion could satisfy it. */
  sample(schema: unknown): Sample {
    return this.make(schema, [], 0, 0, 0);
  }

  /** Contradictions met since the last call (a required property that no property schema allows). */
  takeConflicts(): string[] {
    const found = [...new Set(this.conflicts)];
    this.conflicts = [];
    return found;
  }

  /** ajv's error text when `value` does not validate against `schema`, else undefined. */
  check(schema: unknown, value: Json): string | undefined {
    const validate = this.validator(schema);
    return validate(value) ? undefined : this.ajv.errorsText(validate.errors);
  }

  private validator(schema: unknown): ValidateFunction {
    const text = JSON.stringify(schema);
    const known = this.validators.get(text);
    if (known) return known;
    const rooted = JSON.parse(text.replaceAll('"#/components/', `"${DOC_ID}#/components/`)) as unknown;
    const validate = this.ajv.compile(typeof rooted === 'boolean' ? rooted : (asSchema(rooted) ?? {}));
    this.validators.set(text, validate);
    return validate;
  }

  private lookup(ref: string): unknown {
    if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported, got ${ref}`);
    if (this.resolve) return this.resolve(ref);
    let node: unknown = this.doc;
    for (const raw of ref.slice(2).split('/')) {
      const key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
      node = asSchema(node)?.[key];
      if (node === undefined) throw new Error(`unresolvable $ref ${ref}`);
    }
    return node;
  }

  /**
   * Replaces `$ref` (with any sibling constraints) and `allOf` by one merged schema, so the rest of the
   * synthesiser only sees plain keywords plus `oneOf`/`anyOf`. Returns the refs it walked through.
   */
  private flatten(schema: Schema, stack: string[]): { schema: Schema; stack: string[] } | typeof CUT {
    let current = schema;
    let refs = stack;
    for (;;) {
      if (typeof current.$ref === 'string') {
        const ref = current.$ref;
        if (refs.includes(ref)) return CUT;
        const { $ref: _ignored, ...siblings } = current;
        const target = asSchema(this.lookup(ref)) ?? {};
        refs = [...refs, ref];
        current = hasConstraints(siblings) ? { allOf: [target, siblings] } : target;
        continue;
      }
      if (Array.isArray(current.allOf)) {
        const { allOf, ...rest } = current;
        const parts: Schema[] = [rest];
        for (const branch of allOf) {
          const flat = this.flatten(asSchema(branch) ?? {}, refs);
          if (flat === CUT) return CUT;
          parts.push(flat.schema);
          refs = [...new Set([...refs, ...flat.stack])];
        }
        current = mergeSchemas(parts);
        continue;
      }
      return { schema: current, stack: refs };
    }
  }

  /**
   * @param fill how many more object levels get every property, not only the required ones; raised
   *   only when a minimal value cannot tell `oneOf` branches apart.
   */
  private make(input: unknown, stack: string[], depth: number, variant: number, fill: number): Sample {
    if (input === true || input === undefined) return {};
    const raw = asSchema(input);
    if (!raw || depth > MAX_DEPTH) return CUT;
    const flat = this.flatten(raw, stack);
    if (flat === CUT) return CUT;
    const { schema, stack: refs } = flat;

    for (const keyword of ['oneOf', 'anyOf'] as const) {
      const branches = schema[keyword];
      if (!Array.isArray(branches)) continue;
      const { [keyword]: _ignored, ...rest } = schema;
      let fallback: Sample = CUT;
      // Branches without required properties all accept the same minimal value, which breaks oneOf's
      // "exactly one"; filling optional properties usually brings in the discriminating ones.
      for (const extraFill of [0, 1, 3]) {
        for (const branch of branches) {
          const candidate = this.make({ allOf: [rest, branch] }, refs, depth + 1, variant, fill + extraFill);
          if (candidate === CUT) continue;
          if (fallback === CUT) fallback = candidate;
          // Validate against the whole node: a oneOf sample must match exactly one branch.
          if (!this.check(raw, candidate)) return candidate;
        }
      }
      return fallback;
    }

    if ('const' in schema) return schema.const as Json;
    if (Array.isArray(schema.enum) && schema.enum.length > 0) {
      return schema.enum[variant % schema.enum.length] as Json;
    }
    switch (pickType(schema)) {
      case 'null':
        return null;
      case 'boolean':
        return false;
      case 'integer':
        return makeNumber(schema, true, variant);
      case 'number':
        return makeNumber(schema, false, variant);
      case 'string':
        return makeString(schema, variant);
      case 'array':
        return this.makeArray(schema, refs, depth, fill);
      case 'object':
        return this.makeObject(schema, refs, depth, fill);
      default:
        return {};
    }
  }

  private makeArray(schema: Schema, stack: string[], depth: number, fill: number): Sample {
    const min = Math.max(typeof schema.minItems === 'number' ? schema.minItems : 0, fill > 0 ? 1 : 0);
    const items: Json[] = [];
    for (let i = 0; i < min; i++) {
      const item = this.make(schema.items ?? {}, stack, depth + 1, i, Math.max(0, fill - 1));
      if (item === CUT && i >= (Number(schema.minItems) || 0)) break;
      if (item === CUT) return CUT;
      items.push(item);
    }
    return items;
  }

  private makeObject(schema: Schema, stack: string[], depth: number, fill: number): Sample {
    const properties = asSchema(schema.properties) ?? {};
    const required = Array.isArray(schema.required) ? schema.required.map(String) : [];
    const extra = schema.additionalProperties;
    const out: { [key: string]: Json } = {};
    for (const key of required) {
      if (!(key in properties) && extra === false) {
        this.conflicts.push(
          `"${key}" is required but additionalProperties is false and no property declares it`,
        );
        continue;
      }
      const value =
        key in properties
          ? this.make(properties[key], stack, depth + 1, 0, Math.max(0, fill - 1))
          : this.make(asSchema(extra) ?? {}, stack, depth + 1, 0, 0);
      if (value === CUT) return CUT;
      out[key] = value;
    }
    const minProperties = typeof schema.minProperties === 'number' ? schema.minProperties : 0;
    for (const key of Object.keys(properties)) {
      if (fill === 0 && Object.keys(out).length >= minProperties) break;
      if (key in out) continue;
      const value = this.make(properties[key], stack, depth + 1, 0, Math.max(0, fill - 1));
      if (value !== CUT) out[key] = value;
    }
    for (let i = 0; Object.keys(out).length < minProperties && extra !== false; i++) {
      const value = this.make(asSchema(extra) ?? { type: 'string' }, stack, depth + 1, i, 0);
      if (value === CUT) return CUT;
      out[`key${i}`] = value;
    }
    return out;
  }
}

/** Whether a `$ref`'s siblings add anything a value must satisfy (annotations do not). */
function hasConstraints(schema: Schema): boolean {
  return Object.keys(schema).some(
    (key) =>
      !key.startsWith('x-') && !['description', 'title', 'default', 'examples', 'deprecated'].includes(key),
  );
}

/** Intersects several plain schemas (one `allOf`) into one, keeping the tightest bounds. */
function mergeSchemas(parts: Schema[]): Schema {
  const out: Schema = {};
  const patterns: string[] = [];
  for (const part of parts) {
    for (const [key, value] of Object.entries(part)) {
      const prev = out[key];
      if (key === 'pattern' && typeof value === 'string') patterns.push(value);
      if (prev === undefined) {
        out[key] = value;
        continue;
      }
      switch (key) {
        case 'properties': {
          const merged: Schema = { ...(asSchema(prev) ?? {}) };
          for (const [name, sub] of Object.entries(asSchema(value) ?? {})) {
            merged[name] = name in merged ? { allOf: [merged[name], sub] } : sub;
          }
          out[key] = merged;
          break;
        }
        case 'required':
          out[key] = [...new Set([...(prev as string[]), ...(value as string[])])];
          break;
        case 'type': {
          const a = ([] as unknown[]).concat(prev);
          const b = ([] as unknown[]).concat(value);
          out[key] = a.filter((t) => b.includes(t));
          break;
        }
        case 'minLength':
        case 'minItems':
        case 'minProperties':
        case 'minimum':
          out[key] = Math.max(Number(prev), Number(value));
          break;
        case 'maxLength':
        case 'maxItems':
        case 'maxProperties':
        case 'maximum':
          out[key] = Math.min(Number(prev), Number(value));
          break;
        case 'additionalProperties':
          if (value === false) out[key] = false;
          break;
        default:
          break;
      }
    }
  }
  if (patterns.length > 1) out['x-patterns'] = patterns;
  return out;
}

function pickType(schema: Schema): string | undefined {
  const types = ([] as unknown[]).concat(schema.type ?? []).filter((t): t is string => typeof t === 'string');
  const concrete = types.find((t) => t !== 'null');
  if (concrete) return concrete;
  if (types.includes('null')) return 'null';
  if (schema.properties || schema.required || schema.additionalProperties !== undefined) return 'object';
  if (schema.items || schema.minItems !== undefined) return 'array';
  if (schema.pattern || schema.format || schema.minLength !== undefined) return 'string';
  return undefined;
}

function makeNumber(schema: Schema, integer: boolean, variant: number): number {
  let value = 0;
  if (typeof schema.minimum === 'number') value = schema.minimum;
  if (typeof schema.exclusiveMinimum === 'number') value = schema.exclusiveMinimum + 1;
  value += variant;
  if (typeof schema.maximum === 'number' && value > schema.maximum) value = schema.maximum;
  if (typeof schema.multipleOf === 'number' && schema.multipleOf > 0) {
    value = Math.ceil(value / schema.multipleOf) * schema.multipleOf;
  }
  return integer ? Math.ceil(value) : value;
}

/** Plausible values for the formats the document uses; all invented, all on reserved example ranges. */
function formatValue(format: string): string | undefined {
  if (format === 'date-time') return '2025-01-15T09:30:00.000Z';
  if (format === 'date') return '2025-01-15';
  if (format.startsWith('email')) return 'someone@example.com';
  if (format === 'ipv4') return '192.0.2.10';
  if (format === 'ipv6') return '2001:db8::10';
  if (format === 'cidr') return '192.0.2.0/24';
  if (format === 'ipv6_cidr') return '2001:db8::/32';
  if (format === 'uuid') return '7d9f1c2e-4b3a-4c5d-8e6f-a1b2c3d4e5f6';
  if (format.includes('color')) return '#336699';
  if (format.startsWith('hostname')) return 'login.example.com';
  if (format.includes('uri') || format.includes('url')) return 'https://app.example.com/callback';
  if (format === 'connection-id') return 'con_Sb4ndb0xC0nn3ct1';
  if (format === 'client-id') return 'Sb4ndb0xCl13nt1dSb4ndb0xCl13nt1d';
  if (format === 'role-id') return 'rol_Sb4ndb0xR0l3000';
  if (format === 'organization-id') return 'org_Sb4ndb0xOrg00000';
  if (format.startsWith('user-id')) return 'auth0|sample-user';
  if (format === 'hexadecimal') return '0a1b2c';
  return undefined;
}

/** Generic strings tried against a pattern when the pattern walk below does not produce a match. */
const PATTERN_FALLBACKS = [
  'sample',
  'https://app.example.com',
  'app.example.com',
  '#336699',
  '+15550100',
  '12345',
  'a',
];

function makeString(schema: Schema, variant: number): string {
  const patterns = Array.isArray(schema['x-patterns'])
    ? (schema['x-patterns'] as string[])
    : typeof schema.pattern === 'string'
      ? [schema.pattern]
      : [];
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Number.POSITIVE_INFINITY;
  const fits = (s: string) =>
    s.length >= min && s.length <= max && patterns.every((p) => safeRegExp(p)?.test(s) ?? true);
  const base = (typeof schema.format === 'string' && formatValue(schema.format)) || 'sample';
  const candidates = [variant > 0 ? `${base}${variant}` : base, base];
  for (const p of patterns) {
    for (const repeat of [0, 1, min]) {
      const walked = exampleForPattern(p, repeat);
      if (walked !== undefined) candidates.push(variant > 0 ? `${walked}${variant}` : walked, walked);
    }
  }
  candidates.push(...PATTERN_FALLBACKS);
  for (const c of candidates) {
    if (fits(c)) return c;
    const padded = c.padEnd(min, 'x');
    if (fits(padded)) return padded;
    const cut = c.slice(0, Math.max(min, Math.min(max, c.length)));
    if (fits(cut)) return cut;
  }
  return candidates[0]!.padEnd(min, 'x');
}

function safeRegExp(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern);
  } catch {
    return undefined;
  }
}

/**
 * Walks a simple regular expression and writes one string it should match: the first alternative, the
 * first character of each class, the minimum of each quantifier (or `repeat` for open ones). Look-arounds
 * are skipped. The result is verified by the caller, so an imperfect walk only costs a fallback.
 */
export function exampleForPattern(pattern: string, repeat = 0): string | undefined {
  let i = 0;
  const src = pattern;

  function parseAlternation(): string {
    const first = parseSequence();
    while (src[i] === '|') {
      i++;
      parseSequence();
    }
    return first;
  }

  function parseSequence(): string {
    let out = '';
    while (i < src.length && src[i] !== '|' && src[i] !== ')') {
      const atom = parseAtom();
      const { min, open } = parseQuantifier();
      const count = open ? Math.max(min, repeat) : min;
      out += atom.repeat(count);
    }
    return out;
  }

  function parseAtom(): string {
    const c = src[i]!;
    if (c === '^' || c === '$') {
      i++;
      return '';
    }
    if (c === '(') {
      i++;
      let lookaround = false;
      if (src[i] === '?') {
        lookaround = src[i + 1] === '=' || src[i + 1] === '!';
        i += src[i + 1] === '<' ? 3 : 2;
      }
      const inner = parseAlternation();
      i++; // ')'
      return lookaround ? '' : inner;
    }
    if (c === '[') return parseClass();
    if (c === '\\') {
      i += 2;
      return escapeExample(src[i - 1]!);
    }
    if (c === '.') {
      i++;
      return 'a';
    }
    i++;
    return c;
  }

  function parseClass(): string {
    i++; // '['
    const negated = src[i] === '^';
    if (negated) i++;
    const members: string[] = [];
    while (i < src.length && src[i] !== ']') {
      let ch = src[i]!;
      if (ch === '\\') {
        ch = escapeExample(src[i + 1]!);
        i += 2;
      } else i++;
      if (src[i] === '-' && src[i + 1] !== ']' && src[i + 1] !== undefined) {
        i += 2; // range: its first character is a member
      }
      members.push(ch);
    }
    i++; // ']'
    if (!negated) return members[0] ?? 'a';
    return ['a', 'x', '0', 'Z'].find((c) => !members.includes(c)) ?? 'q';
  }

  function parseQuantifier(): { min: number; open: boolean } {
    const c = src[i];
    if (c === '*') {
      i++;
      if (src[i] === '?') i++;
      return { min: 0, open: true };
    }
    if (c === '+') {
      i++;
      if (src[i] === '?') i++;
      return { min: 1, open: true };
    }
    if (c === '?') {
      i++;
      return { min: 0, open: false };
    }
    if (c === '{') {
      const m = /^\{(\d+)(,\s*(\d*))?\}/.exec(src.slice(i));
      if (m) {
        i += m[0].length;
        return { min: Number(m[1]), open: m[2] !== undefined && !m[3] };
      }
    }
    return { min: 1, open: false };
  }

  try {
    const out = parseAlternation();
    return i >= src.length ? out : undefined;
  } catch {
    return undefined;
  }
}

function escapeExample(c: string): string {
  switch (c) {
    case 'd':
      return '0';
    case 'w':
    case 'S':
      return 'a';
    case 's':
      return ' ';
    case 'n':
      return '\n';
    default:
      return c;
  }
}

/** Repository root, from this file's location. */
function repoRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

/** Reads the API description shipped beside the repository (`../shared/openapi/...`). */
export function readAuth0Document(
  path = join(repoRoot(), '..', 'shared', 'openapi', 'auth0-management-api-v2.json'),
) {
  return JSON.parse(readFileSync(path, 'utf8')) as OpenAPIDocument;
}

/** Resolves the document's `$ref`s with ref-parser (local ones only) and emits the samples module. */
export async function emitFromDocument(doc: OpenAPIDocument): Promise<EmittedFile> {
  const refs = await $RefParser.resolve(doc as object, { resolve: { external: false } });
  return emitSandboxSamples(doc, { resolve: (ref) => refs.get(ref) });
}

async function main(argv: string[]): Promise<number> {
  const mode = argv.includes('--write') ? 'write' : argv.includes('--check') ? 'check' : undefined;
  if (!mode) {
    process.stderr.write('usage: tsx src/generator/sandbox-samples.ts --write | --check\n');
    return 2;
  }
  const started = Date.now();
  const { file, content } = await emitFromDocument(readAuth0Document());
  const target = join(repoRoot(), file);
  if (mode === 'write') {
    writeFileSync(target, content);
    process.stderr.write(`wrote ${file} (${content.length} bytes) in ${Date.now() - started} ms\n`);
    return 0;
  }
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {}
  if (current === content) return 0;
  process.stderr.write(`${file} is stale; run tsx src/generator/sandbox-samples.ts --write\n`);
  return 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
