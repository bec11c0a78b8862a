/**
 * `block_user`, `unblock_user` and `revoke_user_sessions`: containment and recovery for one account. Each
 * resolves the person, works out the few requests needed, asks a person once for the whole task, and runs
 * them; `dry_run` shows the requests instead. A step that fails is reported beside those that succeeded.
 */
import { z } from 'zod';
import type { TaskAnswer, TaskContext } from './context.js';
import { defineTaskTool, userInput } from './define.js';
import { bruteForceBlocks, Checklist, sessions } from './lookups.js';
import { runPlan, type Step } from './run-plan.js';
import { TASK_KEYWORDS } from './search-words.js';
import { resolveUser, type TenantUser, unresolved } from './users.js';

/** Resolves `user` or returns the error answer. */
async function target(ctx: TaskContext, user: string): Promise<TenantUser | TaskAnswer> {
  const resolution = await resolveUser(ctx, user);
  if (resolution.kind === 'found') return resolution.user;
  return { ...unresolved(resolution), isError: true };
}

const isAnswer = (value: TenantUser | TaskAnswer): value is TaskAnswer => 'answer' in value;

/** The tool that blocks. */
export const blockUser = defineTaskTool({
  name: 'block_user',
  keywords: TASK_KEYWORDS.block_user,
  title: 'Block user',
  description: 'Block a user: every login is refused until unblock_user. A person confirms.',
  input: z.strictObject({ user: userInput }),
  risk: 'destructive',
  idempotent: true,
  async handle(ctx, input) {
    const user = await target(ctx, input.user);
    if (isAnswer(user)) return user;
    const id = user.user_id;
    if (user.blocked === true) {
      return {
        answer: {
          note: 'Already blocked; nothing was sent.',
          next: 'revoke_user_sessions to end open sessions',
        },
        tenant: { user_id: id },
      };
    }
    return runPlan(ctx, {
      steps: [{ operation: 'patch_users_by_id', args: { id, blocked: true }, what: 'blocked flag set' }],
      summary: 'Block the user below: every login is refused until someone unblocks them.',
      dryRun: input.dry_run,
      next: 'revoke_user_sessions ends sessions already open',
    });
  },
});

/** The tool that unblocks. */
export const unblockUser = defineTaskTool({
  name: 'unblock_user',
  keywords: TASK_KEYWORDS.unblock_user,
  title: 'Unblock user',
  description: "Lift a user's blocked flag and brute-force locks. A person confirms.",
  input: z.strictObject({ user: userInput }),
  risk: 'destructive',
  idempotent: true,
  async handle(ctx, input) {
    const user = await target(ctx, input.user);
    if (isAnswer(user)) return user;
    const id = user.user_id;
    const list = new Checklist();
    const blocks = await list.run('brute-force locks', () => bruteForceBlocks(ctx, id));
    const steps: Step[] = [];
    if (user.blocked === true)
      steps.push({
        operation: 'patch_users_by_id',
        args: { id, blocked: false },
        what: 'blocked flag lifted',
      });
    // When the locks could not be read, lifting them anyway is harmless: it only removes what exists.
    if (blocks === undefined || blocks.length > 0)
      steps.push({ operation: 'delete_user-blocks_by_id', args: { id }, what: 'brute-force locks lifted' });
    if (steps.length === 0) {
      return {
        answer: {
          note: 'Not blocked and no brute-force locks; nothing was sent.',
          next: 'diagnose_login for other causes',
          ...list.toAnswer(),
        },
        tenant: { user_id: id },
      };
    }
    return runPlan(ctx, {
      steps,
      summary: `Unblock the user below: ${steps.map((s) => s.what.replace(' lifted', '')).join(' and ')} will be lifted, so they can log in again.`,
      dryRun: input.dry_run,
      next: 'diagnose_login if they still cannot log in',
      extra: list.toAnswer().not_checked ? { not_checked: list.notChecked } : {},
    });
  },
});

/** The tool that signs a user out everywhere. */
export const revokeUserSessions = defineTaskTool({
  name: 'revoke_user_sessions',
  keywords: TASK_KEYWORDS.revoke_user_sessions,
  title: 'Revoke sessions',
  description: 'Sign a user out everywhere (refresh_tokens: revoke those too). A person confirms.',
  input: z.strictObject({
    user: userInput,
    refresh_tokens: z.boolean().optional(),
  }),
  risk: 'destructive',
  idempotent: true,
  async handle(ctx, input) {
    const user = await target(ctx, input.user);
    if (isAnswer(user)) return user;
    const id = user.user_id;
    const list = new Checklist();
    const open = await list.run('sessions', () => sessions(ctx, id));
    if (open && open.length === 0 && !input.refresh_tokens) {
      return {
        answer: { note: 'No open sessions; nothing was sent.', ...list.toAnswer() },
        tenant: { user_id: id },
      };
    }
    const step: Step = input.refresh_tokens
      ? {
          operation: 'user_revoke_access',
          args: { id, preserve_refresh_tokens: false },
          what: 'sessions and refresh tokens revoked',
        }
      : { operation: 'delete_sessions_for_user', args: { user_id: id }, what: 'sessions ended' };
    return runPlan(ctx, {
      steps: [step],
      summary: `Sign the user below out everywhere: end ${open ? `${open.length} session(s)` : 'every session'}${input.refresh_tokens ? ' and revoke refresh tokens' : ''}.`,
      dryRun: input.dry_run,
      next: 'block_user as well if the account must stay closed',
      extra: {
        ...(open ? { sessions: open.length } : {}),
        caveat: 'Access tokens already issued stay valid until they expire.',
      },
    });
  },
});
