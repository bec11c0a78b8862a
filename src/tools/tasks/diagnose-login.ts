/**
 * `diagnose_login`: "why can't X log in?". It reads what the tenant knows about the person (profile,
 * brute-force blocks, logs, MFA, the connection and the application, reset links issued, IPs blocked
 * tenant-wide) and answers with findings ranked most likely first, each with its evidence and the next
 * tool to call. What could not be checked is said, never guessed.
 */
import { z } from 'zod';
import { type TaskContext, TaskError } from './context.js';
import { defineTaskTool, MAX_ID_LENGTH, userInput } from './define.js';
import { categoryOf, explainTypes } from './log-types.js';
import { bruteForceBlocks, Checklist, enrollments, eventsOf, type LogEvent, userEvents } from './lookups.js';
import { TASK_KEYWORDS } from './search-words.js';
import {
  connectionOf,
  isEmailAddress,
  listOf,
  minute,
  prune,
  resolveUser,
  type TenantUser,
  unresolved,
} from './users.js';

/** Auth0's default lifetime of a password-change link when `ttl_sec` is 0 or absent: five days. */
export const DEFAULT_TICKET_TTL_SEC = 432_000;

/** How sure a finding is to stop the login. */
export type Severity = 'blocks login' | 'likely' | 'info';

const ORDER: Record<Severity, number> = { 'blocks login': 0, likely: 1, info: 2 };

/** One finding: our words, plus the tenant's evidence kept apart. */
interface Finding {
  /** Stable code. */
  cause: string;
  /** How sure. */
  severity: Severity;
  /** What it means, in our words. */
  why: string;
  /** The tool (and operation) to call next. */
  next: string;
  /** Tenant values backing it up. */
  evidence: Record<string, unknown>;
}

/** Events the diagnosis reads per user; enough for a lock-out story, small enough to stay fast. */
const USER_EVENTS = 50;

const FAILURE_CATEGORIES = new Set(['failed_logins', 'blocks', 'breached_passwords', 'mfa_failures']);

/** The tool. */
export const diagnoseLogin = defineTaskTool({
  name: 'diagnose_login',
  keywords: TASK_KEYWORDS.diagnose_login,
  title: 'Diagnose login',
  description: "Why can't a user log in? Ranked findings with evidence and the next tool.",
  input: z.strictObject({
    user: userInput,
    client_id: z.string().max(MAX_ID_LENGTH).optional().describe('Default: from logs'),
  }),
  risk: 'read',
  idempotent: true,
  async handle(ctx, input) {
    const resolution = await resolveUser(ctx, input.user);
    if (resolution.kind === 'missing') return diagnoseMissing(ctx, input.user, resolution.tried);
    if (resolution.kind !== 'found') return { ...unresolved(resolution), isError: true };
    const { user } = resolution;
    const id = user.user_id;
    const list = new Checklist();
    const connectionName = connectionOf(user);

    const [events, blocks, mfa, tenantSapi, ipBlocks, connection] = await Promise.all([
      list.run('logs', () => userEvents(ctx, id, USER_EVENTS)),
      list.run('brute-force locks', () => bruteForceBlocks(ctx, id)),
      list.run('MFA', () => enrollments(ctx, id)),
      list.run('reset links', () => tenantEvents(ctx, 'type:sapi', ['date', 'type', 'details'])),
      list.run('IP blocks', () => tenantEvents(ctx, 'type:limit_mu', ['date', 'type', 'ip'])),
      connectionName
        ? list.run('connection', () => connectionByName(ctx, connectionName))
        : Promise.resolve(undefined),
    ]);
    const app = input.client_id ?? appFromEvents(events ?? []);
    const enabled =
      connection && app ? await list.run('app', () => enabledClients(ctx, connection.id)) : undefined;
    if (!app) list.notChecked.app = 'no application known; pass client_id';

    const findings = analyse({
      now: ctx.now(),
      user,
      events,
      blocks,
      mfa,
      tenantSapi,
      ipBlocks,
      app,
      connectionName,
      enabled,
    });
    findings.sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
    const shownTypes = findings.flatMap((f) => (f.evidence.types as string[] | undefined) ?? []);
    return {
      answer: {
        diagnosis:
          findings.length === 0
            ? 'No cause found in what was checked; see not_checked, or list_security_events.'
            : `${findings.length} finding${findings.length > 1 ? 's' : ''}, most likely first.`,
        findings: findings.map(({ cause, severity, why, next }) => ({ cause, severity, why, next })),
        ...(shownTypes.length ? { types: explainTypes(shownTypes) } : {}),
        ...list.toAnswer(),
      },
      tenant: {
        user: prune({ user_id: id, email: user.email, connection: connectionName, app }),
        evidence: Object.fromEntries(findings.map((f) => [f.cause, f.evidence])),
      },
    };
  },
});

/** Recent tenant-wide events matching `search`, newest first. */
async function tenantEvents(ctx: TaskContext, search: string, fields: string[]): Promise<LogEvent[]> {
  return eventsOf(await ctx.read('get_logs', { search, per_page: 100, sort: 'date:-1' }, { fields }));
}

/** The connection of that name (id and strategy), or a not-found error. */
async function connectionByName(ctx: TaskContext, name: string): Promise<{ id: string; strategy?: string }> {
  const found = listOf(
    await ctx.read('get_connections', { name }, { fields: ['id', 'name', 'strategy'] }),
    'connections',
  ).find((c) => c.name === name && typeof c.id === 'string');
  if (!found) throw new TaskError('not_found', `no connection named ${name}`);
  return {
    id: found.id as string,
    ...(typeof found.strategy === 'string' ? { strategy: found.strategy } : {}),
  };
}

/** Client ids the connection is enabled for; `complete` is false when there were more pages. */
async function enabledClients(
  ctx: TaskContext,
  id: string,
): Promise<{ ids: Set<string>; complete: boolean }> {
  const body = await ctx.read('get_connection_clients', { id, take: 100 });
  const ids = new Set(
    listOf(body, 'clients')
      .map((c) => c.client_id)
      .filter((c): c is string => typeof c === 'string'),
  );
  return { ids, complete: !(body as { next?: unknown } | undefined)?.next };
}

/** The application of the latest failed login, else of the latest event. */
function appFromEvents(events: LogEvent[]): string | undefined {
  const failed = events.find((e) => FAILURE_CATEGORIES.has(categoryOf(e.type)) && e.client_id);
  return (failed ?? events.find((e) => e.client_id))?.client_id;
}

/** What the lookups found, as findings (unsorted). */
function analyse(facts: {
  now: number;
  user: TenantUser;
  events: LogEvent[] | undefined;
  blocks: Record<string, unknown>[] | undefined;
  mfa: Record<string, unknown>[] | undefined;
  tenantSapi: LogEvent[] | undefined;
  ipBlocks: LogEvent[] | undefined;
  app: string | undefined;
  connectionName: string | undefined;
  enabled: { ids: Set<string>; complete: boolean } | undefined;
}): Finding[] {
  const { user, now } = facts;
  const events = facts.events ?? [];
  // Only what happened since the last successful login can explain why logins fail now.
  const lastSuccess = events.find((e) => e.type === 's');
  const recent = lastSuccess ? events.filter((e) => e.date > lastSuccess.date) : events;
  const ofType = (...types: string[]) => recent.filter((e) => types.includes(e.type));
  const summary = (list: LogEvent[]) =>
    list.length
      ? { count: list.length, last: minute(list[0]!.date), types: [...new Set(list.map((e) => e.type))] }
      : {};
  const findings: Finding[] = [];
  const failures = ofType('f');

  if (user.blocked === true) {
    findings.push({
      cause: 'blocked',
      severity: 'blocks login',
      why: 'An administrator blocked the account (blocked: true); every login is refused until it is lifted.',
      next: 'unblock_user',
      evidence: prune({ blocked: true, ...summary(failures) }),
    });
  }

  if (facts.app && facts.enabled && !facts.enabled.ids.has(facts.app) && facts.enabled.complete) {
    findings.push({
      cause: 'connection_disabled',
      severity: 'blocks login',
      why: "The user's connection is not enabled for the application, so its logins are refused there.",
      next: 'invoke_write_operation patch_clients (enable the connection for the app; admin)',
      evidence: prune({
        connection: facts.connectionName,
        client_id: facts.app,
        enabled_apps: facts.enabled.ids.size,
        ...summary(failures),
      }),
    });
  }

  const locks = ofType('limit_wc', 'limit_sul');
  const wrong = ofType('fp');
  if (facts.blocks?.length) {
    findings.push({
      cause: 'brute_force_block',
      severity: 'blocks login',
      why: 'Brute-force protection locked the account for the listed IPs after repeated wrong passwords; logins from them fail until the lock is lifted or the password is reset.',
      next: 'unblock_user',
      evidence: prune({
        ips: [...new Set(facts.blocks.map((b) => b.ip))],
        wrong_passwords: wrong.length || undefined,
        locked: minute(locks[0]?.date),
        types: [...new Set([...wrong, ...locks].map((e) => e.type))],
      }),
    });
  }

  const userIps = new Set(
    [...recent.map((e) => e.ip), user.last_ip].filter((ip): ip is string => typeof ip === 'string'),
  );
  const ipBlocked = (facts.ipBlocks ?? []).filter((e) => e.ip && userIps.has(e.ip));
  if (ipBlocked.length) {
    findings.push({
      cause: 'ip_blocked',
      severity: 'likely',
      why: 'An IP this user signs in from is blocked tenant-wide after failed logins across many accounts.',
      next: 'invoke_write_operation delete_ips_by_id (admin), once the IP is known to be safe',
      evidence: { ips: [...new Set(ipBlocked.map((e) => e.ip))], ...summary(ipBlocked) },
    });
  }

  const leaks = ofType('pwd_leak');
  const reset = pendingReset(facts.tenantSapi ?? [], events, user, now);
  if (leaks.length) {
    findings.push({
      cause: 'breached_password',
      severity: 'blocks login',
      why: 'Breached-password detection refuses this password; the user must set a new one.',
      next: reset
        ? 'the pending reset link, or create_password_change_ticket'
        : 'create_password_change_ticket',
      evidence: summary(leaks),
    });
  }

  if (reset) {
    findings.push({
      cause: 'pending_password_reset',
      severity: 'info',
      why: 'A password-change link was issued and not used yet; the user may be expected to set a new password with it.',
      next: 'ask the user to open the link before it expires, or create_password_change_ticket for a new one',
      evidence: reset,
    });
  }

  const mfaFailures = recent.filter((e) => categoryOf(e.type) === 'mfa_failures');
  const pendingMfa = (facts.mfa ?? []).filter((e) => e.status === 'pending');
  if (mfaFailures.length || pendingMfa.length) {
    findings.push({
      cause: 'mfa_trouble',
      severity: mfaFailures.some((e) => e.type.endsWith('rate_limit_exceed')) ? 'blocks login' : 'likely',
      why: mfaFailures.length
        ? 'The second factor fails: codes or pushes were rejected. Check the device clock, or have an admin reset MFA so the user enrols again.'
        : 'An MFA enrolment was started and never completed.',
      next: 'invoke_write_operation delete_authenticators (admin; the user enrols again)',
      evidence: prune({ ...summary(mfaFailures), enrollments: facts.mfa }),
    });
  }

  if (user.email_verified === false) {
    const refused = failures.filter((e) => /verif/i.test(String(e.description ?? '')));
    findings.push({
      cause: 'email_unverified',
      severity: refused.length ? 'blocks login' : 'info',
      why: refused.length
        ? 'Logins are refused until the email address is verified.'
        : 'The email address is not verified; that stops logins only where the tenant requires it.',
      next: 'invoke_write_operation post_verification-email (resend the email)',
      evidence: prune({ email_verified: false, ...summary(refused), description: refused[0]?.description }),
    });
  }

  // A lock or a breached password already explains wrong passwords, and has its own remedy.
  if (wrong.length && !facts.blocks?.length && !leaks.length) {
    findings.push({
      cause: 'wrong_password',
      severity: 'likely',
      why: 'Wrong passwords since the last successful login.',
      next: 'create_password_change_ticket',
      evidence: summary(wrong),
    });
  }

  const unexplained = findings.some((f) => f.severity === 'blocks login')
    ? []
    : failures.concat(ofType('fco', 'fcoa'));
  if (unexplained.length) {
    findings.push({
      cause: 'other_failures',
      severity: 'likely',
      why: 'Failed logins with another reason; read their descriptions.',
      next: 'list_security_events',
      evidence: {
        ...summary(unexplained),
        descriptions: [...new Set(unexplained.map((e) => e.description))].slice(0, 3),
      },
    });
  }
  return findings;
}

/**
 * The newest password-change link issued for the user that is neither used nor expired: from Management
 * API events (`sapi` on the tickets path naming the user) and reset emails the user asked for (`scpr`).
 */
function pendingReset(
  tenantSapi: LogEvent[],
  userEvents: LogEvent[],
  user: TenantUser,
  now: number,
): Record<string, unknown> | undefined {
  const email = user.email?.toLowerCase();
  const issued = tenantSapi
    .map((e) => {
      const request = ((e.details ?? {}) as Record<string, unknown>).request as
        | Record<string, unknown>
        | undefined;
      const path = typeof request?.path === 'string' ? request.path : '';
      const body = (request?.body ?? {}) as Record<string, unknown>;
      const forUser =
        body.user_id === user.user_id ||
        (email !== undefined && String(body.email ?? '').toLowerCase() === email);
      if (!path.endsWith('/tickets/password-change') || !forUser) return undefined;
      const ttl =
        typeof body.ttl_sec === 'number' && body.ttl_sec > 0 ? body.ttl_sec : DEFAULT_TICKET_TTL_SEC;
      return { date: e.date, ttl, by: 'Management API' };
    })
    .filter((t) => t !== undefined);
  for (const e of userEvents.filter((x) => x.type === 'scpr'))
    issued.push({ date: e.date, ttl: DEFAULT_TICKET_TTL_SEC, by: 'user request (scpr)' });
  issued.sort((a, b) => (a.date < b.date ? 1 : -1));
  const latest = issued[0];
  if (!latest) return undefined;
  const changed = userEvents.find((e) => e.type === 'scp');
  const resetAt = typeof user.last_password_reset === 'string' ? user.last_password_reset : undefined;
  if ((changed && changed.date > latest.date) || (resetAt && resetAt > latest.date)) return undefined;
  const expires = Date.parse(latest.date) + latest.ttl * 1000;
  if (!Number.isFinite(expires) || expires <= now) return undefined;
  return { issued: minute(latest.date), expires: minute(new Date(expires).toISOString()), by: latest.by };
}

/** The answer for a user nobody found: where we looked, and any logins tried with that identifier. */
async function diagnoseMissing(ctx: TaskContext, user: string, tried: { lookup: string; result: string }[]) {
  const list = new Checklist();
  const [connections, unknown] = await Promise.all([
    list.run('connections', async () =>
      listOf(
        await ctx.read('get_connections', { per_page: 50 }, { fields: ['name', 'strategy'] }),
        'connections',
      )
        .map((c) => c.name)
        .filter((n): n is string => typeof n === 'string'),
    ),
    isEmailAddress(user) || /^[\w.@+-]+$/.test(user)
      ? list.run('failed logins with this identifier', async () =>
          eventsOf(
            await ctx.read(
              'get_logs',
              { search: `type:fu AND user_name:"${user}"`, per_page: 20, sort: 'date:-1' },
              { fields: ['date', 'type', 'ip'] },
            ),
          ),
        )
      : Promise.resolve(undefined),
  ]);
  return {
    answer: {
      diagnosis: 'The user does not exist on this tenant.',
      findings: [
        {
          cause: 'user_missing',
          severity: 'blocks login',
          why: user.includes('@')
            ? 'No user has this email on any connection; they may have signed up with another address or on another tenant.'
            : 'No user matches this id or name.',
          next: 'find_users with part of the name or the email domain',
        },
      ],
      tried,
      ...(unknown?.length ? { types: explainTypes(['fu']) } : {}),
      ...list.toAnswer(),
    },
    tenant: {
      evidence: {
        user_missing: prune({
          searched_connections: connections,
          unknown_user_logins: unknown?.length
            ? {
                count: unknown.length,
                last: minute(unknown[0]!.date),
                ips: [...new Set(unknown.map((e) => e.ip))],
              }
            : undefined,
        }),
      },
    },
  };
}
