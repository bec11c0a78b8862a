/**
 * What a write would do, before it is done: the exact request, the current state where a read
 * counterpart exists, and a field-level diff. Dry runs return it; confirmations show it to the person.
 */

import type { TenantRequest } from '../executor/types.js';
import { buildPath, buildQuery } from '../executor/url.js';
import type { OperationSpec } from '../tools/types.js';
import { canonicalJson } from './approvals.js';

/** One changed field. */
export interface FieldChange {
  /** Dotted path of the field, e.g. `app_metadata.plan`. */
  field: string;
  /** Current value (`undefined` when absent). */
  from: unknown;
  /** Value after the call (`undefined` when removed). */
  to: unknown;
}

/** A preview of one write. */
export interface Preview {
  /** The request exactly as it would be sent (secrets masked by the caller). */
  request: { method: string; path: string; headers?: Record<string, string>; body?: unknown };
  /** The read operation used for the current state, when there is one. */
  readWith?: string;
  /** The current state (masked), when it could be read. */
  current?: unknown;
  /** Why the current state is not shown, when it is not. */
  currentUnavailable?: string;
  /** Field-level changes for updates; empty when nothing would change. */
  changes?: FieldChange[];
  /** True for deletes: the current state is what goes. */
  removes?: boolean;
}

/**
 * The GET operation on the same path template as `op` (e.g. `get_users_by_id` for `patch_users_by_id`),
 * when `op` targets one existing resource (PATCH, PUT, DELETE, or a POST action under it).
 */
export function findReadCounterpart(
  op: OperationSpec,
  operations: readonly OperationSpec[],
): OperationSpec | undefined {
  if (op.method === 'GET' || !op.path.includes('{')) return undefined;
  if (op.method === 'POST') return undefined;
  return operations.find((candidate) => candidate.method === 'GET' && candidate.path === op.path);
}

/** The path (with base path and encoded query) the executor would request. */
export function describeRequest(request: TenantRequest, basePath = '/api/v2'): Preview['request'] {
  const described: Preview['request'] = {
    method: request.method,
    path: `${basePath}${buildPath(request.path, request.pathParams)}${buildQuery(request.query)}`,
  };
  if (request.headers && Object.keys(request.headers).length) described.headers = request.headers;
  if (request.body !== undefined) described.body = request.body;
  return described;
}

/**
 * Field-level changes a PATCH/PUT body makes to `current`. Objects inside the body are compared key by
 * key (Auth0 merges metadata objects one level deep); arrays and scalars are compared whole.
 */
export function diffFields(current: unknown, body: unknown, prefix = ''): FieldChange[] {
  if (!isObject(body))
    return equal(current, body) ? [] : [{ field: prefix || '(body)', from: current, to: body }];
  const base = isObject(current) ? current : {};
  const changes: FieldChange[] = [];
  for (const [key, value] of Object.entries(body)) {
    const field = prefix ? `${prefix}.${key}` : key;
    const before = base[key];
    if (isObject(value) && isObject(before)) changes.push(...diffFields(before, value, field));
    else if (!equal(before, value))
      changes.push({ field, from: before, to: value === null ? undefined : value });
  }
  return changes;
}

/** The plain-language confirmation text: what will happen, to what, and the preview. */
export function renderSummary(input: {
  op: OperationSpec;
  risk: string;
  tenant: string;
  preview: Preview;
  maxChars?: number;
}): string {
  const { op, preview } = input;
  const lines = [
    `${op.summary}.`,
    `Operation ${op.id} (${input.risk}) on tenant "${input.tenant}":`,
    `${preview.request.method} ${preview.request.path}`,
  ];
  if (preview.request.body !== undefined) lines.push(`Body: ${compact(preview.request.body, 600)}`);
  if (preview.removes && preview.current !== undefined)
    lines.push(`This removes: ${compact(preview.current, 600)}`);
  if (preview.changes) {
    lines.push(
      preview.changes.length
        ? `Changes: ${preview.changes.map((c) => `${c.field}: ${compact(c.from, 80)} → ${compact(c.to, 80)}`).join('; ')}`
        : 'Changes: none (the values sent equal the current ones).',
    );
  }
  if (preview.currentUnavailable) lines.push(`Current state not shown: ${preview.currentUnavailable}`);
  const text = lines.join('\n');
  const max = input.maxChars ?? 2_000;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function compact(value: unknown, max: number): string {
  const text = value === undefined ? '(none)' : (JSON.stringify(value) ?? String(value));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function equal(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
