/**
 * The two hashes that make the log tamper-evident. Each line carries `unmapped.prev_hash`, the SHA-256 of
 * the previous line's bytes (without its newline), so removing, reordering or editing a record breaks the
 * next one; and `unmapped.hash`, the SHA-256 of its own line with that field emptied, so an edit of the
 * last record, which has no successor yet, shows too. Both work on exact bytes, never on re-serialised
 * JSON, so verification does not depend on how a JSON library orders keys or spells numbers.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { isReplicaId } from './replica.js';

/** `prev_hash` of the first record of a file: nothing came before it. */
export const GENESIS_HASH = '0'.repeat(64);

/** How a sealed line ends: `hash` is the last field of `unmapped`, and `unmapped` the last of the record. */
const SEAL_PREFIX = Buffer.from(',"hash":"');
const SEAL_SUFFIX = Buffer.from('"}}');
const UNSEALED_TAIL = Buffer.from(',"hash":""}}');
const SEAL_LENGTH = SEAL_PREFIX.length + 64 + SEAL_SUFFIX.length;
const HEX = /^[0-9a-f]{64}$/;

/** Hex SHA-256 of `data`. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A keyed line ends `,"mac":"<64 hex>","hash":"<64 hex>"}}`; the MAC covers the line with both emptied. */
const MAC_PREFIX = Buffer.from(',"mac":"');
const MAC_MIDDLE = Buffer.from('","hash":"');
const UNMACED_TAIL = ',"mac":"","hash":""}}';
const MAC_SEAL_LENGTH = MAC_PREFIX.length + 64 + MAC_MIDDLE.length + 64 + SEAL_SUFFIX.length;

/**
 * Serialises `record` as one line (no newline) whose `unmapped.hash` covers every other byte of it, and,
 * with `macKey`, whose `unmapped.mac` is an HMAC-SHA256 under that key of the line with mac and hash
 * empty. `record.unmapped` must be the record's last key; `mac` and `hash` are appended last here.
 */
export function sealRecord(record: { unmapped: Record<string, unknown> }, macKey?: Buffer): string {
  delete record.unmapped.mac;
  delete record.unmapped.hash;
  if (macKey) record.unmapped.mac = '';
  record.unmapped.hash = '';
  const unsealed = JSON.stringify(record);
  const tail = macKey ? UNMACED_TAIL : UNSEALED_TAIL.toString();
  if (!unsealed.endsWith(tail)) {
    throw new Error('audit record: unmapped must be the last key and hash its last field');
  }
  let body = unsealed.slice(0, -UNSEALED_TAIL.length);
  if (macKey) {
    const mac = createHmac('sha256', macKey).update(unsealed).digest('hex');
    record.unmapped.mac = mac;
    body = `${unsealed.slice(0, -UNMACED_TAIL.length)}${MAC_PREFIX.toString()}${mac}"`;
  }
  const hash = sha256Hex(`${body}${UNSEALED_TAIL.toString()}`);
  record.unmapped.hash = hash;
  return `${body}${SEAL_PREFIX.toString()}${hash}${SEAL_SUFFIX.toString()}`;
}

/** Whether a line carries a MAC field where a keyed line does. */
export function hasMac(line: Buffer): boolean {
  if (line.length < MAC_SEAL_LENGTH) return false;
  const start = line.length - MAC_SEAL_LENGTH;
  return line.subarray(start, start + MAC_PREFIX.length).equals(MAC_PREFIX);
}

/** Whether a keyed line's MAC is right under `key`: `missing` when the line carries none. */
export function checkMac(line: Buffer, key: Buffer): 'ok' | 'missing' | 'mismatch' {
  if (!hasMac(line)) return 'missing';
  const start = line.length - MAC_SEAL_LENGTH;
  const claimed = line.subarray(start + MAC_PREFIX.length, start + MAC_PREFIX.length + 64).toString();
  if (!HEX.test(claimed)) return 'missing';
  const actual = createHmac('sha256', key).update(line.subarray(0, start)).update(UNMACED_TAIL).digest();
  return timingSafeEqual(actual, Buffer.from(claimed, 'hex')) ? 'ok' : 'mismatch';
}

/** Whether a line's own hash is present and matches its bytes: `missing` when the line has no seal. */
export function checkSeal(line: Buffer): 'ok' | 'missing' | 'mismatch' {
  if (line.length < SEAL_LENGTH) return 'missing';
  const start = line.length - SEAL_LENGTH;
  const prefix = line.subarray(start, start + SEAL_PREFIX.length);
  const suffix = line.subarray(line.length - SEAL_SUFFIX.length);
  const claimed = line.subarray(start + SEAL_PREFIX.length, line.length - SEAL_SUFFIX.length).toString();
  if (!prefix.equals(SEAL_PREFIX) || !suffix.equals(SEAL_SUFFIX) || !HEX.test(claimed)) return 'missing';
  const actual = createHash('sha256').update(line.subarray(0, start)).update(UNSEALED_TAIL).digest('hex');
  return actual === claimed ? 'ok' : 'mismatch';
}

/** What a record says about its place in a chain. */
export interface ChainFields {
  /** `unmapped.seq`. */
  seq: number;
  /** `unmapped.prev_hash`. */
  prevHash: string;
  /** `unmapped.replica`; absent in records written before replicas had ids. */
  replica?: string;
}

/** The chain fields of a parsed line, or a sentence saying which is missing or malformed. */
export function chainFields(record: unknown): ChainFields | string {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return 'not a JSON object';
  const unmapped = (record as { unmapped?: unknown }).unmapped;
  if (typeof unmapped !== 'object' || unmapped === null) return 'no unmapped object';
  const {
    seq,
    prev_hash: prevHash,
    replica,
  } = unmapped as {
    seq?: unknown;
    prev_hash?: unknown;
    replica?: unknown;
  };
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return 'no unmapped.seq';
  if (typeof prevHash !== 'string' || !HEX.test(prevHash)) return 'no unmapped.prev_hash';
  if (replica === undefined) return { seq, prevHash };
  if (!isReplicaId(replica)) return 'unmapped.replica is not a replica id';
  return { seq, prevHash, replica: replica as string };
}
