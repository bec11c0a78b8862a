/**
 * `block_user`, `unblock_user` and `revoke_user_sessions` on MonoCloud. MonoCloud's block is `disable_user`;
 * recovery may take several requests (enable, lift the lockout, lift each blocked IP), and signing out is one
 * `revoke_user_session` per session. Each task asks a person once for all of its requests; `dry_run` shows
 * them instead. A step that fails is reported beside those that succeeded.
 */
import { z } from 'zod';
import type { TaskAnswer, TaskContext } from '../context.js';
import { defineTaskTool, userInput } from '../define.js';
import { Checklist } from '../lookups.js';
import { runPlan, type Step, tally } from '../run-plan.js';
import { TASK_KEYWORDS } from '../search-words.js';
import {
  blockedIps,
  lockedOut,
  type MonoUser,
  resolveMonoUser,
  unresolvedMono,
  userSessions,
} from './users.js';

/** Resolves `user` or returns the error answer. */
async function target(ctx: TaskContext, user: string): Promise<MonoUser | TaskAnswer> {
  const resolution = await resolveMonoUser(ctx, user);
  return resolution.kind === 'found' ? resolution.user : unresolvedMono(resolution, ctx.now());
}

const isAnswer = (value: MonoUser | TaskAnswer): value is TaskAnswer => 'answer' in value;

/** The tool that disables; the same name and input as Auth0's `block_user`. */
export const monoBlockUser = defineTaskTool({
  name: 'block_user',
  keywords: TASK_KEYWORDS.block_user,
  title: 'Block user',
  description: 'Disable a user: every sign-in is refused until unblock_user. A person confirms.',
  input: z.strictObject({ user: userInput }),
  risk: 'destructive',
  idempotent: true,
  async handle(ctx, input) {
    const user = await target(ctx, input.user);
    if (isAnswer(user)) return user;
    const id = user.user_id;
    if (user.disabled === true) {
      return {
        answer: {
          note: 'Already disabled; nothing was sent.',
          next: 'revoke_user_sessions to end open sessions',
        },
        tenant: { user_id: id },
      };
    }
    return runPlan(ctx, {
      // Sessions are left to revoke_user_sessions, as on Auth0: one task, one effect.
      steps: [{ operation: 'disable_user', args: { user_id: id, revoke_sessions: false }, what: 'disabled' }],
      summary: 'Disable the user below: every sign-in is refused until someone enables them again.',
      dryRun: input.dry_run,
      next: 'revoke_user_sessions ends sessions already open',
    });
  },
});

/** The tool that lifts what stops a sign-in; the same name and input as Auth0's. */
export const monoUnblockUser = defineTaskTool({
  name: 'unblock_user',
  keywords: TASK_KEYWORDS.unblock_user,
  title: 'Unblock user',
  description: 'Enable a disabled user and lift their lockout and blocked IPs. A person confirms.',
  input: z.strictObject({ user: userInput }),
  risk: 'destructive',
  idempotent: true,
  async handle(ctx, input) {
    const user = await target(ctx, input.user);
    if (isAnswer(user)) return user;
    const id = user.user_id;
    const list = new Checklist();
    const ips = await list.run('blocked IPs', () => blockedIps(ctx, id));
    const steps: Step[] = [];
    if (user.disabled === true)
      steps.push({ operation: 'enable_user', args: { user_id: id }, what: 'enabled' });
    if (lockedOut(user, ctx.now()))
      steps.push({ operation: 'unblock_user', args: { user_id: id }, what: 'lockout lifted' });
    for (const { ip } of ips ?? []) {
      steps.push({
        operation: 'unblock_ip',
        args: { user_id: id, ip_address: ip },
        what: 'IP unblocked',
        on: ip,
      });
    }
    if (steps.length === 0) {
      return {
        answer: {
          note: 'Not disabled, not locked out, no blocked IP; nothing was sent.',
          next: 'diagnose_login for other causes',
          ...list.toAnswer(),
        },
        tenant: { user_id: id },
      };
    }
    const extra = list.toAnswer().not_checked ? { not_checked: list.notChecked } : {};
    return runPlan(ctx, {
      steps,
      summary: `Unblock the user below: ${tally(steps.map((s) => s.what)).join(', ')}, so they can sign in again.`,
      dryRun: input.dry_run,
      next: 'diagnose_login if they still cannot sign in',
      extra,
    });
  },
});

/** The tool that signs a user out everywhere; Auth0's name, without `refresh_tokens`. */
export const monoRevokeUserSessions = defineTaskTool({
  name: 'revoke_user_sessions',
  keywords: TASK_KEYWORDS.revoke_user_sessions,
  title: 'Revoke sessions',
  description: 'Sign a user out everywhere: revoke each open session. A person confirms.',
  input: z.strictObject({ user: userInput }),
  risk: 'destructive',
  idempotent: true,
  async handle(ctx, input) {
    const user = await target(ctx, input.user);
    if (isAnswer(user)) return user;
    const id = user.user_id;
    const list = new Checklist();
    const open = await list.run('sessions', () => userSessions(ctx, id));
    if (!open) {
      return {
        answer: { error: 'The sessions could not be listed; nothing was sent.', ...list.toAnswer() },
        isError: true,
      };
    }
    if (open.length === 0) {
      return { answer: { note: 'No open sessions; nothing was sent.' }, tenant: { user_id: id } };
    }
    return runPlan(ctx, {
      steps: open.map((s) => ({
        operation: 'revoke_user_session',
        args: { user_id: id, session_id: s.id },
        what: 'session revoked',
        on: s.id,
      })),
      summary: `Sign the user below out everywhere: revoke ${open.length} session(s).`,
      dryRun: input.dry_run,
      next: 'block_user as well if the account must stay closed',
      extra: {
        sessions: open.length,
        caveat: 'Tokens already issued stay valid until they expire.',
      },
    });
  },
});
