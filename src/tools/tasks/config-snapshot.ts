/**
 * Reading a tenant's configuration kind by kind (every page, up to a limit) into a
 * {@link SnapshotDocument}, and comparing two of them item by item and field by field. The providers'
 * task tools say which reads make up each kind; what is read goes through the gate like any read.
 */
import type { SnapshotDocument, TaskContext } from './context.js';
import { listOf, reasonOf } from './users.js';

/** Items of one kind: id → name and configuration. */
export type Items = Record<string, { name?: string; data: unknown }>;

/** How one kind is read. */
export interface KindReader {
  /** The kind's name in the snapshot, e.g. `clients`. */
  kind: string;
  /** Reads every item (at most {@link MAX_ITEMS}); `truncated` when there were more. */
  read(ctx: TaskContext): Promise<{ items: Items; truncated?: boolean }>;
}

/**
 * Reads at a time: a task's reads share one abort signal, and a tenant's rate limit is shared too, so a
 * review or a snapshot never has more than a few requests in flight.
 */
export const CONCURRENCY = 4;

/** Runs `jobs` at most {@link CONCURRENCY} at a time; resolves with their results in order. */
export async function inPool<T>(jobs: ReadonlyArray<() => Promise<T>>): Promise<T[]> {
  const results = new Array<T>(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const index = next++;
      results[index] = await jobs[index]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, jobs.length) }, worker));
  return results;
}

/** A gate that lets at most {@link CONCURRENCY} of the jobs given to it run at once, types kept. */
export function createLimiter(): <T>(job: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (job) => {
    if (running >= CONCURRENCY) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await job();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

/** Most items a kind holds in a snapshot; a tenant with more is said to be cut short. */
export const MAX_ITEMS = 1000;

/**
 * Fields that change by themselves (timestamps of the last write, counts of members joining), left out so
 * a diff shows configuration changes.
 */
const VOLATILE = new Set([
  'updated_at',
  'last_updated',
  'modified_at',
  'last_used_at',
  'last_interacted_at',
  'users_assigned',
  'last_assigned',
]);

/** `value` without volatile fields, at any depth. */
export function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (VOLATILE.has(key)) continue;
    Object.defineProperty(out, key, {
      value: stable(inner),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/**
 * Every page of a list operation: Auth0 pages from 0 with `per_page`, MonoCloud from 1 with `size`. Stops
 * at a short page, at {@link MAX_ITEMS}, or after 50 pages (whichever comes first).
 */
export async function readPages(
  ctx: TaskContext,
  operation: string,
  options: {
    args?: Record<string, unknown>;
    listKey: string;
    paging: 'auth0' | 'monocloud';
  },
): Promise<{ rows: Record<string, unknown>[]; truncated: boolean }> {
  const rows: Record<string, unknown>[] = [];
  const size = 100;
  for (let i = 0; i < 50; i++) {
    const page = options.paging === 'auth0' ? { page: i, per_page: size } : { page: i + 1, size };
    const batch = listOf(await ctx.read(operation, { ...options.args, ...page }), options.listKey);
    rows.push(...batch);
    if (rows.length >= MAX_ITEMS) return { rows: rows.slice(0, MAX_ITEMS), truncated: true };
    if (batch.length < size) break;
  }
  return { rows, truncated: false };
}

/** Items keyed by `id` from rows, named by `name`, volatile fields dropped. */
export function itemsOf(
  rows: readonly Record<string, unknown>[],
  id: (row: Record<string, unknown>) => unknown,
  name: (row: Record<string, unknown>) => unknown,
): Items {
  const items: Items = {};
  for (const row of rows) {
    const key = id(row);
    if (typeof key !== 'string' || key === '' || Object.hasOwn(items, key)) continue;
    const label = name(row);
    Object.defineProperty(items, key, {
      value: { ...(typeof label === 'string' ? { name: label } : {}), data: stable(row) },
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return items;
}

/** Reads the kinds asked for (all by default) into a snapshot; a kind that fails is `not_read`. */
export async function takeSnapshot(
  ctx: TaskContext,
  provider: string,
  readers: readonly KindReader[],
  kinds?: readonly string[],
): Promise<SnapshotDocument> {
  const chosen = readers.filter((r) => !kinds || kinds.includes(r.kind));
  const doc: SnapshotDocument = {
    format: 'tenant-mcp-snapshot/1',
    provider,
    taken_at: new Date(ctx.now()).toISOString(),
    kinds: {},
  };
  const results = await inPool(
    chosen.map((reader) => async () => {
      try {
        return { reader, ...(await reader.read(ctx)) };
      } catch (error) {
        return { reader, error: reasonOf(error) };
      }
    }),
  );
  for (const result of results) {
    if ('error' in result && result.error !== undefined) {
      doc.not_read = { ...doc.not_read, [result.reader.kind]: result.error };
      continue;
    }
    if (!('items' in result)) continue;
    doc.kinds[result.reader.kind] = result.items;
    if (result.truncated) doc.truncated = [...(doc.truncated ?? []), result.reader.kind];
  }
  return doc;
}

/** Reads one settings item; a failure is recorded under `settings.<name>` and the rest go on. */
export async function readSettings(
  ctx: TaskContext,
  reads: ReadonlyArray<[name: string, operation: string, args?: Record<string, unknown>]>,
): Promise<{ items: Items; failed: Record<string, string> }> {
  const items: Items = {};
  const failed: Record<string, string> = {};
  await inPool(
    reads.map(([name, operation, args]) => async () => {
      try {
        items[name] = { data: stable(await ctx.read(operation, args ?? {})) };
      } catch (error) {
        failed[name] = reasonOf(error);
      }
    }),
  );
  return { items, failed };
}

/** One difference between a saved snapshot and the tenant now. */
export interface Change {
  /** The kind, e.g. `clients`. */
  kind: string;
  /** The item's id. */
  id: string;
  /** Its name, when it has one. */
  name?: string;
  /** What happened to it. */
  change: 'added' | 'removed' | 'changed';
  /** Field paths that differ (`changed` only), e.g. `options.passwordPolicy`. */
  fields?: string[];
  /** Before and after of the first scalar fields that differ. */
  values?: Array<{ field: string; before: unknown; after: unknown }>;
}

/** Most field paths and values a change lists. */
const MAX_FIELDS = 8;
const MAX_VALUES = 3;

/**
 * The changes from `before` to `after`, kind by kind (only kinds both hold), added and removed items
 * first, then changed ones, each kind in id order.
 */
export function diffSnapshots(before: SnapshotDocument, after: SnapshotDocument): Change[] {
  const changes: Change[] = [];
  for (const kind of Object.keys(after.kinds).sort()) {
    const old = before.kinds[kind];
    const now = after.kinds[kind];
    if (!old || !now) continue;
    for (const id of Object.keys(now).sort()) {
      if (!Object.hasOwn(old, id)) changes.push(named({ kind, id, change: 'added' }, now[id]!.name));
    }
    for (const id of Object.keys(old).sort()) {
      if (!Object.hasOwn(now, id)) changes.push(named({ kind, id, change: 'removed' }, old[id]!.name));
    }
    for (const id of Object.keys(now).sort()) {
      if (!Object.hasOwn(old, id)) continue;
      const found: Array<{ field: string; before: unknown; after: unknown }> = [];
      compare(old[id]!.data, now[id]!.data, '', found);
      if (found.length === 0) continue;
      changes.push(
        named(
          {
            kind,
            id,
            change: 'changed',
            fields: found.slice(0, MAX_FIELDS).map((f) => f.field),
            values: found.filter((f) => isScalar(f.before) && isScalar(f.after)).slice(0, MAX_VALUES),
          },
          now[id]!.name ?? old[id]!.name,
        ),
      );
    }
  }
  return changes;
}

function named(change: Change, name: string | undefined): Change {
  return name === undefined ? change : { ...change, name };
}

function isScalar(value: unknown): boolean {
  return value === undefined || value === null || typeof value !== 'object';
}

/** Collects differing field paths; objects are walked, arrays and scalars compared whole. */
function compare(
  a: unknown,
  b: unknown,
  path: string,
  out: Array<{ field: string; before: unknown; after: unknown }>,
): void {
  if (out.length > 200) return;
  const objects = isObject(a) && isObject(b);
  if (!objects) {
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ field: path || '(value)', before: a, after: b });
    return;
  }
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  for (const key of keys) compare(a[key], b[key], path ? `${path}.${key}` : key, out);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Counts per kind and change, e.g. `{ clients: { added: 1, changed: 2 } }`. */
export function tally(changes: readonly Change[]): Record<string, Partial<Record<Change['change'], number>>> {
  const out: Record<string, Partial<Record<Change['change'], number>>> = {};
  for (const change of changes) {
    const kind = out[change.kind] ?? {};
    kind[change.change] = (kind[change.change] ?? 0) + 1;
    out[change.kind] = kind;
  }
  return out;
}
