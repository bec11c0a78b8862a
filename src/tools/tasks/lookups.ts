/**
 * Reads about one user that several tasks share, each run so that a refused or failed lookup is recorded
 * as "not checked" with its reason instead of failing the whole answer.
 */
import type { TaskContext } from './context.js';
import { listOf, minute, prune, reasonOf } from './users.js';

/** Which lookups ran and which could not, for an answer. */
export class Checklist {
  /** Lookups that answered. */
  readonly checked: string[] = [];
  /** Lookups that could not run, with the reason. */
  readonly notChecked: Record<string, string> = {};

  /** Runs `read` under `label`; resolves with its value, or `undefined` when it failed. */
  async run<T>(label: string, read: () => Promise<T>): Promise<T | undefined> {
    try {
      const value = await read();
      this.checked.push(label);
      return value;
    } catch (error) {
      this.notChecked[label] = reasonOf(error);
      return undefined;
    }
  }

  /** The `checked` / `not_checked` keys of an answer. */
  toAnswer(): Record<string, unknown> {
    return {
      checked: this.checked,
      ...(Object.keys(this.notChecked).length ? { not_checked: this.notChecked } : {}),
    };
  }
}

/** One log event, as the tasks read it. */
export interface LogEvent extends Record<string, unknown> {
  /** Type code, e.g. `fp`. */
  type: string;
  /** ISO date. */
  date: string;
  /** Source IP. */
  ip?: string;
  /** Free text. */
  description?: string;
  /** Application. */
  client_id?: string;
  /** Connection name. */
  connection?: string;
}

/** Log events from a list answer, newest first. */
export function eventsOf(body: unknown): LogEvent[] {
  return listOf(body, 'logs')
    .filter((e): e is LogEvent => typeof e.type === 'string' && typeof e.date === 'string')
    .sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0));
}

/** A user's recent log events, newest first. */
export async function userEvents(ctx: TaskContext, userId: string, perPage: number): Promise<LogEvent[]> {
  return eventsOf(await ctx.read('get_logs_by_user', { id: userId, per_page: perPage, sort: 'date:-1' }));
}

/** A user's brute-force blocks (identifier, IP, connection). */
export async function bruteForceBlocks(ctx: TaskContext, userId: string): Promise<Record<string, unknown>[]> {
  const body = await ctx.read('get_user-blocks_by_id', { id: userId });
  return listOf(body, 'blocked_for');
}

/** A user's MFA enrolments, compact. */
export async function enrollments(ctx: TaskContext, userId: string): Promise<Record<string, unknown>[]> {
  return listOf(await ctx.read('get_enrollments', { id: userId }), 'enrollments').map((e) =>
    prune({
      type: e.auth_method ?? e.type,
      status: e.status,
      name: e.name,
      last_auth: minute(e.last_auth),
    }),
  );
}

/** A user's sessions, compact (count and the latest few). */
export async function sessions(ctx: TaskContext, userId: string): Promise<Record<string, unknown>[]> {
  const body = await ctx.read('get_sessions_for_user', { user_id: userId });
  return listOf(body, 'sessions').map((s) => {
    const device = (s.device ?? {}) as Record<string, unknown>;
    return prune({
      id: s.id,
      last: minute(s.last_interacted_at ?? s.updated_at),
      ip: device.last_ip ?? device.initial_ip,
    });
  });
}

/** Role names of a user. */
export async function roleNames(ctx: TaskContext, userId: string): Promise<string[]> {
  return listOf(await ctx.read('get_user_roles', { id: userId }), 'roles')
    .map((r) => r.name)
    .filter((n): n is string => typeof n === 'string');
}

/** A compact event row (tenant data). */
export function eventRow(e: LogEvent, withDescription = false): Record<string, unknown> {
  return prune({
    date: minute(e.date),
    type: e.type,
    ip: e.ip,
    ...(withDescription ? { description: e.description } : {}),
  });
}
