/**
 * Roles and who holds them, from both ends: `/roles/{id}/users` and `/users/{id}/roles`. A role's
 * description is kept and returned as Auth0 returns it.
 */
import { ApiError, badBody } from '../http.js';
import { checkpoint, paginate } from '../listing.js';
import { type RoleRecord, randomAlnum } from '../state.js';
import {
  findUser,
  type HandlerContext,
  type HandlerTable,
  objectBody,
  onlyProperties,
  optional,
  requiredString,
} from './context.js';

function roleJson(role: RoleRecord) {
  return {
    id: role.id,
    name: role.name,
    ...(role.description !== undefined ? { description: role.description } : {}),
  };
}

function findRole(ctx: HandlerContext, id: string | undefined): RoleRecord {
  const role = id === undefined ? undefined : ctx.state.roles.get(id);
  if (!role) throw new ApiError(404, 'The role does not exist.', 'inexistent_role');
  return role;
}

/** The string array under `key`, non-empty, or 400. */
function idList(ctx: HandlerContext, key: string): string[] {
  const body = objectBody(ctx);
  onlyProperties(body, [key]);
  const list = body[key];
  if (!Array.isArray(list) || list.length === 0 || !list.every((v) => typeof v === 'string')) {
    throw badBody(`"${key}" must be a non-empty array of ids.`);
  }
  return list as string[];
}

function checkName(ctx: HandlerContext, name: string, except?: string): void {
  for (const role of ctx.state.roles.values()) {
    if (role.id !== except && role.name.toLowerCase() === name.toLowerCase()) {
      throw new ApiError(409, `A role named "${name}" already exists.`, 'role_conflict');
    }
  }
}

/** Stateful handlers for roles and role assignments. */
export const roleHandlers: HandlerTable = {
  get_roles: (ctx) => {
    const filter = ctx.query.get('name_filter')?.toLowerCase();
    const roles = [...ctx.state.roles.values()].filter(
      (r) => !filter || r.name.toLowerCase().includes(filter),
    );
    return { body: paginate(roles.map(roleJson), ctx.query, 'roles') };
  },
  post_roles: (ctx) => {
    const body = objectBody(ctx);
    onlyProperties(body, ['name', 'description']);
    const name = requiredString(body, 'name');
    const description = optional<string>(body, 'description', 'string');
    checkName(ctx, name);
    const role: RoleRecord = { id: `rol_${randomAlnum(16)}`, name, ...(description ? { description } : {}) };
    ctx.state.roles.set(role.id, role);
    ctx.state.roleMembers.set(role.id, new Set());
    return { body: roleJson(role) };
  },
  get_roles_by_id: (ctx) => ({ body: roleJson(findRole(ctx, ctx.params.id)) }),
  patch_roles_by_id: (ctx) => {
    const role = findRole(ctx, ctx.params.id);
    const body = objectBody(ctx);
    onlyProperties(body, ['name', 'description']);
    const name = optional<string>(body, 'name', 'string');
    const description = optional<string>(body, 'description', 'string');
    if (name !== undefined) {
      if (name === '') throw badBody('"name" must not be empty.');
      checkName(ctx, name, role.id);
      role.name = name;
    }
    if (description !== undefined) role.description = description;
    return { body: roleJson(role) };
  },
  delete_roles_by_id: (ctx) => {
    const role = findRole(ctx, ctx.params.id);
    ctx.state.roles.delete(role.id);
    ctx.state.roleMembers.delete(role.id);
    ctx.state.store.dropUnder(`/roles/${encodeURIComponent(role.id)}`);
    return {};
  },
  get_role_user: (ctx) => {
    const role = findRole(ctx, ctx.params.id);
    const users = [...(ctx.state.roleMembers.get(role.id) ?? [])].flatMap((id) => {
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
    if (ctx.query.has('from') || ctx.query.has('take'))
      return { body: checkpoint(users, ctx.query, 'users') };
    return { body: paginate(users, ctx.query, 'users') };
  },
  post_role_users: (ctx) => {
    const role = findRole(ctx, ctx.params.id);
    const ids = idList(ctx, 'users');
    const missing = ids.filter((id) => !ctx.state.users.has(id));
    if (missing.length > 0)
      throw new ApiError(404, `These users do not exist: ${missing.join(', ')}.`, 'inexistent_user');
    const members = ctx.state.roleMembers.get(role.id) ?? new Set<string>();
    for (const id of ids) members.add(id);
    ctx.state.roleMembers.set(role.id, members);
    return {};
  },
  get_user_roles: (ctx) => {
    const user = findUser(ctx, ctx.params.id);
    const roles = ctx.state.rolesOf(user.user_id).flatMap((id) => {
      const role = ctx.state.roles.get(id);
      return role ? [roleJson(role)] : [];
    });
    return { body: paginate(roles, ctx.query, 'roles') };
  },
  post_user_roles: (ctx) => {
    const user = findUser(ctx, ctx.params.id);
    const ids = idList(ctx, 'roles');
    const missing = ids.filter((id) => !ctx.state.roles.has(id));
    if (missing.length > 0)
      throw new ApiError(404, `These roles do not exist: ${missing.join(', ')}.`, 'inexistent_role');
    for (const id of ids) ctx.state.roleMembers.get(id)?.add(user.user_id);
    return {};
  },
  delete_user_roles: (ctx) => {
    const user = findUser(ctx, ctx.params.id);
    for (const id of idList(ctx, 'roles')) ctx.state.roleMembers.get(id)?.delete(user.user_id);
    return {};
  },
};
