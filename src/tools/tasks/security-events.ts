/**
 * `list_security_events`: failed logins, blocks, breached passwords, MFA failures, password changes and
 * admin changes, for one user or the whole tenant, over a time window, compact and paged.
 */
import { z } from 'zod';
import { defineTaskTool, userInput } from './define.js';
import { type EventCategory, explainTypes, typesIn } from './log-types.js';
import { eventsOf } from './lookups.js';
import { TASK_KEYWORDS } from './search-words.js';
import { minute, prune, reasonOf, resolveUser, unresolved } from './users.js';

/** The categories an agent may ask for. */
export const SECURITY_KINDS = [
  'failed_logins',
  'blocks',
  'breached_passwords',
  'mfa_failures',
  'password_changes',
  'admin_changes',
] as const satisfies readonly EventCategory[];

/** Default window: the last seven days. */
const DEFAULT_SINCE = '7d';

const RELATIVE = /^(\d{1,4})([mhd])$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** An ISO date or a relative duration (`30m`, `24h`, `7d` ago) as epoch milliseconds, or undefined. */
export function parseWhen(text: string, now: number): number | undefined {
  const relative = RELATIVE.exec(text);
  if (relative) return now - Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS];
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

const when = z.string().max(64);

/** The tool. */
export const listSecurityEvents = defineTaskTool({
  name: 'list_security_events',
  keywords: TASK_KEYWORDS.list_security_events,
  title: 'Security events',
  description: 'Failed logins, blocks, breached passwords, MFA, password and admin changes. Paged.',
  input: z.strictObject({
    user: userInput.optional(),
    since: when.optional().describe('24h, 7d or ISO; default 7d'),
    until: when.optional(),
    kinds: z.array(z.enum(SECURITY_KINDS)).optional(),
    page: z.int().min(0).optional(),
    per_page: z.int().min(1).max(50).optional(),
  }),
  risk: 'read',
  idempotent: true,
  async handle(ctx, input) {
    const now = ctx.now();
    const since = parseWhen(input.since ?? DEFAULT_SINCE, now);
    const until = input.until === undefined ? undefined : parseWhen(input.until, now);
    const bad = [
      ...(since === undefined ? ['since'] : []),
      ...(input.until !== undefined && until === undefined ? ['until'] : []),
    ];
    if (bad.length) {
      return {
        answer: {
          error: `${bad.join(' and ')}: expected an ISO date (2026-01-31T10:00Z) or 30m, 24h, 7d; nothing was sent.`,
        },
        isError: true,
      };
    }
    if (until !== undefined && until <= since!) {
      return { answer: { error: 'until must be after since; nothing was sent.' }, isError: true };
    }
    let kinds: EventCategory[] = [...(input.kinds ?? SECURITY_KINDS)];
    const notes: string[] = [];
    let userId: string | undefined;
    if (input.user !== undefined) {
      const resolution = await resolveUser(ctx, input.user);
      if (resolution.kind !== 'found') return { ...unresolved(resolution), isError: true };
      userId = resolution.user.user_id;
      if (kinds.includes('admin_changes')) {
        // Management API events name the caller, not the user changed, so they cannot be filtered by user.
        kinds = kinds.filter((k) => k !== 'admin_changes');
        notes.push('admin_changes are tenant-wide: call again without user to see them.');
        if (kinds.length === 0) return { answer: { note: notes[0] } };
      }
    }
    const types = typesIn(kinds);
    const range = `date:[${new Date(since!).toISOString()} TO ${until === undefined ? '*' : new Date(until).toISOString()}]`;
    const search = `(${types.map((t) => `type:${t}`).join(' OR ')}) AND ${range}${userId ? ` AND user_id:"${userId.replace(/"/g, '')}"` : ''}`;
    const page = input.page ?? 0;
    const perPage = input.per_page ?? 20;
    let body: unknown;
    try {
      body = await ctx.read(
        'get_logs',
        { search, page, per_page: perPage, sort: 'date:-1', include_totals: true },
        {
          fields: ['date', 'type', 'ip', 'user_id', 'user_name', 'description'],
        },
      );
    } catch (error) {
      return { answer: { error: `The logs could not be read: ${reasonOf(error)}.` }, isError: true };
    }
    const events = eventsOf(body);
    const total = (body as { total?: unknown } | undefined)?.total;
    const more = typeof total === 'number' ? (page + 1) * perPage < total : events.length === perPage;
    return {
      answer: prune({
        window: {
          since: minute(new Date(since!).toISOString()),
          until: until ? minute(new Date(until).toISOString()) : 'now',
        },
        kinds,
        page,
        shown: events.length,
        total: typeof total === 'number' ? total : undefined,
        next_page: more ? page + 1 : undefined,
        types: events.length ? explainTypes(events.map((e) => e.type)) : undefined,
        note: notes.length ? notes.join(' ') : undefined,
      }),
      tenant: {
        events: events.map((e) =>
          prune({
            date: minute(e.date),
            type: e.type,
            ip: e.ip,
            user: userId ? undefined : (e.user_name ?? e.user_id),
            // The type code says it all for most events; `f` and admin events need their description.
            description: e.type === 'f' || e.type === 'sapi' || e.type === 'fapi' ? e.description : undefined,
          }),
        ),
      },
    };
  },
});
