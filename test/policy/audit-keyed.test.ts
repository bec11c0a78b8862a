// Pins the forward-secure trail: with the first key `audit init` printed, `audit verify --key` catches an
// edited, deleted, reordered, truncated or fully rewritten chain (hashes recomputed included), a key file
// that was replaced, and forgeries of records from before the machine was taken; and rotation keeps one
// chain across files with a bound on disk.
import { mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { sealRecord, sha256Hex } from '../../src/policy/audit/chain.js';
import { openAuditLog, runAuditCli, verifyAuditLog } from '../../src/policy/audit/index.js';
import { keyFilePath, parseKey, readKeyFile } from '../../src/policy/audit/keys.js';
import { rotatedFiles } from '../../src/policy/audit/paths.js';
import type { AuditEvent } from '../../src/policy/types.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tenant-mcp-keyed-'));
  file = join(dir, 'audit.jsonl');
});

const event = (n: number): AuditEvent => ({
  time: 1_700_000_000_000 + n,
  decision: 'sent',
  reason: `HTTP 200 #${n}`,
  tenant: { name: 'prod', domain: 'acme.eu.auth0.com' },
  profile: 'admin',
  tool: 'invoke_read_operation',
  correlationId: `c-${n}`,
  operation: { id: 'get_users', method: 'GET', path: '/users', risk: 'read' },
});

function cli(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runAuditCli(
    argv,
    { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } },
    file,
  );
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** Writes `before` unkeyed records, runs `audit init`, then writes `after` keyed ones; returns the first key. */
function keyedLog(
  before: number,
  after: number,
  options: Parameters<typeof openAuditLog>[1] = { productVersion: 't' },
) {
  if (before > 0) {
    const log = openAuditLog(file, options);
    for (let i = 0; i < before; i++) log.append(event(i));
    log.close();
  }
  const init = cli(['init']);
  expect(init.code, init.stderr).toBe(0);
  const key = parseKey(/tmak1-\S+/.exec(init.stdout)![0]);
  const log = openAuditLog(file, options);
  expect(log.keyed).toBe(true);
  for (let i = before; i < before + after; i++) log.append(event(i));
  log.close();
  return key;
}

const lines = () => readFileSync(file, 'utf8').split('\n').filter(Boolean);
const save = (all: string[]) => writeFileSync(file, `${all.join('\n')}\n`);

/**
 * What an attacker with write access but no key does: change records from `from` on, recompute every
 * hash and prev_hash after them so the plain chain verifies again (MACs cannot be recomputed: dropped, or
 * redone under a key the attacker holds).
 */
function rechain(
  all: string[],
  from: number,
  // biome-ignore lint/suspicious/noExplicitAny: records are JSON the attacker edits freely
  mutate: (record: any, index: number) => void,
  key?: (seq: number) => Buffer,
) {
  const out = all.slice(0, from);
  let prev = from > 0 ? sha256Hex(out[from - 1]!) : '0'.repeat(64);
  for (let i = from; i < all.length; i++) {
    const record = JSON.parse(all[i]!);
    mutate(record, i);
    record.unmapped.prev_hash = prev;
    const line = sealRecord(record, key?.(record.unmapped.seq));
    out.push(line);
    prev = sha256Hex(line);
  }
  return out;
}

describe('a keyed trail', () => {
  it('verifies every MAC with the first key; without it, says MACs are there to check', () => {
    const key = keyedLog(3, 5);
    expect(key.seq).toBe(3);
    expect(verifyAuditLog(file, { key })).toMatchObject({
      ok: true,
      records: 8,
      keyed: { from: 3, checked: 5 },
    });
    expect(verifyAuditLog(file)).toMatchObject({
      ok: true,
      notes: [expect.stringMatching(/5 record\(s\) carry forward-secure MACs/)],
    });
    expect(cli(['verify', '--key', `tmak1-3-${key.key.toString('hex')}`])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('5 MACs checked from seq 3'),
    });
    expect(cli(['init'])).toMatchObject({ code: 1, stderr: expect.stringContaining('already has a key') });
  });

  it('catches an edited record even when every hash after it was recomputed', () => {
    const key = keyedLog(0, 6);
    save(
      rechain(lines(), 2, (r, i) => {
        if (i === 2) r.status_detail = 'nothing to see';
      }),
    );
    expect(verifyAuditLog(file).ok).toBe(true); // the plain chain is fooled
    expect(verifyAuditLog(file, { key })).toMatchObject({ ok: false, line: 3, code: 'mac_missing' });
  });

  it('catches a deleted record, and the rest renumbered to hide it', () => {
    const key = keyedLog(0, 6);
    const all = lines();
    const without = [...all.slice(0, 2), ...all.slice(3)];
    save(
      rechain(without, 2, (r, i) => {
        r.unmapped.seq = i;
      }),
    );
    // Even without the key, the key file (which only moves forward) gives the cut away.
    expect(verifyAuditLog(file)).toMatchObject({ ok: false, code: 'truncated' });
    const result = verifyAuditLog(file, { key });
    expect(result.ok).toBe(false);
    expect(['mac_missing', 'truncated']).toContain((result as { code: string }).code);
  });

  it('catches reordered records', () => {
    const key = keyedLog(0, 6);
    const all = lines();
    save([all[0]!, all[2]!, all[1]!, ...all.slice(3)]);
    expect(verifyAuditLog(file, { key })).toMatchObject({ ok: false, code: 'reordered' });
  });

  it('catches records cut off the end: the key file went further than the log', () => {
    const key = keyedLog(0, 6);
    save(lines().slice(0, 4));
    expect(verifyAuditLog(file)).toMatchObject({ ok: false, code: 'truncated' });
    expect(verifyAuditLog(file, { key })).toMatchObject({ ok: false, code: 'truncated' });
    expect(cli(['verify']).stdout).toMatch(/2 record\(s\) were cut off the end/);
  });

  it('catches a chain rewritten whole with the current key: earlier keys were erased', () => {
    const key = keyedLog(0, 6);
    // The attacker took the machine after record 5: the key file holds the key of seq 6.
    const stolen = readKeyFile(keyFilePath(file))!;
    expect(stolen.seq).toBe(6);
    save(
      rechain(
        lines(),
        0,
        (r) => {
          r.status_detail = 'rewritten';
        },
        () => stolen.key,
      ),
    );
    expect(verifyAuditLog(file).ok).toBe(true);
    expect(verifyAuditLog(file, { key })).toMatchObject({ ok: false, line: 1, code: 'mac_mismatch' });
  });

  it('catches a replaced key file', () => {
    const key = keyedLog(0, 3);
    writeFileSync(keyFilePath(file), `${JSON.stringify({ v: 1, seq: 3, key: 'ab'.repeat(32) })}\n`);
    expect(verifyAuditLog(file, { key })).toMatchObject({ ok: false, code: 'key_mismatch' });
  });

  it('goes on after a crash left the key file behind the log (it only lags, never leads)', () => {
    const key = keyedLog(0, 2);
    const lagging = { seq: 0, key: key.key };
    writeFileSync(
      keyFilePath(file),
      `${JSON.stringify({ v: 1, seq: lagging.seq, key: lagging.key.toString('hex') }).padEnd(127)}\n`,
    );
    const log = openAuditLog(file, { productVersion: 't' });
    log.append(event(2));
    log.close();
    expect(verifyAuditLog(file, { key })).toMatchObject({ ok: true, records: 3, keyed: { checked: 3 } });
  });

  it('refuses to continue a log whose key file is ahead of it', () => {
    keyedLog(0, 4);
    save(lines().slice(0, 2));
    expect(() => openAuditLog(file, { productVersion: 't' })).toThrow(/cut off/);
  });

  it('forgeries after the machine was taken still verify: the limit the anchor covers', () => {
    const key = keyedLog(0, 3);
    const stolen = readKeyFile(keyFilePath(file))!;
    const all = lines();
    const last = JSON.parse(all.at(-1)!);
    last.unmapped.seq = 3;
    last.status_detail = 'forged after the theft';
    last.unmapped.prev_hash = sha256Hex(all.at(-1)!);
    save([...all, sealRecord(last, stolen.key)]);
    expect(verifyAuditLog(file, { key })).toMatchObject({ ok: true, records: 4 });
  });
});

describe('rotation', () => {
  it('keeps one chain across files, MACs included, and only the newest files', () => {
    const options = { productVersion: 't', maxBytes: 4_000, keep: 3 };
    const key = keyedLog(0, 60, options);
    const rotated = rotatedFiles(file);
    expect(rotated).toHaveLength(3);
    const result = verifyAuditLog(file, { key });
    expect(result).toMatchObject({ ok: true, files: 4 });
    expect((result as { notes?: string[] }).notes?.join(' ')).toMatch(/older rotated files are gone/);
    for (const name of readdirSync(dir)) expect(name).toMatch(/^audit\.jsonl(\.\d{12}|\.key)?$/);
  });

  it('names a rotated file where a record was changed', () => {
    const options = { productVersion: 't', maxBytes: 4_000, keep: 10 };
    const key = keyedLog(0, 30, options);
    const [oldest] = rotatedFiles(file);
    const text = readFileSync(oldest!, 'utf8').replace(
      '"status_detail":"HTTP 200',
      '"status_detail":"HTTP 500',
    );
    writeFileSync(oldest!, text);
    expect(verifyAuditLog(file, { key })).toMatchObject({ ok: false, code: 'edited', file: oldest });
  });

  it('continues the chain when the new file is empty (a crash right after the rename)', () => {
    const options = { productVersion: 't', maxBytes: 2_000, keep: 100 };
    const key = keyedLog(0, 12, options);
    const current = lines();
    const first = JSON.parse(current[0]!).unmapped.seq as number;
    const last = JSON.parse(current.at(-1)!).unmapped.seq as number;
    renameSync(file, `${file}.${String(first).padStart(12, '0')}`);
    writeFileSync(file, '');
    const log = openAuditLog(file, options);
    expect(log.head?.seq).toBe(last);
    log.append(event(99));
    log.close();
    expect(verifyAuditLog(file, { key })).toMatchObject({ ok: true, records: 13 });
  });
});
