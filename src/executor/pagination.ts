/**
 * Paging facts a provider sends in a response header rather than the body: MonoCloud answers a list with a
 * bare JSON array and puts `{"total_count","page_size","current_page","has_next","has_previous"}` in
 * `x-pagination`. Pure, so the server can read it from {@link TenantResponse.headers} without the client.
 */
import type { TenantResponse } from './types.js';

/** Paging facts of one list answer; a field is absent when the header did not give it usably. */
export interface Pagination {
  /** Items in the whole list (`total_count`). */
  totalCount?: number;
  /** Items per page (`page_size`). */
  pageSize?: number;
  /** This page's number, 1-based (`current_page`). */
  currentPage?: number;
  /** Whether a further page exists (`has_next`). */
  hasNext?: boolean;
  /** Whether an earlier page exists (`has_previous`). */
  hasPrevious?: boolean;
}

/** Name of the header MonoCloud puts its paging facts in. */
export const PAGINATION_HEADER = 'x-pagination';

/** Longest header value parsed: a real one is under 200 bytes, and a hostile one must stay cheap. */
const MAX_HEADER_LENGTH = 4096;

function count(value: unknown): number | undefined {
  const number = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  return typeof number === 'number' && Number.isSafeInteger(number) && number >= 0 ? number : undefined;
}

function flag(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  return undefined;
}

/**
 * The paging facts of a response's `x-pagination` header (`name` for another header), or `undefined`
 * when it is missing, not JSON, not an object or names none of the fields. Never throws: a malformed
 * header must not turn a good answer into a failure.
 * @param headers Response headers; names are matched case-insensitively.
 */
export function readPagination(
  headers: TenantResponse['headers'] | undefined,
  name: string = PAGINATION_HEADER,
): Pagination | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  const key = Object.hasOwn(headers, wanted)
    ? wanted
    : Object.keys(headers).find((k) => k.toLowerCase() === wanted);
  const raw = key === undefined ? undefined : headers[key];
  if (typeof raw !== 'string' || raw.trim() === '' || raw.length > MAX_HEADER_LENGTH) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const record = parsed as Record<string, unknown>;
  const fields: Pagination = {
    totalCount: count(record.total_count),
    pageSize: count(record.page_size),
    currentPage: count(record.current_page),
    hasNext: flag(record.has_next),
    hasPrevious: flag(record.has_previous),
  };
  const present = Object.entries(fields).filter(([, value]) => value !== undefined);
  return present.length > 0 ? (Object.fromEntries(present) as Pagination) : undefined;
}
