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
 */
import { randomUUID } from 'node:crypto';
import * as nodeFs from 'node:fs';
import os from 'node:os';
import { dirname } from 'node:path';
import type { AuditEvent } from '../types.js';
import { chainFields, checkSeal, GENESIS_HASH, sealRecord, sha256Hex } from './chain.js';
import { AuditWriteError } from './errors.js';
import { toOcsfRecord } from './ocsf.js';
import { type AuditFs, countNewlines, readLastLine } from './tail.js';

/** How to open an audit log. */
export interface AuditLogOptions {
  /** tenant-mcp's version, written as `metadata.product.version`. */
  productVersion: string;
  /** Clock for `metadata.logged_time` (epoch ms); the event carries its own `time`. */
  now?: () => number;
  /** The OS user recorded as `actor.user.name`; defaults to the user running the process. */
  osUser?: string;
  /** File-system calls, for tests that make them fail; defaults to `node:fs`. */
  fs?: AuditFs;
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

  const file: number = fd;
  let open = true;
  let expectedSize = -1;
  let nextSeq = 0;
  let prevHash = GENESIS_HASH;
  let head: AuditHead | undefined;

  /** Continues the chain from the file's current last line. */
  function resync(size: number): void {
    if (size === 0) {
      nextSeq = 0;
      prevHash = GENESIS_HASH;
      head = undefined;
      expectedSize = 0;
      return;
    }
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
    let fields: ReturnType<typeof chainFields>;
    try {
      fields = chainFields(JSON.parse(tail.line.toString('utf8')));
    } catch {
      fields = 'not JSON';
    }
    const seal = typeof fields === 'string' ? 'missing' : checkSeal(tail.line);
    if (typeof fields === 'string' || seal !== 'ok') {
      const line = countNewlines(fs, file, size);
      const why = typeof fields === 'string' ? fields : `its unmapped.hash is ${seal}`;
      throw new AuditWriteError(
        'bad_tail',
        `${path} line ${line} is not a sealed audit record (${why}); the file may have been edited, or is ` +
          `not a tenant-mcp audit log. Refusing to continue its chain: run \`tenant-mcp audit verify ${path}\`, ` +
          'keep the file as evidence, and move it aside so a new log starts.',
        path,
        line,
      );
    }
    nextSeq = fields.seq + 1;
    prevHash = sha256Hex(tail.line);
    head = { seq: fields.seq, hash: prevHash };
    expectedSize = size;
  }

  try {
    resync(fs.fstatSync(file).size);
  } catch (error) {
    fs.closeSync(file);
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

  function append(event: AuditEvent): void {
    write(event);
    try {
      fs.fsyncSync(file);
    } catch (error) {
      throw syncFailed(error);
    }
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
  function flush(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (!fs.fsync) {
        try {
          fs.fsyncSync(file);
          resolve();
        } catch (error) {
          reject(error);
        }
        return;
      }
      fs.fsync(file, (error) => (error ? reject(error) : resolve()));
    });
  }
  function startSync(): Promise<void> {
    syncing = flush().finally(() => {
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

  async function appendDurable(event: AuditEvent): Promise<void> {
    write(event);
    try {
      await durable();
    } catch (error) {
      throw syncFailed(error);
    }
  }

  function write(event: AuditEvent): void {
    if (!open) throw new AuditWriteError('closed', `The audit log ${path} is closed.`, path);
    let size: number;
    try {
      size = fs.fstatSync(file).size;
      if (size !== expectedSize) resync(size);
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
      const context = { productVersion: options.productVersion, osUser, hostname, seq, prevHash };
      line = sealRecord(toOcsfRecord(event, { ...context, loggedTime: now(), uid: randomUUID() }));
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
  }

  function close(): void {
    if (!open) return;
    open = false;
    fs.closeSync(file);
  }

  return {
    path,
    get head() {
      return head;
    },
    append,
    appendDurable,
    close,
  };
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
