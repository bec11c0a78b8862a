/**
 * MonoCloud's list conventions: 1-based `page` and `size`, a bare JSON array with the page facts in
 * the `x-pagination` header, `sort=field:1|-1` over the fields each list names, and `filter`.
 *
 * The filter grammar is not published ("Lucene-style"); the sandbox reads the subset the Auth0
 * sandbox already parses (`field:value`, quoted values, `*`/`?` wildcards, bare words, `AND`/`OR`/`NOT`,
 * parentheses, `[a TO b]` ranges) over a documented set of fields per list, and refuses other fields.
 */
import { ApiError } from '../http.js';
import { compileQuery } from '../search.js';
import { fieldError } from './problem.js';

/** The `x-pagination` header's facts. */
export interface Pagination {
  /** Items across all pages. */
  total_count: number;
  /** Page size used. */
  page_size: number;
  /** 1-based page answered. */
  current_page: number;
  /** Whether a later page has items. */
  has_next: boolean;
  /** Whether an earlier page exists. */
  has_previous: boolean;
}

/** A page of items and the header facts describing it. */
export interface Page {
  /** The page's items. */
  items: unknown[];
  /** The header facts. */
  pagination: Pagination;
}

/** Page size when `size` is absent. */
export const DEFAULT_PAGE_SIZE = 10;
/** Largest `size` accepted. */
export const MAX_PAGE_SIZE = 100;

/** How one list filters: the fields a `field:value` term may name and where a bare word looks. */
export interface FilterSpec<T> {
  /** Field names a `field:value` term may use; the view's keys. */
  fields: readonly string[];
  /** A flat, searchable view of an item, keyed by {@link FilterSpec.fields}. */
  view: (item: T) => Record<string, unknown>;
  /** Field names (keys of the view) a bare word is searched in, as a case-insensitive substring. */
  words: readonly string[];
}

/** Options of one list operation. */
export interface ListOptions<T> {
  /** Fields `sort` may name. */
  sortFields: readonly string[];
  /** How `filter` applies; absent where the operation takes no filter. */
  filter?: FilterSpec<T>;
}

function positiveInt(query: URLSearchParams, name: string, fallback: number, max: number): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < 1 || value > max)
    throw fieldError(
      name,
      `The value '${raw}' is not valid for ${name}: use a whole number from 1 to ${max}.`,
    );
  return value;
}

/** Field names a filter expression uses as `field:` (quoted phrases skipped). */
function filterFields(filter: string): string[] {
  const bare = filter.replace(/"[^"]*"/g, '""');
  return [...bare.matchAll(/(?:^|[\s(!-])([A-Za-z_][\w.]*):/g)].map((m) => m[1]!);
}

/** Keeps the items matching `filter`, or answers 422 naming the `filter` field. */
export function applyFilter<T>(items: T[], filter: string | null, spec: FilterSpec<T>): T[] {
  if (filter === null || filter.trim() === '') return items;
  for (const field of filterFields(filter)) {
    if (field === '_exists_' || spec.fields.includes(field)) continue;
    throw fieldError(
      'filter',
      `Unknown filter field '${field}'; filterable fields: ${spec.fields.join(', ')}.`,
    );
  }
  let match: (record: Record<string, unknown>) => boolean;
  try {
    match = compileQuery(filter, spec.words);
  } catch (error) {
    if (error instanceof ApiError) throw fieldError('filter', error.message);
    throw error;
  }
  return items.filter((item) => match(spec.view(item)));
}

/** Sorts by `sort=field:1|-1` when the field is allowed; nulls and missing values sort last. */
export function applySort<T>(items: T[], sort: string | null, fields: readonly string[]): T[] {
  if (sort === null || sort === '') return items;
  const m = /^([a-z_]+):(1|-1)$/.exec(sort);
  if (!m || !fields.includes(m[1]!)) {
    const allowed = fields.length > 0 ? fields.join(', ') : 'none';
    throw fieldError(
      'sort',
      `The value '${sort}' is not valid for sort: use field:1 or field:-1 with a field from: ${allowed}.`,
    );
  }
  const field = m[1]!;
  const sign = m[2] === '1' ? 1 : -1;
  return [...items].sort((a, b) => {
    const va = (a as Record<string, unknown>)[field];
    const vb = (b as Record<string, unknown>)[field];
    if (va === vb) return 0;
    if (va === undefined || va === null) return 1;
    if (vb === undefined || vb === null) return -1;
    return ((va as number | string) < (vb as number | string) ? -1 : 1) * sign;
  });
}

/** Filters, sorts and pages `items` by the request's `filter`, `sort`, `page` and `size`. */
export function listPage<T>(items: T[], query: URLSearchParams, options: ListOptions<T>): Page {
  const page = positiveInt(query, 'page', 1, 1_000_000);
  const size = positiveInt(query, 'size', DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  let selected = options.filter ? applyFilter(items, query.get('filter'), options.filter) : items;
  selected = applySort(selected, query.get('sort'), options.sortFields);
  const start = (page - 1) * size;
  return {
    items: selected.slice(start, start + size),
    pagination: {
      total_count: selected.length,
      page_size: size,
      current_page: page,
      has_next: start + size < selected.length,
      has_previous: page > 1,
    },
  };
}
