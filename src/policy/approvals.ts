/**
 * Approvals for destructive calls when the client cannot ask a person. An approval is bound to a hash of
 * (tenant, operation, canonical arguments), approved by a person outside the agent's conversation
 * (`tenant-mcp approve <id>`), used once, and expires. Records live in the state directory, files 0600.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Default lifetime of an approval: long enough to find a person, short enough to go stale. */
export const DEFAULT_APPROVAL_TTL_MS = 10 * 60_000;

const ID_PATTERN = /^apr_[a-z0-9]{24}$/;
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A fresh, unguessable approval id (about 124 bits of randomness). */
function newApprovalId(): string {
  return `apr_${Array.from(randomBytes(24), (byte) => ID_ALPHABET[byte % ID_ALPHABET.length]).join('')}`;
}

/** Stable codes of {@link ApprovalError}. */
export type ApprovalErrorCode =
  | 'malformed'
  | 'unknown'
  | 'pending'
  | 'expired'
  | 'used'
  | 'mismatch'
  | 'denied';

/** Why an approval cannot be used; the message says what to do instead. */
export class ApprovalError extends Error {
  override readonly name = 'ApprovalError';
  /**
   * @param code stable code
   * @param message for the agent or the person
   */
  constructor(
    readonly code: ApprovalErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** One approval as stored. */
export interface ApprovalRecord {
  /** `apr_` and 24 lower-case letters and digits. */
  id: string;
  /** Tenant name the call is for. */
  tenant: string;
  /** Operation id. */
  operation: string;
  /** Risk class of the call. */
  risk: string;
  /** SHA-256 of tenant, operation and canonical arguments. */
  bindingHash: string;
  /** What the person is shown: the same summary as an elicitation. */
  summary: string;
  /** Epoch milliseconds. */
  createdAt: number;
  /** Epoch milliseconds after which the approval is void. */
  expiresAt: number;
  /** When a person approved it, if they did. */
  approvedAt?: number;
  /** Who approved it (the OS user running `tenant-mcp approve`, or the approver on the approvals page). */
  approvedBy?: string;
  /** When a person denied it, if they did; a denied approval never runs. */
  deniedAt?: number;
  /** Who denied it. */
  deniedBy?: string;
}

/** The store's operations. */
export interface ApprovalStore {
  /** Records a pending approval for this exact call and returns it. */
  create(call: BoundCall & { risk: string; summary: string }): ApprovalRecord;
  /** Reads one approval; throws `malformed`/`unknown`. */
  get(id: string): ApprovalRecord;
  /** Marks a pending approval approved; throws when expired, denied or already used. */
  approve(id: string, by: string): ApprovalRecord;
  /** Marks a pending approval denied (final); throws when expired or already used or approved. */
  deny(id: string, by: string): ApprovalRecord;
  /**
   * Uses an approval for this exact call, once: throws `pending` (no person approved yet), `expired`,
   * `used`, or `mismatch` (another tenant, operation or arguments) and leaves it untouched on mismatch.
   */
  consume(id: string, call: BoundCall): ApprovalRecord;
  /** Approvals not yet used nor expired, newest first. */
  listPending(): ApprovalRecord[];
}

/** What an approval is bound to. */
export interface BoundCall {
  /** Tenant name. */
  tenant: string;
  /** Operation id. */
  operation: string;
  /** The validated arguments. */
  arguments: unknown;
}

/** JSON with object keys sorted at every depth, so equal arguments hash equally whatever their order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The binding hash of a call. */
export function bindingHash(call: BoundCall): string {
  return createHash('sha256')
    .update(`${call.tenant}\n${call.operation}\n${canonicalJson(call.arguments)}`)
    .digest('hex');
}

/** Options of {@link createApprovalStore}. */
export interface ApprovalStoreOptions {
  /** The state directory; approvals go in `<stateDir>/approvals/`. */
  stateDir: string;
  /** Lifetime of new approvals (default 10 minutes). */
  ttlMs?: number;
  /** Clock, epoch milliseconds. */
  now?: () => number;
}

/** Opens (creating on demand) the approval store in the state directory. */
export function createApprovalStore(options: ApprovalStoreOptions): ApprovalStore {
  const dir = join(options.stateDir, 'approvals');
  const ttl = options.ttlMs ?? DEFAULT_APPROVAL_TTL_MS;
  const now = options.now ?? Date.now;
  const pendingPath = (id: string) => join(dir, `${id}.json`);
  const usedPath = (id: string) => join(dir, `${id}.used.json`);

  function ensureDir(): void {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  function write(record: ApprovalRecord): void {
    ensureDir();
    // Write then rename, so a reader never sees half a record.
    const temp = join(dir, `.${record.id}.${process.pid}.tmp`);
    writeFileSync(temp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
    chmodSync(temp, 0o600);
    renameSync(temp, pendingPath(record.id));
  }

  function checkId(id: string): void {
    if (!ID_PATTERN.test(id)) {
      throw new ApprovalError(
        'malformed',
        `"${id}" is not an approval id (they look like apr_ and 24 letters or digits).`,
      );
    }
  }

  function read(path: string): ApprovalRecord | undefined {
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as ApprovalRecord;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new ApprovalError('unknown', `Approval file ${path} cannot be read: ${(error as Error).message}`);
    }
  }

  function get(id: string): ApprovalRecord {
    checkId(id);
    const pending = read(pendingPath(id));
    if (pending) return pending;
    if (read(usedPath(id)))
      throw new ApprovalError('used', `Approval ${id} was already used; each approval runs one call.`);
    throw new ApprovalError(
      'unknown',
      `No approval ${id} exists for this server; it may belong to another state directory.`,
    );
  }

  function checkLive(record: ApprovalRecord): void {
    if (now() > record.expiresAt) {
      throw new ApprovalError(
        'expired',
        `Approval ${record.id} expired at ${new Date(record.expiresAt).toISOString()}; repeat the call without approval_id to request a new one.`,
      );
    }
  }

  return {
    create(call) {
      const record: ApprovalRecord = {
        id: newApprovalId(),
        tenant: call.tenant,
        operation: call.operation,
        risk: call.risk,
        bindingHash: bindingHash(call),
        summary: call.summary,
        createdAt: now(),
        expiresAt: now() + ttl,
      };
      write(record);
      return record;
    },
    get,
    approve(id, by) {
      const record = get(id);
      checkLive(record);
      if (record.deniedAt)
        throw new ApprovalError(
          'denied',
          `Approval ${id} was denied by ${record.deniedBy ?? 'a person'}; it cannot be approved.`,
        );
      if (record.approvedAt) return record;
      const approved = { ...record, approvedAt: now(), approvedBy: by };
      write(approved);
      return approved;
    },
    deny(id, by) {
      const record = get(id);
      checkLive(record);
      if (record.deniedAt) return record;
      if (record.approvedAt) {
        throw new ApprovalError('denied', `Approval ${id} was already approved; it can no longer be denied.`);
      }
      const denied = { ...record, deniedAt: now(), deniedBy: by };
      write(denied);
      return denied;
    },
    consume(id, call) {
      const record = get(id);
      if (record.deniedAt) {
        throw new ApprovalError(
          'denied',
          `A person denied approval ${id}; the call will not run. Nothing was sent.`,
        );
      }
      if (record.bindingHash !== bindingHash(call)) {
        throw new ApprovalError(
          'mismatch',
          `Approval ${id} was given for ${record.operation} on tenant "${record.tenant}" with other arguments; ` +
            'it cannot run this call. Repeat this exact call without approval_id to request a new approval.',
        );
      }
      checkLive(record);
      if (!record.approvedAt) {
        throw new ApprovalError(
          'pending',
          `Approval ${id} is still waiting for a person: they run \`tenant-mcp approve ${id}\`. Nothing was sent.`,
        );
      }
      try {
        // The rename is the single-use latch: of two concurrent consumers, only one can move the file.
        renameSync(pendingPath(id), usedPath(id));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new ApprovalError('used', `Approval ${id} was already used; each approval runs one call.`);
        }
        throw error;
      }
      return record;
    },
    listPending() {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        return [];
      }
      return names
        .filter((name) => /^apr_[a-z0-9]{24}\.json$/.test(name))
        .map((name) => read(join(dir, name)))
        .filter((record): record is ApprovalRecord => Boolean(record) && now() <= record!.expiresAt)
        .sort((a, b) => b.createdAt - a.createdAt);
    },
  };
}
