/**
 * Checks a MonoCloud request against its operation in the model and answers in MonoCloud's 422 field
 * form, every field's complaint at once: query parameters the operation does not take, values of the
 * wrong type, missing required fields, enum values it does not know, and fields a closed request model
 * does not have (a typo would otherwise be dropped and the change reported done).
 */
import type { SchemaIssue } from '../engine/schema.js';
import type { ModelOperation, ModelParameter, ModelSchema } from '../model.js';
import { MONOCLOUD_SCHEMAS } from './engine.js';
import { fieldErrors } from './problem.js';

const schemas = MONOCLOUD_SCHEMAS;

/** How much of the body the check covers. */
export type BodyCheck = 'full' | 'unknown-fields';

/** `user_claims[0].claim` from `['user_claims', '[0]', 'claim']`. */
function fieldName(path: string[]): string {
  return path.reduce(
    (out, part) => (part.startsWith('[') ? `${out}${part}` : out ? `${out}.${part}` : part),
    '',
  );
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  array: 'an array',
  object: 'a JSON object',
  null: 'null',
};

/** One issue as MonoCloud's field form words it: the field it is about and the message. */
export function wordIssue(issue: SchemaIssue): Array<[field: string, message: string]> {
  const rule = issue.rule;
  const at = fieldName(issue.path);
  const field = at || 'body';
  switch (rule?.keyword) {
    case 'required': {
      const name = fieldName([...issue.path, rule.property]);
      return [[name, `The ${name} field is required.`]];
    }
    case 'additionalProperties':
      return rule.properties.map((p) => {
        const name = fieldName([...issue.path, p]);
        return [name, `The request has no field ${name}; check its spelling against the operation.`];
      });
    case 'type': {
      const words = rule.expected.map((t) => TYPE_WORDS[t] ?? t).join(' or ');
      return [[field, at ? `The ${at} field must be ${words}.` : `The request body must be ${words}.`]];
    }
    case 'enum':
      return [
        [
          field,
          `The value ${JSON.stringify(rule.value)} is not valid for ${field}; expected one of: ${rule.allowed.join(', ')}.`,
        ],
      ];
    case 'minLength':
      return [[field, `The ${field} field must be at least ${rule.limit} characters long.`]];
    case 'maxLength':
      return [[field, `The ${field} field must be at most ${rule.limit} characters long.`]];
    case 'minimum':
      return [[field, `The ${field} field must be at least ${rule.limit}.`]];
    case 'maximum':
      return [[field, `The ${field} field must be at most ${rule.limit}.`]];
    case 'minItems':
      return [[field, `The ${field} field needs at least ${rule.limit} items.`]];
    case 'maxItems':
      return [[field, `The ${field} field takes at most ${rule.limit} items.`]];
    case 'pattern':
      return [[field, `The ${field} field does not have the expected form (${rule.limit}).`]];
    default:
      return [[field, `The ${field} field is not valid: ${issue.message}.`]];
  }
}

/** Every top-level field's first problem with `body` against `schema` (the root's, when not an object). */
export function bodyIssues(schema: ModelSchema | undefined, body: unknown): SchemaIssue[] {
  const s = schemas.resolve(schema);
  if (
    !s ||
    typeof s !== 'object' ||
    body === null ||
    typeof body !== 'object' ||
    Array.isArray(body) ||
    !s.properties
  ) {
    const issue = schemas.validate(schema, body);
    return issue ? [issue] : [];
  }
  const record = body as Record<string, unknown>;
  const { props, closed } = schemas.objectShape(s);
  const issues: SchemaIssue[] = [];
  for (const name of (s.required as string[] | undefined) ?? []) {
    if (record[name] === undefined)
      issues.push({
        message: `Missing required property: ${name}`,
        path: [],
        rule: { keyword: 'required', property: name },
      });
  }
  const unknown = Object.keys(record).filter((k) => !Object.hasOwn(props, k));
  if (closed && unknown.length > 0)
    issues.push({
      message: `Additional properties not allowed: ${unknown.join(',')}`,
      path: [],
      rule: { keyword: 'additionalProperties', properties: unknown },
    });
  for (const [name, value] of Object.entries(record)) {
    if (!Object.hasOwn(props, name) || value === undefined) continue;
    const issue = schemas.validate(props[name], value, [name]);
    if (issue) issues.push(issue);
  }
  return issues;
}

/** Parses one query value by its declared schema; left as text when it does not read as that type. */
function coerce(param: ModelParameter, raw: string): unknown {
  const s = schemas.resolve(param.schema);
  const type = s && typeof s === 'object' ? ([] as unknown[]).concat(s.type ?? [])[0] : undefined;
  if (type === 'integer' || type === 'number') {
    const n = Number(raw);
    return raw.trim() === '' || Number.isNaN(n) ? raw : n;
  }
  if (type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  return raw;
}

/**
 * Checks query and body; returns the query decoded by declared types, or throws the 422 naming every
 * field at fault. `body` `unknown-fields` leaves everything but unknown fields to the operation's
 * own handler, whose rules are richer than the schema's.
 */
export function checkMonoRequest(
  op: ModelOperation,
  query: URLSearchParams,
  body: unknown,
  bodyCheck: BodyCheck,
): Record<string, unknown> {
  // A Map, because a field named by the caller may be `__proto__`.
  const errors = new Map<string, string[]>();
  const add = ([field, message]: [string, string]) => {
    errors.set(field, [...(errors.get(field) ?? []), message]);
  };
  const declared = new Map(op.query.map((p) => [p.name, p]));
  const decoded: Record<string, unknown> = {};
  for (const name of new Set(query.keys())) {
    const param = declared.get(name);
    if (!param) {
      const takes = op.query.map((p) => p.name).join(', ') || 'none';
      add([name, `${op.id} takes no query parameter ${name}; it takes: ${takes}.`]);
      continue;
    }
    const values = query.getAll(name);
    const value = coerce(param, values[values.length - 1] ?? '');
    const issue = schemas.validate(param.schema, value, [name]);
    if (issue) wordIssue(issue).forEach(add);
    else decoded[name] = value;
  }
  for (const param of op.query)
    if (param.required && !query.has(param.name)) add([param.name, `The ${param.name} field is required.`]);

  if (op.body) {
    if (body === undefined) {
      if (op.body.required && bodyCheck === 'full') add(['body', 'This operation needs a JSON body.']);
    } else {
      let issues = bodyIssues(op.body.schema, body);
      if (bodyCheck === 'unknown-fields')
        issues = issues.filter((i) => i.rule?.keyword === 'additionalProperties');
      for (const issue of issues) wordIssue(issue).forEach(add);
    }
  }
  if (errors.size > 0) throw fieldErrors(Object.fromEntries(errors));
  return decoded;
}
