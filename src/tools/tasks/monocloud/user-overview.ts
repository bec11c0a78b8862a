/** `get_user_overview` on MonoCloud: one account at a glance from three reads, compact. */
import { z } from 'zod';
import { defineTaskTool, userInput } from '../define.js';
import { Checklist } from '../lookups.js';
import { TASK_KEYWORDS } from '../search-words.js';
import { prune } from '../users.js';
import {
  at,
  blockedIps,
  externalIdps,
  lockedOut,
  primaryEmail,
  primaryPhone,
  resolveMonoUser,
  unresolvedMono,
  userSessions,
} from './users.js';

/** The tool; the same name and input as Auth0's. */
export const monoGetUserOverview = defineTaskTool({
  name: 'get_user_overview',
  keywords: TASK_KEYWORDS.get_user_overview,
  title: 'User overview',
  description: "A user's profile, disabled flag, lockout, blocked IPs, verified flags and sessions.",
  input: z.strictObject({ user: userInput }),
  risk: 'read',
  idempotent: true,
  async handle(ctx, input) {
    const now = ctx.now();
    const resolution = await resolveMonoUser(ctx, input.user);
    if (resolution.kind !== 'found') return unresolvedMono(resolution, now);
    const { user } = resolution;
    const id = user.user_id;
    const list = new Checklist();
    const [ips, active] = await Promise.all([
      list.run('blocked IPs', () => blockedIps(ctx, id)),
      list.run('sessions', () => userSessions(ctx, id)),
    ]);
    const email = primaryEmail(user);
    const phone = primaryPhone(user);
    const locked = lockedOut(user, now);
    const trouble = user.disabled === true || locked || (ips?.length ?? 0) > 0;
    return {
      answer: {
        ...list.toAnswer(),
        next: trouble ? 'diagnose_login, or unblock_user' : 'diagnose_login when they cannot sign in',
      },
      tenant: prune({
        user: prune({
          user_id: id,
          email: email?.email,
          email_verified: email?.verified,
          phone: phone?.phone,
          phone_verified: phone?.verified,
          username: (user.username as { username?: unknown } | null | undefined)?.username,
          name: user.claims?.name,
          idps: externalIdps(user).length ? externalIdps(user) : undefined,
          has_password: user.has_password,
          passkeys: user.passkeys?.length || undefined,
          disabled: user.disabled === true,
          force_password_reset: user.force_password_reset === true ? true : undefined,
          created: at(user.creation_time),
          password_updated: at(user.password_updated_at),
        }),
        lockout: prune({
          locked_until: locked ? at(user.block_until) : undefined,
          failures: user.failure_count || undefined,
          last_attempt: at(user.last_sign_in_attempt),
          last_attempt_ip: user.last_sign_in_attempt_ip ?? undefined,
          last_success: at(user.last_sign_in_success),
          last_success_ip: user.last_sign_in_success_ip ?? undefined,
        }),
        blocked_ips: ips?.length ? ips : undefined,
        sessions: active ? { count: active.length, latest: active.slice(0, 3) } : undefined,
      }),
    };
  },
});
