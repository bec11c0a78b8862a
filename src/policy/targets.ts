/**
 * Whom or what a change acts on, as a person would know it: a user by name, email and connection, an
 * application by its name. A target is found from the operation's path (the resource its first path
 * parameter names) and from reference fields in the body (`user_id`, `client_id`...), then read with the
 * catalog's own GET of that resource, so the approver never has to recognise `auth0|64f1…` alone.
 * Generic over providers: the reader is found by path template, not by operation id.
 */
import type { OperationSpec } from '../tools/types.js';

/** One resource a change acts on, and how to read it. */
export interface TargetRef {
  /** What it is, for the approver: `user`, `client`, `role`... (the collection, singular-ish). */
  kind: string;
  /** Its id as the agent sent it. */
  id: string;
  /** Where the id came from: a path parameter or a body field. */
  via: string;
  /** The GET operation that reads it, when the catalog has one. */
  reader?: OperationSpec;
}

/** Collections whose path names a user although the resource is something else. */
const SAME_AS: Readonly<Record<string, string>> = { '/user-blocks/{}': '/users/{}' };

/** Body fields that refer to another resource, and the collections that may hold it. */
const REFERENCE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  user_id: ['/users/{}'],
  client_id: ['/clients/{}', '/applications/{}'],
  connection_id: ['/connections/{}'],
  role_id: ['/roles/{}'],
  organization_id: ['/organizations/{}'],
};

/** At most this many targets are read for one change; the rest are listed by id. */
export const MAX_TARGET_READS = 5;

const template = (path: string) => path.replace(/\{[^}]+\}/g, '{}');

/** The targets of `op` called with `args`, with the GET operation that reads each, if any. */
export function findTargets(
  op: OperationSpec,
  args: Readonly<Record<string, unknown>>,
  operations: readonly OperationSpec[],
): TargetRef[] {
  const readers = new Map<string, OperationSpec>();
  for (const candidate of operations) {
    if (candidate.method === 'GET') readers.set(template(candidate.path), candidate);
  }
  const found: TargetRef[] = [];
  const seen = new Set<string>();
  const add = (collection: string, id: unknown, via: string) => {
    if (typeof id !== 'string' || id === '') return;
    const key = `${collection}\n${id}`;
    if (seen.has(key)) return;
    seen.add(key);
    const readerPath = SAME_AS[collection] ?? collection;
    const reader = readers.get(readerPath);
    found.push({ kind: kindOf(readerPath), id, via, ...(reader ? { reader } : {}) });
  };
  // The resource the path is about: everything up to its first parameter.
  const first = /^(.*?\{([^}]+)\})/.exec(op.path);
  if (first) add(template(first[1]!), args[first[2]!], `path ${first[2]}`);
  for (const [field, collections] of Object.entries(REFERENCE_FIELDS)) {
    if (!Object.hasOwn(args, field)) continue;
    const collection = collections.find((c) => readers.has(c)) ?? collections[0]!;
    add(collection, args[field], `field ${field}`);
  }
  return found;
}

/** The path parameters of `reader` for a target id (its only parameter). */
export function readerParams(reader: OperationSpec, id: string): Record<string, string> {
  const param = reader.params.find((p) => p.in === 'path');
  return param ? { [param.name]: id } : {};
}

function kindOf(readerPath: string): string {
  const collection =
    readerPath
      .split('/')
      .filter((part) => part && part !== '{}')
      .pop() ?? 'resource';
  const singular: Record<string, string> = {
    users: 'user',
    clients: 'application',
    applications: 'application',
    connections: 'connection',
    roles: 'role',
    organizations: 'organization',
    groups: 'group',
  };
  return singular[collection] ?? collection.replace(/_/g, ' ');
}

/**
 * What a person knows a resource by, read from its body: name, email, username, connection, type.
 * Works on Auth0 users (`identities`), MonoCloud users (`claims`, `emails`, `connections`), applications,
 * roles and connections alike; values are the tenant's and are shown as its data.
 */
export function labelsOf(body: unknown): Array<[string, unknown]> {
  if (!isRecord(body)) return [];
  const claims = isRecord(body.claims) ? body.claims : {};
  const firstOf = (list: unknown, key: string): unknown => {
    if (!Array.isArray(list)) return undefined;
    const items = list.filter(isRecord);
    return (items.find((item) => item.primary === true) ?? items[0])?.[key];
  };
  const username = isRecord(body.username) ? body.username.username : body.username;
  const labels: Array<[string, unknown]> = [
    ['name', body.name ?? claims.name ?? body.display_name],
    ['email', body.email ?? firstOf(body.emails, 'email')],
    ['username', username],
    ['phone', body.phone_number ?? firstOf(body.phone_numbers, 'phone')],
    ['connection', firstOf(body.identities, 'connection') ?? firstOf(body.connections, 'idp')],
    ['type', body.app_type ?? body.client_type ?? body.strategy],
    ['identifier', body.identifier],
    ['blocked', body.blocked === true || body.disabled === true ? true : undefined],
  ];
  return labels.filter(([, value]) => value !== undefined && value !== null && value !== '');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
