/**
 * Query-string conventions the Management API shares across list and get operations: offset paging
 * with `include_totals`, checkpoint paging with `from`/`take`, `fields`/`include_fields` projection and
 * `sort=field:1|-1`. Handlers call these so every resource pages the same way.
 */
import { OFFSET_PAGING_CAP } from './engine/paging.js';
import { ApiError, badQuery } from './http.js';

/** Reads an integer parameter, refusing values outside `[min, max]`. */
export function intParam(
  query: URLSearchParams,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw badQuery(`"${name}" must be an integer, got "${raw}".`);
  if (value < min || value > max)
    throw badQuery(`"${name}" must be between ${min} and ${max}, got ${value}.`);
  return value;
}

/** Reads a boolean parameter (`true`/`false`, also `1`/`0`). */
export function boolParam(query: URLSearchParams, name: string, fallback: boolean): boolean {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw badQuery(`"${name}" must be true or false, got "${raw}".`);
}

/** Applies `fields` and `include_fields`: keep only (or drop) the listed top-level fields. */
export function project<T extends Record<string, unknown>>(
  record: T,
  query: URLSearchParams,
): Record<string, unknown> {
  const fields = query.get('fields');
  if (!fields) return record;
  const names = new Set(
    fields
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean),
  );
  const include = boolParam(query, 'include_fields', true);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) if (names.has(key) === include) out[key] = value;
  return out;
}

/**
 * Sorts by `sort=field:1` (ascending) or `field:-1` (descending); records without the field sort last.
 */
export function sortBy<T extends Record<string, unknown>>(items: T[], sort: string | null): T[] {
  if (!sort) return items;
  const m = /^([\w.]+):(1|-1)$/.exec(sort);
  if (!m) throw badQuery(`"sort" must read field:1 or field:-1, got "${sort}".`);
  const [, field, dir] = m as unknown as [string, string, string];
  const sign = dir === '1' ? 1 : -1;
  const get = (item: T) =>
    field.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)?.[k], item);
  return [...items].sort((a, b) => {
    const va = get(a);
    const vb = get(b);
    if (va === vb) return 0;
    if (va === undefined || va === null) return 1;
    if (vb === undefined || vb === null) return -1;
    return (va < vb ? -1 : 1) * sign;
  });
}

/** Offset paging options. */
export interface PageOptions {
  /** Default page size when `per_page` is absent. */
  defaultPerPage?: number;
  /** Largest `per_page` accepted. */
  maxPerPage?: number;
  /** Whether totals answers include `length` (users and logs do; roles and connections do not). */
  withLength?: boolean;
}

/**
 * Pages `items` by `page`/`per_page`. Without `include_totals` the answer is the bare array; with it,
 * `{ [key]: items, start, limit, length?, total }`, as Auth0 answers.
 */
export function paginate(
  items: unknown[],
  query: URLSearchParams,
  key: string,
  options: PageOptions = {},
): unknown {
  const perPage = intParam(query, 'per_page', options.defaultPerPage ?? 50, 0, options.maxPerPage ?? 100);
  const page = intParam(query, 'page', 0, 0, 100_000);
  const start = page * perPage;
  if (start + perPage > OFFSET_PAGING_CAP) {
    throw new ApiError(
      400,
      'You can only page through the first 1000 records. See https://auth0.com/docs/users/search/v3/view-search-results-by-page#limitation',
      'invalid_paging',
    );
  }
  const slice = items.slice(start, start + perPage);
  if (!boolParam(query, 'include_totals', false)) return slice;
  return {
    start,
    limit: perPage,
    ...(options.withLength ? { length: slice.length } : {}),
    total: items.length,
    [key]: slice,
  };
}

/**
 * Checkpoint paging: `take` items after the opaque cursor `from` (here, an index encoded as text).
 * Answers `{ [key]: items, next? }`.
 */
export function checkpoint(items: unknown[], query: URLSearchParams, key: string): Record<string, unknown> {
  const take = intParam(query, 'take', 50, 1, 100);
  const from = query.get('from');
  const start = from ? Number.parseInt(from, 10) : 0;
  if (!Number.isInteger(start) || start < 0)
    throw badQuery(`"from" is not a checkpoint this API issued: "${from}".`);
  const slice = items.slice(start, start + take);
  const next = start + take < items.length ? String(start + take) : undefined;
  return { [key]: slice, ...(next ? { next } : {}) };
}
