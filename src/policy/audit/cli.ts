/**
 * `tenant-mcp audit verify FILE` and `tenant-mcp audit repair FILE`. Verify only reads. Repair changes the
 * file in one case only, a final line torn by a crash: the fragment is kept in a side file and cut off, so
 * the writer can continue. Anything else may be evidence of tampering and is left alone.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { type AuditVerification, verifyAuditLog } from './verify.js';

/** Where the CLI writes; `process.stdout` and `process.stderr` fit. */
export interface AuditCliIo {
  /** Results: one line per command. */
  stdout: { write(text: string): unknown };
  /** Usage and file errors. */
  stderr: { write(text: string): unknown };
}

const USAGE = `Usage: tenant-mcp audit verify FILE   check the hash chain; exit 0 intact, 1 names the first bad record
       tenant-mcp audit repair FILE   set aside a final line torn by a crash (changes nothing else)
`;

/** Reads a file's verification, or says on stderr why it cannot be read; `undefined` means exit 2. */
function verifyOrExplain(file: string, io: AuditCliIo): AuditVerification | undefined {
  try {
    return verifyAuditLog(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory, not a file' : String(error);
    io.stderr.write(`tenant-mcp audit: cannot read ${file}: ${why}\n`);
    return undefined;
  }
}

function summary(file: string, result: AuditVerification): string {
  if (result.ok) {
    return `${file}: ${result.records} records, chain intact; head ${result.head}\n`;
  }
  return `${file}: ${result.problem} (${result.records} records before it are intact)\n`;
}

/** Copies a torn final line to `FILE.torn-<time>` and cuts it off the log, flushing both. */
function repairTornTail(file: string, offset: number): string {
  const fd = openSync(file, 'r+');
  try {
    const fragment = Buffer.alloc(fstatSync(fd).size - offset);
    for (let done = 0; done < fragment.length; ) {
      const n = readSync(fd, fragment, done, fragment.length - done, offset + done);
      if (n === 0) throw new Error(`${file} shrank while being repaired`);
      done += n;
    }
    const aside = `${file}.torn-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    const asideFd = openSync(aside, 'wx', 0o600);
    try {
      writeSync(asideFd, fragment);
      fsyncSync(asideFd);
    } finally {
      closeSync(asideFd);
    }
    ftruncateSync(fd, offset);
    fsyncSync(fd);
    return aside;
  } finally {
    closeSync(fd);
  }
}

/**
 * Runs `tenant-mcp audit …`; `argv` holds the words after `audit`. Returns the exit code: 0 intact (or
 * repaired), 1 a broken chain (naming the first bad record), 2 a usage error or an unreadable file.
 */
export function runAuditCli(argv: readonly string[], io: AuditCliIo): number {
  const [command, file, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  if ((command !== 'verify' && command !== 'repair') || !file || rest.length > 0) {
    const what =
      command === undefined
        ? 'missing command'
        : command !== 'verify' && command !== 'repair'
          ? `unknown command "${command}"`
          : !file
            ? `${command} needs a FILE`
            : `unexpected argument "${rest[0]}"`;
    io.stderr.write(`tenant-mcp audit: ${what}\n${USAGE}`);
    return 2;
  }

  const result = verifyOrExplain(file, io);
  if (!result) return 2;
  if (command === 'verify') {
    io.stdout.write(summary(file, result));
    return result.ok ? 0 : 1;
  }
  if (result.ok) {
    io.stdout.write(`${file}: nothing to repair; ${result.records} records, chain intact\n`);
    return 0;
  }
  if (result.code !== 'torn_tail') {
    io.stdout.write(summary(file, result));
    io.stderr.write(
      'tenant-mcp audit: not repaired: only a torn final line is repaired; this may be tampering, so keep ' +
        'the file as evidence and move it aside to start a new log.\n',
    );
    return 1;
  }
  try {
    const aside = repairTornTail(file, result.offset);
    io.stdout.write(
      `${file}: set the torn line ${result.line} aside in ${aside}; ${result.records} records, chain intact\n`,
    );
    return 0;
  } catch (error) {
    io.stderr.write(`tenant-mcp audit: cannot repair ${file}: ${String(error)}\n`);
    return 2;
  }
}
