/**
 * The approver's view: what a person reads before saying yes, the same text in the client's confirmation
 * form, `tenant-mcp approve`, the approvals page and the webhook. It names the tenant, who asked (client,
 * principal, profile, tool), and every change in full: the request, whom it acts on as a person knows
 * them, and each field it sets, sensitive fields first. Nothing is cut: a change too long to show whole is
 * refused instead, because a summary that fills up hides what comes after. Every value is quoted, and
 * characters a reader could not see (BiDi controls, zero-width, line separators) are written out as
 * `\u{…}`; values read from the tenant are labelled as its data.
 */
import type { OperationSpec, Risk } from '../tools/types.js';
import type { FieldChange } from './preview.js';
import { escapeInvisible } from './sanitize.js';

/** Longest view a person is asked to read; a longer change is refused, not shortened. */
export const MAX_VIEW_CHARS = 8_000;

/** Longest current state repeated for a delete. */
const MAX_REMOVED_CHARS = 1_000;

/**
 * Field names (or parts of them) that change who can get in or what they can do; listed first and marked
 * `!`, so no amount of padding pushes them out of sight.
 */
const SENSITIVE = [
  'password',
  'credential',
  'secret',
  'key',
  'token',
  'app_metadata',
  'blocked',
  'disabled',
  'role',
  'permission',
  'connection',
  'grant',
  'scope',
  'email',
  'phone',
  'mfa',
  'factor',
  'authenticator',
  'verified',
  'enabled_clients',
  'client',
  'group',
];

/** One target as read for the view. */
export interface ViewTarget {
  /** `user`, `application`... */
  kind: string;
  /** Its id. */
  id: string;
  /** What a person knows it by (tenant data), when it could be read. */
  labels?: Array<[string, unknown]>;
  /** Why it could not be read, when it could not. */
  unavailable?: string;
}

/** One change of the view. */
export interface ViewChange {
  /** The operation. */
  op: OperationSpec;
  /** The risk it runs at. */
  risk: Risk;
  /** The request exactly as it would be sent, body masked. */
  request: { method: string; path: string; body?: unknown };
  /** Whom it acts on. */
  targets: readonly ViewTarget[];
  /** Field changes against the current state, for an update whose current state could be read. */
  changes?: readonly FieldChange[];
  /** For a delete: the current state, when it could be read. */
  removes?: unknown;
}

/** Who asked, as the view names them. */
export interface ViewRequester {
  /** The MCP client's name and version. */
  client: string;
  /** The HTTP principal, when there is one. */
  principal?: string | undefined;
  /** The profile. */
  profile: string;
  /** The tool the call came through. */
  tool: string;
}

/** What the view is rendered from. */
export interface ViewInput {
  /** The tenant. */
  tenant: { name: string; domain: string };
  /** Who asked. */
  requester: ViewRequester;
  /** For a task: its name, our sentence saying what it does, and its steps that need no person here. */
  task?: { tool: string; summary: string; others?: readonly { op: OperationSpec; risk: Risk }[] };
  /** Every change that waits for the person. */
  changes: readonly ViewChange[];
}

/** The rendered view, or how long it would have been. */
export type View = { ok: true; text: string } | { ok: false; length: number; fields: number };

/** A value quoted for a person: JSON, with invisible characters written out. */
export function showValue(value: unknown): string {
  if (value === undefined) return '(absent)';
  return escapeInvisible(JSON.stringify(value) ?? String(value));
}

/** Text of ours or the agent's (ids, names) made visible in full, unquoted. */
export function showText(text: string): string {
  return escapeInvisible(text);
}

function isSensitive(field: string): boolean {
  const lower = field.toLowerCase();
  return SENSITIVE.some((word) => lower.includes(word));
}

/** A body's fields flattened to dotted paths (objects only; arrays stay whole), in order. */
function flatten(value: unknown, prefix = ''): Array<[string, unknown]> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [[prefix || '(body)', value]];
  }
  const entries = Object.keys(value);
  if (entries.length === 0) return [[prefix || '(body)', value]];
  return entries.flatMap((key) => {
    const child = (value as Record<string, unknown>)[key];
    const path = prefix ? `${prefix}.${key}` : key;
    return typeof child === 'object' && child !== null && !Array.isArray(child) && Object.keys(child).length
      ? flatten(child, path)
      : [[path, child] as [string, unknown]];
  });
}

/** Sensitive first, each group in its own order. */
function sensitiveFirst<T>(items: readonly T[], field: (item: T) => string): T[] {
  return [
    ...items.filter((item) => isSensitive(field(item))),
    ...items.filter((i) => !isSensitive(field(i))),
  ];
}

function fieldLines(change: ViewChange): { lines: string[]; count: number } {
  if (change.changes) {
    if (change.changes.length === 0)
      return { lines: ['    (no field changes: every value sent equals the current one)'], count: 0 };
    const ordered = sensitiveFirst(change.changes, (c) => c.field);
    return {
      lines: ordered.map(
        (c) =>
          `    ${isSensitive(c.field) ? '!' : '·'} ${showText(c.field)}: ${showValue(c.from)} → ${showValue(c.to)}`,
      ),
      count: ordered.length,
    };
  }
  if (change.request.body === undefined) return { lines: [], count: 0 };
  const ordered = sensitiveFirst(flatten(change.request.body), ([field]) => field);
  return {
    lines: ordered.map(
      ([field, value]) => `    ${isSensitive(field) ? '!' : '·'} ${showText(field)}: ${showValue(value)}`,
    ),
    count: ordered.length,
  };
}

function targetLine(target: ViewTarget): string {
  const head = `  On ${target.kind} ${showValue(target.id)}`;
  if (target.unavailable) return `${head} (not read: ${showText(target.unavailable)})`;
  if (!target.labels?.length) return `${head} (no name on record)`;
  const labels = target.labels.map(([key, value]) => `${key} ${showValue(value)}`).join(', ');
  return `${head}, tenant data: ${labels}`;
}

/** Renders the view, or says it is too long to show whole. */
export function renderView(input: ViewInput): View {
  const { requester } = input;
  const who = [
    `client ${showValue(requester.client)}`,
    ...(requester.principal ? [`principal ${showValue(requester.principal)}`] : []),
    `profile ${showValue(requester.profile)}`,
    `tool ${requester.tool}`,
  ].join(' · ');
  const lines = [
    `Tenant ${showValue(input.tenant.name)} (${showText(input.tenant.domain)})`,
    `Asked by ${who}`,
  ];
  if (input.task) lines.push(`Task ${input.task.tool}: ${showText(input.task.summary)}`);
  let fields = 0;
  input.changes.forEach((change, index) => {
    lines.push(
      '',
      `Change ${index + 1} of ${input.changes.length}: ${change.op.id} (${change.risk}) — ${showText(change.op.summary)}`,
      `  ${change.request.method} ${showText(change.request.path)}`,
      ...change.targets.map(targetLine),
    );
    const shown = fieldLines(change);
    fields += shown.count;
    if (shown.lines.length)
      lines.push(`  ${change.changes ? 'Changes' : 'Sends'} (sensitive first, marked !):`);
    lines.push(...shown.lines);
    if (change.removes !== undefined) {
      // The change is the deletion itself; its current state is context, shown only when short.
      const current = showValue(change.removes);
      lines.push(
        current.length <= MAX_REMOVED_CHARS
          ? `  Deletes it; now, tenant data: ${current}`
          : `  Deletes it (its current state, ${current.length} characters, is not repeated here)`,
      );
    }
  });
  if (input.task?.others?.length) {
    lines.push(
      '',
      `The task also runs, without a confirmation in this profile: ${input.task.others.map((o) => `${o.op.id} (${o.risk})`).join(', ')}.`,
    );
  }
  const text = lines.join('\n');
  return text.length > MAX_VIEW_CHARS ? { ok: false, length: text.length, fields } : { ok: true, text };
}
