/**
 * Connections and the applications enabled on them. The rule most worth reproducing: an update's
 * `options` replaces the whole options object, it is not merged, so an agent that sends one flag
 * silently drops the rest, exactly as on a real tenant.
 */
import { ApiError, badBody, badQuery } from '../http.js';
import { checkpoint, paginate, project } from '../listing.js';
import { type ConnectionRecord, type JsonObject, randomAlnum } from '../state.js';
import {
  type HandlerContext,
  type HandlerTable,
  objectBody,
  onlyProperties,
  optional,
  requiredString,
} from './context.js';

const NAME = /^[a-zA-Z0-9](-[a-zA-Z0-9]|[a-zA-Z0-9])*$/;
const SHARED_FIELDS = [
  'display_name',
  'options',
  'enabled_clients',
  'is_domain_connection',
  'show_as_button',
  'realms',
  'metadata',
  'authentication',
  'connected_accounts',
];
/** What a new database connection gets when the caller sends no options. */
const DATABASE_DEFAULTS: JsonObject = {
  brute_force_protection: true,
  passwordPolicy: 'good',
  password_complexity_options: { min_length: 8 },
  mfa: { active: true, return_enroll_settings: true },
};

/**
 * The connection as the API returns it. Lists leave out `enabled_clients`, which the API description's
 * list item schema does not allow (clients are read through `/connections/{id}/clients` instead).
 */
export function connectionJson(c: ConnectionRecord, forList = false): JsonObject {
  const { enabled_clients, ...rest } = c;
  return forList ? { ...rest } : { ...rest, enabled_clients: [...enabled_clients] };
}

function findConnection(ctx: HandlerContext, id: string | undefined): ConnectionRecord {
  const connection = id === undefined ? undefined : ctx.state.connections.get(id);
  if (!connection) throw new ApiError(404, 'The connection does not exist.', 'inexistent_connection');
  return connection;
}

function clientIds(value: unknown): string[] {
  if (value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw badBody('"enabled_clients" must be an array of client ids.');
  }
  return [...new Set(value as string[])];
}

function listConnections(ctx: HandlerContext) {
  const { query } = ctx;
  const strategies = query
    .getAll('strategy')
    .flatMap((s) => s.split(','))
    .filter(Boolean);
  const name = query.get('name');
  const rows = [...ctx.state.connections.values()]
    .filter((c) => strategies.length === 0 || strategies.includes(c.strategy))
    .filter((c) => !name || c.name === name)
    .map((c) => project(connectionJson(c, true), query));
  if (query.has('from') || query.has('take')) return { body: checkpoint(rows, query, 'connections') };
  return { body: paginate(rows, query, 'connections') };
}

function createConnection(ctx: HandlerContext) {
  const body = objectBody(ctx);
  onlyProperties(body, ['name', 'strategy', ...SHARED_FIELDS]);
  const name = requiredString(body, 'name');
  const strategy = requiredString(body, 'strategy');
  if (name.length > 128 || !NAME.test(name)) {
    throw badBody(
      '"name" may hold letters, digits and single hyphens, at most 128 characters, no hyphen at either end.',
    );
  }
  if (ctx.state.connectionByName(name)) {
    throw new ApiError(409, `A connection named "${name}" already exists.`, 'connection_conflict');
  }
  const options = optional<JsonObject>(body, 'options', 'object');
  const connection: ConnectionRecord = {
    id: `con_${randomAlnum(16)}`,
    name,
    ...(typeof body.display_name === 'string' ? { display_name: body.display_name } : {}),
    strategy,
    options: options ?? (strategy === 'auth0' ? { ...DATABASE_DEFAULTS } : {}),
    enabled_clients: body.enabled_clients === undefined ? [] : clientIds(body.enabled_clients),
    is_domain_connection: body.is_domain_connection === true,
    realms: Array.isArray(body.realms) ? (body.realms as string[]) : [name],
  };
  for (const key of ['show_as_button', 'metadata', 'authentication', 'connected_accounts']) {
    if (body[key] !== undefined) connection[key] = body[key];
  }
  ctx.state.connections.set(connection.id, connection);
  return { body: connectionJson(connection) };
}

function updateConnection(ctx: HandlerContext) {
  const connection = findConnection(ctx, ctx.params.id);
  const body = objectBody(ctx);
  onlyProperties(body, SHARED_FIELDS);
  if (Object.keys(body).length === 0) throw badBody('the body must set at least one property.');
  const options = optional<JsonObject>(body, 'options', 'object');
  if (options) connection.options = { ...options };
  if ('enabled_clients' in body) connection.enabled_clients = clientIds(body.enabled_clients);
  for (const key of [
    'display_name',
    'is_domain_connection',
    'show_as_button',
    'realms',
    'metadata',
    'authentication',
    'connected_accounts',
  ]) {
    if (body[key] !== undefined) connection[key] = body[key];
  }
  return { body: connectionJson(connection) };
}

function patchEnabledClients(ctx: HandlerContext) {
  const connection = findConnection(ctx, ctx.params.id);
  const body = ctx.body;
  if (!Array.isArray(body) || body.length === 0) {
    throw badBody('send a non-empty array of { client_id, status } objects.');
  }
  const next = new Set(connection.enabled_clients);
  for (const item of body) {
    const entry = item as JsonObject | null;
    if (!entry || typeof entry.client_id !== 'string' || typeof entry.status !== 'boolean') {
      throw badBody('each item must be { client_id: string, status: boolean }.');
    }
    if (entry.status) next.add(entry.client_id);
    else next.delete(entry.client_id);
  }
  connection.enabled_clients = [...next];
  return {};
}

/** Stateful handlers for connections. */
export const connectionHandlers: HandlerTable = {
  get_connections: listConnections,
  post_connections: createConnection,
  get_connections_by_id: (ctx) => ({
    body: project(connectionJson(findConnection(ctx, ctx.params.id)), ctx.query),
  }),
  patch_connections_by_id: updateConnection,
  delete_connections_by_id: (ctx) => {
    const connection = findConnection(ctx, ctx.params.id);
    ctx.state.connections.delete(connection.id);
    // Auth0 removes the connection's users with it.
    for (const user of [...ctx.state.users.values()]) {
      if (user.identities[0]?.connection === connection.name) ctx.state.deleteUser(user.user_id);
    }
    return {};
  },
  get_connection_clients: (ctx) => {
    const connection = findConnection(ctx, ctx.params.id);
    return {
      body: checkpoint(
        connection.enabled_clients.map((client_id) => ({ client_id })),
        ctx.query,
        'clients',
      ),
    };
  },
  patch_clients: patchEnabledClients,
  delete_users_by_email: (ctx) => {
    const connection = findConnection(ctx, ctx.params.id);
    const email = ctx.query.get('email');
    if (!email) throw badQuery('missing required property: email.');
    const user = [...ctx.state.users.values()].find(
      (u) =>
        u.email?.toLowerCase() === email.toLowerCase() && u.identities[0]?.connection === connection.name,
    );
    if (user) ctx.state.deleteUser(user.user_id);
    return {};
  },
};
