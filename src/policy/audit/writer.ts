/**
 * The writer: one OCSF record per decision, appended and flushed to disk before `append` returns, so no
 * call reaches the tenant unrecorded. Any failure throws {@link AuditWriteError} and the gate refuses the
 * call (fail closed).
 *
 * Two servers appending to one file: the file is opened with O_APPEND and each record is one `write`, so
 * lines stay whole. Before each append the writer compares the file's size with what it last wrote; when
 * another process has appended since, it reads the new last line and continues the chain from there. Only
 * two appends in the same few microseconds can still fork the chain (two records with the same `seq` and
 * `prev_hash`); `verifyAuditLog` reports that as `forked`, distinct from tampering. One state directory per
 * server avoids even that.
 *
 * Replicas: every record names its replica (`replica.ts`), and a writer refuses, on open and before every
 * append, to continue a chain whose last record is another replica's: two replicas given one state
 * directory by mistake fail closed at once instead of interleaving two servers' records in one chain.
 * Processes of one replica id may share a file as above (several stdio servers of one desktop);
 * `onOtherWriter` hears of it once.
 *
 * Keyed logs (after `tenant-mcp audit init`): every record also carries a forward-secure MAC (`keys.ts`),
 * and the key file advances only once the records before it are on disk.
 *
 * Rotation: past `maxBytes` the file is renamed to `<log>.<first seq, 12 digits>` and a new one continues
 * the same chain (seq and prev_hash carry on, so `audit verify` follows the files in order); only the
 * newest `keep` rotated files are kept, so the trail has a bound on disk.
 */
import { randomUUID } from 'node:crypto';
import * as nodeFs from 'node:fs';
import os from 'node:os';
import { dirname } from 'node:path';
import type { AuditEvent } from '../types.js';
import { chainFields, checkSeal, GENESIS_HASH, sealRecord, sha256Hex } from './chain.js';
import { AuditWriteError } from './errors.js';
import {
  evolveKey,
  type KeyFile,
  type KeyState,
  keyAt,
  keyFilePath,
  openKeyFile,
  readKeyFile,
} from './keys.js';
import { toOcsfRecord } from './ocsf.js';
import { rotatedFiles } from './paths.js';
import { defaultReplicaId, isReplicaId } from './replica.js';
import { type AuditFs, countNewlines, readFirstLine, readLastLine } from './tail.js';

/** Default size past which the log is rotated. */
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

/** A key file lags its log by a few records after a crash, never by millions: more is not its key. */
export const MAX_KEY_GAP = 10_000_000;

/** Default number of rotated files kept. */
export const DEFAULT_KEEP = 16;

/** How to open an audit log. */
export interface AuditLogOptions {
  /** tenant-mcp's version, written as `metadata.product.version`. */
  productVersion: string;
  /** The API the records are about, as `api.service.name` (default `Auth0 Management API`). */
  service?: string;
  /** Clock for `metadata.logged_time` (epoch ms); the event carries its own `time`. */
  now?: () => number;
  /** The OS user recorded as `actor.user.name`; defaults to the user running the process. */
  osUser?: string;
  /** File-system calls, for tests that make them fail; defaults to `node:fs`. */
  fs?: AuditFs;
  /** Rotate past this many bytes (default 64 MiB; 0 never rotates). */
  maxBytes?: number;
  /** Rotated files kept (default 16; older ones are deleted). */
  keep?: number;
  /** The replica writing (`TENANT_MCP_REPLICA_ID`); defaults to {@link defaultReplicaId} (the host name). */
  replica?: string;
  /** Told once when another process appended to this chain (same replica id): a shared file. */
  onOtherWriter?: (detail: string) => void;
}

/** The last record in the file, as far as this writer knows: what an operator may note down as an anchor. */
export interface AuditHead {
  /** Its `unmapped.seq`. */
  seq: number;
  /** SHA-256 of its line: the next record's `prev_hash`. */
  hash: string;
}

/** An open audit log. */
export interface AuditLog {
  /** The file written to. */
  readonly path: string;
  /** The last record in the file, or `undefined` while it is empty. */
  readonly head: AuditHead | undefined;
  /**
   * The last record known to be on disk (an fsync that began after it finished, or it was there when the
   * log was opened): what may leave the machine without outrunning the local chain.
   */
  readonly durableHead: AuditHead | undefined;
  /** The replica this writer stamps on its records. */
  readonly replica: string;
  /**
   * Writes one record and flushes it to disk before returning. Throws {@link AuditWriteError} when the
   * record may not be on disk; the caller must then not proceed with the call it describes.
   */
  append(event: AuditEvent): void;
  /**
   * The same record, written at once (order and chain as `append`), then resolved once an fsync that began
   * after the write has finished. Concurrent calls share fsyncs (group commit), so a burst of calls pays for
   * a few, not one each, while each still waits until its own record is on disk.
   */
  appendDurable(event: AuditEvent): Promise<void>;
  /**
   * The same record, written at once but made durable by the next group commit, without waiting for it:
   * for the outcome of a call that has already gone ahead (the record before it was durable). A failed
   * flush makes every later append throw, so the next call is refused (fail closed).
   */
  appendDeferred(event: AuditEvent): void;
  /** Whether records carry forward-secure MACs (the log was initialised with a key). */
  readonly keyed: boolean;
  /** Closes the file; later appends throw. Safe to call twice. */
  close(): void;
}

/** The OS account running the server; some containers run as a uid with no passwd entry. */
function currentUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? `uid:${process.getuid?.() ?? 'unknown'}`;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Opens (creating it 0600, and its directory 0700, when missing) the audit log at `path` and continues its
 * chain from the last line, reading only the file's tail. Refuses a file whose last line is torn (a crash
 * mid-write) or is not a sealed record, naming the line and the command to run: continuing silently would
 * hide the damage.
 */
export function openAuditLog(path: string, options: AuditLogOptions): AuditLog {
  const fs = options.fs ?? nodeFs;
  const now = options.now ?? Date.now;
  const osUser = options.osUser ?? currentUser();
  const hostname = os.hostname();
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const keep = options.keep ?? DEFAULT_KEEP;
  const keyPath = keyFilePath(path);
  const replica = options.replica ?? defaultReplicaId(hostname);
  if (!isReplicaId(replica)) {
    throw new AuditWriteError(
      'bad_replica',
      `The replica id ${JSON.stringify(replica.slice(0, 80))} is not one: 1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit.`,
      path,
    );
  }

  function openFile(): number {
    let fd: number | undefined;
    try {
      fs.mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      let created = true;
      try {
        fd = fs.openSync(path, 'ax+', 0o600);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        created = false;
        // 'a+' rather than 'a': the writer reads the tail back through the same descriptor.
        fd = fs.openSync(path, 'a+', 0o600);
      }
      if (!fs.fstatSync(fd).isFile()) {
        throw new AuditWriteError(
          'not_regular',
          `${path} is not a regular file; the audit log must be a file the chain can be read back from.`,
          path,
        );
      }
      if (created) syncDirectory(fs, dirname(path));
      return fd;
    } catch (error) {
      if (fd !== undefined) fs.closeSync(fd);
      if (error instanceof AuditWriteError) throw error;
      throw new AuditWriteError(
        'io',
        `Cannot open the audit log ${path}: ${describe(error)}`,
        path,
        undefined,
        {
          cause: error,
        },
      );
    }
  }

  let file = openFile();
  let open = true;
  let expectedSize = -1;
  let nextSeq = 0;
  let prevHash = GENESIS_HASH;
  let head: AuditHead | undefined;
  let durableHead: AuditHead | undefined;
  /** Moves the durable head forward (a group commit that ends late never moves it back). */
  function markDurable(record: AuditHead | undefined): void {
    if (record && (!durableHead || record.seq > durableHead.seq)) durableHead = record;
  }
  let toldOtherWriter = false;
  /** The key of record `nextSeq`, when the log is keyed; the key file holds an older or equal one. */
  let currentKey: Buffer | undefined;
  let keyFile: KeyFile | undefined;
  let persistedSeq = -1;
  let keyProblem: string | undefined;

  /** The chain state after `line`, the last record of `where` (line `lineNo` there). */
  function continueFrom(line: Buffer, where: string, lineNo: () => number): void {
    let fields: ReturnType<typeof chainFields>;
    try {
      fields = chainFields(JSON.parse(line.toString('utf8')));
    } catch {
      fields = 'not JSON';
    }
    const seal = typeof fields === 'string' ? 'missing' : checkSeal(line);
    if (typeof fields === 'string' || seal !== 'ok') {
      const at = lineNo();
      const why = typeof fields === 'string' ? fields : `its unmapped.hash is ${seal}`;
      throw new AuditWriteError(
        'bad_tail',
        `${where} line ${at} is not a sealed audit record (${why}); the file may have been edited, or is ` +
          `not a tenant-mcp audit log. Refusing to continue its chain: run \`tenant-mcp audit verify ${path}\`, ` +
          'keep the file as evidence, and move it aside so a new log starts.',
        where,
        at,
      );
    }
    if (fields.replica !== undefined && fields.replica !== replica) {
      const at = lineNo();
      throw new AuditWriteError(
        'foreign_chain',
        `${where} line ${at} (seq ${fields.seq}) was written by replica "${fields.replica}", and this server is ` +
          `replica "${replica}": two replicas must not share one trail, or neither chain proves anything. Give ` +
          'each replica its own TENANT_MCP_STATE_DIR (or TENANT_MCP_AUDIT_LOG) on its own disk; if this is ' +
          `replica "${fields.replica}" under a new host name, set TENANT_MCP_REPLICA_ID=${fields.replica}.`,
        where,
        at,
      );
    }
    nextSeq = fields.seq + 1;
    prevHash = sha256Hex(line);
    head = { seq: fields.seq, hash: prevHash };
  }

  /** Continues the chain from the file's current last line (or, for an empty file, the last rotated one). */
  function resync(size: number): void {
    nextSeq = 0;
    prevHash = GENESIS_HASH;
    head = undefined;
    if (size > 0) {
      const tail = readLastLine(fs, file, size);
      if (!tail.terminated) {
        const line = countNewlines(fs, file, size) + 1;
        throw new AuditWriteError(
          'torn_tail',
          `${path} line ${line} is incomplete (no newline at the end): a write was cut short, by a crash or a ` +
            `full disk. Its append never returned, so the call it describes did not proceed. Run ` +
            `\`tenant-mcp audit verify ${path}\` to check the records before it, then ` +
            `\`tenant-mcp audit repair ${path}\` to set the fragment aside.`,
          path,
          line,
        );
      }
      continueFrom(tail.line, path, () => countNewlines(fs, file, size));
    } else {
      // A new file after a rotation continues the chain of the newest rotated one.
      const previous = rotatedFiles(path).at(-1);
      if (previous) {
        const fd = fs.openSync(previous, 'r');
        try {
          const previousSize = fs.fstatSync(fd).size;
          if (previousSize > 0) {
            const tail = readLastLine(fs, fd, previousSize);
            continueFrom(tail.line, previous, () => countNewlines(fs, fd, previousSize));
          }
        } finally {
          fs.closeSync(fd);
        }
      }
    }
    expectedSize = size;
    // What is in the file now was there before this writer's next fsync: other writers flush their own.
    markDurable(head);
    syncKey();
  }

  /** Loads the key of record `nextSeq` from the key file, evolving a lagging one forward. */
  function syncKey(): void {
    let state: KeyState | undefined;
    try {
      state = readKeyFile(keyPath);
    } catch (error) {
      throw new AuditWriteError(
        'bad_key',
        `The audit key file ${keyPath} cannot be used: ${describe(error)}`,
        path,
      );
    }
    if (!state) {
      currentKey = undefined;
      return;
    }
    if (state.seq > nextSeq) {
      throw new AuditWriteError(
        'key_ahead',
        `The audit key in ${keyPath} is for seq ${state.seq}, but the log ends before seq ${nextSeq}: records ` +
          `were cut off after they were written. Run \`tenant-mcp audit verify ${path} --key …\`, keep the files as ` +
          'evidence, and move them aside (log and key) to start a new trail.',
        path,
      );
    }
    if (nextSeq - state.seq > MAX_KEY_GAP) {
      throw new AuditWriteError(
        'bad_key',
        `The audit key in ${keyPath} is for seq ${state.seq}, ${nextSeq - state.seq} records behind the log: not this log's key.`,
        path,
      );
    }
    currentKey = keyAt(state, nextSeq);
    persistedSeq = state.seq;
    keyFile ??= openKeyFile(keyPath);
  }

  try {
    resync(fs.fstatSync(file).size);
  } catch (error) {
    fs.closeSync(file);
    keyFile?.close();
    if (error instanceof AuditWriteError) throw error;
    throw new AuditWriteError(
      'io',
      `Cannot read the audit log ${path}: ${describe(error)}`,
      path,
      undefined,
      {
        cause: error,
      },
    );
  }

  /** Overwrites the key file with the key of `state.seq`, once every record before it is on disk. */
  function persistKey(state: { seq: number; key: Buffer | undefined }): void {
    if (!keyFile || !state.key || state.seq <= persistedSeq) return;
    try {
      keyFile.write({ seq: state.seq, key: state.key });
      persistedSeq = state.seq;
    } catch (error) {
      keyProblem = describe(error);
    }
  }

  function append(event: AuditEvent): void {
    write(event);
    try {
      fs.fsyncSync(file);
    } catch (error) {
      throw syncFailed(error);
    }
    markDurable(head);
    persistKey({ seq: nextSeq, key: currentKey });
  }

  function syncFailed(error: unknown): AuditWriteError {
    expectedSize = -1;
    return new AuditWriteError(
      'io',
      `Cannot flush the audit record to ${path}: ${describe(error)}. The call was not recorded, so it must not proceed.`,
      path,
      undefined,
      { cause: error },
    );
  }

  // Group commit: `syncing` is the fsync in flight; `queued` the one that starts when it ends and covers
  // every record written meanwhile.
  let syncing: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  function flush(fd: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (!fs.fsync) {
        try {
          fs.fsyncSync(fd);
          resolve();
        } catch (error) {
          reject(error);
        }
        return;
      }
      fs.fsync(fd, (error) => (error ? reject(error) : resolve()));
    });
  }
  function startSync(): Promise<void> {
    // Every record before `covered` is written by now, so this fsync makes them durable.
    const covered = { seq: nextSeq, key: currentKey };
    const coveredHead = head;
    syncing = flush(file)
      .then(() => {
        markDurable(coveredHead);
        persistKey(covered);
      })
      .finally(() => {
        syncing = undefined;
      });
    return syncing;
  }
  function durable(): Promise<void> {
    if (!syncing) return startSync();
    queued ??= syncing
      .catch(() => {})
      .then(() => {
        queued = undefined;
        return startSync();
      });
    return queued;
  }

  /** Why the log can no longer be trusted to be on disk: a deferred flush failed. */
  let broken: AuditWriteError | undefined;

  function appendDeferred(event: AuditEvent): void {
    write(event);
    durable().catch((error: unknown) => {
      broken = syncFailed(error);
    });
  }

  async function appendDurable(event: AuditEvent): Promise<void> {
    write(event);
    try {
      await durable();
    } catch (error) {
      throw syncFailed(error);
    }
  }

  /** Moves the full file aside as `<log>.<first seq>` and starts a new one that continues the chain. */
  function rotate(size: number): void {
    fs.fsyncSync(file);
    markDurable(head);
    let first = head?.seq ?? nextSeq;
    try {
      const fields = chainFields(JSON.parse(readFirstLine(fs, file, size).toString('utf8')));
      if (typeof fields !== 'string') first = fields.seq;
    } catch {
      // An unreadable first line: the name falls back to the last seq, which still sorts in order.
    }
    const target = `${path}.${String(first).padStart(12, '0')}`;
    if (nodeFs.existsSync(target)) throw new Error(`${target} already exists`);
    nodeFs.renameSync(path, target);
    const old = file;
    file = openFile();
    // An fsync in flight on the old file must finish before its descriptor closes.
    const closeOld = () => fs.closeSync(old);
    if (syncing) void syncing.catch(() => {}).finally(closeOld);
    else closeOld();
    expectedSize = 0;
    const rotated = rotatedFiles(path);
    for (const stale of rotated.slice(0, Math.max(0, rotated.length - keep))) nodeFs.unlinkSync(stale);
  }

  function write(event: AuditEvent): void {
    if (!open) throw new AuditWriteError('closed', `The audit log ${path} is closed.`, path);
    if (broken) throw broken;
    if (keyProblem) {
      throw new AuditWriteError(
        'io',
        `The audit key file ${keyPath} could not be advanced (${keyProblem}); no call can proceed until a person checks it.`,
        path,
      );
    }
    let size: number;
    try {
      size = fs.fstatSync(file).size;
      if (size !== expectedSize) {
        const other = expectedSize >= 0;
        resync(size);
        if (other && !toldOtherWriter) {
          toldOtherWriter = true;
          options.onOtherWriter?.(
            `another process appended to the audit trail ${path} (replica "${replica}"); the chain goes on ` +
              'from its record. If that is a second replica, give each its own TENANT_MCP_STATE_DIR and ' +
              'TENANT_MCP_REPLICA_ID: appends at the same instant fork the chain.',
          );
        }
      }
    } catch (error) {
      expectedSize = -1;
      if (error instanceof AuditWriteError) throw error;
      throw new AuditWriteError(
        'io',
        `Cannot read the audit log ${path}: ${describe(error)}`,
        path,
        undefined,
        {
          cause: error,
        },
      );
    }
    const seq = nextSeq;
    let line: string;
    try {
      const context = {
        productVersion: options.productVersion,
        service: options.service ?? 'Auth0 Management API',
        osUser,
        hostname,
        replica,
        seq,
        prevHash,
      };
      line = sealRecord(
        toOcsfRecord(event, { ...context, loggedTime: now(), uid: randomUUID() }),
        currentKey,
      );
    } catch (error) {
      throw new AuditWriteError(
        'unserializable',
        `Cannot write the audit record for ${event.tool}: ${describe(error)}`,
        path,
        undefined,
        { cause: error },
      );
    }
    const bytes = Buffer.from(`${line}\n`);
    if (maxBytes > 0 && size > 0 && size + bytes.length > maxBytes) {
      try {
        rotate(size);
        size = 0;
      } catch (error) {
        expectedSize = -1;
        throw new AuditWriteError(
          'io',
          `Cannot rotate the audit log ${path}: ${describe(error)}`,
          path,
          undefined,
          {
            cause: error,
          },
        );
      }
    }
    try {
      // One write of the whole line keeps it whole beside other appenders; the loop only covers the rare
      // short write, which leaves a torn line if the process dies between the two.
      for (let done = 0; done < bytes.length; ) {
        done += fs.writeSync(file, bytes, done, bytes.length - done);
      }
    } catch (error) {
      // Part of the line may be in the file: read the tail again before the next append, which then
      // refuses a torn line rather than writing after it.
      expectedSize = -1;
      throw new AuditWriteError(
        'io',
        `Cannot write the audit record to ${path}: ${describe(error)}. The call was not recorded, so it must not proceed.`,
        path,
        undefined,
        { cause: error },
      );
    }
    expectedSize = size + bytes.length;
    prevHash = sha256Hex(line);
    head = { seq, hash: prevHash };
    nextSeq = seq + 1;
    // The old key is dropped here; the key file still holds an older one until the record is on disk.
    if (currentKey) currentKey = evolveKey(currentKey);
  }

  function close(): void {
    if (!open) return;
    open = false;
    fs.closeSync(file);
    keyFile?.close();
  }

  return {
    path,
    get head() {
      return head;
    },
    get durableHead() {
      return durableHead;
    },
    replica,
    get keyed() {
      return currentKey !== undefined;
    },
    append,
    appendDurable,
    appendDeferred,
    close,
  };
}

/**
 * The replica named by the last record of the chain at `path` (its newest rotated file when the log is
 * empty or missing), reading only the tail; `undefined` when there is none or it names none.
 */
export function tailReplica(path: string): string | undefined {
  for (const file of [path, ...rotatedFiles(path).reverse()]) {
    let fd: number;
    try {
      fd = nodeFs.openSync(file, 'r');
    } catch {
      continue;
    }
    try {
      const size = nodeFs.fstatSync(fd).size;
      if (size === 0) continue;
      const fields = chainFields(JSON.parse(readLastLine(nodeFs, fd, size).line.toString('utf8')));
      return typeof fields === 'string' ? undefined : fields.replica;
    } catch {
      return undefined;
    } finally {
      nodeFs.closeSync(fd);
    }
  }
  return undefined;
}

/**
 * Flushes a new file's directory entry, so the file survives a power cut with its first records. Best
 * effort: some platforms cannot open a directory for fsync, and the file's own fsync still covers its bytes.
 */
function syncDirectory(fs: AuditFs, dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // See above: the directory sync is an extra, not a promise.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
