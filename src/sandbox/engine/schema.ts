/**
 * JSON Schema, the subset the providers' documents use, over the generated model: validation that
 * reports the first problem in the words Auth0's validator uses (`Missing required property: name`,
 * `No enum match for: "toaster"`), shaping a stored record to what a response schema declares, and the
 * smallest value a schema accepts (for settings a fresh tenant holds before anyone sets them).
 */
import type { ModelSchema } from '../model.js';

type Json = Record<string, unknown>;

/** One validation failure: what is wrong and where (property names from the root). */
export interface SchemaIssue {
  /** Auth0-style description, e.g. `Expected type string but found type integer`. */
  message: string;
  /** Property path, empty at the root. */
  path: string[];
  /** The rule that failed, for providers that word their errors their own way. */
  rule?: SchemaRule;
}

/** Which keyword of a schema refused a value, with what the keyword asked for. */
export type SchemaRule =
  | { keyword: 'required'; property: string }
  | { keyword: 'type'; expected: string[] }
  | { keyword: 'enum'; allowed: unknown[]; value: unknown }
  | { keyword: 'additionalProperties'; properties: string[] }
  | {
      keyword: 'minLength' | 'maxLength' | 'minimum' | 'maximum' | 'minItems' | 'maxItems' | 'pattern';
      limit: number | string;
    };

/** Strings longer than this are not matched against a pattern (the body cap is 1 MiB; patterns are not ours). */
const PATTERN_INPUT_MAX = 8192;

const FORMATS: Record<string, RegExp> = {
  email: /^[^\s@]+@[^\s@]+$/,
  'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
  ipv4: /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  // Auth0's own formats, where their rule is plain from the ids and names a tenant hands out.
  'organization-name': /^[a-z0-9][a-z0-9_-]*$/,
  'role-id': /^rol_[A-Za-z0-9]{16}$/,
  'connection-id': /^con_[A-Za-z0-9]{16}$/,
  'organization-id': /^org_[A-Za-z0-9]{16}$/,
  'client-grant-id': /^cgr_[A-Za-z0-9]{16}$/,
  'html-color': /^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/,
  'non-empty-string': /\S/,
  hexadecimal: /^[0-9a-fA-F]*$/,
};

/** The JSON type name Auth0's messages use for a value. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Validation, shaping and minimal values over one model's named schemas. */
export class SchemaSet {
  private readonly patterns = new Map<string, RegExp | null>();

  constructor(private readonly schemas: Record<string, ModelSchema>) {}

  /** Follows `$ref` names to a schema object (true/false stay booleans). */
  resolve(schema: ModelSchema | undefined): ModelSchema | undefined {
    let current = schema;
    for (let hops = 0; current && typeof current === 'object' && typeof current.$ref === 'string'; hops++) {
      if (hops > 16) return undefined;
      current = this.schemas[current.$ref as string];
    }
    return current;
  }

  /** The first problem `value` has against `schema`, or undefined when it conforms. */
  validate(schema: ModelSchema | undefined, value: unknown, path: string[] = []): SchemaIssue | undefined {
    const s = this.resolve(schema);
    if (s === undefined || s === true) return undefined;
    if (s === false) return { message: 'Additional properties not allowed', path };
    if (Array.isArray(s.allOf)) {
      for (const part of s.allOf as ModelSchema[]) {
        const issue = this.validate(part, value, path);
        if (issue) return issue;
      }
    }
    for (const key of ['oneOf', 'anyOf'] as const) {
      const branches = s[key] as ModelSchema[] | undefined;
      if (!Array.isArray(branches)) continue;
      // Overlapping branches are common in the documents, so one match is enough; when none matches,
      // the branch that got furthest explains the failure best.
      let best: SchemaIssue | undefined;
      let matched = false;
      for (const branch of branches) {
        const issue = this.validate(branch, value, path);
        if (!issue) {
          matched = true;
          break;
        }
        if (!best || issue.path.length > best.path.length) best = issue;
      }
      if (!matched) {
        return best && best.path.length > path.length
          ? best
          : { message: `Data does not match any schemas from '${key}'`, path };
      }
    }
    const types = typesOf(s);
    if (types) {
      const actual = jsonType(value);
      const ok = types.some((t) => t === actual || (t === 'number' && actual === 'integer'));
      if (!ok)
        return {
          message: `Expected type ${types.join(',')} but found type ${actual}`,
          path,
          rule: { keyword: 'type', expected: types },
        };
    }
    if (Array.isArray(s.enum) && !s.enum.some((e) => same(e, value)))
      return {
        message: `No enum match for: ${JSON.stringify(value)}`,
        path,
        rule: { keyword: 'enum', allowed: s.enum, value },
      };
    if ('const' in s && !same(s.const, value))
      return {
        message: `No enum match for: ${JSON.stringify(value)}`,
        path,
        rule: { keyword: 'enum', allowed: [s.const], value },
      };
    if (typeof value === 'string') return this.checkString(s, value, path);
    if (typeof value === 'number') return checkNumber(s, value, path);
    if (Array.isArray(value)) return this.checkArray(s, value, path);
    if (value !== null && typeof value === 'object') return this.checkObject(s, value as Json, path);
    return undefined;
  }

  private checkString(s: Json, value: string, path: string[]): SchemaIssue | undefined {
    if (typeof s.minLength === 'number' && value.length < s.minLength)
      return {
        message: `String is too short (${value.length} chars), minimum ${s.minLength}`,
        path,
        rule: { keyword: 'minLength', limit: s.minLength },
      };
    if (typeof s.maxLength === 'number' && value.length > s.maxLength)
      return {
        message: `String is too long (${value.length} chars), maximum ${s.maxLength}`,
        path,
        rule: { keyword: 'maxLength', limit: s.maxLength },
      };
    if (typeof s.pattern === 'string') {
      if (value.length > PATTERN_INPUT_MAX)
        return { message: `String is too long (${value.length} chars), maximum ${PATTERN_INPUT_MAX}`, path };
      const re = this.regex(s.pattern);
      if (re && !re.test(value))
        return {
          message: `String does not match pattern ${s.pattern}: ${value}`,
          path,
          rule: { keyword: 'pattern', limit: s.pattern },
        };
    }
    const format = typeof s.format === 'string' ? FORMATS[s.format] : undefined;
    if (format && value.length <= PATTERN_INPUT_MAX && !format.test(value))
      return { message: `Object didn't pass validation for format ${s.format as string}: ${value}`, path };
    return undefined;
  }

  private checkArray(s: Json, value: unknown[], path: string[]): SchemaIssue | undefined {
    if (typeof s.minItems === 'number' && value.length < s.minItems)
      return {
        message: `Array is too short (${value.length}), minimum ${s.minItems}`,
        path,
        rule: { keyword: 'minItems', limit: s.minItems },
      };
    if (typeof s.maxItems === 'number' && value.length > s.maxItems)
      return {
        message: `Array is too long (${value.length}), maximum ${s.maxItems}`,
        path,
        rule: { keyword: 'maxItems', limit: s.maxItems },
      };
    if (s.uniqueItems === true) {
      const seen = new Map<string, number>();
      for (const [i, item] of value.entries()) {
        const key = JSON.stringify(item);
        const prev = seen.get(key);
        if (prev !== undefined)
          return { message: `Array items are not unique (indexes ${prev} and ${i})`, path };
        seen.set(key, i);
      }
    }
    if (s.items !== undefined) {
      for (const [i, item] of value.entries()) {
        const issue = this.validate(s.items as ModelSchema, item, [...path, `[${i}]`]);
        if (issue) return issue;
      }
    }
    return undefined;
  }

  private checkObject(s: Json, value: Json, path: string[]): SchemaIssue | undefined {
    const props = (s.properties ?? {}) as Record<string, ModelSchema>;
    for (const name of (s.required as string[] | undefined) ?? []) {
      if (value[name] === undefined)
        return {
          message: `Missing required property: ${name}`,
          path,
          rule: { keyword: 'required', property: name },
        };
    }
    const keys = Object.keys(value);
    if (typeof s.minProperties === 'number' && keys.length < s.minProperties)
      return { message: `Too few properties defined (${keys.length}), minimum ${s.minProperties}`, path };
    if (typeof s.maxProperties === 'number' && keys.length > s.maxProperties)
      return { message: `Too many properties defined (${keys.length}), maximum ${s.maxProperties}`, path };
    const extra = s.additionalProperties;
    if (extra === false) {
      const unknown = keys.filter((k) => !Object.hasOwn(props, k));
      if (unknown.length > 0)
        return {
          message: `Additional properties not allowed: ${unknown.join(',')}`,
          path,
          rule: { keyword: 'additionalProperties', properties: unknown },
        };
    }
    for (const key of keys) {
      const sub = Object.hasOwn(props, key)
        ? props[key]
        : extra !== undefined && typeof extra === 'object'
          ? (extra as ModelSchema)
          : undefined;
      if (sub === undefined || value[key] === undefined) continue;
      const issue = this.validate(sub, value[key], [...path, key]);
      if (issue) return issue;
    }
    return undefined;
  }

  private regex(pattern: string): RegExp | null {
    let re = this.patterns.get(pattern);
    if (re === undefined) {
      try {
        re = new RegExp(pattern);
      } catch {
        re = null;
      }
      this.patterns.set(pattern, re);
    }
    return re;
  }

  /**
   * The properties an object schema declares (through `allOf`, and the first object branch of a
   * `oneOf`/`anyOf`), and whether it is closed to others.
   */
  objectShape(schema: ModelSchema | undefined): { props: Record<string, ModelSchema>; closed: boolean } {
    const s = this.resolve(schema);
    const props: Record<string, ModelSchema> = {};
    let closed = false;
    if (!s || typeof s !== 'object') return { props, closed };
    Object.assign(props, (s.properties ?? {}) as Record<string, ModelSchema>);
    if (s.additionalProperties === false) closed = true;
    for (const part of (s.allOf as ModelSchema[] | undefined) ?? []) {
      const inner = this.objectShape(part);
      Object.assign(props, inner.props);
      closed ||= inner.closed;
    }
    return { props, closed };
  }

  /**
   * Drops what a closed response schema does not declare, recursively through declared objects, so a
   * stored record (which may hold internal fields) answers in the documented shape.
   */
  shape(schema: ModelSchema | undefined, value: unknown): unknown {
    const s = this.resolve(schema);
    if (!s || typeof s !== 'object' || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) {
      return s.items === undefined ? value : value.map((v) => this.shape(s.items as ModelSchema, v));
    }
    const branches = (s.oneOf ?? s.anyOf) as ModelSchema[] | undefined;
    if (Array.isArray(branches)) {
      const fit = branches.find((b) => !this.validate(b, value));
      return fit === undefined ? value : this.shape(fit, value);
    }
    const { props, closed } = this.objectShape(s);
    const out: Json = {};
    for (const [key, v] of Object.entries(value as Json)) {
      if (Object.hasOwn(props, key)) out[key] = this.shape(props[key], v);
      else if (!closed) out[key] = v;
    }
    return out;
  }

  /**
   * `value` with every required property it lacks filled with its smallest value, through declared
   * nested objects (and the object branch of a nullable `anyOf`), so a partial write to a setting
   * still reads back whole.
   */
  complete(schema: ModelSchema | undefined, value: unknown, depth = 0): unknown {
    const s = this.resolve(schema);
    if (depth > 12 || !s || typeof s !== 'object' || value === null || typeof value !== 'object')
      return value;
    if (Array.isArray(value)) {
      return s.items === undefined
        ? value
        : value.map((v) => this.complete(s.items as ModelSchema, v, depth + 1));
    }
    const branches = (s.oneOf ?? s.anyOf) as ModelSchema[] | undefined;
    if (Array.isArray(branches)) {
      const object = branches.find((b) => {
        const r = this.resolve(b);
        return !!r && typeof r === 'object' && (typesOf(r)?.includes('object') || !!r.properties);
      });
      return object === undefined ? value : this.complete(object, value, depth + 1);
    }
    const { props } = this.objectShape(s);
    const out: Json = { ...(value as Json) };
    for (const name of (s.required as string[] | undefined) ?? []) {
      if (out[name] === undefined) {
        const least = this.minimal(props[name], depth + 1);
        if (least !== undefined) out[name] = least;
      }
    }
    for (const [name, sub] of Object.entries(props)) {
      if (out[name] !== undefined) out[name] = this.complete(sub, out[name], depth + 1);
    }
    return out;
  }

  /**
   * The smallest value `schema` accepts: required properties only, the first enum value, empty strings
   * and arrays, zero; undefined when the schema only recurses.
   */
  minimal(schema: ModelSchema | undefined, depth = 0): unknown {
    const s = this.resolve(schema);
    if (depth > 12) return undefined;
    if (s === false) return undefined;
    if (!s || s === true) return {};
    if ('const' in s) return s.const;
    if (Array.isArray(s.enum)) return s.enum[0];
    const branches = (s.oneOf ?? s.anyOf) as ModelSchema[] | undefined;
    if (Array.isArray(branches) && branches.length > 0) return this.minimal(branches[0], depth + 1);
    const type = typesOf(s)?.find((t) => t !== 'null') ?? (s.properties || s.allOf ? 'object' : undefined);
    switch (type) {
      case 'string':
        return ''.padEnd(typeof s.minLength === 'number' ? s.minLength : 0, 'x');
      case 'integer':
      case 'number':
        return typeof s.minimum === 'number' ? s.minimum : 0;
      case 'boolean':
        return false;
      case 'array':
        return [];
      case 'null':
        return null;
      default: {
        const { props } = this.objectShape(s);
        const out: Json = {};
        const required = new Set<string>((s.required as string[] | undefined) ?? []);
        for (const part of (s.allOf as ModelSchema[] | undefined) ?? []) {
          const r = this.resolve(part);
          if (r && typeof r === 'object') for (const n of (r.required as string[]) ?? []) required.add(n);
        }
        for (const name of required) {
          const v = this.minimal(props[name], depth + 1);
          if (v !== undefined) out[name] = v;
        }
        const least = typeof s.minProperties === 'number' ? s.minProperties : 0;
        for (const name of Object.keys(props)) {
          if (Object.keys(out).length >= least) break;
          const v = this.minimal(props[name], depth + 1);
          if (v !== undefined) out[name] = v;
        }
        return out;
      }
    }
  }
}

function typesOf(s: Json): string[] | undefined {
  if (typeof s.type === 'string') return s.nullable === true ? [s.type, 'null'] : [s.type];
  if (Array.isArray(s.type)) return s.type as string[];
  return undefined;
}

function checkNumber(s: Json, value: number, path: string[]): SchemaIssue | undefined {
  if (typeof s.minimum === 'number' && value < s.minimum)
    return {
      message: `Value ${value} is less than minimum ${s.minimum}`,
      path,
      rule: { keyword: 'minimum', limit: s.minimum },
    };
  if (typeof s.maximum === 'number' && value > s.maximum)
    return {
      message: `Value ${value} is greater than maximum ${s.maximum}`,
      path,
      rule: { keyword: 'maximum', limit: s.maximum },
    };
  if (typeof s.exclusiveMinimum === 'number' && value <= s.exclusiveMinimum)
    return { message: `Value ${value} is equal or less than exclusive minimum ${s.exclusiveMinimum}`, path };
  if (typeof s.exclusiveMaximum === 'number' && value >= s.exclusiveMaximum)
    return {
      message: `Value ${value} is equal or greater than exclusive maximum ${s.exclusiveMaximum}`,
      path,
    };
  if (typeof s.multipleOf === 'number' && s.multipleOf > 0 && !Number.isInteger(value / s.multipleOf))
    return { message: `Value ${value} is not a multiple of ${s.multipleOf}`, path };
  return undefined;
}

function same(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'object' && JSON.stringify(a) === JSON.stringify(b));
}
