/**
 * The resource engine: reads the operations of a model and serves every collection and singleton they
 * describe from a {@link ResourceStore}. A path with an item route below it (`/rules` and
 * `/rules/{id}`) is a collection: create, get, list, update (PATCH merges, PUT replaces), delete, with
 * 404 for an id it does not hold. A path without one (`/tenants/settings`) is a singleton: PATCH merges
 * into what it holds, PUT replaces it. Sub-resources live under their parent's path, so an unknown
 * parent is a 404 and deleting a parent deletes them. Providers add what the document cannot say
 * (id formats, unique fields, error wording) through {@link EngineOptions}.
 */
import type { ModelOperation, ModelSchema } from '../model.js';
import { type ListShape, listShape, type PageRequest, type PagingProblem, pageOf } from './paging.js';
import type { SchemaSet } from './schema.js';
import type { Json, ResourceStore } from './store.js';

/** What the engine knows about an operation's target. */
export interface Route {
  /** `collection` (list/create), `item` (one record of a collection) or `singleton`. */
  kind: 'collection' | 'item' | 'singleton';
  /** Path template of the collection, or of the singleton. */
  template: string;
  /** For items: the path parameter holding the id. */
  itemParam?: string;
}

/** One request as the engine sees it, already validated. */
export interface EngineRequest {
  /** The operation. */
  op: ModelOperation;
  /** Path parameters, decoded. */
  params: Record<string, string>;
  /** Query, decoded by declared types. */
  query: Record<string, unknown>;
  /** Body, parsed. */
  body: unknown;
  /** Request time. */
  nowMs: number;
}

/** An engine answer. */
export interface EngineResult {
  /** HTTP status; the operation's success status when absent. */
  status?: number;
  /** Body; none when undefined. */
  body?: unknown;
  /** Headers to send besides the provider's own (a list's page facts, for one). */
  headers?: Record<string, string>;
}

/** The errors the engine raises; each provider builds its own error object from them. */
export interface EngineErrors {
  /** No record (or parent) `id` in the collection `template`. */
  notFound(template: string, id: string): Error;
  /** A record with the same unique `field` value exists. */
  conflict(template: string, field: string, value: unknown): Error;
  /** A paging request the list cannot serve. */
  paging(problem: PagingProblem): Error;
  /** A singleton that holds nothing until set. */
  unset(template: string): Error;
  /** The collection holds as many records as the sandbox keeps. */
  full(template: string, limit: number): Error;
}

/** What a provider tells the engine beyond the document. */
export interface EngineOptions {
  /** The model's schemas. */
  schemas: SchemaSet;
  /** The store to serve from. */
  store: () => ResourceStore;
  /** Error constructors. */
  errors: EngineErrors;
  /** A fresh id for a record of `template` (its path parameter's schema says the bounds). */
  newId(template: string): string;
  /** The record property that holds a collection's id (default: `id`). */
  idField?: Record<string, string>;
  /** Properties whose values must be unique within a collection. */
  unique?: Record<string, string[]>;
  /** Existence of records in collections the provider keeps itself (users, clients...). */
  native?: (template: string, id: string) => boolean | undefined;
  /** Offset paging parameter names (Auth0: `page` from 0, `per_page`). */
  paging: { page: string; perPage: string; firstPage: number; defaultPerPage: number; cap: boolean };
  /** Singletons that are a 404 until set (besides those created with POST). */
  unsetUntilWritten?: ReadonlySet<string>;
  /** Items that read as empty (the schema's smallest value) until set, instead of a 404. */
  emptyUntilSet?: ReadonlySet<string>;
  /** Most records one collection keeps. */
  maxRecords?: number;
  /**
   * The record properties stamped on create and change, and how a time is written (default Auth0's:
   * ISO `created_at` and `updated_at`). Only properties the item schema declares are stamped.
   */
  timestamps?: { created: string; updated: string; value(nowMs: number): unknown };
  /** What a new record of `template` holds before the request's fields (values the API fills in). */
  defaults?: (template: string, nowMs: number) => Json | undefined;
  /** Keep on a record only what its item schema declares, so request-only flags are not stored. */
  declaredOnly?: boolean;
  /**
   * How a PATCH folds its body into what is held (default: top-level properties replace for records,
   * a deep merge for singletons).
   */
  merge?: (template: string, current: Json, patch: Json) => Json;
  /** A stored record as `op` answers it (fields computed from elsewhere added); default as stored. */
  view?: (op: ModelOperation, template: string, record: Json) => Json;
  /**
   * Answers a collection GET from its records (filtered, viewed), e.g. with the provider's paging
   * headers; default the body of {@link Engine.list}.
   */
  answerList?: (op: ModelOperation, query: Record<string, unknown>, records: Json[]) => EngineResult;
}

/** Query names the engine reads itself instead of filtering on. */
const CONTROL = new Set([
  'page',
  'per_page',
  'size',
  'include_totals',
  'include_fields',
  'fields',
  'from',
  'take',
  'sort',
  'q',
]);

/** Sorts routes: every operation gets a route when its path is a collection, an item or a singleton. */
export function classify(ops: readonly ModelOperation[]): Map<string, Route> {
  const paths = new Set(ops.map((o) => o.path));
  const itemRoutes = new Set<string>();
  for (const path of paths) {
    const segs = path.split('/');
    const last = segs[segs.length - 1] ?? '';
    if (/^\{[^}]+\}$/.test(last)) itemRoutes.add(segs.slice(0, -1).join('/'));
  }
  const routes = new Map<string, Route>();
  for (const op of ops) {
    const segs = op.path.split('/');
    const last = segs[segs.length - 1] ?? '';
    const param = /^\{([^}]+)\}$/.exec(last)?.[1];
    const parent = segs.slice(0, -1).join('/');
    if (
      param !== undefined &&
      paths.has(parent) &&
      ops.some((o) => o.path === parent && o.method !== 'DELETE')
    ) {
      routes.set(op.id, { kind: 'item', template: parent, itemParam: param });
    } else if (param !== undefined && ops.some((o) => o.path === op.path && o.method === 'GET')) {
      // An item of a collection nobody lists (`/email-templates/{templateName}`).
      routes.set(op.id, { kind: 'item', template: parent, itemParam: param });
    } else if (param === undefined && itemRoutes.has(op.path)) {
      routes.set(op.id, { kind: 'collection', template: op.path });
    } else if (param === undefined) {
      routes.set(op.id, { kind: 'singleton', template: op.path });
    }
  }
  return routes;
}

/** Fills a template's `{name}`s from `params`, encoding each so ids with `/` or `|` stay one segment. */
export function concrete(template: string, params: Record<string, string>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
}

/** Deep merge for settings: objects merge key by key, anything else (arrays included) replaces. */
export function mergeDeep(base: unknown, patch: unknown): unknown {
  if (!isObject(base) || !isObject(patch)) return patch;
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (key === '__proto__') continue;
    out[key] = isObject(value) && isObject(out[key]) ? mergeDeep(out[key], value) : value;
  }
  return out;
}

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A copy without `__proto__` keys, so stored records never carry a prototype write. */
export function clean<T>(value: T): T {
  if (Array.isArray(value)) return value.map(clean) as T;
  if (!isObject(value)) return value;
  const out: Json = {};
  for (const [key, v] of Object.entries(value)) if (key !== '__proto__') out[key] = clean(v);
  return out as T;
}

/** The engine over one model. */
export interface Engine {
  /** Routes by operation id. */
  readonly routes: ReadonlyMap<string, Route>;
  /** Whether {@link Engine.handle} serves this operation (decided by its route alone). */
  handles(op: ModelOperation): boolean;
  /** Serves the request, or returns undefined when the operation is not a plain resource operation. */
  handle(request: EngineRequest): EngineResult | undefined;
  /** Checks the parents named in a path exist (404 otherwise); for custom handlers. */
  checkParents(template: string, params: Record<string, string>): void;
  /** The record `id` of the collection at `template` under `params`, or a 404. */
  find(template: string, params: Record<string, string>, id: string): Json;
  /** Lists `items` in the shape of `op`'s response, with the request's paging. */
  list(
    op: ModelOperation,
    query: Record<string, unknown>,
    items: unknown[],
    idOf?: (item: unknown) => string,
  ): unknown;
  /** The record's id property in the collection `template`. */
  idField(template: string): string;
  /** Shapes a value by the operation's response schema. */
  shape(op: ModelOperation, value: unknown): unknown;
}

/** Builds an engine for `ops`. */
export function createEngine(ops: readonly ModelOperation[], options: EngineOptions): Engine {
  const routes = classify(ops);
  const { schemas, errors } = options;
  const maxRecords = options.maxRecords ?? 10_000;
  const collections = new Set(
    [...routes.values()].filter((r) => r.kind !== 'singleton').map((r) => r.template),
  );
  const shapes = new Map<string, ListShape>();
  const itemSchemas = new Map<string, ModelSchema | undefined>();
  for (const op of ops) {
    const route = routes.get(op.id);
    if (route?.kind === 'item' && op.method === 'GET') itemSchemas.set(route.template, op.response);
  }
  for (const op of ops) {
    // A collection nobody reads one by one: its records are what creating one answers.
    const route = routes.get(op.id);
    if (route?.kind === 'collection' && op.method === 'POST' && !itemSchemas.has(route.template))
      itemSchemas.set(route.template, op.response);
  }

  const idField = (template: string) => options.idField?.[template] ?? 'id';
  const times = options.timestamps ?? {
    created: 'created_at',
    updated: 'updated_at',
    value: (ms: number) => new Date(ms).toISOString(),
  };
  const store = () => options.store();

  const shapeOf = (op: ModelOperation): ListShape => {
    let shape = shapes.get(op.id);
    if (!shape) {
      shape = listShape(schemas, op.response);
      shapes.set(op.id, shape);
    }
    return shape;
  };

  const exists = (template: string, params: Record<string, string>, id: string): boolean => {
    const native = options.native?.(template, id);
    if (native !== undefined) return native;
    return store().collection(concrete(template, params))?.has(id) ?? false;
  };

  function checkParents(template: string, params: Record<string, string>): void {
    const segs = template.split('/');
    for (let i = 1; i < segs.length; i++) {
      const name = /^\{([^}]+)\}$/.exec(segs[i]!)?.[1];
      if (name === undefined) continue;
      const parent = segs.slice(0, i).join('/');
      if (!collections.has(parent) && options.native?.(parent, '') === undefined) continue;
      const id = params[name] ?? '';
      if (!exists(parent, params, id)) throw errors.notFound(parent, id);
    }
  }

  function find(template: string, params: Record<string, string>, id: string): Json {
    checkParents(template, params);
    const record = store().collection(concrete(template, params))?.get(id);
    if (!record) throw errors.notFound(template, id);
    return record;
  }

  function shape(op: ModelOperation, value: unknown): unknown {
    return op.response === undefined ? value : schemas.shape(op.response, value);
  }

  function list(
    op: ModelOperation,
    query: Record<string, unknown>,
    items: unknown[],
    idOf?: (item: unknown) => string,
  ): unknown {
    const shape = shapeOf(op);
    const { paging } = options;
    const request: PageRequest = {
      ...(typeof query[paging.page] === 'number'
        ? { page: (query[paging.page] as number) - paging.firstPage }
        : {}),
      ...(typeof query[paging.perPage] === 'number' ? { perPage: query[paging.perPage] as number } : {}),
      ...(typeof query.include_totals === 'boolean' ? { includeTotals: query.include_totals } : {}),
      ...(typeof query.from === 'string' ? { from: query.from } : {}),
      ...(typeof query.take === 'number' ? { take: query.take } : {}),
    };
    const rows = items.map((item) => (shape.item ? schemas.shape(shape.item, item) : item));
    const result = pageOf(
      rows,
      shape,
      request,
      (item, i) => (idOf ? idOf(items[i]) : String((item as Json)?.id ?? i)),
      {
        perPage: paging.defaultPerPage,
        cap: paging.cap,
      },
    );
    if ('problem' in result) throw errors.paging(result.problem);
    return result.body;
  }

  function filtered(op: ModelOperation, query: Record<string, unknown>, records: Json[]): Json[] {
    const shape = shapeOf(op);
    const { props } = schemas.objectShape(shape.item);
    let out = records;
    for (const [name, value] of Object.entries(query)) {
      if (CONTROL.has(name) || !Object.hasOwn(props, name) || value === undefined) continue;
      const wanted = Array.isArray(value) ? value.map(String) : [String(value)];
      out = out.filter((r) => {
        const v = r[name];
        if (Array.isArray(v)) return v.some((x) => wanted.includes(String(x)));
        return wanted.includes(String(v));
      });
    }
    return out;
  }

  function stamp(template: string, record: Json, nowMs: number, created: boolean): Json {
    const { props } = schemas.objectShape(itemSchemas.get(template));
    const now = times.value(nowMs);
    const out = { ...record };
    if (created && Object.hasOwn(props, times.created) && out[times.created] === undefined)
      out[times.created] = now;
    if (Object.hasOwn(props, times.updated)) out[times.updated] = now;
    return out;
  }

  /** The record without what its item schema does not declare, when the provider asks for that. */
  function declared(template: string, record: Json): Json {
    if (!options.declaredOnly) return record;
    const { props } = schemas.objectShape(itemSchemas.get(template));
    return Object.fromEntries(Object.entries(record).filter(([key]) => Object.hasOwn(props, key)));
  }

  const viewed = (op: ModelOperation, template: string, record: Json): Json =>
    options.view ? options.view(op, template, record) : record;

  function checkUnique(template: string, path: string, record: Json, except?: string): void {
    const fields = options.unique?.[template] ?? [];
    const records = store().collection(path);
    if (!records) return;
    for (const field of fields) {
      const value = record[field];
      if (value === undefined) continue;
      for (const [id, other] of records) {
        if (id !== except && JSON.stringify(other[field]) === JSON.stringify(value))
          throw errors.conflict(template, field, value);
      }
    }
  }

  function create(op: ModelOperation, route: Route, req: EngineRequest): EngineResult {
    checkParents(route.template, req.params);
    const path = concrete(route.template, req.params);
    const field = idField(route.template);
    const body = clean(isObject(req.body) ? req.body : {});
    const given = body[field];
    const id = typeof given === 'string' && given !== '' ? given : options.newId(route.template);
    const records = store().collection(path, true);
    if (records.has(id)) throw errors.conflict(route.template, field, id);
    if (records.size >= maxRecords) throw errors.full(route.template, maxRecords);
    const start = options.defaults?.(route.template, req.nowMs) ?? {};
    let record = stamp(
      route.template,
      declared(route.template, { [field]: id, ...start, ...body }),
      req.nowMs,
      true,
    );
    record = withRequired(op.response, record);
    checkUnique(route.template, path, record);
    records.set(id, record);
    return { body: shape(op, viewed(op, route.template, record)) };
  }

  /** Adds the smallest valid value for each required response property the record lacks. */
  function withRequired(schema: ModelSchema | undefined, record: Json): Json {
    const s = schemas.resolve(schema);
    if (!s || typeof s !== 'object') return record;
    const { props } = schemas.objectShape(s);
    const out = { ...record };
    for (const name of (s.required as string[] | undefined) ?? []) {
      if (out[name] === undefined) {
        const v = schemas.minimal(props[name]);
        if (v !== undefined) out[name] = v;
      }
    }
    return out;
  }

  function itemOp(op: ModelOperation, route: Route, req: EngineRequest): EngineResult {
    const id = req.params[route.itemParam!] ?? '';
    checkParents(route.template, req.params);
    const path = concrete(route.template, req.params);
    const records = store().collection(path, op.method === 'PUT');
    const current = records?.get(id);
    switch (op.method) {
      case 'GET':
        if (!current) {
          if (options.emptyUntilSet?.has(route.template)) return { body: schemas.minimal(op.response) ?? {} };
          throw errors.notFound(route.template, id);
        }
        return { body: shape(op, viewed(op, route.template, current)) };
      case 'DELETE':
        if (!current) throw errors.notFound(route.template, id);
        records!.delete(id);
        store().dropUnder(`${path}/${encodeURIComponent(id)}`);
        return {};
      case 'PATCH': {
        if (!current) throw errors.notFound(route.template, id);
        const patch = declared(route.template, clean(isObject(req.body) ? req.body : {}));
        const merged = options.merge
          ? options.merge(route.template, current, patch)
          : { ...current, ...patch };
        const next = stamp(route.template, merged, req.nowMs, false);
        next[idField(route.template)] = current[idField(route.template)];
        checkUnique(route.template, path, next, id);
        records!.set(id, next);
        return { body: shape(op, viewed(op, route.template, next)) };
      }
      case 'PUT': {
        const field = idField(route.template);
        const body = clean(isObject(req.body) ? req.body : {});
        let next = stamp(
          route.template,
          declared(route.template, { ...body, [field]: current?.[field] ?? id }),
          req.nowMs,
          !current,
        );
        if (current?.[times.created] !== undefined) next[times.created] = current[times.created];
        next = withRequired(op.response, next);
        checkUnique(route.template, path, next, id);
        if (!current && records!.size >= maxRecords) throw errors.full(route.template, maxRecords);
        records!.set(id, next);
        return { body: shape(op, viewed(op, route.template, next)) };
      }
      default:
        return undefined as never;
    }
  }

  function singletonOp(op: ModelOperation, route: Route, req: EngineRequest): EngineResult {
    checkParents(route.template, req.params);
    const path = concrete(route.template, req.params);
    const held = store().singletons.get(path);
    const creatable = ops.some((o) => o.path === route.template && o.method === 'POST');
    const unsetIsMissing = creatable || (options.unsetUntilWritten?.has(route.template) ?? false);
    const current = held ?? (unsetIsMissing ? undefined : schemas.minimal(op.response));
    switch (op.method) {
      case 'GET':
        if (current === undefined) throw errors.unset(route.template);
        return { body: shape(op, current) };
      case 'DELETE':
        if (held === undefined && unsetIsMissing) throw errors.unset(route.template);
        store().singletons.delete(path);
        store().dropUnder(path);
        return {};
      case 'POST': {
        if (held !== undefined) throw errors.conflict(route.template, '', '');
        const value = withRequired(
          op.response,
          stamp(route.template, clean(isObject(req.body) ? req.body : {}), req.nowMs, true),
        );
        store().singletons.set(path, value);
        return { body: shape(op, value) };
      }
      case 'PATCH': {
        if (current === undefined) throw errors.unset(route.template);
        const patch = clean(req.body ?? {});
        const next =
          options.merge && isObject(current) && isObject(patch)
            ? options.merge(route.template, current, patch)
            : mergeDeep(current, patch);
        store().singletons.set(path, next);
        return { body: shape(op, next) };
      }
      case 'PUT': {
        const next = clean(req.body ?? {});
        store().singletons.set(path, next);
        return { body: shape(op, next) };
      }
      default:
        return undefined as never;
    }
  }

  const handles = (op: ModelOperation): boolean => {
    const route = routes.get(op.id);
    if (!route) return false;
    if (route.kind === 'collection') return ['GET', 'POST', 'DELETE', 'PUT'].includes(op.method);
    if (route.kind === 'item') return op.method !== 'POST';
    return op.method !== 'POST' || ops.some((o) => o.path === op.path && o.method === 'GET');
  };

  return {
    routes,
    handles,
    checkParents,
    find,
    list,
    shape,
    idField,
    handle(req) {
      const { op } = req;
      const route = routes.get(op.id);
      if (!route || !handles(op)) return undefined;
      if (route.kind === 'collection') {
        if (op.method === 'GET') {
          checkParents(route.template, req.params);
          const records = [...(store().collection(concrete(route.template, req.params))?.values() ?? [])];
          const rows = filtered(op, req.query, records).map((r) => viewed(op, route.template, r));
          if (options.answerList) return options.answerList(op, req.query, rows);
          return {
            body: list(op, req.query, rows, (r) => String((r as Json)[idField(route.template)])),
          };
        }
        if (op.method === 'POST') return create(op, route, req);
        checkParents(route.template, req.params);
        const path = concrete(route.template, req.params);
        if (op.method === 'DELETE') {
          for (const id of store().collection(path)?.keys() ?? [])
            store().dropUnder(`${path}/${encodeURIComponent(id)}`);
          store().collections.delete(path);
          return {};
        }
        if (op.method === 'PUT' && Array.isArray(req.body)) {
          // Replaces the whole collection with the records sent.
          const field = idField(route.template);
          const records = new Map<string, Json>();
          for (const item of req.body.slice(0, maxRecords)) {
            const record = clean(isObject(item) ? item : {});
            const id =
              typeof record[field] === 'string' ? (record[field] as string) : options.newId(route.template);
            records.set(id, stamp(route.template, { [field]: id, ...record }, req.nowMs, true));
          }
          store().collections.set(path, records);
          return { body: shape(op, [...records.values()]) };
        }
        return undefined;
      }
      if (route.kind === 'item') return itemOp(op, route, req);
      // A POST to a path nobody reads is an action (deploy, rotate, test), not a singleton: not handled.
      return singletonOp(op, route, req);
    },
  };
}
