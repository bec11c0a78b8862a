/**
 * Translates JSON Schema (OpenAPI 3.1) into zod 4 source code. Each component schema becomes a memoized
 * factory, so the emitted module builds nothing until an operation's schema is asked for; references that
 * close a cycle go through `z.lazy`. Formats and defaults are deliberately not carried over: the tenant
 * checks its own formats, and we never send a value the agent did not give. Descriptions are carried only
 * when the document is ours (`descriptions: true`); a provider's prose is never copied.
 */
import { GeneratorError } from './errors.js';
import { isRef, type Resolver, type Schema, type SchemaObject } from './openapi.js';
import { portablePattern } from './pattern.js';
import { key, literal, quote } from './ts-literal.js';

/** Keywords that only annotate, so they never change what validates. */
const ANNOTATIONS = new Set([
  '$comment',
  'contentEncoding',
  'contentMediaType',
  'default',
  'deprecated',
  'description',
  'discriminator',
  'example',
  'examples',
  'externalDocs',
  'format',
  'readOnly',
  'title',
  'writeOnly',
  'xml',
]);

/** Keywords the translation understands; anything else fails generation rather than being ignored. */
const SUPPORTED = new Set([
  '$ref',
  'additionalProperties',
  'allOf',
  'anyOf',
  'const',
  'enum',
  'exclusiveMaximum',
  'exclusiveMinimum',
  'items',
  'maxItems',
  'maxLength',
  'maximum',
  'maxProperties',
  'minItems',
  'minLength',
  'minimum',
  'minProperties',
  'multipleOf',
  'oneOf',
  'pattern',
  'properties',
  'required',
  'type',
]);

/** The helper functions emitted code may call, imported from the runtime rules module. */
export type RuntimeHelper = 'checkRules' | 'propertyCount';

/** Options of a {@link ZodEmitter}. */
export interface ZodEmitterOptions {
  /** Carry each schema's `description` into `.describe()`; only for a document whose prose is ours. */
  descriptions?: boolean;
}

/** Emits zod expressions for schemas of one document and collects the component factories they use. */
export class ZodEmitter {
  private readonly cyclic: Map<string, number>;
  private readonly requested = new Set<string>();
  private readonly queue: string[] = [];
  private readonly helpers = new Set<RuntimeHelper>();
  private readonly descriptions: boolean;

  constructor(
    private readonly resolver: Resolver,
    options: ZodEmitterOptions = {},
  ) {
    this.cyclic = findCycles(resolver);
    this.descriptions = options.descriptions === true;
  }

  /**
   * A zod expression for `schema`. `from` is the component whose factory the expression sits in (undefined
   * at operation level); `where` names the place in errors.
   */
  expression(schema: Schema, from: string | undefined, where: string): string {
    const expr = this.translate(schema, from, where);
    const text = typeof schema === 'object' ? schema.description : undefined;
    return this.descriptions && typeof text === 'string' && text !== '' ? describe(expr, text) : expr;
  }

  private translate(schema: Schema, from: string | undefined, where: string): string {
    if (schema === true) return 'z.unknown()';
    if (schema === false) return 'z.never()';
    for (const keyword of Object.keys(schema)) {
      if (!SUPPORTED.has(keyword) && !ANNOTATIONS.has(keyword) && !keyword.startsWith('x-')) {
        throw new GeneratorError(
          `${where}: JSON Schema keyword "${keyword}" is not supported by the generator`,
        );
      }
    }
    if (isRef(schema)) {
      const target = this.reference(schema.$ref, from, where);
      const { $ref: _, ...siblings } = schema;
      return hasConstraints(siblings)
        ? `z.intersection(${target}, ${this.expression(siblings, from, where)})`
        : target;
    }
    const parts: string[] = [];
    const base = this.base(schema, from, where);
    const combined = Boolean(schema.oneOf || schema.anyOf || schema.allOf);
    if (base !== undefined && (!combined || !isTrivial(schema))) parts.push(base);
    for (const keyword of ['oneOf', 'anyOf'] as const) {
      const members = schema[keyword];
      if (members) parts.push(this.union(members, from, `${where}.${keyword}`));
    }
    if (schema.allOf) {
      // Members that only restate a type add nothing once another part constrains the value.
      const members = schema.allOf.filter(
        (m) => !(typeof m === 'object' && isTrivial(m) && parts.length > 0),
      );
      members.forEach((m, i) => {
        parts.push(this.expression(m, from, `${where}.allOf[${i}]`));
      });
    }
    if (parts.length === 0) return 'z.unknown()';
    return parts.reduce((left, right) => `z.intersection(${left}, ${right})`);
  }

  /** Records a runtime helper as used, so the module imports it. */
  use(helper: RuntimeHelper): string {
    this.helpers.add(helper);
    return helper;
  }

  /** The runtime helpers used so far, sorted. */
  usedHelpers(): RuntimeHelper[] {
    return [...this.helpers].sort();
  }

  /** Source of every component factory referenced so far (and of those they reference), sorted by name. */
  factories(): string[] {
    const done = new Map<string, string>();
    while (this.queue.length > 0) {
      const name = this.queue.shift()!;
      const schema = this.resolver.components().get(name);
      if (schema === undefined) throw new GeneratorError(`component ${name} is missing`);
      const body = this.expression(schema, name, `components.schemas.${name}`);
      done.set(
        name,
        `function ${factoryName(name)}(): Z {\n  return (${memo('C', name)} ??= ${indentTail(body, '  ')});\n}`,
      );
    }
    return [...done.keys()].sort().map((name) => done.get(name)!);
  }

  private reference(ref: string, from: string | undefined, where: string): string {
    const name = this.resolver.componentName(ref);
    if (name === undefined) {
      // A pointer into the middle of a document: inline its target.
      return this.expression(this.resolver.get(ref) as Schema, from, `${where} -> ${ref}`);
    }
    if (!this.requested.has(name)) {
      this.requested.add(name);
      this.queue.push(name);
    }
    const call = `${factoryName(name)}()`;
    const group = this.cyclic.get(name);
    const closesCycle = from !== undefined && group !== undefined && this.cyclic.get(from) === group;
    return closesCycle ? `z.lazy(() => ${call})` : call;
  }

  private base(schema: SchemaObject, from: string | undefined, where: string): string | undefined {
    if ('const' in schema) return `z.literal(${primitive(schema.const, where)})`;
    if (Array.isArray(schema.enum)) return enumeration(schema.enum, where);
    const declared = Array.isArray(schema.type)
      ? schema.type
      : schema.type
        ? [schema.type]
        : inferType(schema);
    const types = [...new Set(declared)];
    const nullable = types.includes('null');
    const others = types.filter((t) => t !== 'null');
    if (others.length === 0) return nullable ? 'z.null()' : undefined;
    const exprs = others.map((type) => this.typed(type, schema, from, where));
    const expr = exprs.length === 1 ? exprs[0]! : `z.union<Z[]>([${exprs.join(', ')}])`;
    return nullable ? `${expr}.nullable()` : expr;
  }

  private typed(type: string, schema: SchemaObject, from: string | undefined, where: string): string {
    switch (type) {
      case 'string':
        return string(schema, where);
      case 'integer':
        return numeric('z.int()', schema);
      case 'number':
        return numeric('z.number()', schema);
      case 'boolean':
        return 'z.boolean()';
      case 'array': {
        const items =
          schema.items === undefined ? 'z.unknown()' : this.expression(schema.items, from, `${where}.items`);
        let expr = `z.array(${items})`;
        if (typeof schema.minItems === 'number' && schema.minItems > 0) expr += `.min(${schema.minItems})`;
        if (typeof schema.maxItems === 'number') expr += `.max(${schema.maxItems})`;
        return expr;
      }
      case 'object':
        return this.object(schema, from, where);
      default:
        throw new GeneratorError(`${where}: unknown type "${type}"`);
    }
  }

  private object(schema: SchemaObject, from: string | undefined, where: string): string {
    const required = new Set(schema.required ?? []);
    const properties: Array<[string, Schema]> = Object.entries(schema.properties ?? {});
    // A required name without a declared schema must still be present, with any value.
    for (const name of required) if (!schema.properties?.[name]) properties.push([name, true]);
    const shape = properties.map(([name, property]) => {
      const expr = this.expression(property, from, `${where}.properties.${name}`);
      return `${key(name)}: ${expr}${required.has(name) ? '' : '.optional()'}`;
    });
    const extra = schema.additionalProperties;
    let expr: string;
    if (extra === false) {
      expr = `z.strictObject<Shape>(${shapeLiteral(shape)})`;
    } else if (typeof extra === 'object' && extra !== null && Object.keys(extra).length > 0) {
      const values = this.expression(extra, from, `${where}.additionalProperties`);
      expr =
        shape.length === 0
          ? `z.record(z.string(), ${values})`
          : `z.object<Shape>(${shapeLiteral(shape)}).catchall(${values})`;
    } else {
      // JSON Schema lets undeclared properties through unless told otherwise; so do we.
      expr = `z.looseObject<Shape>(${shapeLiteral(shape)})`;
    }
    const min =
      typeof schema.minProperties === 'number' && schema.minProperties > 0 ? schema.minProperties : undefined;
    const max = typeof schema.maxProperties === 'number' ? schema.maxProperties : undefined;
    if (min !== undefined || max !== undefined) {
      expr += `.superRefine(${this.use('propertyCount')}(${min}, ${max}))`;
    }
    return expr;
  }

  private union(members: Schema[], from: string | undefined, where: string): string {
    let nullable = false;
    const exprs: string[] = [];
    members.forEach((member, i) => {
      if (
        typeof member === 'object' &&
        member.type === 'null' &&
        Object.keys(member).every(isAnnotationOr('type'))
      ) {
        nullable = true;
        return;
      }
      const expr = this.expression(member, from, `${where}[${i}]`);
      if (!exprs.includes(expr)) exprs.push(expr);
    });
    if (exprs.length === 0) return 'z.null()';
    const expr =
      exprs.length === 1
        ? exprs[0]!
        : `z.union<Z[]>([\n${exprs.map((e) => `  ${indentTail(e, '  ')},`).join('\n')}\n])`;
    return nullable ? `${expr}.nullable()` : expr;
  }
}

/** `expr` with a description attached (`.describe(...)`), which JSON Schema shows as `description`. */
export function describe(expr: string, text: string): string {
  return `${expr}.describe(${quote(text)})`;
}

/** The emitted name of a component's factory. */
export function factoryName(component: string): string {
  return `s_${component.replace(/[^\w$]/g, '_')}`;
}

/** `C.Name`, or `C['odd-name']` when the name is not an identifier. */
export function memo(table: string, name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `${table}.${name}` : `${table}[${quote(name)}]`;
}

/** Indents every line but the first, for nesting a multi-line expression. */
export function indentTail(text: string, pad: string): string {
  return text.replace(/\n/g, `\n${pad}`);
}

/** An object literal of shape entries, one per line. */
export function shapeLiteral(entries: string[]): string {
  if (entries.length === 0) return '{}';
  return `{\n${entries.map((entry) => `  ${indentTail(entry, '  ')},`).join('\n')}\n}`;
}

function string(schema: SchemaObject, where: string): string {
  let expr = 'z.string()';
  if (typeof schema.minLength === 'number' && schema.minLength > 0) expr += `.min(${schema.minLength})`;
  if (typeof schema.maxLength === 'number') expr += `.max(${schema.maxLength})`;
  if (typeof schema.pattern === 'string') {
    const source = portablePattern(schema.pattern);
    for (const flags of ['', 'u']) {
      try {
        new RegExp(source, flags);
      } catch (error) {
        throw new GeneratorError(
          `${where}: pattern does not compile as a JavaScript RegExp: ${(error as Error).message}`,
        );
      }
    }
    expr += `.regex(new RegExp(${quote(source)}))`;
  }
  return expr;
}

function numeric(start: string, schema: SchemaObject): string {
  let expr = start;
  if (typeof schema.minimum === 'number') expr += `.min(${schema.minimum})`;
  if (typeof schema.exclusiveMinimum === 'number') expr += `.gt(${schema.exclusiveMinimum})`;
  if (typeof schema.maximum === 'number') expr += `.max(${schema.maximum})`;
  if (typeof schema.exclusiveMaximum === 'number') expr += `.lt(${schema.exclusiveMaximum})`;
  if (typeof schema.multipleOf === 'number') expr += `.multipleOf(${schema.multipleOf})`;
  return expr;
}

function enumeration(values: unknown[], where: string): string {
  const unique = [...new Set(values)];
  const nullable = unique.includes(null);
  const rest = unique.filter((v) => v !== null);
  if (rest.length === 0) return 'z.null()';
  const expr = rest.every((v) => typeof v === 'string')
    ? `z.enum(${literal(rest)})`
    : `z.literal(${literal(rest.map((v) => JSON.parse(primitive(v, where))))})`;
  return nullable ? `${expr}.nullable()` : expr;
}

function primitive(value: unknown, where: string): string {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return literal(value);
  throw new GeneratorError(`${where}: only primitive enum/const values are supported`);
}

/** The type a schema without `type` implies through its keywords (JSON Schema applies them per type). */
function inferType(schema: SchemaObject): string[] {
  const has = (...keywords: string[]) => keywords.some((k) => k in schema);
  if (has('properties', 'required', 'additionalProperties', 'minProperties', 'maxProperties'))
    return ['object'];
  if (has('items', 'minItems', 'maxItems')) return ['array'];
  if (has('minLength', 'maxLength', 'pattern')) return ['string'];
  if (has('minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf')) return ['number'];
  return [];
}

function isAnnotationOr(...allowed: string[]): (keyword: string) => boolean {
  return (keyword) => ANNOTATIONS.has(keyword) || keyword.startsWith('x-') || allowed.includes(keyword);
}

/** Only a type (or an object open to anything): adds nothing beside combinators. */
function isTrivial(schema: SchemaObject): boolean {
  const keywords = Object.keys(schema).filter((k) => !isAnnotationOr()(k));
  return keywords.every(
    (k) =>
      k === 'type' ||
      k === 'oneOf' ||
      k === 'anyOf' ||
      k === 'allOf' ||
      (k === 'additionalProperties' && schema[k] === true),
  );
}

function hasConstraints(schema: SchemaObject): boolean {
  return Object.keys(schema).some((k) => !isAnnotationOr()(k));
}

/**
 * Groups components that sit on a reference cycle (Tarjan's strongly connected components): a reference
 * between two members of one group must be lazy, or building the first would recurse forever.
 */
function findCycles(resolver: Resolver): Map<string, number> {
  const components = resolver.components();
  const edges = new Map<string, string[]>();
  for (const [name, schema] of components) edges.set(name, [...referencedComponents(schema, resolver)]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups = new Map<string, number>();
  let counter = 0;
  let groupId = 0;
  const visit = (node: string) => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const members: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        members.push(member);
      } while (member !== node);
      const selfLoop = edges.get(node)?.includes(node);
      if (members.length > 1 || selfLoop) {
        for (const m of members) groups.set(m, groupId);
        groupId++;
      }
    }
  };
  for (const name of [...components.keys()].sort()) if (!index.has(name)) visit(name);
  return groups;
}

/** Names of the components a schema refers to directly (not through other components). */
function referencedComponents(schema: unknown, resolver: Resolver, found = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) {
    for (const item of schema) referencedComponents(item, resolver, found);
  } else if (typeof schema === 'object' && schema !== null) {
    if (isRef(schema)) {
      const name = resolver.componentName(schema.$ref);
      if (name !== undefined) found.add(name);
      else referencedComponents(resolver.get(schema.$ref), resolver, found);
    }
    for (const [k, value] of Object.entries(schema))
      if (k !== '$ref') referencedComponents(value, resolver, found);
  }
  return found;
}
