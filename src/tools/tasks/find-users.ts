/** `find_users`: people by email, id, name or a search expression, as compact rows. */
import { z } from 'zod';
import { TaskError } from './context.js';
import { defineTaskTool, MAX_QUERY_LENGTH } from './define.js';
import { TASK_KEYWORDS } from './search-words.js';
import {
  isEmailAddress,
  listOf,
  nameQuery,
  readOrMissing,
  reasonOf,
  type TenantUser,
  USER_FIELDS,
  userRow,
} from './users.js';

/** The tool. */
export const findUsers = defineTaskTool({
  name: 'find_users',
  keywords: TASK_KEYWORDS.find_users,
  title: 'Find users',
  description: 'Find users by email, id, name or search (email:*@acme.com).',
  input: z.strictObject({
    query: z.string().trim().max(MAX_QUERY_LENGTH),
    limit: z.int().min(1).max(50).optional(),
  }),
  risk: 'read',
  idempotent: true,
  async handle(ctx, input) {
    const limit = input.limit ?? 10;
    const { query } = input;
    if (query === '') return { answer: { error: 'query is empty; nothing was sent.' }, isError: true };
    let lookup: string;
    let rows: TenantUser[];
    let more = false;
    try {
      if (query.includes('|') && !/[\s:]/.test(query)) {
        lookup = 'user by id';
        const body = await readOrMissing(ctx, 'get_users_by_id', { id: query }, USER_FIELDS);
        rows = body && typeof body === 'object' ? [body as TenantUser] : [];
      } else if (query.includes('@') && !/[\s:*]/.test(query)) {
        if (!isEmailAddress(query)) {
          return {
            answer: {
              error: 'query looks like an email address but is not one (name@domain.tld); nothing was sent.',
            },
            isError: true,
          };
        }
        lookup = 'users-by-email (every connection)';
        rows = listOf(
          await ctx.read('get_users-by-email', { email: query }, { fields: USER_FIELDS }),
          'users',
        ).map((u) => u as TenantUser);
      } else {
        const q = query.includes(':') ? query : nameQuery(query);
        lookup = query.includes(':')
          ? 'user search (your expression)'
          : 'user search by name, nickname or email prefix';
        const body = await ctx.read(
          'get_users',
          { q, per_page: limit, include_totals: true },
          { fields: USER_FIELDS },
        );
        rows = listOf(body, 'users').map((u) => u as TenantUser);
        const total = (body as { total?: unknown } | undefined)?.total;
        more = typeof total === 'number' && total > rows.length;
      }
    } catch (error) {
      if (error instanceof TaskError && error.code === 'tenant_error' && error.details.status === 400) {
        return { answer: { error: `The tenant refused the search: ${error.message}` }, isError: true };
      }
      return { answer: { error: `Could not search: ${reasonOf(error)}.` }, isError: true };
    }
    const shown = rows.slice(0, limit);
    return {
      answer: {
        found: shown.length,
        lookup,
        ...(more || rows.length > limit ? { note: 'More match; narrow the query or raise limit.' } : {}),
        ...(shown.length === 0 ? { next: 'Try part of the name, or an email:*@domain expression.' } : {}),
      },
      tenant: { users: shown.map(userRow) },
    };
  },
});
