/**
 * `create_password_change_ticket` on MonoCloud: `reset_password`, which answers with a link. It keeps the
 * Auth0 tool's name and the inputs that mean the same here (`user_id` or `email`, `ttl_sec`), so an agent's
 * call carries over; Auth0-only fields are refused as unknown arguments. The link is a credential: a person
 * confirms, and it reaches the agent only through the confirmed task.
 */
import { z } from 'zod';
import { defineTaskTool, MAX_USER_LENGTH } from '../define.js';
import { TASK_KEYWORDS } from '../search-words.js';
import { isEmailAddress } from '../users.js';
import { at, resolveMonoUser, taskErrorOf, unresolvedMono } from './users.js';

/** The tool. */
export const monoCreatePasswordChangeTicket = defineTaskTool({
  name: 'create_password_change_ticket',
  keywords: TASK_KEYWORDS.create_password_change_ticket,
  title: 'Password reset link',
  description:
    'Password reset link for user_id or email; send_email also mails it. It is a credential: a person confirms.',
  input: z.strictObject({
    user_id: z.string().max(MAX_USER_LENGTH).optional(),
    email: z.string().max(MAX_USER_LENGTH).optional(),
    ttl_sec: z
      .int('ttl_sec must be a whole number of seconds')
      .min(0, 'ttl_sec must be 0 or more')
      .optional()
      .describe('0 or absent: tenant default'),
    send_email: z.boolean().optional(),
  }),
  risk: 'destructive',
  idempotent: false,
  async handle(ctx, input) {
    const problems: string[] = [];
    if (input.user_id === undefined && input.email === undefined)
      problems.push('user_id or email: name the user with one of them.');
    if (input.user_id !== undefined && input.email !== undefined)
      problems.push('user_id, email: send one of them, never both.');
    if (input.email !== undefined && !isEmailAddress(input.email))
      problems.push('email: not a valid email address (name@domain.tld).');
    if (input.ttl_sec !== undefined && input.ttl_sec > 0 && input.ttl_sec < 60)
      problems.push(
        'ttl_sec: MonoCloud links live at least 60 seconds; send 60 or more, or 0 for the default.',
      );
    if (problems.length) {
      return { answer: { error: 'Invalid ticket fields; nothing was sent.', problems }, isError: true };
    }
    const resolution = await resolveMonoUser(ctx, (input.user_id ?? input.email)!);
    if (resolution.kind !== 'found') return unresolvedMono(resolution, ctx.now());
    const id = resolution.user.user_id;
    const args: Record<string, unknown> = {
      user_id: id,
      send_email: input.send_email === true,
      ...(input.ttl_sec ? { expiry: input.ttl_sec } : {}),
    };
    const lifetime = input.ttl_sec ? `${input.ttl_sec} s` : 'the tenant default';
    const planned = await ctx.preview('reset_password', args);
    if (input.dry_run) {
      return {
        answer: {
          dry_run: true,
          note: 'Nothing was sent. Repeat without dry_run to create it; a person confirms first.',
          lifetime,
        },
        tenant: { would_send: [planned] },
      };
    }
    const grant = await ctx.confirm({
      steps: [{ operation: 'reset_password', args }],
      summary: `Create a password-reset link for the user below, valid for ${lifetime}${input.send_email ? ', and email it to them' : ''}. Whoever holds the link can set the account's password.`,
    });
    let body: unknown;
    try {
      // The link is what the person confirmed this task for; it reaches the agent, never the audit trail.
      body = await ctx.write('reset_password', args, grant, { reveal: ['link'] });
    } catch (error) {
      return { answer: { error: `No link was created: ${taskErrorOf(error).message}` }, isError: true };
    }
    const { link, expires_at: expires, email_sent: sent } = (body ?? {}) as Record<string, unknown>;
    const shown = typeof link === 'string' && /^https?:\/\//.test(link);
    return {
      answer: {
        created: true,
        expires: at(expires),
        email_sent: sent === true,
        link: shown
          ? 'In ticket below. It is a credential: give it only to the account owner, through a channel they trust.'
          : 'Masked: the link is a credential and this profile hides secrets.',
        next: 'diagnose_login after they used it',
      },
      tenant: { user_id: id, ...(shown ? { ticket: link } : {}) },
    };
  },
});
