import { shown } from '../budget.js';
import {
  type Change,
  itemsOf,
  type KindReader,
  readPages,
  readSettings,
  takeSnapshot,
} from '../config-snapshot.js';
import { type TaskContext, TaskError } from '../context.js';
import { defineTaskTool } from '../define.js';
import { TASK_KEYWORDS } from '../search-words.js';
import {
  changeKey,
  diffInput,
  type Explained,
  runDiff,
  savedAnswer,
  snapshotInput,
  snapshotStore,
  unknownKinds,
} from '../tenant-snapshot.js';
import { listOf, prune, reasonOf } from '../users.js';

/** API resources whose scopes and policies a snapshot reads (two requests each). */
const MAX_API_DETAILS = 50;

/** What MonoCloud's API does not let a snapshot or a diff see, said in every diff. */
export const MONOCLOUD_SNAPSHOT_LIMITS =
  'MonoCloud has no roles (groups instead), actions or rules to snapshot, and its audit log writes no event for changes to options, branding, scopes, claims or keys.';

function list(
  kind: string,
  operation: string,
  name: (row: Record<string, unknown>) => unknown = (r) => r.name,
): KindReader {
  return {
    kind,
    async read(ctx) {
      const { rows, truncated } = await readPages(ctx, operation, { listKey: 'items', paging: 'monocloud' });
      return {
        items: itemsOf(rows, (row) => row.id ?? row.group_id ?? row.client_id, name),
        ...(truncated ? { truncated } : {}),
      };
    },
  };
}

/** The kinds of a MonoCloud snapshot. */
export const MONOCLOUD_KINDS: readonly KindReader[] = [
  list('applications', 'get_all_applications', (r) => r.client_name),
  list('groups', 'get_all_groups'),
  {
    kind: 'api_resources',
    async read(ctx) {
      const { rows, truncated } = await readPages(ctx, 'get_all_api_resources', {
        listKey: 'items',
        paging: 'monocloud',
      });
      // Scopes and access policies belong to their API: a scope added is a change to the API.
      for (const api of rows.slice(0, MAX_API_DETAILS)) {
        if (typeof api.id !== 'string') continue;
        const args = { api_id: api.id };
        api.scopes = (
          await readPages(ctx, 'get_all_api_scopes', { args, listKey: 'items', paging: 'monocloud' })
        ).rows;
        api.policies = (
          await readPages(ctx, 'get_all_api_access_policies', { args, listKey: 'items', paging: 'monocloud' })
        ).rows;
      }
      return {
        items: itemsOf(
          rows,
          (r) => r.id,
          (r) => r.name,
        ),
        truncated: truncated || rows.length > MAX_API_DETAILS,
      };
    },
  },
  list('identity_scopes', 'get_all_scopes'),
  list('claims', 'get_all_claim_resources'),
  list('network_zones', 'get_all_network_zones'),
  list('trust_stores', 'get_all_trust_stores'),
  list('keys', 'get_all_key_materials', (r) => r.use),
  {
    kind: 'settings',
    async read(ctx) {
      const { items, failed } = await readSettings(ctx, [
        ['authentication', 'find_authentication_options'],
        ['communication', 'find_communication_options'],
        ['sign_up_fields', 'get_all_sign_up_custom_fields'],
        ['page_branding', 'find_page_branding_options'],
        ['email_branding', 'find_email_branding_options'],
        ['sms_branding', 'find_sms_branding_options'],
      ]);
      if (Object.keys(items).length === 0)
        throw new TaskError('forbidden', Object.values(failed)[0] ?? 'no setting could be read');
      return { items };
    },
  },
];

/** `snapshot_tenant` on MonoCloud. */
export const monoSnapshotTenant = defineTaskTool({
  name: 'snapshot_tenant',
  keywords: TASK_KEYWORDS.snapshot_tenant,
  title: 'Snapshot tenant',
  description: 'Save the configuration to a file, secrets masked, for diff_tenant.',
  input: snapshotInput,
  risk: 'read',
  idempotent: false,
  async handle(ctx, input) {
    const store = snapshotStore(ctx);
    const unknown = unknownKinds(input.kinds, MONOCLOUD_KINDS);
    if (unknown) return unknown;
    const doc = await takeSnapshot(ctx, 'monocloud', MONOCLOUD_KINDS, input.kinds);
    if (Object.keys(doc.kinds).length === 0) {
      return {
        answer: { error: 'Nothing could be read; nothing was written.', not_read: doc.not_read },
        isError: true,
      };
    }
    return savedAnswer(doc, await store.save(doc));
  },
});

/** Log entries read to explain a diff: three pages of 100, newest first. */
const LOG_PAGES = 3;

/** MonoCloud: each change with the audit log entries, since the snapshot, that name it as their target. */
async function explainMonoCloud(
  ctx: TaskContext,
  since: string,
  changes: readonly Change[],
): Promise<Explained> {
  const sinceSeconds = Math.floor(Date.parse(since) / 1000);
  const entries: Record<string, unknown>[] = [];
  try {
    for (let page = 1; page <= LOG_PAGES; page++) {
      const rows = listOf(
        await ctx.read('get_all_logs', { page, size: 100, sort: 'time_stamp:-1' }),
        'items',
      );
      const recent = rows.filter((e) => typeof e.time_stamp === 'number' && e.time_stamp >= sinceSeconds);
      entries.push(...recent);
      // Newest first: once an entry is older than the snapshot, the rest are too.
      if (rows.length < 100 || recent.length < rows.length) break;
    }
  } catch (error) {
    return {
      events: new Map(),
      note: `The audit log could not be read (${reasonOf(error)}), so no change is explained.`,
    };
  }
  const found = new Map<string, Array<Record<string, unknown>>>();
  for (const change of changes) {
    const matching = entries.filter((entry) =>
      (Array.isArray(entry.targets) ? (entry.targets as Array<Record<string, unknown>>) : []).some(
        (t) =>
          t.id === change.id ||
          (change.change === 'added' && change.name !== undefined && t.name === change.name),
      ),
    );
    if (matching.length) {
      found.set(
        changeKey(change),
        matching.slice(0, 3).map((entry) =>
          prune({
            date:
              typeof entry.time_stamp === 'number'
                ? `${new Date(entry.time_stamp * 1000).toISOString().slice(0, 16)}Z`
                : undefined,
            code: typeof entry.code === 'string' ? entry.code : undefined,
            by: shown(
              (entry.actor as Record<string, unknown> | undefined)?.name ??
                (entry.actor as Record<string, unknown> | undefined)?.type,
            ),
          }),
        ),
      );
    }
  }
  return {
    events: found,
    note: 'MonoCloud logs no event for changes to options, branding, scopes, claims or keys.',
  };
}

/** `diff_tenant` on MonoCloud. */
export const monoDiffTenant = defineTaskTool({
  name: 'diff_tenant',
  keywords: TASK_KEYWORDS.diff_tenant,
  title: 'Diff tenant',
  description: 'What changed since a snapshot_tenant, with the audit log entries behind it.',
  input: diffInput,
  risk: 'read',
  idempotent: true,
  handle: (ctx, input) =>
    runDiff(ctx, input, {
      provider: 'monocloud',
      readers: MONOCLOUD_KINDS,
      explain: explainMonoCloud,
      limits: MONOCLOUD_SNAPSHOT_LIMITS,
    }),
});
