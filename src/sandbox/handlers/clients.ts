/**
 * Applications. Stored as whole JSON objects (the API's client has dozens of optional fields); the
 * handlers own only the rules: a name is required, ids and secrets are generated, the id is read-only,
 * and deleting a client takes it out of every connection's `enabled_clients`.
 */
import { ApiError, badBody } from '../http.js';
import { boolParam, checkpoint, paginate, project } from '../listing.js';
import { type ClientRecord, type JsonObject, randomAlnum } from '../state.js';
import { connectionJson } from './connections.js';
import { type HandlerContext, type HandlerTable, objectBody, requiredString } from './context.js';

const READ_ONLY = ['client_id', 'tenant', 'global'];

function findClient(ctx: HandlerContext, id: string | undefined): ClientRecord {
  const client = id === undefined ? undefined : ctx.state.clients.get(id);
  if (!client) throw new ApiError(404, 'The client does not exist.', 'inexistent_client');
  return client;
}

function defaultsFor(appType: string): JsonObject {
  const browser = appType === 'spa' || appType === 'native';
  return {
    token_endpoint_auth_method: browser ? 'none' : 'client_secret_post',
    grant_types:
      appType === 'non_interactive'
        ? ['client_credentials']
        : browser
          ? ['authorization_code', 'implicit', 'refresh_token']
          : ['authorization_code', 'implicit', 'refresh_token', 'client_credentials'],
  };
}

function listClients(ctx: HandlerContext) {
  const { query } = ctx;
  let clients = [...ctx.state.clients.values()];
  const appTypes = query.get('app_type')?.split(',').filter(Boolean);
  if (appTypes?.length) clients = clients.filter((c) => appTypes.includes(String(c.app_type)));
  if (query.has('is_first_party')) {
    const wanted = boolParam(query, 'is_first_party', true);
    clients = clients.filter((c) => c.is_first_party === wanted);
  }
  if (query.has('is_global')) {
    const wanted = boolParam(query, 'is_global', false);
    clients = clients.filter((c) => c.global === wanted);
  }
  const rows = clients.map((c) => project({ ...c }, query));
  if (query.has('from') || query.has('take')) return { body: checkpoint(rows, query, 'clients') };
  return { body: paginate(rows, query, 'clients') };
}

function createClient(ctx: HandlerContext) {
  const body = objectBody(ctx);
  const name = requiredString(body, 'name');
  for (const key of READ_ONLY)
    if (key in body) throw badBody(`"${key}" is set by the tenant and cannot be sent.`);
  const appType = typeof body.app_type === 'string' ? body.app_type : 'regular_web';
  const client: ClientRecord = {
    client_id: randomAlnum(32),
    tenant: 'northwind-robotics',
    global: false,
    is_first_party: true,
    client_secret: randomAlnum(64),
    app_type: appType,
    callbacks: [],
    oidc_conformant: true,
    sso_disabled: false,
    cross_origin_authentication: false,
    custom_login_page_on: true,
    jwt_configuration: { alg: 'RS256', lifetime_in_seconds: 36000, secret_encoded: false },
    ...defaultsFor(appType),
    ...body,
    name,
  };
  ctx.state.clients.set(client.client_id, client);
  return { body: { ...client } };
}

function updateClient(ctx: HandlerContext) {
  const client = findClient(ctx, ctx.params.id);
  const body = objectBody(ctx);
  for (const key of READ_ONLY) if (key in body) throw badBody(`"${key}" cannot be changed.`);
  if ('name' in body && (typeof body.name !== 'string' || body.name === ''))
    throw badBody('"name" must be a non-empty string.');
  Object.assign(client, body);
  return { body: { ...client } };
}

/** Stateful handlers for clients. */
export const clientHandlers: HandlerTable = {
  get_clients: listClients,
  post_clients: createClient,
  get_clients_by_id: (ctx) => ({ body: project({ ...findClient(ctx, ctx.params.id) }, ctx.query) }),
  patch_clients_by_id: updateClient,
  delete_clients_by_id: (ctx) => {
    const client = findClient(ctx, ctx.params.id);
    ctx.state.clients.delete(client.client_id);
    for (const c of ctx.state.connections.values()) {
      c.enabled_clients = c.enabled_clients.filter((id) => id !== client.client_id);
    }
    return {};
  },
  get_client_connections: (ctx) => {
    const client = findClient(ctx, ctx.params.id);
    const strategies = ctx.query
      .getAll('strategy')
      .flatMap((s) => s.split(','))
      .filter(Boolean);
    const rows = [...ctx.state.connections.values()]
      .filter((c) => c.enabled_clients.includes(client.client_id))
      .filter((c) => strategies.length === 0 || strategies.includes(c.strategy))
      .map((c) => project(connectionJson(c, true), ctx.query));
    return { body: checkpoint(rows, ctx.query, 'connections') };
  },
};
