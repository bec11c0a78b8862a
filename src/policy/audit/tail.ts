/**
 * Reading an audit file without loading it: the last line (to continue the chain on open, whatever the
 * file's size) and a line count (only to name a line in an error).
 */
import type * as nodeFs from 'node:fs';

/** The file-system calls the audit trail makes; tests pass a failing one to prove the log fails closed. */
export type AuditFs = Pick<
  typeof nodeFs,
  'openSync' | 'closeSync' | 'readSync' | 'writeSync' | 'fsyncSync' | 'fstatSync' | 'mkdirSync'
> &
  Partial<Pick<typeof nodeFs, 'fsync'>>;

const NEWLINE = 0x0a;
const FIRST_CHUNK = 64 * 1024;
const MAX_CHUNK = 8 * 1024 * 1024;

/** Reads exactly `buffer.length` bytes at `position`; a short file is an error, not a short answer. */
function readFully(fs: AuditFs, fd: number, buffer: Buffer, position: number): void {
  let done = 0;
  while (done < buffer.length) {
    const n = fs.readSync(fd, buffer, done, buffer.length - done, position + done);
    if (n === 0) throw new Error(`unexpected end of file at byte ${position + done}`);
    done += n;
  }
}

/** The file's last line, without its newline, and whether it has one (a line without one is torn). */
export function readLastLine(
  fs: AuditFs,
  fd: number,
  size: number,
): { line: Buffer; start: number; terminated: boolean } {
  const last = Buffer.alloc(1);
  readFully(fs, fd, last, size - 1);
  const terminated = last[0] === NEWLINE;
  let pos = terminated ? size - 1 : size;
  const chunks: Buffer[] = [];
  // Read backwards in growing chunks: a record is a few hundred bytes, but one with large arguments may
  // run to hundreds of kilobytes, and this must not read the whole file either way.
  for (let chunkSize = FIRST_CHUNK; pos > 0; chunkSize = Math.min(chunkSize * 2, MAX_CHUNK)) {
    const length = Math.min(chunkSize, pos);
    const buffer = Buffer.alloc(length);
    readFully(fs, fd, buffer, pos - length);
    const newline = buffer.lastIndexOf(NEWLINE);
    if (newline >= 0) {
      chunks.unshift(buffer.subarray(newline + 1));
      return { line: Buffer.concat(chunks), start: pos - length + newline + 1, terminated };
    }
    chunks.unshift(buffer);
    pos -= length;
  }
  return { line: Buffer.concat(chunks), start: 0, terminated };
}

/** How many newline bytes the first `size` bytes of the file hold. */
export function countNewlines(fs: AuditFs, fd: number, size: number): number {
  const buffer = Buffer.alloc(Math.min(size, MAX_CHUNK));
  let count = 0;
  for (let pos = 0; pos < size; ) {
    const n = fs.readSync(fd, buffer, 0, Math.min(buffer.length, size - pos), pos);
    if (n === 0) break;
    for (let i = buffer.indexOf(NEWLINE); i !== -1 && i < n; i = buffer.indexOf(NEWLINE, i + 1)) count++;
    pos += n;
  }
  return count;
}

/** The file's first line, without its newline (a record may be long: read forward until the newline). */
export function readFirstLine(fs: AuditFs, fd: number, size: number): Buffer {
  const chunks: Buffer[] = [];
  for (let pos = 0, chunkSize = FIRST_CHUNK; pos < size; chunkSize = Math.min(chunkSize * 2, MAX_CHUNK)) {
    const buffer = Buffer.alloc(Math.min(chunkSize, size - pos));
    readFully(fs, fd, buffer, pos);
    const newline = buffer.indexOf(NEWLINE);
    if (newline >= 0) {
      chunks.push(buffer.subarray(0, newline));
      break;
    }
    chunks.push(buffer);
    pos += buffer.length;
  }
  return Buffer.concat(chunks);
}
