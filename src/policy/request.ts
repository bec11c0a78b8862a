/**
 * Splits an operation's validated flat `arguments` into the parts of an HTTP request. Only ever called
 * with arguments that passed the operation's zod schema.
 */
import type { TenantRequest } from '../executor/types.js';
import type { OperationSpec } from '../tools/types.js';

type Scalar = string | number | boolean;

/** Options that shape the request beyond the agent's arguments. */
export interface RequestShaping {
  /** Fields the agent wants back; pushed down to the API when the operation takes `fields`. */
  fields?: readonly string[];
}

/** Builds the tenant request for `op` from validated `args`. */
export function toTenantRequest(
  op: OperationSpec,
  args: Record<string, unknown>,
  shaping: RequestShaping = {},
): TenantRequest {
  const pathParams: Record<string, Scalar> = {};
  const query: NonNullable<TenantRequest['query']> = {};
  const headers: Record<string, string> = {};
  for (const param of op.params) {
    const value = args[param.name];
    if (value === undefined) continue;
    if (param.in === 'path') pathParams[param.name] = value as Scalar;
    else if (param.in === 'query') query[param.name] = value as Scalar | Scalar[];
    else headers[param.name] = String(value);
  }
  if (shaping.fields?.length && op.params.some((p) => p.name === 'fields') && query.fields === undefined) {
    query.fields = shaping.fields.join(',');
    if (op.params.some((p) => p.name === 'include_fields')) query.include_fields = true;
  }
  const request: TenantRequest = {
    method: op.method,
    path: op.path,
    pathParams,
    query,
    headers,
    label: op.id,
  };
  if (op.body) {
    let body: unknown;
    if (op.body.mode === 'wrapped') {
      body = args.body;
    } else {
      const picked: Record<string, unknown> = {};
      for (const field of op.body.fields) if (args[field] !== undefined) picked[field] = args[field];
      if (Object.keys(picked).length > 0 || op.body.required) body = picked;
    }
    if (body !== undefined) {
      request.body = body;
      request.contentType = op.body.contentType;
    }
  }
  return request;
}
