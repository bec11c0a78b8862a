/**
 * `snapshot_tenant` and `diff_tenant` on Auth0: a read-only copy of the tenant's configuration
 * (applications, connections, APIs, client grants, roles with their permissions, actions, settings) kept
 * as a file in the server's state directory, and the live tenant compared against one, each change with
 * the Management API log events (`sapi`) that explain it where the logs still have them.
 */
import { z } from 'zod';
import { fitPage, shown } from './budget.js';
import {
  type Change,
  diffSnapshots,
  itemsOf,
  type KindReader,
  readPages,
  readSettings,
  takeSnapshot,
  tally,
} from './config-snapshot.js';
import {
  type SnapshotDocument,
  type SnapshotFiles,
  type TaskAnswer,
  type TaskContext,
  TaskError,
} from './context.js';
import { defineTaskTool } from './define.js';
import { eventsOf, type LogEvent } from './lookups.js';
import { TASK_KEYWORDS } from './search-words.js';
import { minute, prune, reasonOf } from './users.js';

/** Roles whose permissions a snapshot reads (one request each). */
const MAX_ROLE_PERMISSIONS = 100;

/** The kinds of an Auth0 snapshot and how each is read. */
export const AUTH0_KINDS: readonly KindReader[] = [
  list('clients', 'get_clients', 'clients', 'client_id'),
  list('connections', 'get_connections', 'connections', 'id'),
  list('resource_servers', 'get_resource-servers', 'resource_servers', 'id'),
  list('client_grants', 'get_client-grants', 'client_grants', 'id', (g) => `${g.client_id} → ${g.audience}`),
  {
    kind: 'roles',
    async read(ctx) {
      const { rows, truncated } = await readPages(ctx, 'get_roles', { listKey: 'roles', paging: 'auth0' });
      // Each role with the permissions it grants: a permission added to a role is a change to it.
      for (const role of rows.slice(0, MAX_ROLE_PERMISSIONS)) {
        if (typeof role.id !== 'string') continue;
        const granted = await readPages(ctx, 'get_role_permission', {
          args: { id: role.id },
          listKey: 'permissions',
          paging: 'auth0',
        });
        role.permissions = granted.rows
          .map((p) => `${p.resource_server_identifier ?? ''} ${p.permission_name ?? ''}`.trim())
          .sort();
      }
      return {
        items: itemsOf(
          rows,
          (r) => r.id,
          (r) => r.name,
        ),
        truncated: truncated || rows.length > MAX_ROLE_PERMISSIONS,
      };
    },
  },
  list('actions', 'get_actions', 'actions', 'id'),
  {
    kind: 'settings',
    async read(ctx) {
      const { items, failed } = await readSettings(ctx, SETTINGS);
      if (Object.keys(items).length === 0) {
        throw new TaskError('forbidden', Object.values(failed)[0] ?? 'no setting could be read');
      }
      return { items };
    },
  },
];

/** The settings a snapshot holds, by name, with the operation that reads each. */
const SETTINGS: ReadonlyArray<[string, string]> = [
  ['tenant', 'tenant_settings_route'],
  ['brute_force_protection', 'get_brute-force-protection'],
  ['breached_password_detection', 'get_breached-password-detection'],
  ['suspicious_ip_throttling', 'get_suspicious-ip-throttling'],
  ['bot_detection', 'get_bot-detection'],
  ['mfa_policies', 'get_policies'],
  ['mfa_factors', 'get_factors'],
  ['prompts', 'get_prompts'],
];

/** The Management API path each setting is written at, to match log events to a change. */
const SETTING_PATHS: Record<string, string> = {
  tenant: '/tenants/settings',
  brute_force_protection: '/attack-protection/brute-force-protection',
  breached_password_detection: '/attack-protection/breached-password-detection',
  suspicious_ip_throttling: '/attack-protection/suspicious-ip-throttling',
  bot_detection: '/attack-protection/bot-detection',
  mfa_policies: '/guardian/policies',
  mfa_factors: '/guardian/factors',
  prompts: '/prompts',
};

/** The collection path of each listed kind. */
const KIND_PATHS: Record<string, string> = {
  clients: '/clients',
  connections: '/connections',
  resource_servers: '/resource-servers',
  client_grants: '/client-grants',
  roles: '/roles',
  actions: '/actions/actions',
};

function list(
  kind: string,
  operation: string,
  listKey: string,
  idKey: string,
  name: (row: Record<string, unknown>) => unknown = (row) => row.name,
): KindReader {
  return {
    kind,
    async read(ctx) {
      const { rows, truncated } = await readPages(ctx, operation, { listKey, paging: 'auth0' });
      return { items: itemsOf(rows, (row) => row[idKey], name), ...(truncated ? { truncated } : {}) };
    },
  };
}

/** The store, or the error an agent sees when the server keeps no state directory. */
export function snapshotStore(ctx: TaskContext): SnapshotFiles {
  if (!ctx.snapshots) {
    throw new TaskError('refused', 'This server keeps no state directory, so snapshots cannot be saved.');
  }
  return ctx.snapshots;
}

/** The answer of a saved snapshot, in our words and counts. */
export function savedAnswer(
  doc: SnapshotDocument,
  saved: { id: string; file: string; bytes: number },
): TaskAnswer {
  return {
    answer: prune({
      snapshot: saved.id,
      file: saved.file,
      bytes: saved.bytes,
      taken: minute(doc.taken_at),
      counts: Object.fromEntries(
        Object.entries(doc.kinds).map(([kind, items]) => [kind, Object.keys(items).length]),
      ),
      not_read: doc.not_read,
      truncated: doc.truncated,
      secrets: 'masked: no secret value is written; a rotated secret does not show in a diff',
      next: `diff_tenant {"snapshot":"${saved.id}"} shows what changed since`,
    }),
  };
}

/**
 * Input of `snapshot_tenant`, the same on both providers. Kinds are checked by the tool, not by an enum in
 * the schema: a listing pays for every enum value on every request.
 */
export const snapshotInput = z.strictObject({
  kinds: z.array(z.string().max(40)).max(20).optional(),
});

/** The error answer for kinds a provider does not have, naming those it has; undefined when all are known. */
export function unknownKinds(
  kinds: readonly string[] | undefined,
  readers: readonly KindReader[],
): TaskAnswer | undefined {
  const known = readers.map((r) => r.kind);
  const unknown = (kinds ?? []).filter((kind) => !known.includes(kind));
  if (unknown.length === 0) return undefined;
  return {
    answer: {
      error: `kinds: ${unknown.map((k) => JSON.stringify(k.slice(0, 40))).join(', ')} unknown; use any of ${known.join(', ')}. Nothing was read.`,
    },
    isError: true,
  };
}

/** `snapshot_tenant` on Auth0. */
export const snapshotTenant = defineTaskTool({
  name: 'snapshot_tenant',
  keywords: TASK_KEYWORDS.snapshot_tenant,
  title: 'Snapshot tenant',
  description: 'Save the configuration to a file, secrets masked, for diff_tenant.',
  input: snapshotInput,
  risk: 'read',
  idempotent: false,
  async handle(ctx, input) {
    const store = snapshotStore(ctx);
    const unknown = unknownKinds(input.kinds, AUTH0_KINDS);
    if (unknown) return unknown;
    const doc = await takeSnapshot(ctx, 'auth0', AUTH0_KINDS, input.kinds);
    if (Object.keys(doc.kinds).length === 0) {
      return {
        answer: { error: 'Nothing could be read; nothing was written.', not_read: doc.not_read },
        isError: true,
      };
    }
    return savedAnswer(doc, await store.save(doc));
  },
});

/** Most changes one answer lists. */
const PER_ANSWER = 15;

/** Input of `diff_tenant`, the same on both providers: every kind the snapshot holds is compared. */
export const diffInput = z.strictObject({
  snapshot: z.string().max(64).optional().describe('Default: newest'),
  from: z.int().min(0).max(100_000).optional(),
});

/** Compares the live tenant with a saved snapshot and answers one bounded page of the changes. */
export async function runDiff(
  ctx: TaskContext,
  input: { snapshot?: string; from?: number },
  options: {
    provider: string;
    readers: readonly KindReader[];
    explain: (ctx: TaskContext, since: string, changes: readonly Change[]) => Promise<Explained>;
    limits?: string;
  },
): Promise<TaskAnswer> {
  const store = snapshotStore(ctx);
  const saved = await store.load(input.snapshot);
  if (saved.provider !== options.provider) {
    throw new TaskError('invalid_input', `Snapshot ${saved.id} was taken of a ${saved.provider} tenant.`);
  }
  const kinds = Object.keys(saved.kinds).filter((k) => options.readers.some((r) => r.kind === k));
  const live = store.prepare(await takeSnapshot(ctx, options.provider, options.readers, kinds));
  const before: SnapshotDocument = {
    ...saved,
    kinds: Object.fromEntries(kinds.filter((k) => saved.kinds[k]).map((k) => [k, saved.kinds[k]!])),
  };
  const changes = diffSnapshots(before, live);
  const explained: Explained = changes.length
    ? await options.explain(ctx, saved.taken_at, changes)
    : { events: new Map() };
  const notCompared = prune({
    ...Object.fromEntries(kinds.filter((k) => !saved.kinds[k]).map((k) => [k, 'not in the snapshot'])),
    ...live.not_read,
  });
  return fitPage(changes, input.from ?? 0, PER_ANSWER, (page, next) => ({
    answer: prune({
      snapshot: saved.id,
      taken: minute(saved.taken_at),
      compared: 'the live tenant now',
      changes: changes.length,
      by_kind: changes.length ? tally(changes) : undefined,
      shown: page.length,
      next_from: next,
      explained_by_logs: explained.events.size || undefined,
      logs: explained.note,
      not_compared: Object.keys(notCompared).length ? notCompared : undefined,
      truncated: live.truncated,
      limits: options.limits,
      note:
        changes.length === 0
          ? 'No change in what was compared. Secret values are masked on both sides, so a rotated secret does not show.'
          : 'Secret values are masked on both sides, so a rotated secret does not show.',
    }),
    tenant: page.length
      ? {
          changes: page.map((change) =>
            prune({
              kind: change.kind,
              id: shown(change.id),
              name: shown(change.name),
              change: change.change,
              fields: change.fields,
              values: change.values?.map((v) => ({
                field: v.field,
                before: shown(v.before),
                after: shown(v.after),
              })),
              events: explained.events.get(changeKey(change)),
            }),
          ),
        }
      : undefined,
  }));
}

/** Log events that explain changes, by {@link changeKey}. */
export interface Explained {
  /** At most three events per change, newest first (tenant data). */
  events: Map<string, Array<Record<string, unknown>>>;
  /** What the logs could not say, in our words. */
  note?: string;
}

/** A change's key in {@link Explained.events}. */
export function changeKey(change: Pick<Change, 'kind' | 'id'>): string {
  return `${change.kind}\u0000${change.id}`;
}

/** Management API events read to explain a diff: three pages of 100, newest first. */
const LOG_PAGES = 3;

/** Auth0: each change with the `sapi` events (Management API writes) whose request path names it. */
async function explainAuth0(ctx: TaskContext, since: string, changes: readonly Change[]): Promise<Explained> {
  const events: LogEvent[] = [];
  try {
    for (let page = 0; page < LOG_PAGES; page++) {
      const batch = eventsOf(
        await ctx.read(
          'get_logs',
          { search: `type:sapi AND date:[${since} TO *]`, page, per_page: 100, sort: 'date:-1' },
          { fields: ['date', 'type', 'description', 'details', 'client_name', 'client_id', 'user_name'] },
        ),
      );
      events.push(...batch);
      if (batch.length < 100) break;
    }
  } catch (error) {
    return {
      events: new Map(),
      note: `The logs could not be read (${reasonOf(error)}), so no change is explained.`,
    };
  }
  const found = new Map<string, Array<Record<string, unknown>>>();
  for (const change of changes) {
    const paths = pathsOf(change);
    const matching = events.filter((event) => {
      const request = requestOf(event);
      if (!request.path) return false;
      const path = decodeURIComponentSafe(request.path)
        .replace(/^\/api\/v2/, '')
        .split('?')[0]!;
      if (paths.exact.some((p) => path === p || path.startsWith(`${p}/`))) return true;
      // An item created: a POST to the collection whose body names it.
      return (
        change.change === 'added' &&
        request.method === 'POST' &&
        paths.collection !== undefined &&
        path === paths.collection &&
        (request.name === change.name || request.name === undefined)
      );
    });
    if (matching.length) {
      found.set(
        changeKey(change),
        matching.slice(0, 3).map((event) =>
          prune({
            date: minute(event.date),
            by: event.user_name ?? event.client_name ?? event.client_id,
            request: `${requestOf(event).method ?? ''} ${shown(requestOf(event).path ?? '')}`.trim(),
          }),
        ),
      );
    }
  }
  const note =
    events.length === LOG_PAGES * 100
      ? `Only the newest ${events.length} Management API events since the snapshot were read.`
      : 'Auth0 keeps logs for a limited time (by plan): older changes may have no event.';
  return { events: found, note };
}

function pathsOf(change: Change): { exact: string[]; collection?: string } {
  if (change.kind === 'settings') {
    const path = SETTING_PATHS[change.id];
    return { exact: path ? [path] : [] };
  }
  const collection = KIND_PATHS[change.kind];
  if (!collection) return { exact: [] };
  return { exact: [`${collection}/${change.id}`], collection };
}

function requestOf(event: LogEvent): { method?: string; path?: string; name?: string } {
  const request = ((event.details as Record<string, unknown> | undefined)?.request ?? {}) as Record<
    string,
    unknown
  >;
  const body = (request.body ?? {}) as Record<string, unknown>;
  return prune({
    method: typeof request.method === 'string' ? request.method.toUpperCase() : undefined,
    path: typeof request.path === 'string' ? request.path.slice(0, 300) : undefined,
    name: typeof body.name === 'string' ? body.name : undefined,
  });
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** `diff_tenant` on Auth0. */
export const diffTenant = defineTaskTool({
  name: 'diff_tenant',
  keywords: TASK_KEYWORDS.diff_tenant,
  title: 'Diff tenant',
  description: 'What changed since a snapshot_tenant, with the log events behind it.',
  input: diffInput,
  risk: 'read',
  idempotent: true,
  handle: (ctx, input) =>
    runDiff(ctx, input, { provider: 'auth0', readers: AUTH0_KINDS, explain: explainAuth0 }),
});
