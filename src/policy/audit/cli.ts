/**
 * `tenant-mcp audit …`, the operator's commands for the trail:
 *
 * - `init [FILE]` gives the log a forward-secure key: the first key is printed once, to be kept away from
 *   this machine; from then on every record carries a MAC (restart the server so it picks the key up).
 * - `verify [FILE] [--key KEY]` walks the chain (rotated files too), checks the key file has not gone
 *   further than the log, and with the first key every MAC.
 * - `repair [FILE]` changes the file in one case only, a final line torn by a crash: the fragment is kept
 *   in a side file and cut off, so the writer can continue. Anything else may be evidence of tampering and
 *   is left alone.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createKeyFile, formatKey, keyFilePath, newKey, parseKey, readKeyFile } from './keys.js';
import { type AuditVerification, verifyAuditLog } from './verify.js';
import { openAuditLog } from './writer.js';

/** Where the CLI writes; `process.stdout` and `process.stderr` fit. */
export interface AuditCliIo {
  /** Results: one line per command. */
  stdout: { write(text: string): unknown };
  /** Usage and file errors. */
  stderr: { write(text: string): unknown };
}

const USAGE = `Usage: tenant-mcp audit init [FILE]                 give the log a forward-secure key (prints the first key once)
       tenant-mcp audit verify [FILE] [--key KEY]   check the chain (and, with the first key, every MAC);
                                                    exit 0 intact, 1 names the first bad record
       tenant-mcp audit repair [FILE]               set aside a final line torn by a crash (changes nothing else)
FILE defaults to the server's trail (TENANT_MCP_AUDIT_LOG, or audit.jsonl in TENANT_MCP_STATE_DIR).
`;

/** Reads a file's verification, or says on stderr why it cannot be read; `undefined` means exit 2. */
function verifyOrExplain(
  file: string,
  io: AuditCliIo,
  options: Parameters<typeof verifyAuditLog>[1],
): AuditVerification | undefined {
  try {
    return verifyAuditLog(file, options);
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
    const files = result.files ? ` in ${result.files} files` : '';
    const keyed = result.keyed ? `; ${result.keyed.checked} MACs checked from seq ${result.keyed.from}` : '';
    const notes = result.notes?.length ? `\n${result.notes.map((note) => `  note: ${note}`).join('\n')}` : '';
    return `${file}: ${result.records} records${files}, chain intact${keyed}; head ${result.head}${notes}\n`;
  }
  const where = result.file && result.file !== file ? ` (${result.file})` : '';
  return `${file}${where}: ${result.problem} (${result.records} records before it are intact)\n`;
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

/** `audit init`: a first key for the records from the log's next seq on. */
function init(file: string, io: AuditCliIo): number {
  const keyPath = keyFilePath(file);
  try {
    if (readKeyFile(keyPath)) {
      io.stderr.write(
        `tenant-mcp audit: ${file} already has a key (${keyPath}); its first key was printed when it was made. ` +
          'To start over, move the log and its key file aside.\n',
      );
      return 1;
    }
  } catch (error) {
    io.stderr.write(`tenant-mcp audit: ${(error as Error).message}\n`);
    return 2;
  }
  // Opening the log finds where its chain stands (and refuses a damaged one).
  let next: number;
  try {
    const log = openAuditLog(file, { productVersion: 'audit-init' });
    next = (log.head?.seq ?? -1) + 1;
    log.close();
  } catch (error) {
    io.stderr.write(`tenant-mcp audit: cannot use ${file}: ${(error as Error).message}\n`);
    return 2;
  }
  const first = newKey(next);
  try {
    createKeyFile(keyPath, first);
  } catch (error) {
    io.stderr.write(`tenant-mcp audit: cannot create ${keyPath}: ${(error as Error).message}\n`);
    return 2;
  }
  io.stdout.write(
    `${file}: records from seq ${next} on carry a forward-secure MAC. The first key, shown this once:\n\n` +
      `  ${formatKey(first)}\n\n` +
      'Keep it away from this machine (a password manager, a sealed note): whoever holds it can check the trail ' +
      'with `tenant-mcp audit verify --key …`, and whoever later takes this machine cannot rewrite what came ' +
      'before. Restart the server so it signs with the key.\n',
  );
  return 0;
}

/**
 * Runs `tenant-mcp audit …`; `argv` holds the words after `audit`, `defaultFile` is the server's trail.
 * Returns the exit code: 0 intact (or repaired, or initialised), 1 a broken chain (naming the first bad
 * record), 2 a usage error or an unreadable file.
 */
export function runAuditCli(argv: readonly string[], io: AuditCliIo, defaultFile?: string): number {
  let parsed: { values: { key?: string | undefined; help?: boolean | undefined }; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { key: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    io.stderr.write(`tenant-mcp audit: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const [command, given, ...rest] = parsed.positionals;
  if (parsed.values.help || command === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  const file = given ?? defaultFile;
  const known = command === 'verify' || command === 'repair' || command === 'init';
  if (!known || !file || rest.length > 0 || (parsed.values.key && command !== 'verify')) {
    const what =
      command === undefined
        ? 'missing command'
        : !known
          ? `unknown command "${command}"`
          : !file
            ? `${command} needs a FILE`
            : rest.length > 0
              ? `unexpected argument "${rest[0]}"`
              : '--key goes with verify';
    io.stderr.write(`tenant-mcp audit: ${what}\n${USAGE}`);
    return 2;
  }
  if (command === 'init') return init(file, io);

  let key: ReturnType<typeof parseKey> | undefined;
  if (parsed.values.key !== undefined) {
    try {
      key = parseKey(parsed.values.key);
    } catch (error) {
      io.stderr.write(`tenant-mcp audit: --key: ${(error as Error).message}\n`);
      return 2;
    }
  }
  const result = verifyOrExplain(file, io, key ? { key } : {});
  if (!result) return 2;
  if (command === 'verify') {
    io.stdout.write(summary(file, result));
    return result.ok ? 0 : 1;
  }
  if (result.ok) {
    io.stdout.write(`${file}: nothing to repair; ${result.records} records, chain intact\n`);
    return 0;
  }
  if (result.code !== 'torn_tail' || (result.file && result.file !== file)) {
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
