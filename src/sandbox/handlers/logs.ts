/**
 * Tenant logs: search with `q` (the description calls it `search`; both are read), offset paging
 * newest first, and checkpoint paging with `from` (a log id) and `take`, oldest first after it.
 */
import { ApiError } from '../http.js';
import { intParam, paginate, project, sortBy } from '../listing.js';
import { compileQuery } from '../search.js';
import type { LogRecord } from '../state.js';
import type { HandlerContext, HandlerTable } from './context.js';

const LOG_SEARCH_FIELDS = ['description', 'type', 'user_name', 'user_id', 'client_name', 'ip', 'connection'];

function search(ctx: HandlerContext, logs: LogRecord[]): LogRecord[] {
  const q = ctx.query.get('q') ?? ctx.query.get('search');
  if (!q) return logs;
  const match = compileQuery(q, LOG_SEARCH_FIELDS);
  return logs.filter((l) => match(l));
}

function listLogs(ctx: HandlerContext) {
  const { query } = ctx;
  const logs = search(ctx, ctx.state.logs);
  const from = query.get('from');
  if (from !== null || (query.has('take') && !query.has('page') && !query.has('per_page'))) {
    const take = intParam(query, 'take', 50, 1, 100);
    const picked =
      from !== null ? logs.filter((l) => l.log_id > from).slice(0, take) : logs.slice(-take).reverse();
    return { body: picked.map((l) => project(l, query)) };
  }
  const sorted = sortBy(logs, query.get('sort') ?? 'date:-1');
  return {
    body: paginate(
      sorted.map((l) => project(l, query)),
      query,
      'logs',
      { withLength: true },
    ),
  };
}

/** Stateful handlers for logs. */
export const logHandlers: HandlerTable = {
  get_logs: listLogs,
  get_logs_by_id: (ctx) => {
    const log = ctx.state.logs.find((l) => l.log_id === ctx.params.id);
    if (!log) throw new ApiError(404, 'The log event does not exist.', 'inexistent_log');
    return { body: { ...log } };
  },
  get_logs_by_user: (ctx) => {
    const userId = ctx.params.id;
    const logs = ctx.state.logs.filter((l) => l.user_id === userId);
    const sorted = sortBy(logs, ctx.query.get('sort') ?? 'date:-1');
    return { body: paginate(sorted, ctx.query, 'logs', { withLength: true }) };
  },
};
