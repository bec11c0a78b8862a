/**
 * Keeps results small: a `fields` projection, an item cap, a size cap, and a hint on how to get the rest
 * instead of a flood of tokens.
 */

import { UNTRUSTED as UNTRUSTED_KEY } from '../tools/registry.js';
import type { OperationSpec } from '../tools/types.js';

/** Default number of list items returned when the agent does not say. */
export const DEFAULT_MAX_ITEMS = 25;
/** Largest text a single result may carry; beyond it items are dropped and the agent told. */
export const MAX_RESULT_CHARS = 60_000;

/** How to shape one result. */
export interface ShapeOptions {
  /** Top-level (or dotted) fields to keep on each item, or on the object when the result is not a list. */
  fields?: readonly string[];
  /** Cap on list items. */
  maxItems?: number;
  /** The validated arguments of the call, to compute the next page. */
  args?: Record<string, unknown>;
}

/** A shaped result: the JSON to return and notes for the agent. */
export interface Shaped {
  /** The shaped body (same outer form as the tenant's). */
  body: unknown;
  /** Sentences about what was cut and how to get more. */
  notes: string[];
}

const PAGING_KEYS = new Set(['start', 'limit', 'length', 'total', 'next', 'total_count']);

/** Shapes `body`, the answer of `op`. */
export function shapeResult(op: OperationSpec, body: unknown, options: ShapeOptions = {}): Shaped {
  const maxItems = options.maxItems ?? DEFAULT_MAX_ITEMS;
  const notes: string[] = [];
  const list = findList(body);
  if (!list) {
    const projected = options.fields?.length && isObject(body) ? project(body, options.fields) : body;
    return capSize({ body: projected, notes }, undefined);
  }
  const { items, key } = list;
  let kept = items.map((item) =>
    options.fields?.length && isObject(item) ? project(item, options.fields) : item,
  );
  if (kept.length > maxItems) {
    kept = kept.slice(0, maxItems);
    notes.push(
      `Showing ${maxItems} of the ${items.length} items the tenant returned. ${nextHint(op, options, maxItems)}`,
    );
  } else {
    const more = morePages(op, body, items.length, options.args ?? {});
    if (more) notes.push(more);
  }
  const shaped = key === undefined ? kept : { ...(body as Record<string, unknown>), [key]: kept };
  return capSize({ body: shaped, notes }, key);
}

function findList(body: unknown): { items: unknown[]; key?: string } | undefined {
  if (Array.isArray(body)) return { items: body };
  if (!isObject(body)) return undefined;
  const arrays = Object.entries(body).filter(([, value]) => Array.isArray(value));
  const others = Object.keys(body).filter((k) => !Array.isArray(body[k]));
  if (arrays.length === 1 && others.every((k) => PAGING_KEYS.has(k))) {
    const [key, items] = arrays[0]!;
    return { items: items as unknown[], key };
  }
  return undefined;
}

function nextHint(op: OperationSpec, options: ShapeOptions, maxItems: number): string {
  const has = (name: string) => op.params.some((p) => p.name === name);
  const args = options.args ?? {};
  if (has('page') && has('per_page')) {
    const page = Number(args.page ?? 0);
    const perPage = Number(args.per_page ?? 50);
    const start = page * perPage + maxItems;
    if (start % maxItems === 0) {
      return `For the next items call again with per_page: ${maxItems}, page: ${start / maxItems}, or ask for fewer fields.`;
    }
    return `Ask for pages no larger than max_items (per_page: ${maxItems}) to walk the list, or use fields to slim items.`;
  }
  if (has('page') && has('size')) {
    // MonoCloud pages from 1 with `size` items.
    const page = Number(args.page ?? 1);
    const size = Number(args.size ?? 10);
    const next = (page - 1) * size + maxItems;
    if (next % maxItems === 0) {
      return `For the next items call again with size: ${maxItems}, page: ${next / maxItems + 1}, or ask for fewer fields.`;
    }
    return `Ask for pages no larger than max_items (size: ${maxItems}) to walk the list, or use fields to slim items.`;
  }
  if (has('take')) return `Ask for fewer at a time with take: ${maxItems}, or raise max_items (up to 100).`;
  return 'Raise max_items (up to 100) or use fields to slim items.';
}

function morePages(
  op: OperationSpec,
  body: unknown,
  count: number,
  args: Record<string, unknown>,
): string | undefined {
  if (!isObject(body)) return undefined;
  if (typeof body.next === 'string' && body.next && op.params.some((p) => p.name === 'from')) {
    // The checkpoint is tenant text: quoted in our words only when it has a checkpoint's shape.
    return isCheckpoint(body.next)
      ? `More results exist: call again with from: "${body.next}".`
      : `More results exist: call again with from set to the "next" value in ${UNTRUSTED_KEY}.`;
  }
  if (typeof body.total === 'number' && typeof body.start === 'number') {
    const end = body.start + count;
    if (end < body.total) {
      const page = Number(args.page ?? 0) + 1;
      return `${body.total} in all, ${count} here: call again with page: ${page} for more.`;
    }
  }
  return undefined;
}

/** Longest paging checkpoint quoted in a note; Auth0's are a few dozen characters. */
const MAX_CHECKPOINT = 200;

/**
 * Whether `text` looks like a paging checkpoint (letters, digits and the characters of base64 and URL
 * encodings), so quoting it cannot put words in the server's mouth.
 */
export function isCheckpoint(text: string): boolean {
  if (text.length > MAX_CHECKPOINT) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    // - . _ ~ + / = %
    if (
      !alnum &&
      c !== 45 &&
      c !== 46 &&
      c !== 95 &&
      c !== 126 &&
      c !== 43 &&
      c !== 47 &&
      c !== 61 &&
      c !== 37
    )
      return false;
  }
  return true;
}

function capSize(shaped: Shaped, key: string | undefined): Shaped {
  let text = JSON.stringify(shaped.body) ?? '';
  if (text.length <= MAX_RESULT_CHARS) return shaped;
  const items = key === undefined ? shaped.body : (shaped.body as Record<string, unknown>)[key];
  if (!Array.isArray(items)) {
    return {
      body: { truncated: `${text.slice(0, MAX_RESULT_CHARS)}…` },
      notes: [
        ...shaped.notes,
        `The answer was ${text.length} characters; cut to ${MAX_RESULT_CHARS}. Use fields to ask for less.`,
      ],
    };
  }
  let n = items.length;
  let body: unknown = shaped.body;
  while (n > 1 && text.length > MAX_RESULT_CHARS) {
    n = Math.floor(n / 2);
    const cut = items.slice(0, n);
    body = key === undefined ? cut : { ...(shaped.body as Record<string, unknown>), [key]: cut };
    text = JSON.stringify(body) ?? '';
  }
  return {
    body,
    notes: [
      ...shaped.notes,
      `Items are large: only ${n} fit in the result. Use fields to ask for fewer fields.`,
    ],
  };
}

/**
 * The `fields` of `item`. Both sides are tenant or agent text: a tenant object may own a `"__proto__"` key
 * and a field may name it, so values are read as own properties only and written into null-prototype
 * objects, where `__proto__` is just a name (assigning through it once polluted `Object.prototype`).
 */
function project(item: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const field of fields) {
    const parts = field.split('.');
    let value: unknown = item;
    for (const part of parts) value = isObject(value) && Object.hasOwn(value, part) ? value[part] : undefined;
    if (value === undefined) continue;
    let target = out;
    for (const part of parts.slice(0, -1)) {
      if (!Object.hasOwn(target, part) || !isObject(target[part])) target[part] = Object.create(null);
      target = target[part] as Record<string, unknown>;
    }
    target[parts.at(-1)!] = value;
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
