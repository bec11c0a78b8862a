/**
 * Lists as the providers page them, read off each operation's response schema: a bare array, or an
 * object holding the array under its resource key with whichever of `start`, `limit`, `length`,
 * `total`, `page`, `per_page` and `next` the schema declares. Auth0 offset paging stops at the first
 * 1,000 records; checkpoint paging (`from`/`take`) goes on with an opaque `next`.
 */
import type { ModelSchema } from '../model.js';
import type { SchemaSet } from './schema.js';

type Json = Record<string, unknown>;

/** How one list operation answers. */
export interface ListShape {
  /** Whether a bare array is one of the documented answers. */
  array: boolean;
  /** The wrapping object's array property, when there is one. */
  key?: string;
  /** The wrapping object's other properties. */
  fields: Set<string>;
  /** Schema of one item. */
  item?: ModelSchema;
}

/** Reads a list operation's answer shape from its response schema. */
export function listShape(schemas: SchemaSet, response: ModelSchema | undefined): ListShape {
  const shape: ListShape = { array: false, fields: new Set() };
  const visit = (schema: ModelSchema | undefined, depth: number) => {
    const s = schemas.resolve(schema);
    if (!s || typeof s !== 'object' || depth > 4) return;
    for (const b of ((s.oneOf ?? s.anyOf) as ModelSchema[] | undefined) ?? []) visit(b, depth + 1);
    const type = ([] as unknown[]).concat(s.type ?? []);
    if (type.includes('array') || s.items !== undefined) {
      shape.array = true;
      shape.item ??= s.items as ModelSchema;
      return;
    }
    const { props } = schemas.objectShape(s);
    for (const [name, sub] of Object.entries(props)) {
      const r = schemas.resolve(sub);
      const isArray =
        r && typeof r === 'object' && (([] as unknown[]).concat(r.type ?? []).includes('array') || r.items);
      if (isArray && shape.key === undefined) {
        shape.key = name;
        shape.item ??= (r as Json).items as ModelSchema;
      } else if (!isArray) shape.fields.add(name);
    }
  };
  visit(response, 0);
  return shape;
}

/** Why a page cannot be served; the caller words it. */
export interface PagingProblem {
  /** `cap` past the 1,000-record window, `from` for a checkpoint this list never issued. */
  kind: 'cap' | 'from';
  /** Detail for the message. */
  detail: string;
}

/** Offset and checkpoint paging options read from the decoded query. */
export interface PageRequest {
  /** `page`, from 0. */
  page?: number;
  /** `per_page`. */
  perPage?: number;
  /** `include_totals`. */
  includeTotals?: boolean;
  /** `from`: the id of the record after which to start. */
  from?: string;
  /** `take`. */
  take?: number;
}

/** The largest record index offset paging reaches. */
export const OFFSET_PAGING_CAP = 1000;

/**
 * One page of `items` (already filtered and sorted), in the list's documented shape; `idOf` names a
 * record for checkpoints.
 */
export function pageOf(
  items: unknown[],
  shape: ListShape,
  request: PageRequest,
  idOf: (item: unknown, index: number) => string,
  defaults: { perPage?: number; cap?: boolean } = {},
): { body: unknown } | { problem: PagingProblem } {
  const checkpoint = (request.from !== undefined || request.take !== undefined) && shape.fields.has('next');
  if (checkpoint) {
    const take = request.take ?? 50;
    let start = 0;
    if (request.from !== undefined && request.from !== '') {
      const at = items.findIndex((item, i) => idOf(item, i) === request.from);
      if (at < 0) return { problem: { kind: 'from', detail: request.from } };
      start = at;
    }
    const slice = items.slice(start, start + take);
    const next = start + take < items.length ? idOf(items[start + take], start + take) : undefined;
    return { body: { [shape.key ?? 'items']: slice, ...(next !== undefined ? { next } : {}) } };
  }
  const perPage = request.perPage ?? defaults.perPage ?? 50;
  const page = request.page ?? 0;
  const start = page * perPage;
  if (defaults.cap !== false && start + perPage > OFFSET_PAGING_CAP) {
    return { problem: { kind: 'cap', detail: `page ${page} of ${perPage}` } };
  }
  const slice = items.slice(start, start + perPage);
  const wrapped = shape.key !== undefined && (request.includeTotals === true || !shape.array);
  if (!wrapped) return { body: slice };
  const out: Json = {};
  if (shape.fields.has('start')) out.start = start;
  if (shape.fields.has('limit')) out.limit = perPage;
  if (shape.fields.has('length')) out.length = slice.length;
  if (shape.fields.has('total')) out.total = items.length;
  if (shape.fields.has('page')) out.page = page;
  if (shape.fields.has('per_page')) out.per_page = perPage;
  out[shape.key!] = slice;
  return { body: out };
}
