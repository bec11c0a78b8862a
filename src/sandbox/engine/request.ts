/**
 * Checks one request against its operation in the model: path parameters, the query string (values
 * coerced from text by their declared types; undeclared names refused) and the body. Each problem comes
 * back with where it was found, so each provider words the error its own way.
 */
import type { ModelOperation, ModelParameter } from '../model.js';
import type { SchemaIssue, SchemaSet } from './schema.js';

/** Where a problem was found. */
export type RequestPart = 'path' | 'query' | 'body';

/** A request problem. */
export interface RequestIssue extends SchemaIssue {
  /** The part of the request at fault. */
  part: RequestPart;
}

/** Query names some clients send on every list though the document does not declare them. */
const TOLERATED_QUERY = new Set(['fields', 'include_fields']);

/** Parses one query value by its declared schema; undefined when it cannot be read as that type. */
function coerce(schemas: SchemaSet, param: ModelParameter, values: string[]): unknown {
  const s = schemas.resolve(param.schema);
  const type =
    s && typeof s === 'object' ? ([] as unknown[]).concat(s.type ?? []).find((t) => t !== 'null') : undefined;
  const one = (raw: string, t: unknown): unknown => {
    if (t === 'integer' || t === 'number') {
      if (raw.trim() === '') return raw;
      const n = Number(raw);
      return Number.isNaN(n) ? raw : n;
    }
    if (t === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
    return raw;
  };
  if (type === 'array') {
    const items = s && typeof s === 'object' ? schemas.resolve(s.items as never) : undefined;
    const itemType =
      items && typeof items === 'object'
        ? ([] as unknown[]).concat(items.type ?? []).find((t) => t !== 'null')
        : undefined;
    return values.flatMap((v) => v.split(',')).map((v) => one(v, itemType));
  }
  return one(values[values.length - 1] ?? '', type);
}

/**
 * Validates path parameters, query and body of a request; returns the decoded query (by name, typed)
 * or the first problem.
 */
export function checkRequest(
  schemas: SchemaSet,
  op: ModelOperation,
  params: Record<string, string>,
  query: URLSearchParams,
  body: unknown,
  extraQuery: readonly string[] = [],
): { query: Record<string, unknown> } | { issue: RequestIssue } {
  for (const param of op.params) {
    const value = params[param.name];
    if (value === undefined) continue;
    const issue = schemas.validate(param.schema, value, [param.name]);
    if (issue) return { issue: { ...issue, part: 'path' } };
  }
  const declared = new Map(op.query.map((p) => [p.name, p]));
  const unknown = [...new Set(query.keys())].filter(
    (k) => !declared.has(k) && !TOLERATED_QUERY.has(k) && !extraQuery.includes(k),
  );
  if (unknown.length > 0)
    return {
      issue: { message: `Additional properties not allowed: ${unknown.join(',')}`, path: [], part: 'query' },
    };
  const decoded: Record<string, unknown> = {};
  for (const param of op.query) {
    const values = query.getAll(param.name);
    if (values.length === 0) {
      if (param.required)
        return { issue: { message: `Missing required property: ${param.name}`, path: [], part: 'query' } };
      continue;
    }
    const value = coerce(schemas, param, values);
    const issue = schemas.validate(param.schema, value, [param.name]);
    if (issue) return { issue: { ...issue, part: 'query' } };
    decoded[param.name] = value;
  }
  if (op.body) {
    if (body === undefined) {
      if (op.body.required)
        return { issue: { message: 'Payload must be a JSON object or array', path: [], part: 'body' } };
    } else {
      const issue = schemas.validate(op.body.schema, body);
      if (issue) return { issue: { ...issue, part: 'body' } };
    }
  }
  return { query: decoded };
}
