/**
 * The resource engine set up as MonoCloud: epoch-second `creation_time`/`last_updated` stamps, the
 * values the tenant fills in, which fields are unique, computed counts (a group's members), PATCH that
 * merges only what it names, lists paged with `page`/`size` and the `x-pagination` header, and errors
 * as problem+json.
 */
import { randomUUID } from 'node:crypto';
import { classify, createEngine, type Engine } from '../engine/engine.js';
import { SchemaSet } from '../engine/schema.js';
import type { ModelOperation, ModelSchema } from '../model.js';
import { recordDefaults } from './defaults.js';
import { type FilterSpec, listPage } from './listing.js';
import { MONOCLOUD_MODEL } from './model.generated.js';
import { conflict, notFound, Problem } from './problem.js';
import type { JsonObject, MonoCloudState } from './state.js';

/** The model's schemas, shared by every MonoCloud sandbox in the process. */
export const MONOCLOUD_SCHEMAS = new SchemaSet(MONOCLOUD_MODEL.schemas);

/** Where a collection keeps its id, when not in `id`. */
const ID_FIELDS: Record<string, string> = {
  '/groups': 'group_id',
  '/applications/{client_id}/groups': 'group_id',
  '/options/authentication/signup/custom_fields': 'claim_name',
};

/** Fields no two records of a collection share (409). */
const UNIQUE: Record<string, string[]> = {
  '/groups': ['name'],
  '/resources/api_resources': ['audience'],
  '/resources/api_resources/{api_id}/scopes': ['name'],
  '/resources/scopes': ['name'],
  '/resources/claim_resources': ['name'],
};

/**
 * Fields `sort` may name, per list (the document lists them in each `sort` parameter; a test holds
 * this table to it).
 */
export const SORT_FIELDS: Record<string, readonly string[]> = {
  get_all_applications: ['client_name', 'creation_time'],
  get_all_application_groups: ['creation_time'],
  get_all_group_assigned_applications: ['client_name', 'creation_time'],
  get_all_groups: [
    'name',
    'type',
    'clients_assigned',
    'users_assigned',
    'last_assigned',
    'creation_time',
    'last_updated',
  ],
  get_all_api_resources: ['name', 'display_name', 'creation_time'],
  get_all_api_scopes: ['name', 'display_name', 'creation_time'],
  get_all_api_access_policies: ['name', 'type', 'is_permitted', 'creation_time', 'last_updated'],
  get_all_scopes: ['name', 'display_name', 'creation_time'],
  get_all_claim_resources: ['name', 'display_name', 'creation_time'],
  get_all_logs: ['time_stamp', 'category', 'code', 'type', 'name'],
  get_all_network_zones: ['name', 'category', 'operator', 'type', 'creation_time', 'last_updated'],
  get_all_trust_stores: ['name', 'creation_time', 'last_updated'],
  get_all_revocations: ['creation_time'],
};

/** Lists whose unsorted order is newest first (the audit log reads like one). */
const NEWEST_FIRST = new Set(['get_all_logs']);

/** Fields a bare word of a `filter` searches, where a record has them. */
const WORD_FIELDS = ['name', 'client_name', 'display_name', 'audience', 'description', 'claim_name'];

/** How records of each collection are named in messages. */
const NOUNS: Record<string, string> = {
  '/applications': 'Application',
  '/applications/{client_id}/secrets': 'Secret',
  '/applications/{client_id}/groups': 'Group assignment',
  '/groups': 'Group',
  '/resources/api_resources': 'API resource',
  '/resources/api_resources/{api_id}/secrets': 'Secret',
  '/resources/api_resources/{api_id}/scopes': 'API scope',
  '/resources/api_resources/{api_id}/policies/basic': 'Basic access policy',
  '/resources/api_resources/{api_id}/policies/advanced': 'Advanced access policy',
  '/resources/scopes': 'Scope',
  '/resources/claim_resources': 'Claim',
  '/logs': 'Log entry',
  '/network_zones/ip': 'IP network zone',
  '/network_zones/regional': 'Regional network zone',
  '/options/authentication/signup/custom_fields': 'Sign-up field',
  '/truststores': 'Trust store',
  '/truststores/{trust_store_id}/revocations': 'Certificate revocation list',
  '/truststores/{trust_store_id}/banned_certificates': 'Certificate ban',
  '/keys': 'Signing key',
  '/users': 'User',
};

/** The name messages use for a record of `template`. */
export function nounOf(template: string): string {
  return NOUNS[template] ?? 'Record';
}

/** 404 for a record (or parent) of `template` the tenant does not hold. */
export function missing(template: string, id: string): Problem {
  return notFound(`${nounOf(template)} '${id}' was not found.`);
}

/** The schema a record of each template is read back with (its item or setting GET answer). */
const READ_SCHEMAS = new Map<string, ModelSchema | undefined>();
{
  const routes = classify(MONOCLOUD_MODEL.operations);
  for (const op of MONOCLOUD_MODEL.operations) {
    const route = routes.get(op.id);
    if (!route || op.method !== 'GET' || route.kind === 'collection') continue;
    READ_SCHEMAS.set(route.template, op.response);
  }
}

/** The schema a stored record of `template` answers in. */
export function readSchema(template: string): ModelSchema | undefined {
  return READ_SCHEMAS.get(template);
}

function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Whether `schema` declares an object's properties (so a patch of it names some of them). */
function declaresProperties(schema: ModelSchema | undefined): boolean {
  const s = MONOCLOUD_SCHEMAS.resolve(schema);
  if (!s || typeof s !== 'object') return false;
  if (s.properties) return true;
  const branches = (s.anyOf ?? s.oneOf) as ModelSchema[] | undefined;
  return Array.isArray(branches) && branches.some(declaresProperties);
}

function propertyOf(schema: ModelSchema | undefined, name: string): ModelSchema | undefined {
  const s = MONOCLOUD_SCHEMAS.resolve(schema);
  if (!s || typeof s !== 'object') return undefined;
  const own = MONOCLOUD_SCHEMAS.objectShape(s).props[name];
  if (own !== undefined) return own;
  for (const b of ((s.anyOf ?? s.oneOf) as ModelSchema[] | undefined) ?? []) {
    const found = propertyOf(b, name);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * MonoCloud's PATCH: a nested settings object merges key by key (only what is sent changes); free-form
 * objects (claims, details), arrays and scalars replace. What a section then lacks is filled in, so
 * switching on a provider that was `null` reads back whole.
 */
export function mergePatch(
  schema: ModelSchema | undefined,
  current: JsonObject,
  patch: JsonObject,
): JsonObject {
  const out: JsonObject = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (key === '__proto__') continue;
    const sub = propertyOf(schema, key);
    out[key] =
      isObject(value) && isObject(out[key]) && declaresProperties(sub)
        ? mergePatch(sub, out[key] as JsonObject, value)
        : value;
  }
  return MONOCLOUD_SCHEMAS.complete(schema, out) as JsonObject;
}

/** The top-level fields an item schema declares (every branch's, for a `oneOf`). */
function fieldsOf(schema: ModelSchema | undefined): string[] {
  const s = MONOCLOUD_SCHEMAS.resolve(schema);
  if (!s || typeof s !== 'object') return [];
  const branches = (s.oneOf ?? s.anyOf) as ModelSchema[] | undefined;
  if (Array.isArray(branches)) return [...new Set(branches.flatMap(fieldsOf))];
  return Object.keys(MONOCLOUD_SCHEMAS.objectShape(s).props);
}

/** How a list's `filter` reads records: every field its item declares, bare words in the naming ones. */
function filterSpec(item: ModelSchema | undefined): FilterSpec<JsonObject> {
  const fields = fieldsOf(item);
  return { fields, words: WORD_FIELDS.filter((f) => fields.includes(f)), view: (r) => r };
}

/**
 * A list answered as MonoCloud lists: filtered, sorted and paged when the operation takes those
 * parameters, with the page facts in `x-pagination`; a bare array when it takes none.
 */
export function pagedList(
  op: ModelOperation,
  query: Record<string, unknown> | URLSearchParams,
  records: JsonObject[],
): { body: unknown[]; headers?: Record<string, string> } {
  const takes = new Set(op.query.map((p) => p.name));
  const item = itemOf(op.response);
  const shaped = (rows: unknown[]) => rows.map((r) => strictShape(item, r));
  if (!takes.has('page')) return { body: shaped(records) };
  const raw =
    query instanceof URLSearchParams
      ? query
      : new URLSearchParams(
          Object.entries(query)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => [k, String(v)]),
        );
  const ordered = NEWEST_FIRST.has(op.id) && !raw.get('sort') ? [...records].reverse() : records;
  const page = listPage(ordered, raw, {
    sortFields: SORT_FIELDS[op.id] ?? [],
    ...(takes.has('filter') ? { filter: filterSpec(item) } : {}),
  });
  return { body: shaped(page.items), headers: { 'x-pagination': JSON.stringify(page.pagination) } };
}

/**
 * `value` with only the top-level fields `schema` declares (the branch it fits, for a `oneOf`): a list
 * answers its summary model, not every field the record holds.
 */
export function strictShape(schema: ModelSchema | undefined, value: unknown): unknown {
  const s = MONOCLOUD_SCHEMAS.resolve(schema);
  if (!s || typeof s !== 'object' || !isObject(value)) return value;
  const branches = (s.oneOf ?? s.anyOf) as ModelSchema[] | undefined;
  if (Array.isArray(branches)) {
    const fit = branches.find((b) => !MONOCLOUD_SCHEMAS.validate(b, value));
    return fit === undefined ? value : strictShape(fit, value);
  }
  const { props } = MONOCLOUD_SCHEMAS.objectShape(s);
  if (Object.keys(props).length === 0) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => Object.hasOwn(props, key)));
}

function itemOf(response: ModelSchema | undefined): ModelSchema | undefined {
  const s = MONOCLOUD_SCHEMAS.resolve(response);
  return s && typeof s === 'object' ? (s.items as ModelSchema | undefined) : undefined;
}

/** Computed fields of the records the tenant's relations describe (counts, names of what is linked). */
export function viewRecord(state: MonoCloudState, op: ModelOperation, template: string, record: JsonObject) {
  if (template === '/groups') return groupView(state, record);
  if (template === '/applications/{client_id}/groups') {
    const group = state.groups.get(String(record.group_id));
    return { ...record, group_name: String(group?.name ?? '') };
  }
  if (template === '/truststores' && op.id === 'get_all_trust_stores') {
    const bans = state.store.collection(
      `/truststores/${encodeURIComponent(String(record.id))}/banned_certificates`,
    );
    return {
      ...record,
      certificate_count: countCertificates(String(record.cert_chain ?? '')),
      banned_certificates_count: bans?.size ?? 0,
    };
  }
  return record;
}

/** A group with its member and application counts and the time of its latest assignment. */
export function groupView(state: MonoCloudState, record: JsonObject): JsonObject {
  const id = String(record.group_id);
  const members = state.memberships.filter((m) => m.group_id === id);
  let clients = 0;
  let last = 0;
  for (const m of members) last = Math.max(last, m.creation_time);
  for (const [path, records] of state.store.collections) {
    if (!path.startsWith('/applications/') || !path.endsWith('/groups')) continue;
    const assignment = records.get(id);
    if (!assignment) continue;
    clients += 1;
    last = Math.max(last, Number(assignment.creation_time ?? 0));
  }
  return { ...record, users_assigned: members.length, clients_assigned: clients, last_assigned: last };
}

/** How many PEM certificates a chain holds. */
export function countCertificates(chain: string): number {
  return chain.split('-----BEGIN CERTIFICATE-----').length - 1;
}

/** The engine over MonoCloud's model, reading whichever tenant state is current. */
export function createMonoCloudEngine(state: () => MonoCloudState): Engine {
  return createEngine(MONOCLOUD_MODEL.operations, {
    schemas: MONOCLOUD_SCHEMAS,
    store: () => state().store,
    newId: () => randomUUID(),
    idField: ID_FIELDS,
    unique: UNIQUE,
    native: (template, id) => (template === '/users' ? state().users.has(id) : undefined),
    paging: { page: 'page', perPage: 'size', firstPage: 1, defaultPerPage: 10, cap: false },
    timestamps: { created: 'creation_time', updated: 'last_updated', value: (ms) => Math.floor(ms / 1000) },
    defaults: (template) => recordDefaults(template),
    declaredOnly: true,
    merge: (template, current, patch) => mergePatch(readSchema(template), current, patch),
    view: (op, template, record) => viewRecord(state(), op, template, record),
    answerList: (op, query, records) => pagedList(op, query, records),
    errors: {
      notFound: (template, id) => missing(template, id),
      conflict: (template, field, value) =>
        conflict(
          field
            ? `${nounOf(template)} with the ${field} '${String(value)}' already exists.`
            : `${nounOf(template)} already exists.`,
        ),
      paging: (problem) => new Problem(422, `The page cannot be served: ${problem.detail}.`),
      unset: (template) => notFound(`No ${nounOf(template).toLowerCase()} has been set on this tenant.`),
      full: (template, limit) =>
        new Problem(
          402,
          `The sandbox keeps at most ${limit} records of each kind (${nounOf(template).toLowerCase()}); delete some first.`,
        ),
    },
  });
}
