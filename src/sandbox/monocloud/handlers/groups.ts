/**
 * Group membership seen from the user side: a user's groups, one membership, assign and remove, and
 * the users of a group. The groups themselves are records of the resource engine (`groups-admin.ts`).
 */
import { listPage } from '../listing.js';
import { conflict, notFound } from '../problem.js';
import type { JsonObject, MembershipRecord, MonoUser } from '../state.js';
import { findUser, type MonoContext, type MonoHandlerTable, userSummary } from './context.js';
import { USER_FILTER, USER_SORT_FIELDS } from './users.js';

function findGroup(ctx: MonoContext): { group_id: string; name: string } {
  const group: JsonObject | undefined = ctx.state.groups.get(ctx.params.group_id ?? '');
  if (!group) throw notFound(`Group '${ctx.params.group_id}' was not found.`);
  return { group_id: String(group.group_id), name: String(group.name) };
}

/** The `UserGroup` model. */
function membershipJson(ctx: MonoContext, m: MembershipRecord) {
  return {
    group_id: m.group_id,
    user_id: m.user_id,
    creation_time: m.creation_time,
    group_name: String(ctx.state.groups.get(m.group_id)?.name ?? ''),
  };
}

function findMembership(ctx: MonoContext): MembershipRecord {
  const user = findUser(ctx);
  const group = findGroup(ctx);
  const m = ctx.state.memberships.find((x) => x.user_id === user.user_id && x.group_id === group.group_id);
  if (!m) throw notFound(`User '${user.user_id}' is not in group '${group.name}'.`);
  return m;
}

/** Stateful handlers for group membership. */
export const groupHandlers: MonoHandlerTable = {
  get_all_user_groups: (ctx) => {
    const user = findUser(ctx);
    const mine = ctx.state.memberships.filter((m) => m.user_id === user.user_id);
    const page = listPage(mine, ctx.query, { sortFields: ['creation_time'] });
    return {
      page: { ...page, items: (page.items as MembershipRecord[]).map((m) => membershipJson(ctx, m)) },
    };
  },
  find_user_group: (ctx) => ({ body: membershipJson(ctx, findMembership(ctx)) }),
  assign_user_to_group: (ctx) => {
    const user = findUser(ctx);
    const group = findGroup(ctx);
    if (ctx.state.memberships.some((m) => m.user_id === user.user_id && m.group_id === group.group_id))
      throw conflict(`User '${user.user_id}' is already in group '${group.name}'.`);
    const m = { group_id: group.group_id, user_id: user.user_id, creation_time: ctx.now };
    ctx.state.memberships.push(m);
    return { body: membershipJson(ctx, m) };
  },
  remove_user_from_group: (ctx) => {
    const m = findMembership(ctx);
    ctx.state.memberships = ctx.state.memberships.filter((x) => x !== m);
    return {};
  },
  get_all_group_assigned_users: (ctx) => {
    const group = findGroup(ctx);
    const ids = new Set(
      ctx.state.memberships.filter((m) => m.group_id === group.group_id).map((m) => m.user_id),
    );
    const users = [...ctx.state.users.values()].filter((u) => ids.has(u.user_id));
    const page = listPage(users, ctx.query, { sortFields: USER_SORT_FIELDS, filter: USER_FILTER });
    return { page: { ...page, items: (page.items as MonoUser[]).map(userSummary) } };
  },
};
