/**
 * Forward-secure keys for the audit trail (Schneier–Kelsey, as RFC 5848 signs syslog): record `i` carries
 * a MAC under key_i, then key_{i+1} = H(key_i) and key_i is overwritten. Whoever takes the machine at
 * record t holds key_t and can forge from t on, but cannot recompute the MAC of any earlier record,
 * because H cannot be run backwards. The operator keeps the first key away from the machine
 * (`tenant-mcp audit init` prints it once) and `audit verify --key` checks every MAC with it.
 *
 * The current key lives beside the log in `<log>.key` (0600), overwritten in place after the records it
 * follows are on disk, so it can lag behind the log after a crash (the writer evolves it forward) but
 * never run ahead of it; a key file ahead of its log means records were cut off.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import * as nodeFs from 'node:fs';

/** How an initial key is written out: `tmak1-<first seq>-<64 hex digits>`. */
export const KEY_PREFIX = 'tmak1';

/** The key of one record and where it applies. */
export interface KeyState {
  /** The record (by `unmapped.seq`) this key signs. */
  seq: number;
  /** 32 bytes. */
  key: Buffer;
}

/** The key that follows `key`: one-way, so an old key cannot be rebuilt from a newer one. */
export function evolveKey(key: Buffer): Buffer {
  return createHmac('sha256', key).update('tenant-mcp audit key evolve').digest();
}

/** The key of record `seq`, from a key of an earlier (or the same) record. */
export function keyAt(from: KeyState, seq: number): Buffer {
  if (seq < from.seq) throw new Error(`cannot go back from the key of seq ${from.seq} to seq ${seq}`);
  let key = from.key;
  for (let at = from.seq; at < seq; at++) key = evolveKey(key);
  return key;
}

/** A fresh first key for records from `seq` on. */
export function newKey(seq: number): KeyState {
  return { seq, key: randomBytes(32) };
}

/** The printable form of an initial key, as `audit init` shows it and `audit verify --key` reads it. */
export function formatKey(state: KeyState): string {
  return `${KEY_PREFIX}-${state.seq}-${state.key.toString('hex')}`;
}

/** Reads a key printed by {@link formatKey}; throws a sentence naming what is wrong. */
export function parseKey(text: string): KeyState {
  const match = /^tmak1-(\d{1,15})-([0-9a-f]{64})$/.exec(text.trim());
  if (!match)
    throw new Error(
      'the key must look like tmak1-<seq>-<64 hex digits>, as `tenant-mcp audit init` printed it',
    );
  return { seq: Number(match[1]), key: Buffer.from(match[2]!, 'hex') };
}

/** Whether two keys are equal, in constant time. */
export function sameKey(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Where the current key of the log at `auditPath` lives. */
export function keyFilePath(auditPath: string): string {
  return `${auditPath}.key`;
}

/** Every write of the key file is this long, so an overwrite replaces the old key's bytes whole. */
const RECORD_BYTES = 128;

function encode(state: KeyState): Buffer {
  const text = JSON.stringify({ v: 1, seq: state.seq, key: state.key.toString('hex') });
  return Buffer.from(`${text.padEnd(RECORD_BYTES - 1, ' ')}\n`);
}

/** Reads a key file; `undefined` when there is none, a thrown sentence when it is not one. */
export function readKeyFile(
  path: string,
  fs: Pick<typeof nodeFs, 'readFileSync'> = nodeFs,
): KeyState | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let parsed: { v?: unknown; seq?: unknown; key?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    throw new Error(`${path} is not an audit key file (not JSON)`);
  }
  if (
    parsed.v !== 1 ||
    typeof parsed.seq !== 'number' ||
    !Number.isSafeInteger(parsed.seq) ||
    parsed.seq < 0 ||
    typeof parsed.key !== 'string' ||
    !/^[0-9a-f]{64}$/.test(parsed.key)
  ) {
    throw new Error(`${path} is not an audit key file (expected v, seq and a 64-digit hex key)`);
  }
  return { seq: parsed.seq, key: Buffer.from(parsed.key, 'hex') };
}

/** Creates a key file (it must not exist), 0600, flushed. */
export function createKeyFile(path: string, state: KeyState): void {
  const fd = nodeFs.openSync(path, 'wx', 0o600);
  try {
    nodeFs.writeSync(fd, encode(state), 0, RECORD_BYTES, 0);
    nodeFs.fsyncSync(fd);
  } finally {
    nodeFs.closeSync(fd);
  }
}

/** An open key file the writer overwrites in place. */
export interface KeyFile {
  /** Overwrites the stored key; flushed in the background (a lagging key is safe, see the module). */
  write(state: KeyState): void;
  /** Closes it. */
  close(): void;
}

/** Opens an existing key file for overwriting. */
export function openKeyFile(path: string): KeyFile {
  const fd = nodeFs.openSync(path, 'r+');
  let open = true;
  return {
    write(state) {
      if (!open) return;
      nodeFs.writeSync(fd, encode(state), 0, RECORD_BYTES, 0);
      nodeFs.fsync(fd, () => {});
    },
    close() {
      if (!open) return;
      open = false;
      nodeFs.closeSync(fd);
    },
  };
}
