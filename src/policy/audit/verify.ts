/**
 * `verifyAuditLog` walks the whole chain and names the first record that breaks it. A final line without
 * its newline is reported as `torn_tail`, apart from every form of tampering: the writer ends each record
 * with a newline in the same `write` and returns only after fsync, so a line without one is a write a crash
 * cut short, whose call never proceeded. Every complete line must carry its own matching hash and the
 * previous line's hash, so an edited, removed or reordered record cannot pass for a torn one.
 *
 * Rotated files (`<log>.<first seq>`) are walked first, oldest to newest, as one chain. A chain belongs to
 * one replica: a record naming another (or none, after records that name one) is `foreign`.
 *
 * Limits of the unkeyed chain: someone who rewrites every record after an edit, or cuts whole records off
 * the end, leaves a valid chain. Two checks close that: with the first key (`--key`, from `audit init`)
 * every record's forward-secure MAC is checked, so a rewrite needs keys that were erased before it; and
 * the key file beside the log, which only moves forward, says how far the log went, so a cut-off end
 * shows. What neither catches is a log and key file deleted together, or the newest records cut by
 * someone who also rewinds nothing (the key file cannot be rewound): compare the head with an anchor kept
 * elsewhere (`TENANT_MCP_AUDIT_ANCHOR_URL`).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { chainFields, checkMac, checkSeal, GENESIS_HASH, hasMac, sha256Hex } from './chain.js';
import { type KeyState, keyAt, keyFilePath, readKeyFile, sameKey } from './keys.js';
import { type Line, LineSplitter, MAX_LINE_BYTES } from './lines.js';
import { rotatedFiles } from './paths.js';
import { MAX_KEY_GAP } from './writer.js';

/** Stable codes of what {@link verifyAuditLog} found. */
export type AuditProblemCode =
  | 'torn_tail' // the last line has no newline: a crash cut a write short (not tampering)
  | 'not_json' // a complete line that is not JSON
  | 'not_a_record' // JSON without the chain fields
  | 'edited' // a record's bytes no longer match its own hash or the next record's prev_hash
  | 'removed' // a gap in seq, or a first record that is not seq 0
  | 'reordered' // a seq out of order
  | 'forked' // two records follow the same one: two writers appended at the same instant
  | 'foreign' // a record of another replica in this one's chain: two replicas wrote one file
  | 'mac_missing' // a record the key should have signed carries no MAC
  | 'mac_mismatch' // a record's MAC is wrong under the key: rewritten by someone without the erased key
  | 'truncated' // the key file went further than the log: records were cut off the end
  | 'key_mismatch'; // the key file does not descend from the first key: replaced

/** What {@link verifyAuditLog} found. */
export type AuditVerification =
  | {
      /** The chain is intact. */
      ok: true;
      /** How many records the file holds. */
      records: number;
      /** SHA-256 of the last line (the genesis value for an empty file): note it to detect later cuts. */
      head: string;
      /** The replica whose chain it is, when its records name one. */
      replica?: string;
      /** How many files the chain spans, when rotated files were walked too. */
      files?: number;
      /** With a key: the first seq it signs and how many MACs were checked. */
      keyed?: { from: number; checked: number };
      /** What was not checked, or what a person should know. */
      notes?: string[];
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
      /** The file the bad line is in. */
      file?: string;
      /** The replica the records before it name, if any. */
      replica?: string;
    };

/** Options of {@link verifyAuditLog}. */
export interface VerifyOptions {
  /** The first key (`audit init`): every record from its seq on must carry a MAC that checks. */
  key?: KeyState;
  /** Walk the rotated files before `path` (default true). */
  rotated?: boolean;
}

/** What carries over from one file of the chain to the next. */
interface ChainState {
  prev: { seq: number; prevHash: string; hash: string; offset: number } | undefined;
  records: number;
  macs: number;
  checked: number;
  cursor: KeyState | undefined;
  replica: string | undefined;
}

/**
 * The file's lines, read in chunks so a large log is never held in memory at once, and each line bounded
 * (a line past {@link MAX_LINE_BYTES} comes out empty, so it fails as a record instead of filling memory).
 */
function* readLines(fd: number): Generator<Line> {
  const chunk = Buffer.alloc(1024 * 1024);
  const splitter = new LineSplitter();
  for (let pos = 0; ; ) {
    const n = readSync(fd, chunk, 0, chunk.length, pos);
    if (n === 0) break;
    yield* splitter.push(chunk.subarray(0, n));
    pos += n;
  }
  const rest = splitter.end();
  if (rest) yield rest;
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
 * Recomputes the chain of the audit log at `path` (after its rotated files) and returns the first bad
 * record, or the record count and head when it is intact. Throws when the file cannot be read.
 */
export function verifyAuditLog(path: string, options: VerifyOptions = {}): AuditVerification {
  const files = options.rotated === false ? [path] : [...rotatedFiles(path), path];
  const state: ChainState = {
    prev: undefined,
    records: 0,
    macs: 0,
    checked: 0,
    cursor: options.key,
    replica: undefined,
  };
  const notes: string[] = [];
  for (const [index, file] of files.entries()) {
    const fd = openSync(file, 'r');
    try {
      const result = verifyLines(readLines(fd), state, {
        first: index === 0,
        rotated: file !== path,
        options,
      });
      if (result) return { ...result, file, ...(state.replica ? { replica: state.replica } : {}) };
    } finally {
      closeSync(fd);
    }
  }
  if (state.prev && files.length > 1 && state.records > 0) {
    // A first rotated file that does not start at seq 0: older files were deleted (retention), or removed.
    const firstSeq = state.prev.seq - state.records + 1;
    if (firstSeq > 0)
      notes.push(
        `the chain starts at seq ${firstSeq}: older rotated files are gone (retention keeps the newest)`,
      );
  }
  const last = state.prev?.seq ?? -1;
  const fail = (code: AuditProblemCode, problem: string): AuditVerification => ({
    ok: false,
    records: state.records,
    line: 0,
    offset: 0,
    code,
    problem,
    file: keyFilePath(path),
    ...(state.replica ? { replica: state.replica } : {}),
  });
  let stored: KeyState | undefined;
  try {
    stored = readKeyFile(keyFilePath(path));
  } catch (error) {
    return fail('key_mismatch', `the key file ${keyFilePath(path)} is not one (${(error as Error).message})`);
  }
  if (stored && stored.seq > last + 1) {
    return fail(
      'truncated',
      `the key file says the log reached seq ${stored.seq - 1}, but it ends at seq ${last}: ` +
        `${stored.seq - 1 - last} record(s) were cut off the end`,
    );
  }
  if (
    stored &&
    options.key &&
    stored.seq >= options.key.seq &&
    !sameKey(keyAt(options.key, stored.seq), stored.key)
  ) {
    return fail('key_mismatch', `the key file does not descend from the given first key: it was replaced`);
  }
  if (options.key && !stored) {
    notes.push(
      'no key file beside the log: records cut off its end cannot be told from here; compare the head with an anchor',
    );
  }
  if (!options.key && state.macs > 0) {
    notes.push(
      `${state.macs} record(s) carry forward-secure MACs; pass --key (from audit init) to check them`,
    );
  }
  return {
    ok: true,
    records: state.records,
    head: state.prev?.hash ?? GENESIS_HASH,
    ...(state.replica ? { replica: state.replica } : {}),
    ...(files.length > 1 ? { files: files.length } : {}),
    ...(options.key ? { keyed: { from: options.key.seq, checked: state.checked } } : {}),
    ...(notes.length ? { notes } : {}),
  };
}

/** Walks one file's lines on from `state`; the first bad record, or `undefined` when all are sound. */
function verifyLines(
  lines: Generator<Line>,
  state: ChainState,
  where: { first: boolean; rotated: boolean; options: VerifyOptions },
): Extract<AuditVerification, { ok: false }> | undefined {
  let lineNo = 0;
  for (let next = lines.next(); !next.done; next = lines.next()) {
    const line = next.value;
    lineNo++;
    const at = lineNo;
    const records = state.records;
    const prev = state.prev;
    const fail = (code: AuditProblemCode, problem: string): Extract<AuditVerification, { ok: false }> => ({
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
      return fail(
        'not_json',
        line.tooLong
          ? `is longer than ${MAX_LINE_BYTES / 1024 / 1024} MiB, which no record the writer makes is`
          : line.bytes.length === 0
            ? 'is empty'
            : 'is not JSON',
      );
    }
    const fields = chainFields(parsed);
    if (typeof fields === 'string') return fail('not_a_record', `is not an audit record (${fields})`);
    const seal = checkSeal(line.bytes);
    if (seal === 'missing') return fail('edited', 'has no unmapped.hash as its last field');
    if (seal === 'mismatch')
      return fail('edited', 'was edited after it was written: it does not match its unmapped.hash');

    if (prev === undefined) {
      // The oldest rotated file may start later: the files before it were rotated away.
      const rotatedStart = where.first && where.rotated;
      if (!rotatedStart && (fields.seq !== 0 || fields.prevHash !== GENESIS_HASH)) {
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
          problem:
            at > 1
              ? `line ${at - 1} was changed or replaced after it was written: line ${at} holds a different prev_hash for it`
              : `line ${at} does not follow the last record of the previous file: one of them was replaced`,
        };
      }
    }
    if (state.replica !== undefined && fields.replica !== state.replica) {
      return fail(
        'foreign',
        fields.replica === undefined
          ? `(seq ${fields.seq}) names no replica, in the chain of replica "${state.replica}": written by another server or an older version sharing the file`
          : `(seq ${fields.seq}) was written by replica "${fields.replica}" in the chain of replica "${state.replica}": two replicas appended to one file`,
      );
    }
    const signed = hasMac(line.bytes);
    if (signed) state.macs++;
    const key = state.cursor;
    if (key && fields.seq >= key.seq) {
      if (fields.seq - key.seq > MAX_KEY_GAP)
        return fail(
          'mac_mismatch',
          `(seq ${fields.seq}) is too far from the key's first seq ${key.seq} to be signed by it`,
        );
      if (!signed)
        return fail(
          'mac_missing',
          `(seq ${fields.seq}) carries no MAC although the key signs every record from seq ${key.seq}`,
        );
      state.cursor = { seq: fields.seq, key: keyAt(key, fields.seq) };
      if (checkMac(line.bytes, state.cursor.key) !== 'ok') {
        return fail(
          'mac_mismatch',
          `(seq ${fields.seq}) has a MAC that the key does not give: the record was rewritten by someone without the key it was signed with`,
        );
      }
      state.checked++;
    }
    state.records++;
    state.replica = fields.replica ?? state.replica;
    state.prev = {
      seq: fields.seq,
      prevHash: fields.prevHash,
      hash: sha256Hex(line.bytes),
      offset: line.offset,
    };
  }
  return undefined;
}
