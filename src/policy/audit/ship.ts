/**
 * Shipping the trail to a collector: the OCSF records leave the machine in batches, exactly as written
 * (so a collector's copy still verifies), over HTTPS (`POST`, `application/x-ndjson`) or RFC 5424 syslog
 * over UDP. Calls never wait for it: it reads the chain on its own, with asynchronous reads, after the
 * records are on disk.
 *
 * The queue is the chain itself, no second copy: a cursor file beside the log (`<log>.ship`, 0600) holds
 * the seq and hash of the last record the collector acknowledged, replaced atomically (write, fsync,
 * rename) after each acknowledged batch. A collector outage only makes the shipper wait and retry with
 * backoff; a restart resumes from the cursor. So delivery over HTTPS is at least once: a batch the
 * collector took just before a crash, or whose answer was lost, is sent again, byte for byte; a
 * collector removes such duplicates by `unmapped.hash` (the SHA-256 of the record's own line, unique per
 * record) and orders by `unmapped.replica` and `unmapped.seq`. UDP has no acknowledgement: a datagram
 * the network drops is lost, so syslog is best effort.
 *
 * Bounds: a batch holds at most `maxBatchRecords` records and about `maxBatchBytes` bytes (one larger
 * record goes alone); the disk holds only the chain, whose rotation bounds it, so an outage longer than
 * the retained files loses the oldest unshipped records, and the shipper names their seqs. Only records
 * that check (own hash, link to the previous one, this replica's) are sent; at a record that does not,
 * shipping stops and says so until a person has run `audit verify`. Collector answers are untrusted: only
 * the status is used (and a bounded `Retry-After`); the body is never read.
 */
import { createSocket } from 'node:dgram';
import type { FileHandle } from 'node:fs/promises';
import * as fsp from 'node:fs/promises';
import os from 'node:os';
import { basename, dirname } from 'node:path';
import { chainFields, checkSeal, sha256Hex } from './chain.js';
import { LineSplitter, MAX_LINE_BYTES } from './lines.js';
import { rotatedFiles } from './paths.js';
import type { AuditHead } from './writer.js';

/** The chain a shipper reads: the open log is one. */
export interface ShippedChain {
  /** The live file. */
  readonly path: string;
  /** Its replica id. */
  readonly replica: string;
  /** The last record known to be on disk: nothing after it leaves the machine. */
  readonly durableHead: AuditHead | undefined;
}

/** Options of {@link startAuditShipper}. */
export interface ShipperOptions {
  /** The chain to ship. */
  chain: ShippedChain;
  /** `https://…` (or `http://` on loopback) to POST batches to, or `udp://host:port` for syslog. */
  url: string;
  /** An `Authorization` header value (`Bearer …`, `Splunk …`); user:password in the URL is sent as Basic. */
  authorization?: string;
  /** How often to look for new records, in ms (default 2,000). */
  intervalMs?: number;
  /** Records per batch (default 500). */
  maxBatchRecords?: number;
  /** Bytes per batch (default 1 MiB). */
  maxBatchBytes?: number;
  /** First retry delay after a failure, in ms (default 1,000; doubled up to `maxBackoffMs`). */
  minBackoffMs?: number;
  /** Longest retry delay, in ms (default 300,000). */
  maxBackoffMs?: number;
  /** Per-request timeout, in ms (default 10,000). */
  timeoutMs?: number;
  /** Diagnostics (stderr): failures, recoveries, gaps. Never the URL's path or credentials. */
  report: (line: string) => void;
  /** The fetch to use (default the global one). */
  fetch?: typeof fetch;
}

/** The last record a collector acknowledged. */
export interface ShipCursor {
  /** Its replica. */
  replica: string;
  /** Its seq. */
  seq: number;
  /** SHA-256 of its line. */
  hash: string;
}

/** A running shipper. */
export interface AuditShipper {
  /** Ships what is due now (one batch); resolves when it is delivered or has failed. */
  tick(): Promise<void>;
  /** The last acknowledged record. */
  readonly cursor: ShipCursor | undefined;
  /** Failed attempts since the last delivery. */
  readonly failures: number;
  /** Why shipping stopped at a record that does not check, if it did. */
  readonly stuck: string | undefined;
  /** Stops the timer; one last batch is tried only while the collector is answering. */
  stop(): Promise<void>;
}

/** Where the cursor of the chain at `auditPath` lives. */
export function shipCursorPath(auditPath: string): string {
  return `${auditPath}.ship`;
}

/** Each read is checked line by line before the next: a small chunk keeps that a few ms of the loop. */
const CHUNK = 64 * 1024;
/** A syslog datagram must fit in one UDP packet; a larger record goes as a digest naming it. */
const MAX_DATAGRAM = 60_000;
const HEX64 = /^[0-9a-f]{64}$/;
/** The pause between batches while catching up: short, but it leaves the event loop to calls. */
const CATCHING_UP = 10;
/** Records checked between two turns of the event loop (about 0.3 ms of work on a small machine). */
const YIELD_EVERY = 32;

/** Reads a cursor file; `undefined` when there is none, a thrown sentence when it is not one. */
export async function readShipCursor(path: string): Promise<ShipCursor | undefined> {
  let text: string;
  try {
    const handle = await fsp.open(path, 'r');
    try {
      const buffer = Buffer.alloc(4096);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      if (bytesRead === buffer.length) throw new Error(`${path} is too large to be a cursor`);
      text = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let parsed: { v?: unknown; replica?: unknown; seq?: unknown; hash?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    throw new Error(`${path} is not a shipping cursor (not JSON)`);
  }
  const { v, replica, seq, hash } = parsed;
  if (
    v !== 1 ||
    typeof replica !== 'string' ||
    typeof seq !== 'number' ||
    !Number.isSafeInteger(seq) ||
    seq < 0 ||
    typeof hash !== 'string' ||
    !HEX64.test(hash)
  ) {
    throw new Error(`${path} is not a shipping cursor (expected v, replica, seq and hash)`);
  }
  return { replica, seq, hash };
}

/** Replaces the cursor file atomically: a crash leaves the old cursor or the new one, never half. */
async function writeShipCursor(path: string, cursor: ShipCursor): Promise<void> {
  // Per process: processes of one replica sharing a file each ship it (duplicates, never a lost cursor).
  const temporary = `${path}.${process.pid}.tmp`;
  const handle = await fsp.open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify({ v: 1, ...cursor })}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fsp.rename(temporary, path);
  // The rename itself survives a power cut only once the directory is flushed (best effort, as the writer).
  try {
    const dir = await fsp.open(dirname(path), 'r');
    await dir.sync().finally(() => dir.close());
  } catch {
    // Some platforms cannot flush a directory; the cursor then lags, which only means re-sending.
  }
}

/** The first seq a rotated file's name carries, or `undefined` for the live file. */
function firstSeqOf(path: string, live: string): number | undefined {
  return path === live ? undefined : Number(basename(path).slice(basename(live).length + 1));
}

/** Reads the chain's files in order, one whole line at a time, following rotations. */
class ChainReader {
  private handle: FileHandle | undefined;
  private ino: number | undefined;
  private position = 0;
  private splitter = new LineSplitter(MAX_LINE_BYTES);
  private ready: ReturnType<LineSplitter['push']> = [];
  private readonly buffer = Buffer.alloc(CHUNK);
  /** The file being read. */
  file: string | undefined;

  constructor(private readonly live: string) {}

  async open(file: string): Promise<void> {
    await this.close();
    this.handle = await fsp.open(file, 'r');
    this.ino = (await this.handle.stat()).ino;
    this.file = file;
    this.position = 0;
    this.splitter = new LineSplitter(MAX_LINE_BYTES);
    this.ready = [];
  }

  /** The next whole line of the current file, or `undefined` at its end for now. */
  async nextLine(): Promise<ReturnType<LineSplitter['push']>[number] | undefined> {
    while (this.ready.length === 0) {
      if (!this.handle) return undefined;
      const { bytesRead } = await this.handle.read(this.buffer, 0, CHUNK, this.position);
      if (bytesRead === 0) return undefined;
      this.position += bytesRead;
      this.ready = this.splitter.push(this.buffer.subarray(0, bytesRead));
    }
    return this.ready.shift();
  }

  /**
   * At the end of the current file: opens the one after it when the current one was rotated away (the
   * rotated file starting at `expected`, or the live file). `false` at the live file's end.
   */
  async nextFile(expected: number): Promise<boolean> {
    let liveIno: number | undefined;
    try {
      liveIno = (await fsp.stat(this.live)).ino;
    } catch {
      liveIno = undefined;
    }
    // The live file's end, or a moment between a rotation's rename and the new file: more comes later.
    if (liveIno === undefined || liveIno === this.ino) return false;
    const next = rotatedFiles(this.live).find((file) => firstSeqOf(file, this.live) === expected);
    await this.open(next ?? this.live);
    return true;
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close().catch(() => {});
  }
}

/** How a batch fared: acknowledged, or why not (and what the collector asked for). */
type Delivery =
  | { ok: true }
  | { ok: false; why: string; retryAfterMs?: number | undefined; tooLarge?: boolean | undefined };

interface Entry {
  bytes: Buffer;
  seq: number;
  hash: string;
}

/** Starts shipping `options.chain` to `options.url`. */
export function startAuditShipper(options: ShipperOptions): AuditShipper {
  const { chain, report } = options;
  const target = new URL(options.url);
  const origin = `${target.protocol}//${target.host}`;
  const intervalMs = options.intervalMs ?? 2_000;
  const maxRecords = options.maxBatchRecords ?? 500;
  const maxBytes = options.maxBatchBytes ?? 1024 * 1024;
  const minBackoff = options.minBackoffMs ?? 1_000;
  const maxBackoff = options.maxBackoffMs ?? 300_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const send = options.fetch ?? fetch;
  const cursorPath = shipCursorPath(chain.path);
  const host = os.hostname();

  // fetch refuses URLs with credentials: they travel as Basic authorization instead.
  let authorization = options.authorization;
  if (target.username || target.password) {
    const user = decodeURIComponent(target.username);
    const password = decodeURIComponent(target.password);
    authorization ??= `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    target.username = '';
    target.password = '';
  }

  // Node loads its fetch on first use, blocking the loop for tens of ms: do it now, at start, not mid-call.
  if (!options.fetch && target.protocol !== 'udp:') void fetch('data:,').catch(() => {});

  let cursor: ShipCursor | undefined;
  let cursorLoaded = false;
  let reader: ChainReader | undefined;
  /** Next seq expected from the reader, and the hash the next record must link to, when known. */
  let expected: number | undefined;
  let linkTo: string | undefined;
  /** Records read and checked, not yet acknowledged (bounded by the batch limits and one chunk). */
  const queue: Entry[] = [];
  let queueBytes = 0;
  let failures = 0;
  let batchLimit = maxRecords;
  let stuck: string | undefined;
  let stopped = false;
  let running: Promise<number> | undefined;
  let timer: NodeJS.Timeout | undefined;

  /** Reports the 1st, 10th, 100th… failure of a kind, so an outage of a day is a few lines. */
  function reportFailure(why: string): void {
    if (Number.isInteger(Math.log10(failures))) {
      report(
        `tenant-mcp: audit shipping to ${origin} failed (${why}); attempt ${failures}, retrying with backoff. ` +
          `Records stay in the chain from seq ${(cursor?.seq ?? -1) + 1}.`,
      );
    }
  }

  async function loadCursor(): Promise<void> {
    cursorLoaded = true;
    try {
      const stored = await readShipCursor(cursorPath);
      if (stored && stored.replica !== chain.replica) {
        report(
          `tenant-mcp: the shipping cursor ${cursorPath} is replica ${JSON.stringify(stored.replica.slice(0, 64))}'s, not this chain's ("${chain.replica}"); shipping the chain from its oldest record.`,
        );
        return;
      }
      cursor = stored;
    } catch (error) {
      report(`tenant-mcp: ${(error as Error).message}; shipping the chain from its oldest record.`);
    }
  }

  /** Opens the reader where the cursor's record (or the oldest record) is. */
  async function locate(): Promise<void> {
    const rotated = rotatedFiles(chain.path);
    const before = cursor ? rotated.filter((file) => firstSeqOf(file, chain.path)! <= cursor!.seq) : [];
    reader = new ChainReader(chain.path);
    await reader.open(before.at(-1) ?? rotated[0] ?? chain.path);
    expected = cursor ? cursor.seq + 1 : undefined;
    // The first record after the cursor must link to the record shipped last, wherever the file starts.
    linkTo = cursor?.hash;
  }

  /** The chain no longer holds the cursor's record: it was moved aside or restored from elsewhere. */
  async function replaced(why: string): Promise<void> {
    report(
      `tenant-mcp: the audit chain ${chain.path} ${why}: it was replaced (moved aside, or restored). Shipping it ` +
        'again from its oldest record; the collector tells its records from the old ones by unmapped.hash.',
    );
    cursor = undefined;
    queue.length = 0;
    queueBytes = 0;
    await reader?.close();
    reader = undefined;
  }

  function halt(why: string): void {
    stuck = why;
    report(
      `tenant-mcp: audit shipping stopped at ${why}. Records before it were shipped; nothing after it will be ` +
        `until a person runs \`tenant-mcp audit verify ${chain.path}\` and restarts the server.`,
    );
  }

  /** Reads and checks records into the queue, up to the durable head and the batch limits. */
  async function fill(head: AuditHead): Promise<void> {
    if (!reader) await locate();
    const current = reader!;
    let checked = 0;
    while (!stuck && queue.length < maxRecords && queueBytes < maxBytes) {
      // Parsing and hashing are synchronous: give the loop back to calls every few dozen records.
      if (++checked % YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const last = queue.at(-1)?.seq ?? cursor?.seq ?? -1;
      if (last >= head.seq) return;
      const line = await current.nextLine();
      if (!line) {
        if (!(await current.nextFile(expected ?? 0))) return;
        continue;
      }
      const where = `${current.file} byte ${line.offset}`;
      if (line.tooLong) return halt(`${where}: a line longer than ${MAX_LINE_BYTES} bytes`);
      let fields: ReturnType<typeof chainFields>;
      try {
        fields = chainFields(JSON.parse(line.bytes.toString('utf8')));
      } catch {
        fields = 'not JSON';
      }
      if (typeof fields === 'string') return halt(`${where}: not an audit record (${fields})`);
      if (checkSeal(line.bytes) !== 'ok')
        return halt(`${where}: seq ${fields.seq} does not match its own hash`);
      if (fields.replica !== undefined && fields.replica !== chain.replica) {
        return halt(`${where}: seq ${fields.seq} is replica "${fields.replica}"'s`);
      }
      const hash = sha256Hex(line.bytes);
      if (cursor && fields.seq <= cursor.seq) {
        if (fields.seq === cursor.seq && hash !== cursor.hash) {
          await replaced(`holds another record at seq ${cursor.seq} than the one shipped`);
          return;
        }
        linkTo = hash;
        continue;
      }
      if (expected !== undefined && fields.seq < expected) {
        return halt(`${where}: seq ${fields.seq} after seq ${expected - 1}`);
      }
      if (expected !== undefined && fields.seq > expected) {
        report(
          `tenant-mcp: audit records seq ${expected} to ${fields.seq - 1} of ${chain.path} are gone from the chain ` +
            'before they were shipped (rotated away by TENANT_MCP_AUDIT_KEEP during a long outage, or removed: ' +
            'run audit verify); shipping goes on from seq ' +
            `${fields.seq}.`,
        );
        linkTo = undefined;
      }
      if (linkTo !== undefined && fields.prevHash !== linkTo) {
        return halt(`${where}: seq ${fields.seq} does not follow the record before it`);
      }
      queue.push({ bytes: line.bytes, seq: fields.seq, hash });
      queueBytes += line.bytes.length;
      expected = fields.seq + 1;
      linkTo = hash;
    }
  }

  /** The first queued records that may go now: on disk, within the limits. */
  function nextBatch(head: AuditHead): Entry[] {
    const batch: Entry[] = [];
    let bytes = 0;
    for (const entry of queue) {
      if (entry.seq > head.seq || batch.length >= batchLimit) break;
      if (batch.length > 0 && bytes + entry.bytes.length > maxBytes) break;
      batch.push(entry);
      bytes += entry.bytes.length + 1;
    }
    return batch;
  }

  async function deliverHttp(batch: Entry[]): Promise<Delivery> {
    const body = Buffer.concat(batch.flatMap((entry) => [entry.bytes, Buffer.from('\n')]));
    let response: Response;
    try {
      response = await send(target, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-ndjson',
          'user-agent': 'tenant-mcp audit shipper',
          'x-tenant-mcp-replica': chain.replica,
          'x-tenant-mcp-first-seq': String(batch[0]!.seq),
          'x-tenant-mcp-last-seq': String(batch.at(-1)!.seq),
          ...(authorization ? { authorization } : {}),
        },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: unknown } }).cause;
      const code = typeof cause?.code === 'string' ? cause.code.slice(0, 40) : undefined;
      return {
        ok: false,
        why: code ?? ((error as Error).name === 'TimeoutError' ? 'timed out' : 'no answer'),
      };
    }
    // The body is never read: a collector's answer is untrusted and may be endless.
    await response.body?.cancel().catch(() => {});
    if (response.status >= 200 && response.status < 300) return { ok: true };
    const retryAfter = response.headers.get('retry-after');
    const seconds = retryAfter && /^\d{1,6}$/.test(retryAfter.trim()) ? Number(retryAfter.trim()) : undefined;
    return {
      ok: false,
      why: `HTTP ${response.status}`,
      ...(seconds !== undefined ? { retryAfterMs: seconds * 1000 } : {}),
      ...(response.status === 413 ? { tooLarge: true } : {}),
    };
  }

  async function deliverUdp(batch: Entry[]): Promise<Delivery> {
    const socket = createSocket(target.hostname.startsWith('[') ? 'udp6' : 'udp4');
    const address = target.hostname.replace(/^\[|\]$/g, '');
    try {
      for (const entry of batch) {
        const text =
          entry.bytes.length <= MAX_DATAGRAM
            ? entry.bytes.toString('utf8')
            : JSON.stringify({
                type: 'tenant-mcp.audit-oversize',
                replica: chain.replica,
                seq: entry.seq,
                hash: entry.hash,
                bytes: entry.bytes.length,
              });
        const line = `<134>1 ${new Date().toISOString()} ${host} tenant-mcp ${process.pid} audit - ${text}`;
        await new Promise<void>((resolve, reject) =>
          socket.send(line, Number(target.port), address, (error) => (error ? reject(error) : resolve())),
        );
      }
      return { ok: true };
    } catch (error) {
      return { ok: false, why: String((error as NodeJS.ErrnoException).code ?? 'send failed').slice(0, 40) };
    } finally {
      socket.close();
    }
  }

  /** One round: read, send one batch, move the cursor. Returns the delay before the next round. */
  async function round(): Promise<number> {
    if (!cursorLoaded) await loadCursor();
    if (stuck) return intervalMs;
    const head = chain.durableHead;
    if (cursor && (!head || head.seq < cursor.seq)) {
      await replaced(`ends before seq ${cursor.seq}, the last record shipped`);
      return 0;
    }
    if (!head) return intervalMs;
    await fill(head);
    const batch = nextBatch(head);
    if (batch.length === 0) return intervalMs;
    const result = target.protocol === 'udp:' ? await deliverUdp(batch) : await deliverHttp(batch);
    if (!result.ok) {
      failures++;
      if (result.tooLarge) batchLimit = Math.max(1, Math.floor(batch.length / 2));
      reportFailure(result.why);
      const backoff = Math.min(maxBackoff, minBackoff * 2 ** Math.min(failures - 1, 30));
      const jittered = backoff * (0.8 + Math.random() * 0.4);
      const asked = result.retryAfterMs ?? 0;
      return Math.min(maxBackoff, Math.max(jittered, asked));
    }
    queue.splice(0, batch.length);
    queueBytes -= batch.reduce((sum, entry) => sum + entry.bytes.length, 0);
    const last = batch.at(-1)!;
    const acknowledged = { replica: chain.replica, seq: last.seq, hash: last.hash };
    if (failures > 0) {
      report(`tenant-mcp: audit shipping to ${origin} resumed after ${failures} failed attempt(s).`);
    }
    failures = 0;
    batchLimit = maxRecords;
    try {
      await writeShipCursor(cursorPath, acknowledged);
    } catch (error) {
      // The collector has the records; a cursor left behind only means they are sent again after a restart.
      report(`tenant-mcp: cannot write the shipping cursor ${cursorPath}: ${(error as Error).message}`);
    }
    cursor = acknowledged;
    // Catching up after an outage: the next batch soon, with a pause that leaves the event loop to calls.
    return queue.length > 0 || head.seq > last.seq ? CATCHING_UP : intervalMs;
  }

  /** The round in progress, or a new one; an unexpected error (a file gone) starts the reader afresh. */
  function once(): Promise<number> {
    running ??= round()
      .catch((error: unknown) => {
        report(`tenant-mcp: audit shipping: ${(error as Error).message}`);
        void reader?.close();
        reader = undefined;
        return intervalMs;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  function schedule(delay: number): void {
    if (stopped) return;
    timer = setTimeout(() => void once().then(schedule), delay);
    timer.unref();
  }
  schedule(0);

  const tick = () => once().then(() => {});

  return {
    tick,
    get cursor() {
      return cursor;
    },
    get failures() {
      return failures;
    },
    get stuck() {
      return stuck;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      // A last drain of what is on disk, while the collector answers and for at most one request timeout.
      const deadline = Date.now() + timeoutMs;
      while (failures === 0 && !stuck && Date.now() < deadline) {
        if ((await once()) !== CATCHING_UP) break;
      }
      await reader?.close();
    },
  };
}
