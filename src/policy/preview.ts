/**
 * What a write would do, before it is done: the exact request, the current state where a read
 * counterpart exists, and a field-level diff. Dry runs return it; confirmations show it to the person.
 */

import { TenantError } from '../executor/errors.js';
import type { Executor, TenantRequest } from '../executor/types.js';
import { buildPath, buildQuery } from '../executor/url.js';
import type { Catalog, OperationSpec } from '../tools/types.js';
import type { ViewTarget } from './approver-view.js';
import { canonicalJson } from './effects.js';
import { maskSecrets } from './secrets.js';
import { findTargets, labelsOf, MAX_TARGET_READS, readerParams } from './targets.js';
import type { Profile } from './types.js';

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

function equal(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads what a write would change and whom it acts on, through the executor, as the profile allows. */
export interface Previewer {
  /** The preview of a write: the exact request, the current state (masked, not sanitised) and the diff. */
  preview(
    op: OperationSpec,
    args: Readonly<Record<string, unknown>>,
    request: TenantRequest,
    signal?: AbortSignal,
  ): Promise<Preview>;
  /**
   * The change's targets, each read with its GET when the profile allows that read; a resource the
   * preview already read (`known`: the preview) is not read twice.
   */
  targets(
    op: OperationSpec,
    args: Readonly<Record<string, unknown>>,
    signal?: AbortSignal,
    known?: Preview,
  ): Promise<ViewTarget[]>;
}

/** Creates the previewer of a gate. */
export function createPreviewer(deps: { executor: Executor; catalog: Catalog; profile: Profile }): Previewer {
  const { executor, catalog, profile } = deps;
  const read = async (reader: OperationSpec, pathParams: Record<string, unknown>, signal?: AbortSignal) => {
    const response = await executor.send({
      method: 'GET',
      path: reader.path,
      pathParams: pathParams as Record<string, string>,
      label: reader.id,
      ...(signal ? { signal } : {}),
    });
    return profile.revealSecrets ? response.body : maskSecrets(response.body);
  };
  return {
    async preview(op, args, request, signal) {
      const described = describeRequest(request, catalog.apiBasePath);
      const preview: Preview = {
        request: {
          ...described,
          ...(described.body !== undefined ? { body: maskSecrets(described.body) } : {}),
        },
      };
      const reader = findReadCounterpart(op, catalog.operations);
      if (!reader) return preview;
      preview.readWith = reader.id;
      if (profile.denies(reader)) {
        preview.currentUnavailable = `${reader.id} is not allowed by the profile`;
        return preview;
      }
      const pathParams: Record<string, unknown> = {};
      for (const param of reader.params) if (param.in === 'path') pathParams[param.name] = args[param.name];
      try {
        const current = await read(reader, pathParams, signal);
        preview.current = current;
        if (op.method === 'DELETE') preview.removes = true;
        else if (request.body !== undefined) preview.changes = diffFields(current, maskSecrets(request.body));
      } catch (error) {
        if (!(error instanceof TenantError)) throw error;
        preview.currentUnavailable = error.message;
      }
      return preview;
    },
    async targets(op, args, signal, known) {
      const refs = findTargets(op, args, catalog.operations);
      const counterpart = known?.readWith ? findReadCounterpart(op, catalog.operations) : undefined;
      return Promise.all(
        refs.map(async (ref, index): Promise<ViewTarget> => {
          const base = { kind: ref.kind, id: ref.id };
          if (!ref.reader) return { ...base, unavailable: 'no operation reads it' };
          if (index >= MAX_TARGET_READS) return { ...base, unavailable: 'too many targets to read' };
          if (profile.denies(ref.reader))
            return { ...base, unavailable: `${ref.reader.id} is not allowed by the profile` };
          const first = counterpart?.params.find((p) => p.in === 'path');
          if (
            known?.current !== undefined &&
            ref.reader === counterpart &&
            first &&
            args[first.name] === ref.id
          )
            return { ...base, labels: labelsOf(known.current) };
          try {
            return {
              ...base,
              labels: labelsOf(await read(ref.reader, readerParams(ref.reader, ref.id), signal)),
            };
          } catch (error) {
            if (!(error instanceof TenantError)) throw error;
            return {
              ...base,
              unavailable:
                error.details.status === 404 ? 'it does not exist' : `HTTP ${error.details.status ?? '?'}`,
            };
          }
        }),
      );
    },
  };
}
