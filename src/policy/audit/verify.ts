/**
 * `verifyAuditLog` walks the whole chain and names the first record that breaks it. A final line without
 * its newline is reported as `torn_tail`, apart from every form of tampering: the writer ends each record
 * with a newline in the same `write` and returns only after fsync, so a line without one is a write a crash
 * cut short, whose call never proceeded. Every complete line must carry its own matching hash and the
 * previous line's hash, so an edited, removed or reordered record cannot pass for a torn one.
 *
 * Limits, by design of an unkeyed chain: someone who rewrites every record after an edit, or cuts whole
 * records off the end, leaves a valid chain. Compare the head this reports with one kept elsewhere (the
 * SIEM's copy) to catch that.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { chainFields, checkSeal, GENESIS_HASH, sha256Hex } from './chain.js';

/** Stable codes of what {@link verifyAuditLog} found. */
export type AuditProblemCode =
  | 'torn_tail' // the last line has no newline: a crash cut a write short (not tampering)
  | 'not_json' // a complete line that is not JSON
  | 'not_a_record' // JSON without the chain fields
  | 'edited' // a record's bytes no longer match its own hash or the next record's prev_hash
  | 'removed' // a gap in seq, or a first record that is not seq 0
  | 'reordered' // a seq out of order
  | 'forked'; // two records follow the same one: two writers appended at the same instant

/** What {@link verifyAuditLog} found. */
export type AuditVerification =
  | {
      /** The chain is intact. */
      ok: true;
      /** How many records the file holds. */
      records: number;
      /** SHA-256 of the last line (the genesis value for an empty file): note it to detect later cuts. */
      head: string;
    }
  | {
      /** The chain is broken or the last write was torn. */
      ok: false;
      /** How many records before the bad one are intact. */
      records: number;
      /** 1-based line number of the first bad record. */
      line: number;
      /** Byte offset where that line starts. */
      offset: number;
      /** What is wrong, as a stable code. */
      code: AuditProblemCode;
      /** What is wrong, in a sentence naming the line. */
      problem: string;
    };

interface Line {
  bytes: Buffer;
  offset: number;
  terminated: boolean;
}

/** The file's lines, read in chunks so a large log is never held in memory at once. */
function* readLines(fd: number): Generator<Line> {
  const chunk = Buffer.alloc(1024 * 1024);
  let pending: Buffer[] = [];
  let pendingStart = 0;
  for (let pos = 0; ; ) {
    const n = readSync(fd, chunk, 0, chunk.length, pos);
    if (n === 0) break;
    const data = chunk.subarray(0, n);
    let from = 0;
    for (let newline = data.indexOf(0x0a); newline !== -1; newline = data.indexOf(0x0a, from)) {
      const piece = data.subarray(from, newline);
      yield { bytes: Buffer.concat([...pending, piece]), offset: pendingStart, terminated: true };
      pending = [];
      pendingStart = pos + newline + 1;
      from = newline + 1;
    }
    if (from < n) pending.push(Buffer.from(data.subarray(from)));
    pos += n;
  }
  if (pending.length > 0) yield { bytes: Buffer.concat(pending), offset: pendingStart, terminated: false };
}

/** The line number at which `seq` appears among the remaining lines, if it does. */
function findSeq(lines: Iterator<Line>, fromLine: number, seq: number): number | undefined {
  let lineNo = fromLine;
  for (let next = lines.next(); !next.done; next = lines.next()) {
    lineNo++;
    try {
      const fields = chainFields(JSON.parse(next.value.bytes.toString('utf8')));
      if (typeof fields !== 'string' && fields.seq === seq) return lineNo;
    } catch {
      // A broken line further on does not matter here: we only look for the missing seq.
    }
  }
  return undefined;
}

/**
 * Recomputes the chain of the audit log at `path` and returns the first bad record, or the record count
 * and head when it is intact. Throws when the file cannot be read (missing, a directory).
 */
export function verifyAuditLog(path: string): AuditVerification {
  const fd = openSync(path, 'r');
  try {
    return verifyLines(readLines(fd));
  } finally {
    closeSync(fd);
  }
}

function verifyLines(lines: Generator<Line>): AuditVerification {
  let prev: { seq: number; prevHash: string; hash: string; offset: number } | undefined;
  let records = 0;
  let lineNo = 0;
  for (let next = lines.next(); !next.done; next = lines.next()) {
    const line = next.value;
    lineNo++;
    const at = lineNo;
    const fail = (code: AuditProblemCode, problem: string): AuditVerification => ({
      ok: false,
      records,
      line: at,
      offset: line.offset,
      code,
      problem: `line ${at} ${problem}`,
    });
    if (!line.terminated) {
      return fail(
        'torn_tail',
        'is incomplete (no newline at the end): a write cut short by a crash; its append never returned, so ' +
          'the call it describes did not proceed. Every record before it is intact.',
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(line.bytes.toString('utf8'));
    } catch {
      return fail('not_json', line.bytes.length === 0 ? 'is empty' : 'is not JSON');
    }
    const fields = chainFields(parsed);
    if (typeof fields === 'string') return fail('not_a_record', `is not an audit record (${fields})`);
    const seal = checkSeal(line.bytes);
    if (seal === 'missing') return fail('edited', 'has no unmapped.hash as its last field');
    if (seal === 'mismatch')
      return fail('edited', 'was edited after it was written: it does not match its unmapped.hash');

    if (prev === undefined) {
      if (fields.seq !== 0 || fields.prevHash !== GENESIS_HASH) {
        return fail(
          'removed',
          `has seq ${fields.seq} but is the first line: the records before it were removed`,
        );
      }
    } else {
      const expected = prev.seq + 1;
      if (fields.seq === prev.seq && fields.prevHash === prev.prevHash) {
        return fail(
          'forked',
          `and line ${at - 1} both follow ${prev.seq === 0 ? 'the start of the file' : `seq ${prev.seq - 1}`}: ` +
            'two writers appended at the same instant (not ' +
            'tampering, but the order between them is not proven)',
        );
      }
      if (fields.seq > expected) {
        const found = findSeq(lines, at, expected);
        return found === undefined
          ? fail(
              'removed',
              `has seq ${fields.seq} where ${expected} was expected: ${fields.seq - expected} record(s) before it were removed`,
            )
          : fail(
              'reordered',
              `has seq ${fields.seq} where ${expected} was expected; seq ${expected} is on line ${found}: records were reordered`,
            );
      }
      if (fields.seq < expected) {
        return fail(
          'reordered',
          `has seq ${fields.seq} after seq ${prev.seq}: a record out of order or copied`,
        );
      }
      if (fields.prevHash !== prev.hash) {
        // The previous line carried a valid hash of its own, so it was rewritten whole: name it, not this one.
        return {
          ok: false,
          records: records - 1,
          line: at - 1,
          offset: prev.offset,
          code: 'edited',
          problem: `line ${at - 1} was changed or replaced after it was written: line ${at} holds a different prev_hash for it`,
        };
      }
    }
    records++;
    prev = { ...fields, hash: sha256Hex(line.bytes), offset: line.offset };
  }
  return { ok: true, records, head: prev?.hash ?? GENESIS_HASH };
}
