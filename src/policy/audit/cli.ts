/**
 * `tenant-mcp audit …`, the operator's commands for the trail:
 *
 * - `init [FILE]` gives the log a forward-secure key: the first key is printed once, to be kept away from
 *   this machine; from then on every record carries a MAC (restart the server so it picks the key up).
 * - `verify [PATH...] [--key [REPLICA=]KEY]...` walks each chain (rotated files too), checks its key file
 *   has not gone further than the log, and with its first key every MAC; one verdict per chain, and a
 *   chain missing for a replica whose key was given, or two chains of one replica, are failures too.
 * - `tail [PATH...] [-n N | --all] [--since TIME] [--json]` prints the chains merged in time order
 *   (`merge.ts`), as text or as the records' own lines.
 * - `repair [FILE]` changes the file in one case only, a final line torn by a crash: the fragment is kept
 *   in a side file and cut off, so the writer can continue. Anything else may be evidence of tampering and
 *   is left alone.
 */
import {
  closeSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  writeSync,
} from 'node:fs';
import { parseArgs } from 'node:util';
import { findChains } from './chains.js';
import { createKeyFile, formatKey, keyFilePath, newKey, parseKey, readKeyFile } from './keys.js';
import { formatRecord, type MergedRecord, mergeChains } from './merge.js';
import { isReplicaId } from './replica.js';
import { type AuditVerification, verifyAuditLog } from './verify.js';
import { openAuditLog, tailReplica } from './writer.js';

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
       tenant-mcp audit verify PATH... [--key REPLICA=KEY]...
                                                    check several chains (one per replica), one verdict each
       --key-file FILE                              read the keys from FILE instead (one [REPLICA=]KEY a line,
                                                    # comments), so they stay out of the process list
       tenant-mcp audit tail [PATH...] [-n N | --all] [--since TIME] [--json]
                                                    the chains merged by time (last 20 records by default)
       tenant-mcp audit repair [FILE]               set aside a final line torn by a crash (changes nothing else)
FILE defaults to the server's trail (TENANT_MCP_AUDIT_LOG, or audit.jsonl in TENANT_MCP_STATE_DIR). A PATH
is a chain's live file (its rotated files and key beside it) or a directory: every *.jsonl in it and in its
direct subdirectories.
`;

/** Largest -n: the records shown are held in memory until the end. */
const MAX_TAIL_LINES = 100_000;
/** And at most this many bytes of them. */
const MAX_TAIL_BYTES = 64 * 1024 * 1024;

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
  const replica = result.replica ? ` (replica ${result.replica})` : '';
  if (result.ok) {
    const files = result.files ? ` in ${result.files} files` : '';
    const keyed = result.keyed ? `; ${result.keyed.checked} MACs checked from seq ${result.keyed.from}` : '';
    const notes = result.notes?.length ? `\n${result.notes.map((note) => `  note: ${note}`).join('\n')}` : '';
    return `${file}${replica}: ${result.records} records${files}, chain intact${keyed}; head ${result.head}${notes}\n`;
  }
  const where = result.file && result.file !== file ? ` (${result.file})` : '';
  return `${file}${replica}${where}: ${result.problem} (${result.records} records before it are intact)\n`;
}

/** `--key` values: one bare key (a single chain), or `REPLICA=KEY` each; `undefined` after a usage error. */
function parseKeys(
  values: readonly string[],
  io: AuditCliIo,
): { bare?: ReturnType<typeof parseKey>; byReplica: Map<string, ReturnType<typeof parseKey>> } | undefined {
  const byReplica = new Map<string, ReturnType<typeof parseKey>>();
  let bare: ReturnType<typeof parseKey> | undefined;
  for (const value of values) {
    const equals = value.indexOf('=');
    const replica = equals === -1 ? undefined : value.slice(0, equals);
    // Never echo the value: it holds a key.
    if (replica !== undefined && !isReplicaId(replica)) {
      io.stderr.write('tenant-mcp audit: --key REPLICA=KEY: the part before "=" is not a replica id\n');
      return undefined;
    }
    let key: ReturnType<typeof parseKey>;
    try {
      key = parseKey(equals === -1 ? value : value.slice(equals + 1));
    } catch (error) {
      io.stderr.write(
        `tenant-mcp audit: --key${replica ? ` ${replica}=…` : ''}: ${(error as Error).message}\n`,
      );
      return undefined;
    }
    if (replica === undefined) {
      if (bare || values.length > 1) {
        io.stderr.write(
          "tenant-mcp audit: with several keys, name each one's replica: --key REPLICA=tmak1-…\n",
        );
        return undefined;
      }
      bare = key;
    } else if (byReplica.has(replica)) {
      io.stderr.write(`tenant-mcp audit: two keys for replica ${replica}\n`);
      return undefined;
    } else {
      byReplica.set(replica, key);
    }
  }
  return { ...(bare ? { bare } : {}), byReplica };
}

/** `audit verify PATH...`: a verdict per chain, then one line for all when there are several. */
function verifyChains(paths: readonly string[], keyValues: readonly string[], io: AuditCliIo): number {
  const keys = parseKeys(keyValues, io);
  if (!keys) return 2;
  const found = findChains(paths);
  for (const problem of found.problems) io.stderr.write(`tenant-mcp audit: ${problem}\n`);
  if (keys.bare && found.chains.length > 1) {
    io.stderr.write("tenant-mcp audit: with several chains, name the key's replica: --key REPLICA=tmak1-…\n");
    return 2;
  }
  let intact = 0;
  let broken = 0;
  let unreadable = found.problems.length;
  const owners = new Map<string, string>();
  const usedKeys = new Set<string>();
  for (const file of found.chains) {
    const keyOf = (replica: string | undefined) =>
      keys.bare ?? (replica === undefined ? undefined : keys.byReplica.get(replica));
    const guess = tailReplica(file);
    let result = verifyOrExplain(file, io, keyOf(guess) ? { key: keyOf(guess)! } : {});
    // The tail may be torn or name no replica: the walk itself says whose chain it is.
    if (result?.replica && result.replica !== guess && keyOf(result.replica)) {
      result = verifyOrExplain(file, io, { key: keyOf(result.replica)! });
    }
    if (!result) {
      unreadable++;
      continue;
    }
    // A chain that fails at its first record names its replica only in its tail.
    if (!result.replica && guess) result = { ...result, replica: guess };
    if (result.replica) {
      if (keys.byReplica.has(result.replica)) usedKeys.add(result.replica);
      const other = owners.get(result.replica);
      if (other !== undefined) {
        io.stdout.write(
          `${file} (replica ${result.replica}): also the replica of ${other}: two chains claim one replica (a copy, or two servers with one TENANT_MCP_REPLICA_ID)\n`,
        );
        broken++;
        continue;
      }
      owners.set(result.replica, file);
    }
    io.stdout.write(summary(file, result));
    if (result.ok) intact++;
    else broken++;
  }
  for (const replica of keys.byReplica.keys()) {
    if (usedKeys.has(replica)) continue;
    io.stdout.write(
      `replica ${replica}: no chain of it among the paths, though its key was given: was it removed?\n`,
    );
    broken++;
  }
  if (found.chains.length + found.problems.length > 1 || keys.byReplica.size > usedKeys.size) {
    io.stdout.write(
      `${found.chains.length} chain(s): ${intact} intact, ${broken} broken, ${unreadable} unreadable\n`,
    );
  }
  return broken > 0 ? 1 : unreadable > 0 ? 2 : 0;
}

/** `--since`: an ISO 8601 time or epoch milliseconds. */
function parseSince(text: string): number | undefined {
  if (text.length > 40) return undefined;
  if (/^\d{1,16}$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

/** `audit tail PATH...`: the merged view, the last `lines` records of it (or all), oldest first. */
function tailChains(
  paths: readonly string[],
  options: { lines: number | 'all'; since?: number; json: boolean },
  io: AuditCliIo,
): number {
  const found = findChains(paths);
  for (const problem of found.problems) io.stderr.write(`tenant-mcp audit: ${problem}\n`);
  if (found.chains.length === 0) return 2;
  const show = (entry: MergedRecord) =>
    io.stdout.write(options.json ? `${entry.line.toString('utf8')}\n` : `${formatRecord(entry)}\n`);
  // A window over the merged stream: `kept[start..]` are the newest records so far.
  let kept: MergedRecord[] = [];
  let start = 0;
  let keptBytes = 0;
  let dropped = false;
  const note = (line: string) => io.stderr.write(`tenant-mcp audit: ${line}\n`);
  for (const entry of mergeChains(found.chains, note)) {
    if (options.since !== undefined && entry.time < options.since) continue;
    if (options.lines === 'all') {
      show(entry);
      continue;
    }
    kept.push(entry);
    keptBytes += entry.line.length;
    while (kept.length - start > options.lines || (keptBytes > MAX_TAIL_BYTES && kept.length - start > 1)) {
      keptBytes -= kept[start]!.line.length;
      kept[start] = undefined as never;
      start++;
      if (kept.length - start < options.lines) dropped = true;
    }
    if (start > 4096 && start * 2 > kept.length) {
      kept = kept.slice(start);
      start = 0;
    }
  }
  const shown = kept.slice(start);
  if (dropped)
    note(`only the last ${shown.length} records fit in ${MAX_TAIL_BYTES} bytes; use --all or --since`);
  for (const entry of shown) show(entry);
  return found.problems.length > 0 ? 2 : 0;
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
  // Opening the log finds where its chain stands (and refuses a damaged one). It writes nothing, so it
  // takes the chain's own replica id: the operator's shell need not carry the server's.
  let next: number;
  try {
    const replica = tailReplica(file);
    const log = openAuditLog(file, { productVersion: 'audit-init', ...(replica ? { replica } : {}) });
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

/** Largest `--key-file`: a key is about 60 characters, so this holds hundreds of replicas' keys. */
const MAX_KEY_FILE_BYTES = 64 * 1024;

/** The `[REPLICA=]KEY` lines of a keys file, or why it cannot be read (never quoting its contents). */
function readKeysFile(path: string): string[] | string {
  let text: string;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) return 'is not a file';
    if (stat.size > MAX_KEY_FILE_BYTES) return `is larger than ${MAX_KEY_FILE_BYTES / 1024} KiB`;
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  const keys = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  return keys.length > 0 ? keys : 'holds no key';
}

/**
 * Runs `tenant-mcp audit …`; `argv` holds the words after `audit`, `defaultFile` is the server's trail.
 * Returns the exit code: 0 intact (or repaired, or initialised), 1 a broken chain (naming the first bad
 * record), 2 a usage error or an unreadable file.
 */
export function runAuditCli(argv: readonly string[], io: AuditCliIo, defaultFile?: string): number {
  let parsed: {
    values: {
      key?: string[] | undefined;
      'key-file'?: string[] | undefined;
      help?: boolean | undefined;
      lines?: string | undefined;
      all?: boolean | undefined;
      since?: string | undefined;
      json?: boolean | undefined;
    };
    positionals: string[];
  };
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        key: { type: 'string', multiple: true },
        'key-file': { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
        lines: { type: 'string', short: 'n' },
        all: { type: 'boolean' },
        since: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
  } catch (error) {
    // parseArgs quotes the offending argument, which may be a key: name the option only.
    const message = (error as Error).message;
    const safe = message.includes('tmak1') ? 'an option is not understood' : message;
    io.stderr.write(`tenant-mcp audit: ${safe}\n${USAGE}`);
    return 2;
  }
  const [command, ...paths] = parsed.positionals;
  const { values } = parsed;
  if (values.help || command === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  const usage = (what: string) => {
    io.stderr.write(`tenant-mcp audit: ${what}\n${USAGE}`);
    return 2;
  };
  const known = ['verify', 'repair', 'init', 'tail'];
  if (command === undefined) return usage('missing command');
  if (!known.includes(command)) return usage(`unknown command "${command.slice(0, 40)}"`);
  const named = paths.length > 0 ? paths : defaultFile ? [defaultFile] : [];
  if (named.length === 0) return usage(`${command} needs a FILE`);
  const keys = [...(values.key ?? [])];
  for (const keyFile of values['key-file'] ?? []) {
    const read = readKeysFile(keyFile);
    if (typeof read === 'string') {
      io.stderr.write(`tenant-mcp audit: --key-file ${keyFile.slice(0, 200)}: ${read}\n`);
      return 2;
    }
    keys.push(...read);
  }
  if (keys.length > 0 && command !== 'verify') return usage('--key and --key-file go with verify');
  const tailOnly = values.lines !== undefined || values.all || values.since !== undefined || values.json;
  if (tailOnly && command !== 'tail') return usage('-n, --all, --since and --json go with tail');
  if (command === 'tail') {
    if (values.all && values.lines !== undefined) return usage('-n and --all: choose one');
    let lines: number | 'all' = values.all ? 'all' : 20;
    if (values.lines !== undefined) {
      const n = /^\d{1,6}$/.test(values.lines) ? Number(values.lines) : Number.NaN;
      if (!(n >= 1 && n <= MAX_TAIL_LINES))
        return usage(`-n must be a whole number from 1 to ${MAX_TAIL_LINES}`);
      lines = n;
    }
    let since: number | undefined;
    if (values.since !== undefined) {
      since = parseSince(values.since);
      if (since === undefined)
        return usage('--since must be an ISO 8601 time (2026-01-31T12:00:00Z) or epoch ms');
    }
    return tailChains(
      named,
      { lines, json: Boolean(values.json), ...(since === undefined ? {} : { since }) },
      io,
    );
  }
  if (command === 'verify' && (named.length > 1 || keys.some((key) => key.includes('=')))) {
    return verifyChains(named, keys, io);
  }
  if (named.length > 1) return usage(`unexpected argument "${named[1]!.slice(0, 80)}"`);
  const file = named[0]!;
  if (command === 'verify') {
    let stat: ReturnType<typeof statSync> | undefined;
    try {
      stat = statSync(file);
    } catch {
      stat = undefined;
    }
    if (stat?.isDirectory()) return verifyChains(named, keys, io);
  }
  if (command === 'init') return init(file, io);

  let key: ReturnType<typeof parseKey> | undefined;
  if (keys.length > 1) return usage('one chain takes one --key');
  if (keys[0] !== undefined) {
    try {
      key = parseKey(keys[0]);
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
