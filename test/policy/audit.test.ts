// Pins the audit trail's promises: OCSF records a SIEM accepts, a chain that catches edits, deletions and
// reordering, a writer that fails closed, and the `tenant-mcp audit` exit codes.

import * as nodeFs from 'node:fs';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sealRecord, sha256Hex } from '../../src/policy/audit/chain.js';
import {
  type AuditFs,
  AuditWriteError,
  defaultAuditPath,
  defaultReplicaId,
  GENESIS_HASH,
  openAuditLog,
  resolveStateDir,
  runAuditCli,
  verifyAuditLog,
} from '../../src/policy/audit/index.js';
import type { AuditDecision } from '../../src/policy/types.js';
import { auditEvent, DECISIONS } from './fixtures/audit-events.js';
import { OcsfApiActivity } from './fixtures/ocsf-schema.js';

const SEVERITY_CAPTIONS: Record<number, string> = { 1: 'Informational', 2: 'Low', 3: 'Medium', 4: 'High' };
const STATUS_CAPTIONS: Record<number, string> = { 1: 'Success', 2: 'Failure' };

/** The documented decision → severity and status mapping (src/policy/audit/ocsf.ts). */
const EXPECTED: Record<AuditDecision, { severity_id: number; status_id: number }> = {
  sent: { severity_id: 1, status_id: 1 },
  previewed: { severity_id: 1, status_id: 1 },
  approved: { severity_id: 1, status_id: 1 },
  held: { severity_id: 3, status_id: 99 },
  declined: { severity_id: 3, status_id: 2 },
  failed: { severity_id: 3, status_id: 2 },
  refused: { severity_id: 4, status_id: 2 },
};

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(os.tmpdir(), 'tenant-mcp-audit-'));
  file = join(dir, 'audit.jsonl');
});
afterEach(() => {
  nodeFs.rmSync(dir, { recursive: true, force: true });
});

function lines(path = file): string[] {
  return readFileSync(path, 'utf8').split('\n').slice(0, -1);
}

// biome-ignore lint/suspicious/noExplicitAny: assertions read parsed records field by field
function records(path = file): Array<Record<string, any>> {
  return lines(path).map((line) => JSON.parse(line));
}

function writeLines(list: string[], path = file): void {
  writeFileSync(path, list.map((l) => `${l}\n`).join(''));
}

/** fsync costs a disk flush per record; tests that only need many records skip it. */
const NO_FSYNC: AuditFs = { ...nodeFs, fsyncSync: () => {} };

/** A log of `count` records, closed. */
function logOf(count: number, path = file, fs?: AuditFs): void {
  const log = openAuditLog(path, { productVersion: '9.9.9', osUser: 'alice', ...(fs ? { fs } : {}) });
  for (let i = 0; i < count; i++)
    log.append(auditEvent(DECISIONS[i % DECISIONS.length]!, { reason: `r${i}` }));
  log.close();
}

function cli(argv: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const code = runAuditCli(argv, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

describe('OCSF records', () => {
  it('every decision kind yields an API Activity record with all required attributes', () => {
    const log = openAuditLog(file, {
      productVersion: '9.9.9',
      osUser: 'alice',
      now: () => 1_767_225_600_500,
    });
    for (const decision of DECISIONS) log.append(auditEvent(decision));
    // A refusal before the operation is known: no method, so activity 99 Other, and no operation resource.
    log.append(
      auditEvent('refused', {
        operation: undefined,
        arguments: undefined,
        client: undefined,
        tool: 'invoke_read_operation',
      }),
    );
    log.close();
    const all = records();
    expect(all).toHaveLength(DECISIONS.length + 1);
    for (const record of all) {
      const parsed = OcsfApiActivity.safeParse(record);
      expect(parsed.success ? [] : parsed.error.issues, record.unmapped.decision).toEqual([]);
      expect(record.severity).toBe(SEVERITY_CAPTIONS[record.severity_id]);
      if (record.status_id !== 99) expect(record.status).toBe(STATUS_CAPTIONS[record.status_id]);
    }
    for (const [i, decision] of DECISIONS.entries()) {
      expect(all[i]).toMatchObject({ ...EXPECTED[decision], unmapped: { decision, seq: i } });
    }
    const noOp = all.at(-1)!;
    expect(noOp).toMatchObject({
      activity_id: 99,
      type_uid: 600399,
      api: { operation: 'invoke_read_operation' },
    });
    expect(noOp.actor).toEqual({ user: { name: 'alice' } });
    expect(noOp.resources).toEqual([{ type: 'tenant', name: 'sandbox', uid: 'http://127.0.0.1:4010' }]);
  });

  it('maps each HTTP method to its activity', () => {
    const log = openAuditLog(file, { productVersion: '9.9.9' });
    const methods = ['POST', 'GET', 'PUT', 'PATCH', 'DELETE'];
    for (const method of methods) {
      log.append(auditEvent('sent', { operation: { id: 'op', method, path: '/x', risk: 'write' } }));
    }
    log.close();
    expect(records().map((r) => [r.activity_id, r.activity_name, r.type_uid])).toEqual([
      [1, 'Create', 600301],
      [2, 'Read', 600302],
      [3, 'Update', 600303],
      [3, 'Update', 600303],
      [4, 'Delete', 600304],
    ]);
  });

  it('carries the call: actor, api, http_request, resources, metadata and our own fields', () => {
    const log = openAuditLog(file, {
      productVersion: '9.9.9',
      osUser: 'alice',
      now: () => 1_767_225_600_500,
    });
    log.append(auditEvent('sent', { confirmSkipped: true }));
    log.close();
    const [record] = records();
    expect(record).toMatchObject({
      time: 1_767_225_600_000,
      severity_id: 2, // a confirm: never skip raises Informational to Low
      status_code: '200',
      status_detail: 'sent for the test',
      actor: { app_name: 'claude-code', user: { name: 'alice' } },
      api: {
        operation: 'patch_users_by_id',
        service: { name: 'Auth0 Management API' },
        request: { uid: 'corr-1' },
        response: { code: 200 },
      },
      http_request: { http_method: 'PATCH', url: { path: '/api/v2/users/{id}' } },
      http_response: { code: 200 },
      src_endpoint: { name: 'invoke_write_operation' },
      dst_endpoint: { hostname: '127.0.0.1', port: 4010 },
      resources: [
        {
          type: 'operation',
          name: 'patch_users_by_id',
          data: { id: 'auth0|42', blocked: true, password: '***' },
        },
        { type: 'tenant', name: 'sandbox', uid: 'http://127.0.0.1:4010' },
      ],
      metadata: {
        version: '1.3.0',
        product: { name: 'tenant-mcp', vendor_name: 'tenant-mcp', version: '9.9.9' },
        tenant_uid: 'sandbox',
        correlation_uid: 'corr-1',
        sequence: 0,
        logged_time: 1_767_225_600_500,
      },
      unmapped: {
        decision: 'sent',
        profile: 'admin',
        latency_ms: 17,
        request_id: 'req-1',
        confirm_skipped: true,
        client_version: '2.1.0',
        seq: 0,
        prev_hash: GENESIS_HASH,
      },
    });
    expect(record!.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    // The seal must stay the last field: verification depends on its position.
    expect(lines()[0]).toMatch(/,"hash":"[0-9a-f]{64}"\}\}$/);
  });
});

describe('hash chain', () => {
  it('continues across reopen, and head matches what verify reports', () => {
    logOf(3);
    const log = openAuditLog(file, { productVersion: '9.9.9' });
    expect(log.head?.seq).toBe(2);
    log.append(auditEvent('sent'));
    log.append(auditEvent('sent'));
    const head = log.head;
    log.close();
    const list = lines();
    expect(records().map((r) => r.unmapped.seq)).toEqual([0, 1, 2, 3, 4]);
    for (let i = 1; i < list.length; i++) {
      expect(JSON.parse(list[i]!).unmapped.prev_hash).toBe(sha256Hex(list[i - 1]!));
    }
    expect(verifyAuditLog(file)).toEqual({
      ok: true,
      records: 5,
      head: head?.hash,
      replica: defaultReplicaId(),
    });
  });

  it('keeps one chain when two writers share the file', () => {
    const a = openAuditLog(file, { productVersion: 'a' });
    const b = openAuditLog(file, { productVersion: 'b' });
    for (let i = 0; i < 4; i++) {
      a.append(auditEvent('sent'));
      b.append(auditEvent('held'));
    }
    a.close();
    b.close();
    expect(verifyAuditLog(file)).toMatchObject({ ok: true, records: 8 });
  });

  it('an empty file verifies as zero records', () => {
    writeFileSync(file, '');
    expect(verifyAuditLog(file)).toEqual({ ok: true, records: 0, head: GENESIS_HASH });
  });

  it('continues after a record larger than the tail reader’s first chunk', () => {
    const log = openAuditLog(file, { productVersion: '9.9.9' });
    log.append(auditEvent('sent', { arguments: { blob: 'y'.repeat(300_000) } }));
    log.close();
    const again = openAuditLog(file, { productVersion: '9.9.9' });
    again.append(auditEvent('sent'));
    again.close();
    expect(verifyAuditLog(file)).toMatchObject({ ok: true, records: 2 });
  });

  it('opening a large log reads only its tail', () => {
    logOf(2000, file, NO_FSYNC);
    const size = statSync(file).size;
    let read = 0;
    const counting: AuditFs = {
      ...nodeFs,
      readSync: ((...args: Parameters<typeof nodeFs.readSync>) => {
        const n = nodeFs.readSync(...args);
        read += n;
        return n;
      }) as typeof nodeFs.readSync,
    };
    const log = openAuditLog(file, { productVersion: '9.9.9', fs: counting });
    log.close();
    expect(log.head?.seq).toBe(1999);
    expect(size).toBeGreaterThan(2_000_000);
    expect(read).toBeLessThanOrEqual(64 * 1024 + 1);
  });
});

describe('verifyAuditLog finds the first bad record', () => {
  beforeEach(() => logOf(6));

  it('a middle record edited in place', () => {
    const list = lines();
    list[2] = list[2]!.replace('"status_detail":"r2"', '"status_detail":"r2!"');
    writeLines(list);
    expect(verifyAuditLog(file)).toMatchObject({ ok: false, line: 3, records: 2, code: 'edited' });
  });

  it('a middle record rewritten with a fresh hash of its own', () => {
    const list = lines();
    const record = JSON.parse(list[2]!);
    record.status_detail = 'nothing to see';
    list[2] = sealRecord(record);
    writeLines(list);
    const result = verifyAuditLog(file);
    expect(result).toMatchObject({ ok: false, line: 3, records: 2, code: 'edited' });
    expect(!result.ok && result.problem).toMatch(/line 3 was changed or replaced.*line 4/);
  });

  it('the last record edited', () => {
    const list = lines();
    list[5] = list[5]!.replace('"profile":"admin"', '"profile":"read-only"');
    writeLines(list);
    expect(verifyAuditLog(file)).toMatchObject({ ok: false, line: 6, records: 5, code: 'edited' });
  });

  it('a middle record removed', () => {
    const list = lines();
    list.splice(3, 1);
    writeLines(list);
    const result = verifyAuditLog(file);
    expect(result).toMatchObject({ ok: false, line: 4, records: 3, code: 'removed' });
    expect(!result.ok && result.problem).toContain('seq 4 where 3 was expected');
  });

  it('the first record removed', () => {
    writeLines(lines().slice(1));
    expect(verifyAuditLog(file)).toMatchObject({ ok: false, line: 1, records: 0, code: 'removed' });
  });

  it('two records swapped', () => {
    const list = lines();
    [list[2], list[3]] = [list[3]!, list[2]!];
    writeLines(list);
    const result = verifyAuditLog(file);
    expect(result).toMatchObject({ ok: false, line: 3, records: 2, code: 'reordered' });
    expect(!result.ok && result.problem).toContain('seq 2 is on line 4');
  });

  it('a record copied to the end', () => {
    const list = lines();
    writeLines([...list, list[1]!]);
    expect(verifyAuditLog(file)).toMatchObject({ ok: false, line: 7, code: 'reordered' });
  });

  it('a line that is not JSON, and an empty line', () => {
    const list = lines();
    writeLines([...list.slice(0, 2), 'hello', ...list.slice(2)]);
    expect(verifyAuditLog(file)).toMatchObject({ ok: false, line: 3, code: 'not_json' });
    writeLines([...list.slice(0, 2), '', ...list.slice(2)]);
    expect(verifyAuditLog(file)).toMatchObject({
      ok: false,
      line: 3,
      code: 'not_json',
      problem: 'line 3 is empty',
    });
  });

  it('a line longer than any record is refused by its length, and the records after it still count', () => {
    const list = lines();
    // 9 MiB of one JSON string with no newline: past the 8 MiB bound, so it is never held whole.
    writeLines([...list.slice(0, 2), `"${'x'.repeat(9 * 1024 * 1024)}"`, ...list.slice(2)]);
    const result = verifyAuditLog(file);
    expect(result).toMatchObject({ ok: false, line: 3, records: 2, code: 'not_json' });
    expect(!result.ok && result.problem).toContain('longer than 8 MiB');
  });

  it('JSON that is not an audit record', () => {
    const list = lines();
    writeLines([...list, '{"hello":"world"}']);
    expect(verifyAuditLog(file)).toMatchObject({ ok: false, line: 7, code: 'not_a_record' });
  });

  it('a truncated last line is a torn write, not tampering', () => {
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.slice(0, -40));
    const result = verifyAuditLog(file);
    expect(result).toMatchObject({ ok: false, line: 6, records: 5, code: 'torn_tail' });
    expect(!result.ok && result.offset).toBe(text.lastIndexOf('\n', text.length - 2) + 1); // start of line 6
  });

  it('a whole last record missing only its newline is still a torn write', () => {
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, -1));
    expect(verifyAuditLog(file)).toMatchObject({ ok: false, line: 6, code: 'torn_tail' });
  });

  it('a fork: two writers that appended at the same instant', () => {
    const list = lines();
    const other = join(dir, 'other.jsonl');
    writeLines(list, other);
    const a = openAuditLog(file, { productVersion: 'a' });
    const b = openAuditLog(other, { productVersion: 'b' });
    a.append(auditEvent('sent'));
    b.append(auditEvent('held'));
    a.close();
    b.close();
    writeLines([...list, lines(file)[6]!, lines(other)[6]!]);
    const result = verifyAuditLog(file);
    expect(result).toMatchObject({ ok: false, line: 8, records: 7, code: 'forked' });
    expect(!result.ok && result.problem).toContain('line 8 and line 7 both follow seq 5');
  });
});

describe('the writer fails closed', () => {
  it('creates the file 0600 in a 0700 directory', () => {
    const nested = join(dir, 'state', 'deeper', 'audit.jsonl');
    logOf(1, nested);
    expect(statSync(nested).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'state', 'deeper')).mode & 0o777).toBe(0o700);
  });

  it('leaves an existing file’s mode as the operator set it', () => {
    writeFileSync(file, '');
    chmodSync(file, 0o640);
    logOf(1);
    expect(statSync(file).mode & 0o777).toBe(0o640);
  });

  it('refuses a directory and a device', () => {
    mkdirSync(file);
    expect(() => openAuditLog(file, { productVersion: '9.9.9' })).toThrow(
      expect.objectContaining({ name: 'AuditWriteError', code: 'io', path: file }),
    );
    expect(() => openAuditLog('/dev/null', { productVersion: '9.9.9' })).toThrow(
      expect.objectContaining({ code: 'not_regular' }),
    );
  });

  it('refuses a parent that is a file', () => {
    writeFileSync(join(dir, 'plain'), '');
    expect(() => openAuditLog(join(dir, 'plain', 'audit.jsonl'), { productVersion: '9.9.9' })).toThrow(
      AuditWriteError,
    );
  });

  it('throws when the write fails, and continues once the disk has room again', () => {
    let full = true;
    const fs: AuditFs = {
      ...nodeFs,
      writeSync: ((...args: Parameters<typeof nodeFs.writeSync>) => {
        if (full)
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        return nodeFs.writeSync(...args);
      }) as typeof nodeFs.writeSync,
    };
    const log = openAuditLog(file, { productVersion: '9.9.9', fs });
    expect(() => log.append(auditEvent('sent'))).toThrow(
      expect.objectContaining({ code: 'io', message: expect.stringContaining('must not proceed') }),
    );
    full = false;
    log.append(auditEvent('sent'));
    log.close();
    expect(verifyAuditLog(file)).toMatchObject({ ok: true, records: 1 });
  });

  it('throws when fsync fails', () => {
    const fs: AuditFs = {
      ...nodeFs,
      fsyncSync: () => {
        throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
      },
    };
    const log = openAuditLog(file, { productVersion: '9.9.9', fs });
    expect(() => log.append(auditEvent('sent'))).toThrow(expect.objectContaining({ code: 'io' }));
    log.close();
  });

  it('never writes after a line a short write left torn', () => {
    let calls = 0;
    const fs: AuditFs = {
      ...nodeFs,
      writeSync: ((fd: number, buffer: Buffer, offset: number, length: number) => {
        calls++;
        if (calls === 1) return nodeFs.writeSync(fd, buffer, offset, 100);
        if (calls === 2)
          throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        return nodeFs.writeSync(fd, buffer, offset, length);
      }) as typeof nodeFs.writeSync,
    };
    const log = openAuditLog(file, { productVersion: '9.9.9', fs });
    expect(() => log.append(auditEvent('sent'))).toThrow(expect.objectContaining({ code: 'io' }));
    expect(() => log.append(auditEvent('sent'))).toThrow(
      expect.objectContaining({ code: 'torn_tail', line: 1 }),
    );
    log.close();
    expect(statSync(file).size).toBe(100);
  });

  it('throws on an event that cannot be serialised, writing nothing', () => {
    const log = openAuditLog(file, { productVersion: '9.9.9' });
    expect(() => log.append(auditEvent('sent', { arguments: { n: 1n } }))).toThrow(
      expect.objectContaining({ code: 'unserializable' }),
    );
    log.append(auditEvent('sent'));
    log.close();
    expect(() => log.append(auditEvent('sent'))).toThrow(expect.objectContaining({ code: 'closed' }));
    expect(verifyAuditLog(file)).toMatchObject({ ok: true, records: 1 });
  });

  it('refuses to open after a torn write, naming the file, the line and the command', () => {
    logOf(3);
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, -10));
    let error: unknown;
    try {
      openAuditLog(file, { productVersion: '9.9.9' });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'torn_tail', line: 3, path: file });
    expect((error as Error).message).toContain(`${file} line 3 is incomplete`);
    expect((error as Error).message).toContain(`tenant-mcp audit repair ${file}`);
  });

  it('refuses to open after the last record was edited', () => {
    logOf(3);
    const list = lines();
    list[2] = list[2]!.replace('"r2"', '"r9"');
    writeLines(list);
    expect(() => openAuditLog(file, { productVersion: '9.9.9' })).toThrow(
      expect.objectContaining({
        code: 'bad_tail',
        line: 3,
        message: expect.stringContaining('audit verify'),
      }),
    );
  });
});

describe('tenant-mcp audit', () => {
  it('verify: exit 0 and one line when intact', () => {
    logOf(3);
    const run = cli(['verify', file]);
    expect(run.code).toBe(0);
    const named = `${file} (replica ${defaultReplicaId()})`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(run.stdout).toMatch(new RegExp(`^${named}: 3 records, chain intact; head [0-9a-f]{64}\\n$`));
    expect(run.stderr).toBe('');
  });

  it('verify: exit 1 naming the first bad record', () => {
    logOf(3);
    const list = lines();
    list[1] = list[1]!.replace('"r1"', '"r7"');
    writeLines(list);
    const run = cli(['verify', file]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      `${file} (replica ${defaultReplicaId()}): line 2 was edited after it was written: it does not match its unmapped.hash (1 records before it are intact)\n`,
    );
  });

  it('usage errors and unreadable files exit 2', () => {
    expect(cli([])).toMatchObject({ code: 2, stderr: expect.stringContaining('missing command') });
    expect(cli(['verify'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('verify needs a FILE'),
    });
    expect(cli(['check', file])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown command "check"'),
    });
    expect(cli(['verify', file, 'extra']).code).toBe(2);
    expect(cli(['verify', join(dir, 'nope.jsonl')])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no such file'),
    });
    expect(cli(['verify', dir])).toMatchObject({ code: 2, stderr: expect.stringContaining('a directory') });
    expect(cli(['--help'])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('audit verify [FILE] [--key KEY]'),
    });
  });

  it('repair sets a torn line aside and the writer continues', () => {
    logOf(3);
    const intact = readFileSync(file, 'utf8');
    writeFileSync(file, `${intact}{"activity_id":2,"cla`);
    const run = cli(['repair', file]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain('set the torn line 4 aside');
    expect(readFileSync(file, 'utf8')).toBe(intact);
    const aside = readdirSync(dir).find((name) => name.startsWith('audit.jsonl.torn-'))!;
    expect(readFileSync(join(dir, aside), 'utf8')).toBe('{"activity_id":2,"cla');
    expect(statSync(join(dir, aside)).mode & 0o777).toBe(0o600);
    logOf(1);
    expect(verifyAuditLog(file)).toMatchObject({ ok: true, records: 4 });
  });

  it('repair leaves an intact log alone and refuses anything but a torn line', () => {
    logOf(3);
    expect(cli(['repair', file])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('nothing to repair'),
    });
    const list = lines();
    list.splice(1, 1);
    writeLines(list);
    const before = readFileSync(file, 'utf8');
    const run = cli(['repair', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('only a torn final line is repaired');
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});

describe('paths', () => {
  it('uses TENANT_MCP_STATE_DIR, made absolute, or ~/.tenant-mcp', () => {
    expect(resolveStateDir({ TENANT_MCP_STATE_DIR: '/srv/mcp' })).toBe('/srv/mcp');
    expect(resolveStateDir({ TENANT_MCP_STATE_DIR: 'rel' })).toBe(join(process.cwd(), 'rel'));
    expect(resolveStateDir({})).toBe(join(os.homedir(), '.tenant-mcp'));
    expect(resolveStateDir({ TENANT_MCP_STATE_DIR: '' })).toBe(join(os.homedir(), '.tenant-mcp'));
    expect(defaultAuditPath('/srv/mcp')).toBe('/srv/mcp/audit.jsonl');
  });
});
