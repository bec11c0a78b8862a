// Pins the commands over several replicas' chains: `audit verify PATH...` gives each chain its own verdict
// (keys by replica, a missing or duplicated replica is a failure), and `audit tail` merges the chains by
// time, then replica, then seq, streaming, skipping torn, foreign and oversized lines it cannot trust.
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openAuditLog, rotatedFiles, runAuditCli } from '../../src/policy/audit/index.js';
import { cleanText } from '../../src/policy/audit/merge.js';
import { auditEvent } from './fixtures/audit-events.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(os.tmpdir(), 'tenant-mcp-merge-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const trail = (replica: string) => join(root, 'trails', replica, 'audit.jsonl');

/** Writes records of `replica` logged at `times` (epoch ms), each with a reason naming replica and index. */
function writeChain(replica: string, times: number[], options: { maxBytes?: number } = {}): void {
  let at = 0;
  const log = openAuditLog(trail(replica), {
    productVersion: 't',
    replica,
    now: () => times[at]!,
    ...(options.maxBytes ? { maxBytes: options.maxBytes } : {}),
  });
  for (; at < times.length; at++) log.append(auditEvent('sent', { reason: `${replica}${at}` }));
  log.close();
}

function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = runAuditCli(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

/** Three replicas whose records interleave in time; a's chain spans rotated files. */
function fleet(): void {
  writeChain(
    'mcp-a',
    Array.from({ length: 12 }, (_, i) => 1_000 + i * 3),
    { maxBytes: 4_000 },
  );
  writeChain('mcp-b', [1_001, 1_004, 1_007, 1_009]);
  writeChain('mcp-c', [1_002, 1_003, 1_009]);
}

/** The `audit init` key of a chain, as printed once. */
function initKey(file: string): string {
  const run = cli(['init', file]);
  expect(run.code).toBe(0);
  return /tmak1-\d+-[0-9a-f]{64}/.exec(run.stdout)![0];
}

describe('audit verify over several chains', () => {
  it('one verdict per chain, with its replica, and a line for all', () => {
    fleet();
    expect(rotatedFiles(trail('mcp-a')).length).toBeGreaterThan(0);
    const run = cli(['verify', join(root, 'trails')]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const out = run.stdout.split('\n');
    expect(out[0]).toMatch(
      /mcp-a\/audit\.jsonl \(replica mcp-a\): 12 records in \d+ files, chain intact; head/,
    );
    expect(out[1]).toMatch(/mcp-b\/audit\.jsonl \(replica mcp-b\): 4 records, chain intact/);
    expect(out[2]).toMatch(/mcp-c\/audit\.jsonl \(replica mcp-c\): 3 records, chain intact/);
    expect(out[3]).toBe('3 chain(s): 3 intact, 0 broken, 0 unreadable');
    // Files named one by one are the same chains.
    expect(cli(['verify', trail('mcp-b'), trail('mcp-c')]).stdout).toContain('2 chain(s): 2 intact');
  });

  it('names the broken chain and exits 1, the others still judged', () => {
    fleet();
    const file = trail('mcp-c');
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[1] = lines[1]!.replace('"mcp-c1"', '"mcp-c9"');
    writeFileSync(file, lines.join('\n'));
    const run = cli(['verify', join(root, 'trails')]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/\(replica mcp-a\): 12 records/);
    expect(run.stdout).toMatch(/mcp-c\/audit\.jsonl \(replica mcp-c\): line 2 was edited/);
    expect(run.stdout).toContain('3 chain(s): 2 intact, 1 broken, 0 unreadable');
  });

  it('checks each chain with its replica’s key, and a key whose chain is missing is a failure', () => {
    fleet();
    const keyB = initKey(trail('mcp-b'));
    writeChain('mcp-b', [1_010, 1_011]);
    const run = cli(['verify', join(root, 'trails'), '--key', `mcp-b=${keyB}`]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\(replica mcp-b\): 6 records, chain intact; 2 MACs checked from seq 4/);

    // The key of b given for a: a's records carry no MAC, so that is a failure, named.
    const wrong = cli(['verify', join(root, 'trails'), '--key', `mcp-a=${keyB.replace(/-4-/, '-0-')}`]);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/\(replica mcp-a\).*carries no MAC/);

    rmSync(join(root, 'trails', 'mcp-b'), { recursive: true });
    const gone = cli(['verify', join(root, 'trails'), '--key', `mcp-b=${keyB}`]);
    expect(gone.code).toBe(1);
    expect(gone.stdout).toContain('replica mcp-b: no chain of it among the paths, though its key was given');
    for (const r of [run, wrong, gone]) expect(r.stdout + r.stderr).not.toContain(keyB.slice(9));
  });

  it('reads keys from --key-file, so they stay off the command line', () => {
    fleet();
    const keyB = initKey(trail('mcp-b'));
    writeChain('mcp-b', [1_010, 1_011]);
    const keys = join(root, 'keys.txt');
    writeFileSync(keys, `# the fleet's first keys\n\nmcp-b=${keyB}\n`, { mode: 0o600 });
    const run = cli(['verify', join(root, 'trails'), '--key-file', keys]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\(replica mcp-b\): 6 records, chain intact; 2 MACs checked from seq 4/);

    writeFileSync(keys, '# nothing\n');
    const empty = cli(['verify', join(root, 'trails'), '--key-file', keys]);
    expect(empty).toMatchObject({ code: 2, stderr: expect.stringContaining('holds no key') });
    const missing = cli(['verify', join(root, 'trails'), '--key-file', join(root, 'nope')]);
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining('cannot be read (ENOENT)') });
    writeFileSync(keys, `mcp-b=${keyB}\n`);
    const misplaced = cli(['tail', join(root, 'trails'), '--key-file', keys]);
    expect(misplaced).toMatchObject({ code: 2, stderr: expect.stringContaining('go with verify') });
    for (const r of [run, empty, missing, misplaced])
      expect(r.stdout + r.stderr).not.toContain(keyB.slice(9));
  });

  it('refuses a bare key for several chains, a malformed one, and never echoes a key', () => {
    fleet();
    const key = initKey(trail('mcp-b'));
    const bare = cli(['verify', join(root, 'trails'), '--key', key]);
    expect(bare).toMatchObject({ code: 2, stderr: expect.stringContaining('name the key') });
    const bad = cli(['verify', join(root, 'trails'), '--key', 'a b=tmak1-0-zz']);
    expect(bad.code).toBe(2);
    const typo = cli(['verify', join(root, 'trails'), `--kye=${key}`]);
    expect(typo.code).toBe(2);
    for (const r of [bare, bad, typo]) expect(r.stdout + r.stderr).not.toContain(key.slice(9));
  });

  it('two chains of one replica (a copy, or two servers with one id) are a failure', () => {
    fleet();
    cpSync(join(root, 'trails', 'mcp-c'), join(root, 'trails', 'mcp-c-copy'), { recursive: true });
    const run = cli(['verify', join(root, 'trails')]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /mcp-c-copy\/audit\.jsonl \(replica mcp-c\): also the replica of .*mcp-c\/audit\.jsonl/,
    );
  });

  it('an unreadable path exits 2 and the rest are still judged', () => {
    fleet();
    const run = cli(['verify', trail('mcp-a'), join(root, 'nope.jsonl')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no such file');
    expect(run.stdout).toContain('(replica mcp-a): 12 records');
    expect(cli(['verify', join(root, 'trails', 'empty-dir-is-not-there')]).code).toBe(2);
  });
});

describe('audit tail', () => {
  it('merges by logged time, then replica, then seq, across rotated files', () => {
    fleet();
    const run = cli(['tail', join(root, 'trails'), '--all']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const shown = run.stdout
      .trim()
      .split('\n')
      .map((line) => line.split(' ').slice(1, 3).join(' '));
    const expected = [
      ...Array.from({ length: 12 }, (_, i) => ({ t: 1_000 + i * 3, r: 'mcp-a', s: i })),
      ...[1_001, 1_004, 1_007, 1_009].map((t, s) => ({ t, r: 'mcp-b', s })),
      ...[1_002, 1_003, 1_009].map((t, s) => ({ t, r: 'mcp-c', s })),
    ]
      .sort((x, y) => x.t - y.t || (x.r < y.r ? -1 : x.r > y.r ? 1 : 0) || x.s - y.s)
      .map((e) => `${e.r} #${e.s}`);
    expect(shown).toEqual(expected);
    // 1_009 is logged by a (#3), b (#3) and c (#2): replica decides.
    expect(shown.slice(expected.indexOf('mcp-a #3'), expected.indexOf('mcp-a #3') + 3)).toEqual([
      'mcp-a #3',
      'mcp-b #3',
      'mcp-c #2',
    ]);
    const first = run.stdout.split('\n')[0]!;
    expect(first).toBe('1970-01-01T00:00:01.000Z mcp-a #0 sent patch_users_by_id tenant=sandbox mcp-a0');
  });

  it('-n shows the last records, --since the later ones, --json the lines exactly as written', () => {
    fleet();
    const last = cli(['tail', join(root, 'trails'), '-n', '3'])
      .stdout.trim()
      .split('\n');
    expect(last.map((l) => l.split(' ').slice(1, 3).join(' '))).toEqual([
      'mcp-a #9',
      'mcp-a #10',
      'mcp-a #11',
    ]);
    const since = cli(['tail', join(root, 'trails'), '--all', '--since', '1970-01-01T00:00:01.030Z']);
    expect(since.stdout.trim().split('\n')).toHaveLength(2);
    const json = cli(['tail', join(root, 'trails'), '--all', '--json'])
      .stdout.trim()
      .split('\n');
    const written = new Set(
      ['mcp-a', 'mcp-b', 'mcp-c'].flatMap((r) =>
        [...rotatedFiles(trail(r)), trail(r)].flatMap((f) => readFileSync(f, 'utf8').trim().split('\n')),
      ),
    );
    expect(json).toHaveLength(19);
    for (const line of json) expect(written.has(line)).toBe(true);
    expect(
      cli(['tail', trail('mcp-b')])
        .stdout.trim()
        .split('\n'),
    ).toHaveLength(4);
  });

  it('skips a torn last line, lines that are not records and an oversized line, and says so', () => {
    fleet();
    appendFileSync(trail('mcp-b'), '{"activity_id":2,"cla');
    appendFileSync(trail('mcp-c'), `not json\n${'x'.repeat(9 * 1024 * 1024)}\n`);
    const run = cli(['tail', join(root, 'trails'), '--all']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(19);
    expect(run.stderr).toMatch(/mcp-b\/audit\.jsonl: its last line has no newline/);
    expect(run.stderr).toMatch(/mcp-c\/audit\.jsonl: 1 line\(s\) that are not audit records skipped/);
    expect(run.stderr).toMatch(/mcp-c\/audit\.jsonl: 1 line\(s\) longer than 8388608 bytes skipped/);
  });

  it('shows a hostile record’s text escaped: no terminal control, no direction override', () => {
    const log = openAuditLog(trail('evil'), { productVersion: 't', replica: 'evil' });
    log.append(auditEvent('sent', { reason: 'ok\u001b[2J\u009b31m\u202egnp.exe\nfake line' }));
    log.close();
    const out = cli(['tail', trail('evil')]).stdout;
    expect(out).toContain('ok\\u{1b}[2J\\u{9b}31m\\u{202e}gnp.exe\\u{a}fake line');
    expect(out.trim().split('\n')).toHaveLength(1);
    for (const code of [0x1b, 0x9b, 0x202e]) expect(out).not.toContain(String.fromCharCode(code));
    expect(cleanText('y'.repeat(10_000_000), 10)).toBe(`${'y'.repeat(10)}…`);
    expect(cleanText({ nested: true })).toBe('?');
  });

  it('usage: -n and --all together, a bad -n or --since, tail options on verify', () => {
    fleet();
    const dir = join(root, 'trails');
    expect(cli(['tail', dir, '-n', '3', '--all']).code).toBe(2);
    expect(cli(['tail', dir, '-n', '0']).code).toBe(2);
    expect(cli(['tail', dir, '-n', '1e3']).code).toBe(2);
    expect(cli(['tail', dir, '--since', 'yesterday-ish']).code).toBe(2);
    expect(cli(['verify', dir, '--json']).code).toBe(2);
    expect(cli(['tail', join(root, 'nothing-here')])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no such file'),
    });
  });
});
