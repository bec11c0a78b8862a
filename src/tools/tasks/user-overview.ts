/** `get_user_overview`: one person's account at a glance, from six reads, compact. */
import { z } from 'zod';
import { defineTaskTool, userInput } from './define.js';
import { explainTypes } from './log-types.js';
import {
  bruteForceBlocks,
  Checklist,
  enrollments,
  eventRow,
  roleNames,
  sessions,
  userEvents,
} from './lookups.js';
import { TASK_KEYWORDS } from './search-words.js';
import { minute, prune, resolveUser, unresolved } from './users.js';

/** How many recent events and sessions an overview shows. */
const RECENT = 5;

/** The tool. */
export const getUserOverview = defineTaskTool({
  name: 'get_user_overview',
  keywords: TASK_KEYWORDS.get_user_overview,
  title: 'User overview',
  description: "A user's profile, identities, blocks, roles, MFA, recent logins and sessions.",
  input: z.strictObject({ user: userInput }),
  risk: 'read',
  idempotent: true,
  async handle(ctx, input) {
    const resolution = await resolveUser(ctx, input.user);
    if (resolution.kind !== 'found') return { ...unresolved(resolution), isError: true };
    const { user } = resolution;
    const id = user.user_id;
    const list = new Checklist();
    const [blocks, roles, mfa, events, active] = await Promise.all([
      list.run('brute-force locks', () => bruteForceBlocks(ctx, id)),
      list.run('roles', () => roleNames(ctx, id)),
      list.run('MFA', () => enrollments(ctx, id)),
      list.run('logs', () => userEvents(ctx, id, RECENT)),
      list.run('sessions', () => sessions(ctx, id)),
    ]);
    const shownEvents = events?.slice(0, RECENT);
    return {
      answer: {
        ...list.toAnswer(),
        ...(shownEvents?.length ? { types: explainTypes(shownEvents.map((e) => e.type)) } : {}),
        next:
          user.blocked === true || blocks?.length
            ? 'diagnose_login, or unblock_user'
            : 'diagnose_login when they cannot sign in',
      },
      tenant: prune({
        user: prune({
          user_id: id,
          email: user.email,
          email_verified: user.email_verified,
          name: user.name,
          identities: user.identities?.map((i) => `${i.connection ?? i.provider}`),
          blocked: user.blocked === true,
          created: minute(user.created_at),
          last_login: minute(user.last_login),
          last_ip: user.last_ip,
          logins: user.logins_count,
          last_password_reset: minute(user.last_password_reset),
        }),
        brute_force_blocks: blocks?.map((b) => prune({ ip: b.ip, connection: b.connection })),
        roles,
        mfa,
        recent_events: shownEvents?.map((e) => eventRow(e)),
        sessions: active ? { count: active.length, latest: active.slice(0, 3) } : undefined,
      }),
    };
  },
});
