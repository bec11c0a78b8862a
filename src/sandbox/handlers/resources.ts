/**
 * The rules the resource engine cannot read off the document: relations (role and user permissions,
 * organization members and their roles, an organization's client grants and connections), references
 * that must exist (a client grant's client and audience, a permission's API and scope), and the actions
 * that change a record in place (rotate a secret, deploy an action, rotate or revoke a signing key,
 * verify a custom domain). Each builds on the engine's collections so lists page the same way.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { concrete } from '../engine/engine.js';
import type { Json } from '../engine/store.js';
import { ApiError } from '../http.js';
import { createSigningKey } from '../signing-keys.js';
import { randomAlnum } from '../state.js';
import { notFoundError } from '../tenant-engine.js';
import { findUser, type HandlerContext, type HandlerTable, isoNow, objectBody } from './context.js';

const MANAGED_RS = '/resource-servers';

function body(ctx: HandlerContext): Json {
  return objectBody(ctx) as Json;
}

function collection(ctx: HandlerContext, template: string, create = true): Map<string, Json> {
  return ctx.state.store.collection(concrete(template, ctx.params), create as true);
}

function resourceServerBy(ctx: HandlerContext, identifier: string): Json | undefined {
  for (const rs of ctx.state.store.collection(MANAGED_RS)?.values() ?? [])
    if (rs.identifier === identifier) return rs;
  return undefined;
}

/** 400 unless every permission names an API of this tenant and a scope it defines. */
function checkPermissions(ctx: HandlerContext, list: Json[]): void {
  for (const p of list) {
    const rs = resourceServerBy(ctx, String(p.resource_server_identifier));
    if (!rs)
      throw new ApiError(
        404,
        `Resource server "${String(p.resource_server_identifier)}" does not exist.`,
        'inexistent_resource_server',
      );
    const scopes = ((rs.scopes as Json[] | undefined) ?? []).map((s) => s.value);
    if (!scopes.includes(p.permission_name)) {
      throw new ApiError(
        400,
        `Permission "${String(p.permission_name)}" is not defined on resource server "${String(p.resource_server_identifier)}".`,
        'invalid_body',
      );
    }
  }
}

const permissionKey = (p: Json) => `${String(p.resource_server_identifier)} ${String(p.permission_name)}`;

function permissionRows(ctx: HandlerContext, records: Iterable<Json>): Json[] {
  return [...records].map((p) => {
    const rs = resourceServerBy(ctx, String(p.resource_server_identifier));
    const scope = ((rs?.scopes as Json[] | undefined) ?? []).find((s) => s.value === p.permission_name);
    return {
      resource_server_identifier: p.resource_server_identifier,
      permission_name: p.permission_name,
      ...(rs?.name !== undefined ? { resource_server_name: rs.name } : {}),
      ...(scope?.description !== undefined ? { description: scope.description } : {}),
    };
  });
}

/** GET, POST and DELETE of a permission list under `template` (`/roles/{id}/permissions`...). */
function permissionHandlers(template: string, parent: 'role' | 'user') {
  const owner = (ctx: HandlerContext) => {
    if (parent === 'user') findUser(ctx, ctx.params.id);
    else if (!ctx.state.roles.has(ctx.params.id ?? ''))
      throw new ApiError(404, 'The role does not exist.', 'inexistent_role');
  };
  return {
    list: (ctx: HandlerContext) => {
      owner(ctx);
      const direct = permissionRows(ctx, collection(ctx, template, false)?.values() ?? []);
      let rows: Json[] = direct;
      if (parent === 'user') {
        // A user's permissions include those of their roles, each with where it came from.
        const byKey = new Map<string, Json>();
        for (const p of direct) byKey.set(permissionKey(p), { ...p, sources: [{ source_type: 'DIRECT' }] });
        for (const roleId of ctx.state.rolesOf(ctx.params.id ?? '')) {
          const role = ctx.state.roles.get(roleId);
          const held =
            ctx.state.store.collection(`/roles/${encodeURIComponent(roleId)}/permissions`)?.values() ?? [];
          for (const p of permissionRows(ctx, held)) {
            const row = byKey.get(permissionKey(p)) ?? { ...p, sources: [] };
            (row.sources as Json[]).push({ source_id: roleId, source_name: role?.name, source_type: 'ROLE' });
            byKey.set(permissionKey(p), row);
          }
        }
        rows = [...byKey.values()];
      }
      return { body: ctx.engine.list(ctx.op, ctx.decoded, rows, (p) => permissionKey(p as Json)) };
    },
    add: (ctx: HandlerContext) => {
      owner(ctx);
      const list = body(ctx).permissions as Json[];
      checkPermissions(ctx, list);
      const records = collection(ctx, template);
      for (const p of list)
        records.set(permissionKey(p), {
          resource_server_identifier: p.resource_server_identifier,
          permission_name: p.permission_name,
        });
      return {};
    },
    remove: (ctx: HandlerContext) => {
      owner(ctx);
      const records = collection(ctx, template, false);
      for (const p of body(ctx).permissions as Json[]) records?.delete(permissionKey(p));
      return {};
    },
  };
}

const rolePermissions = permissionHandlers('/roles/{id}/permissions', 'role');
const userPermissions = permissionHandlers('/users/{id}/permissions', 'user');

function organization(ctx: HandlerContext, id = ctx.params.id ?? ''): Json {
  return ctx.engine.find('/organizations', {}, id);
}

function members(ctx: HandlerContext): Map<string, Json> {
  organization(ctx);
  return collection(ctx, '/organizations/{id}/members');
}

function memberOf(ctx: HandlerContext): void {
  const userId = ctx.params.user_id ?? '';
  if (!members(ctx).has(userId))
    throw new ApiError(404, 'The user is not a member of the organization.', 'inexistent_member');
}

function idsIn(ctx: HandlerContext, key: string): string[] {
  return (body(ctx)[key] as unknown[]).map(String);
}

function rotateSecret(ctx: HandlerContext) {
  const client = ctx.state.clients.get(ctx.params.id ?? '');
  if (!client) throw new ApiError(404, 'The client does not exist.', 'inexistent_client');
  if (client.global === true)
    throw new ApiError(400, 'The global client has no secret to rotate.', 'operation_not_supported');
  client.client_secret = randomAlnum(64);
  return { body: ctx.engine.shape(ctx.op, { ...client }) };
}

function signingKeys(ctx: HandlerContext): Map<string, Json> {
  return ctx.state.store.collection('/keys/signing', true);
}

/** Stateful handlers the engine alone cannot serve. */
export const resourceHandlers: HandlerTable = {
  get_role_permission: rolePermissions.list,
  post_role_permission_assignment: rolePermissions.add,
  delete_role_permission_assignment: rolePermissions.remove,
  get_permissions: userPermissions.list,
  post_permissions: userPermissions.add,
  delete_permissions: userPermissions.remove,

  get_organization_members: (ctx) => {
    const rows = [...members(ctx).keys()].flatMap((id) => {
      const u = ctx.state.users.get(id);
      if (!u) return [];
      return [
        {
          user_id: u.user_id,
          ...(u.email ? { email: u.email } : {}),
          ...(u.picture ? { picture: u.picture } : {}),
          ...(u.name ? { name: u.name } : {}),
        },
      ];
    });
    return { body: ctx.engine.list(ctx.op, ctx.decoded, rows, (r) => String((r as Json).user_id)) };
  },
  post_members: (ctx) => {
    const list = members(ctx);
    const ids = idsIn(ctx, 'members');
    const missing = ids.filter((id) => !ctx.state.users.has(id));
    if (missing.length > 0)
      throw new ApiError(404, `These users do not exist: ${missing.join(', ')}.`, 'inexistent_user');
    for (const id of ids) list.set(id, { user_id: id });
    return {};
  },
  delete_members: (ctx) => {
    const list = members(ctx);
    for (const id of idsIn(ctx, 'members')) {
      list.delete(id);
      ctx.state.store.collections.delete(
        `${concrete('/organizations/{id}/members', ctx.params)}/${encodeURIComponent(id)}/roles`,
      );
    }
    return {};
  },
  get_organization_member_roles: (ctx) => {
    memberOf(ctx);
    const held = collection(ctx, '/organizations/{id}/members/{user_id}/roles', false);
    const rows = [...(held?.keys() ?? [])].flatMap((id) => {
      const r = ctx.state.roles.get(id);
      return r ? [{ id: r.id, name: r.name, ...(r.description ? { description: r.description } : {}) }] : [];
    });
    return { body: ctx.engine.list(ctx.op, ctx.decoded, rows) };
  },
  post_organization_member_roles: (ctx) => {
    memberOf(ctx);
    const ids = idsIn(ctx, 'roles');
    const missing = ids.filter((id) => !ctx.state.roles.has(id));
    if (missing.length > 0)
      throw new ApiError(404, `These roles do not exist: ${missing.join(', ')}.`, 'inexistent_role');
    const held = collection(ctx, '/organizations/{id}/members/{user_id}/roles');
    for (const id of ids) held.set(id, { id });
    return {};
  },
  delete_organization_member_roles: (ctx) => {
    memberOf(ctx);
    const held = collection(ctx, '/organizations/{id}/members/{user_id}/roles', false);
    for (const id of idsIn(ctx, 'roles')) held?.delete(id);
    return {};
  },
  get_user_organizations: (ctx) => {
    const user = findUser(ctx, ctx.params.id);
    const orgs = [...(ctx.state.store.collection('/organizations')?.values() ?? [])].filter((o) =>
      ctx.state.store
        .collection(`/organizations/${encodeURIComponent(String(o.id))}/members`)
        ?.has(user.user_id),
    );
    return { body: ctx.engine.list(ctx.op, ctx.decoded, orgs) };
  },
  get_name_by_name: (ctx) => {
    const name = ctx.params.name ?? '';
    const org = [...(ctx.state.store.collection('/organizations')?.values() ?? [])].find(
      (o) => o.name === name,
    );
    if (!org) throw notFoundError('/organizations');
    return { body: ctx.engine.shape(ctx.op, org) };
  },
  'create_organization-client-grants': (ctx) => {
    organization(ctx);
    const grantId = String(body(ctx).grant_id);
    const grant = ctx.engine.find('/client-grants', {}, grantId);
    collection(ctx, '/organizations/{id}/client-grants').set(grantId, { ...grant });
    return { body: ctx.engine.shape(ctx.op, grant) };
  },
  'get_organization-client-grants': (ctx) => {
    organization(ctx);
    const ids = [...(collection(ctx, '/organizations/{id}/client-grants', false)?.keys() ?? [])];
    const grants = ids.flatMap((id) => {
      const g = ctx.state.store.collection('/client-grants')?.get(id);
      return g ? [g] : [];
    });
    const q = ctx.decoded;
    const wanted = Array.isArray(q.grant_ids) ? (q.grant_ids as string[]) : undefined;
    const rows = grants.filter(
      (g) =>
        (q.audience === undefined || g.audience === q.audience) &&
        (q.client_id === undefined || g.client_id === q.client_id) &&
        (wanted === undefined || wanted.includes(String(g.id))),
    );
    return { body: ctx.engine.list(ctx.op, ctx.decoded, rows) };
  },
  'get_client-grant-organizations': (ctx) => {
    const grant = ctx.engine.find('/client-grants', {}, ctx.params.id ?? '');
    const orgs = [...(ctx.state.store.collection('/organizations')?.values() ?? [])].filter((o) =>
      ctx.state.store
        .collection(`/organizations/${encodeURIComponent(String(o.id))}/client-grants`)
        ?.has(String(grant.id)),
    );
    return { body: ctx.engine.list(ctx.op, ctx.decoded, orgs) };
  },
  post_enabled_connections: (ctx) => enableConnection(ctx, '/organizations/{id}/enabled_connections'),
  post_organization_connection: (ctx) => enableConnection(ctx, '/organizations/{id}/connections'),

  'post_client-grants': (ctx) => {
    const b = body(ctx);
    const clientId = String(b.client_id ?? '');
    if (!ctx.state.clients.has(clientId))
      throw new ApiError(404, 'The client does not exist.', 'inexistent_client');
    if (!resourceServerBy(ctx, String(b.audience)))
      throw new ApiError(
        404,
        `No resource server has the identifier "${String(b.audience)}".`,
        'inexistent_resource_server',
      );
    for (const g of ctx.state.store.collection('/client-grants')?.values() ?? []) {
      if (g.client_id === clientId && g.audience === b.audience)
        throw new ApiError(
          409,
          'A client grant for this client and audience already exists.',
          'client_grant_conflict',
        );
    }
    return ctx.engine.handle({
      op: ctx.op,
      params: ctx.params,
      query: ctx.decoded,
      body: { scope: [], ...b },
      nowMs: ctx.nowMs,
    })!;
  },
  'delete_resource-servers_by_id': (ctx) => {
    const rs = ctx.engine.find(MANAGED_RS, {}, ctx.params.id ?? '');
    if (rs.is_system === true)
      throw new ApiError(400, 'The Management API cannot be deleted.', 'operation_not_supported');
    const result = ctx.engine.handle({
      op: ctx.op,
      params: ctx.params,
      query: ctx.decoded,
      body: ctx.body,
      nowMs: ctx.nowMs,
    })!;
    // Grants to a deleted API go with it.
    const grants = ctx.state.store.collection('/client-grants');
    for (const [id, g] of grants ?? []) if (g.audience === rs.identifier) grants!.delete(id);
    return result;
  },
  'post_resource-servers': (ctx) => {
    const b = body(ctx);
    return ctx.engine.handle({
      op: ctx.op,
      params: ctx.params,
      query: ctx.decoded,
      body: {
        name: b.identifier,
        scopes: [],
        signing_alg: 'RS256',
        allow_offline_access: false,
        skip_consent_for_verifiable_first_party_clients: true,
        token_lifetime: 86400,
        token_lifetime_for_web: 7200,
        ...b,
      },
      nowMs: ctx.nowMs,
    })!;
  },

  'post_rotate-secret': rotateSecret,

  post_signing_keys: (ctx) => {
    const keys = signingKeys(ctx);
    const now = isoNow(ctx);
    for (const key of keys.values()) {
      if (key.current === true) {
        key.current = false;
        key.previous = true;
        key.current_until = now;
      } else if (key.next === true) {
        key.next = false;
        key.current = true;
        key.current_since = now;
      } else if (key.previous === true && key.current !== true) key.previous = false;
    }
    const next = createSigningKey(ctx.origin, { next: true });
    keys.set(String(next.kid), next);
    const current = [...keys.values()].find((k) => k.current === true)!;
    return { body: { cert: current.cert, kid: current.kid } };
  },
  put_signing_keys: (ctx) => {
    const key = ctx.engine.find('/keys/signing', {}, ctx.params.kid ?? '');
    if (key.current === true || key.next === true)
      throw new ApiError(400, 'Only a previous key can be revoked; rotate first.', 'invalid_request');
    key.revoked = true;
    key.revoked_at = isoNow(ctx);
    key.previous = false;
    return { body: { cert: key.cert, kid: key.kid } };
  },

  post_deploy_action: (ctx) => {
    const action = ctx.engine.find('/actions/actions', {}, ctx.params.id ?? '');
    const now = isoNow(ctx);
    const versions = ctx.state.store.collection(
      `/actions/actions/${encodeURIComponent(String(action.id))}/versions`,
      true,
    );
    for (const v of versions.values()) v.deployed = false;
    const version: Json = {
      id: randomUUID(),
      action_id: action.id,
      code: action.code ?? '',
      dependencies: action.dependencies ?? [],
      deployed: true,
      runtime: action.runtime ?? 'node22',
      secrets: action.secrets ?? [],
      status: 'built',
      number: versions.size + 1,
      supported_triggers: action.supported_triggers,
      created_at: now,
      updated_at: now,
      built_at: now,
    };
    versions.set(String(version.id), version);
    action.status = 'built';
    action.all_changes_deployed = true;
    action.deployed_version = { ...version };
    action.updated_at = now;
    return { body: ctx.engine.shape(ctx.op, version) };
  },

  post_verify: (ctx) => {
    const domain = ctx.engine.find('/custom-domains', {}, ctx.params.id ?? '');
    domain.status = 'ready';
    domain.verification = {
      methods: [
        { name: 'cname', record: `${String(domain.domain)}.edge.tenants.example.net`, domain: domain.domain },
      ],
    };
    return { body: ctx.engine.shape(ctx.op, { ...domain, cname_api_key: randomBytes(16).toString('hex') }) };
  },
  post_test_domain: (ctx) => {
    const domain = ctx.engine.find('/custom-domains', {}, ctx.params.id ?? '');
    const ready = domain.status === 'ready';
    return {
      body: {
        success: ready,
        message: ready ? 'The domain answers.' : 'The domain is not verified yet; verify it first.',
      },
    };
  },
  get_default_branding_theme: (ctx) => {
    const theme = ctx.state.store.collection('/branding/themes')?.values().next().value;
    if (!theme)
      throw new ApiError(404, 'No branding theme has been created on this tenant.', 'inexistent_theme');
    return { body: ctx.engine.shape(ctx.op, theme) };
  },
  get_action_module_actions: (ctx) => {
    const module = ctx.engine.find('/actions/modules', {}, ctx.params.id ?? '');
    const using = [...(ctx.state.store.collection('/actions/actions')?.values() ?? [])].filter((a) =>
      ((a.modules as Json[] | undefined) ?? []).some((m) => m.module_id === module.id),
    );
    return {
      body: ctx.engine.list(
        ctx.op,
        ctx.decoded,
        using.map((a) => ({
          action_id: a.id,
          action_name: a.name,
          supported_triggers: a.supported_triggers,
        })),
      ),
    };
  },

  post_ticket: (ctx) => {
    const user = findUser(ctx, String(body(ctx).user_id));
    const id = randomAlnum(32);
    ctx.state.tickets.push({
      id,
      kind: 'email-verification',
      user_id: user.user_id,
      url: `${ctx.origin}/guardian/enroll?ticket=${id}`,
      created_at: isoNow(ctx),
      expires_at: new Date(ctx.nowMs + 7 * 86_400_000).toISOString(),
    });
    return { body: { ticket_id: id, ticket_url: `${ctx.origin}/guardian/enroll?ticket=${id}` } };
  },
  'get_active-users': (ctx) => {
    const since = ctx.nowMs - 30 * 86_400_000;
    let n = 0;
    for (const u of ctx.state.users.values())
      if (typeof u.last_login === 'string' && Date.parse(u.last_login) >= since) n++;
    return { body: n };
  },
  get_daily: (ctx) => {
    const days = new Map<string, Json>();
    for (const log of ctx.state.logs) {
      const date = log.date.slice(0, 10);
      const row = days.get(date) ?? {
        date: `${date}T00:00:00.000Z`,
        logins: 0,
        signups: 0,
        leaked_passwords: 0,
        updated_at: log.date,
        created_at: `${date}T00:00:00.000Z`,
      };
      if (log.type === 's') row.logins = Number(row.logins) + 1;
      if (log.type === 'ss') row.signups = Number(row.signups) + 1;
      if (log.type === 'pwd_leak') row.leaked_passwords = Number(row.leaked_passwords) + 1;
      row.updated_at = log.date;
      days.set(date, row);
    }
    const from = typeof ctx.decoded.from === 'string' ? ctx.decoded.from : '00000000';
    const to = typeof ctx.decoded.to === 'string' ? ctx.decoded.to : '99999999';
    const rows = [...days.values()].filter((r) => {
      const key = String(r.date).slice(0, 10).replace(/-/g, '');
      return key >= from && key <= to;
    });
    return { body: rows };
  },
  get_status: (ctx) => {
    if (!ctx.state.connections.has(ctx.params.id ?? ''))
      throw new ApiError(404, 'The connection does not exist.', 'inexistent_connection');
    return {};
  },
  revoke_refresh_tokens: (ctx) => {
    const b = body(ctx);
    const tokens = ctx.state.store.collection('/refresh-tokens');
    const ids = Array.isArray(b.ids) ? (b.ids as string[]) : undefined;
    for (const [id, t] of tokens ?? []) {
      if (
        ids?.includes(id) ||
        (b.user_id !== undefined &&
          t.user_id === b.user_id &&
          (b.client_id === undefined || t.client_id === b.client_id))
      )
        tokens!.delete(id);
    }
    return {};
  },
  delete_grants_by_user_id: (ctx) => {
    const userId = ctx.query.get('user_id');
    if (!userId)
      throw new ApiError(
        400,
        "Query validation error: 'Missing required property: user_id'.",
        'invalid_query_string',
      );
    const grants = ctx.state.store.collection('/grants');
    for (const [id, g] of grants ?? []) if (g.user_id === userId) grants!.delete(id);
    return {};
  },
  'post_recovery-code-regeneration': (ctx) => {
    findUser(ctx, ctx.params.id);
    return { body: { recovery_code: randomAlnum(24).toUpperCase() } };
  },
  delete_authenticators: (ctx) => {
    const user = findUser(ctx, ctx.params.id);
    ctx.state.enrollments.delete(user.user_id);
    ctx.state.store.collections.delete(`/users/${encodeURIComponent(user.user_id)}/authentication-methods`);
    return {};
  },
  delete_multifactor_by_provider: (ctx) => {
    const user = findUser(ctx, ctx.params.id);
    const method = ctx.params.provider === 'google-authenticator' ? 'authenticator' : ctx.params.provider;
    const kept = (ctx.state.enrollments.get(user.user_id) ?? []).filter((e) => e.auth_method !== method);
    ctx.state.enrollments.set(user.user_id, kept);
    return {};
  },
  post_identities: (ctx) => {
    const primary = findUser(ctx, ctx.params.id);
    const b = body(ctx);
    if (typeof b.provider !== 'string' || typeof b.user_id !== 'string')
      throw new ApiError(
        400,
        'Linking needs "provider" and "user_id" of the secondary account (a link_with token is not read by the sandbox).',
        'invalid_body',
      );
    const secondaryId = `${b.provider}|${b.user_id}`;
    const secondary = findUser(ctx, secondaryId);
    if (secondary.user_id === primary.user_id)
      throw new ApiError(400, 'A user cannot be linked to itself.', 'invalid_body');
    primary.identities = [
      ...primary.identities,
      ...secondary.identities.map((i) => ({ ...i, profileData: { email: secondary.email } })),
    ];
    ctx.state.deleteUser(secondary.user_id);
    return { body: primary.identities.map((i) => ({ ...i })) };
  },
  delete_user_identity_by_user_id: (ctx) => {
    const user = findUser(ctx, ctx.params.id);
    const { provider, user_id: localId } = ctx.params;
    const at = user.identities.findIndex((i, n) => n > 0 && i.provider === provider && i.user_id === localId);
    if (at < 0) throw new ApiError(404, 'The user has no such linked identity.', 'inexistent_identity');
    user.identities = user.identities.filter((_, n) => n !== at);
    return { body: user.identities.map((i) => ({ ...i })) };
  },
  'post_sso-ticket': (ctx) => {
    ctx.engine.find('/self-service-profiles', {}, ctx.params.id ?? '');
    const id = randomAlnum(32);
    return { body: { ticket: `${ctx.origin}/self-service/connections-flow?ticket=${id}` } };
  },
  'post_invalidate-remember-browser': (ctx) => {
    findUser(ctx, ctx.params.id);
    return {};
  },
  post_clear_assessors: (ctx) => {
    findUser(ctx, ctx.params.id);
    return {};
  },
};

function enableConnection(ctx: HandlerContext, template: string) {
  organization(ctx);
  const b = body(ctx);
  const connection = ctx.state.connections.get(String(b.connection_id));
  if (!connection) throw new ApiError(404, 'The connection does not exist.', 'inexistent_connection');
  const records = collection(ctx, template);
  if (records.has(connection.id))
    throw new ApiError(
      409,
      'The connection is already enabled for this organization.',
      'connection_conflict',
    );
  const record: Json = {
    connection_id: connection.id,
    assign_membership_on_login: false,
    show_as_button: true,
    is_signup_enabled: false,
    ...b,
    connection: { name: connection.name, strategy: connection.strategy },
  };
  records.set(connection.id, record);
  return { body: ctx.engine.shape(ctx.op, record) };
}
