/**
 * Groups as the tenant's records: created, read and changed through the resource engine, counted
 * from their members and applications; deleting one ends both relations. A group marked
 * `is_auto_assigned` takes every user created after (see `users.ts`).
 */
import type { MonoHandlerTable } from './context.js';
import { viaEngine } from './context.js';

/** Handlers for the group records themselves (membership is in `groups.ts`). */
export const groupAdminHandlers: MonoHandlerTable = {
  delete_group: (ctx) => {
    const result = viaEngine(ctx);
    const groupId = ctx.params.group_id ?? '';
    ctx.state.memberships = ctx.state.memberships.filter((m) => m.group_id !== groupId);
    for (const [path, records] of ctx.state.store.collections)
      if (path.startsWith('/applications/') && path.endsWith('/groups')) records.delete(groupId);
    return result;
  },
};
