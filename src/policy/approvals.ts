/**
 * Approvals for calls a person must confirm out of band, and the memory of what a person declined. An
 * approval is bound to the effects of the call (tenant, operations, canonical arguments), approved by a
 * person outside the agent's conversation (`tenant-mcp approve <id>`, the approvals page), used once, and
 * expires. A decline (on the page, at the terminal, or in a client's confirmation form) is remembered per
 * effect for a while, so the same change cannot be asked again through another tool at once. Records live
 * in the state directory, files 0600; expired ones are swept, so the directory stays bounded.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { type BoundEffect, bindingOf, effectHash } from './effects.js';

export { canonicalJson } from './effects.js';

/** Default lifetime of an approval: long enough to find a person, short enough to go stale. */
export const DEFAULT_APPROVAL_TTL_MS = 10 * 60_000;

/** How long a person's "no" refuses the same change through every route. */
export const DEFAULT_DECLINE_TTL_MS = 15 * 60_000;

/** At most this many files in each of `approvals/` and `declines/`; beyond it the oldest go first. */
const MAX_FILES = 5_000;

/** What an approval id looks like. */
export const ID_PATTERN = /^apr_[a-z0-9]{24}$/;
/** What an effect hash looks like. */
export const HASH_PATTERN = /^[0-9a-f]{64}$/;
/** Used and expired approvals are kept this long after expiry, then dropped (both stores). */
export const KEEP_AFTER_EXPIRY_MS = 24 * 60 * 60_000;
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

/** Who asked for a held call, as the approver is shown it. */
export interface Requester {
  /** The MCP client's name and version, as it announced itself. */
  client: string;
  /** The authenticated HTTP principal, when there is one. */
  principal?: string;
  /** The profile the call runs under. */
  profile?: string;
  /** The tool the call came through. */
  tool?: string;
}

/** One approval as stored. */
export interface ApprovalRecord {
  /** `apr_` and 24 lower-case letters and digits. */
  id: string;
  /** Tenant name the call is for. */
  tenant: string;
  /** What is held, for lists: the operation id, or the task tool's name. */
  operation: string;
  /** The operations the approval lets run (one, or a task's steps). */
  operations?: string[];
  /** Risk class of the call. */
  risk: string;
  /** The hash of its effects (tenant, operations, canonical arguments); see `bindingOf`. */
  bindingHash: string;
  /** The hash of each effect, so a denial is remembered per change. */
  effectHashes?: string[];
  /** Who asked. */
  requestedBy?: Requester;
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

/** A remembered "no": the same change is refused until `until`. */
export interface DeclineRecord {
  /** The effect's hash. */
  hash: string;
  /** Operation id of the change. */
  operation: string;
  /** Epoch milliseconds after which it is forgotten. */
  until: number;
  /** When the person declined. */
  at: number;
  /** Who declined (the approver's name, or "a person in the client"). */
  by: string;
  /** The record that tells the decline: an approval id, or the audit trail's correlation id. */
  ref: string;
}

/** A value now (the embedded store) or later (the store shared in Redis): callers always `await` it. */
export type Awaitable<T> = T | Promise<T>;

/**
 * The store's operations. The embedded store (files in the state directory) answers at once; the one
 * shared by replicas (`approvals-redis.ts`) answers over the network and rejects with
 * `SharedStateUnavailable` when Redis is down. Both keep the same contract (`test/shared/approval-store-contract.ts`).
 */
export interface ApprovalStore {
  /** Records a pending approval for this exact call and returns it. */
  create(
    call: BoundCall & { risk: string; summary: string; requestedBy?: Requester },
  ): Awaitable<ApprovalRecord>;
  /** Reads one approval; throws `malformed`/`unknown`/`used`. */
  get(id: string): Awaitable<ApprovalRecord>;
  /** Marks a pending approval approved; throws when expired, denied or already used. */
  approve(id: string, by: string): Awaitable<ApprovalRecord>;
  /** Marks a pending approval denied (final); throws when expired or already used or approved. */
  deny(id: string, by: string): Awaitable<ApprovalRecord>;
  /**
   * Uses an approval for this exact call, once: throws `pending` (no person approved yet), `expired`,
   * `used`, or `mismatch` (another tenant, operation or arguments) and leaves it untouched on mismatch.
   */
  consume(id: string, call: BoundCall): Awaitable<ApprovalRecord>;
  /** Approvals not yet used nor expired, newest first. */
  listPending(): Awaitable<ApprovalRecord[]>;
  /** Remembers that a person declined these effects (by hash) until `until`. */
  recordDecline(decline: Omit<DeclineRecord, 'hash'>, hashes: readonly string[]): Awaitable<void>;
  /** The live decline of an effect, if a person declined it recently. */
  declined(hash: string): Awaitable<DeclineRecord | undefined>;
}

/** The embedded store: the same operations, answered at once. */
export interface FileApprovalStore extends ApprovalStore {
  create(call: BoundCall & { risk: string; summary: string; requestedBy?: Requester }): ApprovalRecord;
  get(id: string): ApprovalRecord;
  approve(id: string, by: string): ApprovalRecord;
  deny(id: string, by: string): ApprovalRecord;
  consume(id: string, call: BoundCall): ApprovalRecord;
  listPending(): ApprovalRecord[];
  recordDecline(decline: Omit<DeclineRecord, 'hash'>, hashes: readonly string[]): void;
  declined(hash: string): DeclineRecord | undefined;
}

/**
 * What an approval is bound to: the tenant and its effects, `effects` when several (a task), otherwise
 * the one effect `operation` with `arguments`. `operation` also names what is held in lists.
 */
export interface BoundCall {
  /** Tenant name. */
  tenant: string;
  /** Operation id (or, with `effects`, the task tool's name). */
  operation: string;
  /** The validated arguments (ignored when `effects` is given). */
  arguments?: unknown;
  /** The effects, when there are several or they are not named by `operation` alone. */
  effects?: readonly BoundEffect[];
}

function effectsOf(call: BoundCall): readonly BoundEffect[] {
  return call.effects ?? [{ operation: call.operation, arguments: call.arguments }];
}

/** A fresh pending record for `call`, created `now` and void after `ttl`: the same in both stores. */
export function newApprovalRecord(
  call: BoundCall & { risk: string; summary: string; requestedBy?: Requester },
  now: number,
  ttl: number,
): ApprovalRecord {
  const effects = effectsOf(call);
  return {
    id: newApprovalId(),
    tenant: call.tenant,
    operation: call.operation,
    operations: [...new Set(effects.map((effect) => effect.operation))],
    risk: call.risk,
    bindingHash: bindingHash(call),
    effectHashes: effects.map((effect) => effectHash(call.tenant, effect)),
    ...(call.requestedBy ? { requestedBy: call.requestedBy } : {}),
    summary: call.summary,
    createdAt: now,
    expiresAt: now + ttl,
  };
}

/** The refusals both stores give, word for word. */
export const approvalErrors = {
  malformed: (id: string) =>
    new ApprovalError(
      'malformed',
      `"${id}" is not an approval id (they look like apr_ and 24 letters or digits).`,
    ),
  used: (id: string) =>
    new ApprovalError('used', `Approval ${id} was already used; each approval runs one call.`),
  unknown: (id: string) =>
    new ApprovalError(
      'unknown',
      `No approval ${id} exists for this server; it may belong to another state directory.`,
    ),
  expired: (record: ApprovalRecord) =>
    new ApprovalError(
      'expired',
      `Approval ${record.id} expired at ${new Date(record.expiresAt).toISOString()}; repeat the call without approval_id to request a new one.`,
    ),
  cannotApproveDenied: (record: ApprovalRecord) =>
    new ApprovalError(
      'denied',
      `Approval ${record.id} was denied by ${record.deniedBy ?? 'a person'}; it cannot be approved.`,
    ),
  cannotDenyApproved: (record: ApprovalRecord) =>
    new ApprovalError('denied', `Approval ${record.id} was already approved; it can no longer be denied.`),
  denied: (record: ApprovalRecord) =>
    new ApprovalError(
      'denied',
      `A person denied approval ${record.id}; the call will not run. Nothing was sent.`,
    ),
  mismatch: (record: ApprovalRecord) =>
    new ApprovalError(
      'mismatch',
      `Approval ${record.id} was given for ${record.operation} on tenant "${record.tenant}" with other arguments; ` +
        'it cannot run this call. Repeat this exact call without approval_id to request a new approval.',
    ),
  pending: (record: ApprovalRecord) =>
    new ApprovalError(
      'pending',
      `Approval ${record.id} is still waiting for a person: they run \`tenant-mcp approve ${record.id}\`. Nothing was sent.`,
    ),
};

/** The binding hash of a call: see `bindingOf`. */
export function bindingHash(call: BoundCall): string {
  return bindingOf(call.tenant, effectsOf(call));
}

/** Options of {@link createApprovalStore}. */
export interface ApprovalStoreOptions {
  /** The state directory; approvals go in `<stateDir>/approvals/`. */
  stateDir: string;
  /** Lifetime of new approvals (default 10 minutes). */
  ttlMs?: number;
  /** How long a decline refuses the same change (default 15 minutes). */
  declineTtlMs?: number;
  /** Clock, epoch milliseconds. */
  now?: () => number;
}

/** Opens (creating on demand) the approval store in the state directory. */
export function createApprovalStore(options: ApprovalStoreOptions): FileApprovalStore {
  const dir = join(options.stateDir, 'approvals');
  const ttl = options.ttlMs ?? DEFAULT_APPROVAL_TTL_MS;
  const now = options.now ?? Date.now;
  const declineTtl = options.declineTtlMs ?? DEFAULT_DECLINE_TTL_MS;
  const declineDir = join(options.stateDir, 'declines');
  const pendingPath = (id: string) => join(dir, `${id}.json`);
  const usedPath = (id: string) => join(dir, `${id}.used.json`);
  const declinePath = (hash: string) => join(declineDir, `${hash}.json`);

  function ensureDir(): void {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** Deletes what is past keeping, and the oldest beyond {@link MAX_FILES}: the state directory stays bounded. */
  function sweep(folder: string, stale: (name: string, mtimeMs: number) => boolean): void {
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      return;
    }
    const files: Array<{ name: string; mtime: number }> = [];
    for (const name of names) {
      try {
        files.push({ name, mtime: statSync(join(folder, name)).mtimeMs });
      } catch {
        // Gone meanwhile (another process swept or consumed it).
      }
    }
    files.sort((a, b) => b.mtime - a.mtime);
    files.forEach((file, index) => {
      if (index >= MAX_FILES || stale(file.name, file.mtime)) {
        try {
          unlinkSync(join(folder, file.name));
        } catch {
          // Already gone.
        }
      }
    });
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
    if (!ID_PATTERN.test(id)) throw approvalErrors.malformed(id);
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
    if (read(usedPath(id))) throw approvalErrors.used(id);
    throw approvalErrors.unknown(id);
  }

  function checkLive(record: ApprovalRecord): void {
    if (now() > record.expiresAt) throw approvalErrors.expired(record);
  }

  function recordDecline(decline: Omit<DeclineRecord, 'hash'>, hashes: readonly string[]): void {
    if (hashes.length === 0) return;
    mkdirSync(declineDir, { recursive: true, mode: 0o700 });
    sweep(declineDir, (_name, mtime) => mtime < now() - declineTtl);
    for (const hash of hashes) {
      if (!HASH_PATTERN.test(hash)) continue;
      const temp = join(declineDir, `.${hash}.${process.pid}.tmp`);
      writeFileSync(temp, `${JSON.stringify({ ...decline, hash })}\n`, { mode: 0o600 });
      renameSync(temp, declinePath(hash));
    }
  }

  return {
    create(call) {
      // Files are touched when written, so anything unchanged since long before its expiry can go.
      sweep(dir, (_name, mtime) => mtime < now() - ttl - KEEP_AFTER_EXPIRY_MS);
      const record = newApprovalRecord(call, now(), ttl);
      write(record);
      return record;
    },
    get,
    approve(id, by) {
      const record = get(id);
      checkLive(record);
      if (record.deniedAt) throw approvalErrors.cannotApproveDenied(record);
      if (record.approvedAt) return record;
      const approved = { ...record, approvedAt: now(), approvedBy: by };
      write(approved);
      return approved;
    },
    deny(id, by) {
      const record = get(id);
      checkLive(record);
      if (record.deniedAt) return record;
      if (record.approvedAt) throw approvalErrors.cannotDenyApproved(record);
      const denied = { ...record, deniedAt: now(), deniedBy: by };
      write(denied);
      recordDecline(
        { operation: record.operation, until: now() + declineTtl, at: now(), by, ref: id },
        record.effectHashes ?? [],
      );
      return denied;
    },
    recordDecline,
    declined(hash) {
      if (!HASH_PATTERN.test(hash)) return undefined;
      let record: DeclineRecord;
      try {
        record = JSON.parse(readFileSync(declinePath(hash), 'utf8')) as DeclineRecord;
      } catch {
        return undefined;
      }
      return record.until > now() ? record : undefined;
    },
    consume(id, call) {
      const record = get(id);
      if (record.deniedAt) throw approvalErrors.denied(record);
      if (record.bindingHash !== bindingHash(call)) throw approvalErrors.mismatch(record);
      checkLive(record);
      if (!record.approvedAt) throw approvalErrors.pending(record);
      try {
        // The rename is the single-use latch: of two concurrent consumers, only one can move the file.
        renameSync(pendingPath(id), usedPath(id));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw approvalErrors.used(id);
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
