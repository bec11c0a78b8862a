/**
 * The merged view of several chains (`tenant-mcp audit tail`): every chain is read as a stream, oldest
 * rotated file first, and the streams are merged by the time each record was written
 * (`metadata.logged_time`), then replica, then seq. Memory holds one record per chain, whatever the files'
 * sizes. Each chain keeps its own seq order: a clock stepped back on one machine can put a record out of
 * time order in the view, never out of its chain's order.
 *
 * Records are untrusted here (this does not verify: `audit verify` does): a line that is not a record, one
 * longer than {@link MAX_LINE_BYTES}, or a last line a crash left torn is skipped and counted, and every
 * field shown as text is cut and stripped of control and direction characters.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { chainFields } from './chain.js';
import { LineSplitter, MAX_LINE_BYTES } from './lines.js';
import { rotatedFiles } from './paths.js';

/** One record of the merged view. */
export interface MergedRecord {
  /** `metadata.logged_time` (epoch ms), or the event's `time` when that is missing; 0 when neither is. */
  time: number;
  /** `unmapped.replica`, or `''` for records from before replica ids. */
  replica: string;
  /** `unmapped.seq`. */
  seq: number;
  /** The line exactly as in the file, without its newline. */
  line: Buffer;
  /** The parsed record. */
  record: Record<string, unknown>;
}

const CHUNK = 256 * 1024;

function recordTime(record: Record<string, unknown>): number {
  const metadata = record.metadata as { logged_time?: unknown } | undefined;
  const logged = typeof metadata === 'object' && metadata !== null ? metadata.logged_time : undefined;
  if (typeof logged === 'number' && Number.isSafeInteger(logged) && logged >= 0) return logged;
  const time = record.time;
  return typeof time === 'number' && Number.isSafeInteger(time) && time >= 0 ? time : 0;
}

/** The records of one chain in file order, with what was skipped said once at its end. */
function* readChain(chain: string, note: (line: string) => void): Generator<MergedRecord> {
  const skipped = { notRecords: 0, tooLong: 0 };
  for (const file of [...rotatedFiles(chain), chain]) {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (error) {
      // Retention may delete the oldest rotated file between listing and opening it.
      note(
        `${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone (rotated away while reading)' : String(error)}`,
      );
      continue;
    }
    try {
      const splitter = new LineSplitter(MAX_LINE_BYTES);
      const buffer = Buffer.alloc(CHUNK);
      for (let position = 0; ; ) {
        const n = readSync(fd, buffer, 0, CHUNK, position);
        if (n === 0) break;
        position += n;
        for (const line of splitter.push(buffer.subarray(0, n))) {
          if (line.tooLong) {
            skipped.tooLong++;
            continue;
          }
          let record: unknown;
          try {
            record = JSON.parse(line.bytes.toString('utf8'));
          } catch {
            record = undefined;
          }
          const fields = chainFields(record);
          if (typeof fields === 'string') {
            skipped.notRecords++;
            continue;
          }
          yield {
            time: recordTime(record as Record<string, unknown>),
            replica: fields.replica ?? '',
            seq: fields.seq,
            line: line.bytes,
            record: record as Record<string, unknown>,
          };
        }
      }
      const rest = splitter.end();
      if (rest) {
        note(
          `${file}: its last line has no newline (a write cut short by a crash, or one in progress); not shown`,
        );
      }
    } finally {
      closeSync(fd);
    }
  }
  if (skipped.notRecords > 0) {
    note(
      `${chain}: ${skipped.notRecords} line(s) that are not audit records skipped; run tenant-mcp audit verify`,
    );
  }
  if (skipped.tooLong > 0) {
    note(
      `${chain}: ${skipped.tooLong} line(s) longer than ${MAX_LINE_BYTES} bytes skipped; run tenant-mcp audit verify`,
    );
  }
}

/** Whether `a` comes before `b`: time, then replica, then seq. */
function before(a: MergedRecord, b: MergedRecord): boolean {
  if (a.time !== b.time) return a.time < b.time;
  if (a.replica !== b.replica) return a.replica < b.replica;
  return a.seq < b.seq;
}

/**
 * The records of every chain, merged (see the module). `note` hears what was skipped, as sentences naming
 * the file.
 */
export function* mergeChains(
  chains: readonly string[],
  note: (line: string) => void,
): Generator<MergedRecord> {
  const streams = chains.map((chain) => readChain(chain, note));
  const heads: Array<MergedRecord | undefined> = streams.map((stream) => stream.next().value ?? undefined);
  for (;;) {
    let pick = -1;
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i];
      if (head && (pick === -1 || before(head, heads[pick]!))) pick = i;
    }
    if (pick === -1) return;
    const chosen = heads[pick]!;
    heads[pick] = streams[pick]!.next().value ?? undefined;
    yield chosen;
  }
}

/** Characters never shown raw: C0 and C1 controls, DEL, line separators and direction overrides. */
function unsafe(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x061c ||
    code === 0x200e ||
    code === 0x200f ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

/** A field of an untrusted record as text for a terminal: cut to `max` characters, unsafe ones escaped. */
export function cleanText(value: unknown, max = 120): string {
  if (value === undefined || value === null) return '-';
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : '?';
  if (text === '') return '""';
  // Bounded before splitting into characters: a record's string may be megabytes long.
  const chars = Array.from(text.slice(0, max * 2));
  let out = '';
  for (const char of chars.slice(0, max)) {
    const code = char.codePointAt(0)!;
    out += unsafe(code) ? `\\u{${code.toString(16)}}` : char;
  }
  return chars.length > max || text.length > max * 2 ? `${out}…` : out;
}

function field(record: Record<string, unknown>, object: string, key: string): unknown {
  const parent = record[object];
  return typeof parent === 'object' && parent !== null && !Array.isArray(parent)
    ? (parent as Record<string, unknown>)[key]
    : undefined;
}

/** One line of text for a person: time, replica, seq, decision, operation, tenant, principal, reason. */
export function formatRecord(entry: MergedRecord): string {
  const { record } = entry;
  const time = entry.time > 0 && entry.time < 8.64e15 ? new Date(entry.time).toISOString() : '-';
  const actor = field(record, 'actor', 'session');
  const principal =
    typeof actor === 'object' && actor !== null ? (actor as Record<string, unknown>).uid : undefined;
  return [
    time,
    entry.replica || '-',
    `#${entry.seq}`,
    cleanText(field(record, 'unmapped', 'decision'), 16),
    cleanText(field(record, 'api', 'operation'), 80),
    `tenant=${cleanText(field(record, 'metadata', 'tenant_uid'), 64)}`,
    ...(principal === undefined ? [] : [`principal=${cleanText(principal, 64)}`]),
    cleanText(record.status_detail, 160),
  ].join(' ');
}
