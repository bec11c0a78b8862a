/**
 * `create_password_change_ticket`: `POST /tickets/password-change` with every field the Management API
 * takes. The cross-field rules are checked here, before anything is sent, with messages naming the
 * fields; the catalog's schema checks them again at the gate. The link is a credential: the tool is a
 * confirmed write, and the link is masked wherever the profile masks secrets (the audit trail always).
 */
import { z } from 'zod';
import { TaskError } from './context.js';
import { defineTaskTool, MAX_ID_LENGTH, MAX_USER_LENGTH } from './define.js';
import { DEFAULT_TICKET_TTL_SEC } from './diagnose-login.js';
import { TASK_KEYWORDS } from './search-words.js';
import { isEmailAddress, minute } from './users.js';

/** Auth0's connection id shape. */
export const CONNECTION_ID = /^con_[A-Za-z0-9]{16}$/;

const connectionId = z
  .string()
  .regex(CONNECTION_ID, 'connection_id must be con_ followed by 16 letters or digits');

/** The tool's ticket fields, as the Management API names them. */
export const ticketInput = z.strictObject({
  user_id: z.string().max(MAX_USER_LENGTH).optional(),
  email: z.string().max(MAX_USER_LENGTH).optional(),
  connection_id: connectionId.optional(),
  client_id: z.string().max(MAX_ID_LENGTH).optional(),
  organization_id: z.string().max(MAX_ID_LENGTH).optional(),
  result_url: z.string().max(2048).optional(),
  ttl_sec: z
    .int('ttl_sec must be a whole number of seconds')
    .min(0, 'ttl_sec must be 0 or more')
    .optional()
    .describe('0 or absent: 5 days'),
  mark_email_as_verified: z.boolean().optional(),
  includeEmailInRedirect: z.boolean().optional(),
  identity: z
    .strictObject({
      user_id: z.string().max(MAX_USER_LENGTH),
      provider: z.literal('auth0', 'identity.provider must be auth0'),
      // Its pattern is checked with the other rules: a listing pays for every character of a schema.
      connection_id: z.string().max(MAX_ID_LENGTH).optional(),
    })
    .optional(),
});

/** The fields of a ticket request. */
export type TicketFields = z.infer<typeof ticketInput>;

/**
 * Every cross-field rule the ticket request breaks, each naming its fields; empty when it may be sent.
 * Types, the `connection_id` pattern, `ttl_sec` and `identity`'s own shape are the schema's job.
 */
export function ticketRuleViolations(input: TicketFields): string[] {
  const has = (key: keyof TicketFields) => input[key] !== undefined;
  const problems: string[] = [];
  if (!has('user_id') && !has('email'))
    problems.push('user_id or email: name the user with user_id, or with email together with connection_id.');
  if (has('user_id') && has('email')) problems.push('user_id, email: send one of them, never both.');
  if (has('connection_id') && !has('email'))
    problems.push('connection_id: only accepted with email; drop it when sending user_id.');
  if (has('email') && !has('connection_id') && !has('user_id'))
    problems.push('email, connection_id: email needs connection_id to say which connection the user is on.');
  if (has('email') && !isEmailAddress(input.email!))
    problems.push('email: not a valid email address (name@domain.tld).');
  if (has('result_url') && has('organization_id'))
    problems.push('result_url, organization_id: not together; the organization decides where users land.');
  if (has('result_url') && !/^https?:\/\//i.test(input.result_url!))
    problems.push('result_url: must be an http(s) URL.');
  else if (has('result_url') && !URL.canParse(input.result_url!))
    problems.push('result_url: not a valid URL.');
  if (input.identity?.connection_id !== undefined && !CONNECTION_ID.test(input.identity.connection_id))
    problems.push('identity.connection_id: must be con_ followed by 16 letters or digits.');
  if (has('identity') && !has('user_id'))
    problems.push(
      'identity, user_id: identity is only accepted with user_id (the account the identity belongs to).',
    );
  return problems;
}

/** In words, how long the link lives. */
function lifetime(ttl: number | undefined): string {
  return ttl ? `${ttl} s` : '5 days: the tenant default (ttl_sec 0 or absent)';
}

/** The tool. */
export const createPasswordChangeTicket = defineTaskTool({
  name: 'create_password_change_ticket',
  keywords: TASK_KEYWORDS.create_password_change_ticket,
  title: 'Password reset link',
  description: 'Reset link for user_id, or email with connection_id. A credential: a person confirms.',
  input: ticketInput,
  risk: 'destructive',
  idempotent: false,
  async handle(ctx, input) {
    const {
      dry_run: dryRun,
      approval_id: _approval,
      ...fields
    } = input as TicketFields & {
      dry_run?: boolean;
      approval_id?: string;
    };
    const problems = ticketRuleViolations(fields);
    if (problems.length) {
      return {
        answer: { error: 'Invalid ticket fields; nothing was sent.', problems },
        isError: true,
      };
    }
    const args: Record<string, unknown> = { ...fields };
    const planned = await ctx.preview('post_password-change', args);
    if (dryRun) {
      return {
        answer: {
          dry_run: true,
          note: 'Nothing was sent. Repeat without dry_run to create it; a person confirms first.',
          lifetime: lifetime(fields.ttl_sec),
        },
        tenant: { would_send: [planned] },
      };
    }
    const grant = await ctx.confirm({
      steps: [{ operation: 'post_password-change', args }],
      summary: `Create a password-change link for the user below, valid for ${lifetime(fields.ttl_sec)}. Whoever holds the link can set the account's password.`,
    });
    let body: unknown;
    try {
      // The link is what the person confirmed this task for; it reaches the agent, never the audit trail.
      body = await ctx.write('post_password-change', args, grant, { reveal: ['ticket'] });
    } catch (error) {
      if (!(error instanceof TaskError)) throw error;
      return { answer: { error: `No link was created: ${error.message}` }, isError: true };
    }
    const ticket = (body as { ticket?: unknown } | undefined)?.ticket;
    const shown = typeof ticket === 'string' && /^https?:\/\//.test(ticket);
    const ttl = fields.ttl_sec || DEFAULT_TICKET_TTL_SEC;
    return {
      answer: {
        created: true,
        lifetime: lifetime(fields.ttl_sec),
        expires: minute(new Date(ctx.now() + ttl * 1000).toISOString()),
        link: shown
          ? 'In ticket below. It is a credential: give it only to the account owner, through a channel they trust.'
          : 'Masked: the link is a credential and this profile hides secrets. A person with tenant access can issue one themselves.',
        next: 'diagnose_login shows it as a pending reset until it is used',
      },
      ...(shown ? { tenant: { ticket } } : {}),
    };
  },
});
