/** `find_users` on MonoCloud: people by email, id, name or a filter expression, as compact rows. */
import { z } from 'zod';
import { defineTaskTool, MAX_QUERY_LENGTH } from '../define.js';
import { TASK_KEYWORDS } from '../search-words.js';
import { isEmailAddress, reasonOf } from '../users.js';
import {
  type MonoUser,
  monoUserRow,
  nameFilter,
  quoted,
  searchUsers,
  taskErrorOf,
  USER_ID_PATTERN,
  userById,
} from './users.js';

/** The tool; the same name and input as Auth0's. */
export const monoFindUsers = defineTaskTool({
  name: 'find_users',
  keywords: TASK_KEYWORDS.find_users,
  title: 'Find users',
  description: 'Find users by email, id, name or filter (email:*@acme.com).',
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
    let rows: MonoUser[];
    let more = false;
    try {
      if (USER_ID_PATTERN.test(query)) {
        lookup = 'user by id';
        rows = await userById(ctx, query);
      } else if (query.includes('@') && !/[\s:*]/.test(query)) {
        if (!isEmailAddress(query)) {
          return {
            answer: {
              error: 'query looks like an email address but is not one (name@domain.tld); nothing was sent.',
            },
            isError: true,
          };
        }
        lookup = 'users by email';
        ({ users: rows, more } = await searchUsers(ctx, `email:${quoted(query)}`, limit));
      } else {
        const expression = query.includes(':');
        lookup = expression ? 'user filter (your expression)' : 'users by name, email, username or phone';
        ({ users: rows, more } = await searchUsers(ctx, expression ? query : nameFilter(query), limit));
      }
    } catch (error) {
      const failure = taskErrorOf(error);
      if (
        failure.code === 'tenant_error' &&
        (failure.details.status === 400 || failure.details.status === 422)
      ) {
        return { answer: { error: `The tenant refused the search: ${failure.message}` }, isError: true };
      }
      return { answer: { error: `Could not search: ${reasonOf(failure)}.` }, isError: true };
    }
    const now = ctx.now();
    return {
      answer: {
        found: rows.length,
        lookup,
        ...(more ? { note: 'More match; narrow the query or raise limit.' } : {}),
        ...(rows.length === 0 ? { next: 'Try part of the name, or an email:*@domain expression.' } : {}),
      },
      tenant: { users: rows.map((u) => monoUserRow(u, now)) },
    };
  },
});
