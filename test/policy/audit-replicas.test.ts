// Pins the replica id of the audit trail: every record names its replica, a writer refuses another
// replica's chain (two replicas given one state directory by mistake fail closed), and verify calls a
// record of another replica inside a chain `foreign`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sealRecord, sha256Hex } from '../../src/policy/audit/chain.js';
import {
  AuditWriteError,
  defaultReplicaId,
  GENESIS_HASH,
  openAuditLog,
  parseReplicaId,
  rotatedFiles,
  runAuditCli,
  verifyAuditLog,
} from '../../src/policy/audit/index.js';
import { ConfigError, loadConfig } from '../../src/server/config.js';
import { loadCatalog } from '../../src/tools/providers.js';
import { auditEvent } from './fixtures/audit-events.js';
import { OcsfApiActivity } from './fixtures/ocsf-schema.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(os.tmpdir(), 'tenant-mcp-replicas-'));
  file = join(dir, 'audit.jsonl');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const lines = () => readFileSync(file, 'utf8').split('\n').slice(0, -1);

function thrown(run: () => unknown): AuditWriteError {
  try {
    run();
  } catch (error) {
    if (error instanceof AuditWriteError) return error;
    throw error;
  }
  throw new Error('expected an AuditWriteError');
}

/** A sealed line continuing `prev` (the previous line), with `unmapped` fields of our choosing. */
function craftedLine(prev: string | undefined, seq: number, extra: Record<string, unknown> = {}): string {
  return sealRecord({
    unmapped: { ...extra, seq, prev_hash: prev === undefined ? GENESIS_HASH : sha256Hex(prev) },
  });
}

describe('replica id', () => {
  it('is in every record, as unmapped.replica and OCSF src_endpoint.instance_uid', () => {
    const log = openAuditLog(file, { productVersion: 't', replica: 'mcp-a' });
    log.append(auditEvent('approved'));
    log.append(auditEvent('sent'));
    expect(log.replica).toBe('mcp-a');
    log.close();
    for (const line of lines()) {
      const record = JSON.parse(line);
      expect(record.unmapped.replica).toBe('mcp-a');
      expect(record.src_endpoint.instance_uid).toBe('mcp-a');
      expect(OcsfApiActivity.safeParse(record).success).toBe(true);
    }
    expect(verifyAuditLog(file)).toMatchObject({ ok: true, records: 2, replica: 'mcp-a' });
  });

  it('defaults to the host name, made safe', () => {
    expect(defaultReplicaId('web-1.example.com')).toBe('web-1.example.com');
    expect(defaultReplicaId('héllo wörld')).toBe('h-llo-w-rld');
    expect(defaultReplicaId('--x')).toBe('x');
    expect(defaultReplicaId('')).toBe('replica');
    expect(defaultReplicaId('a'.repeat(200))).toBe('a'.repeat(64));
    const log = openAuditLog(file, { productVersion: 't' });
    expect(log.replica).toBe(defaultReplicaId(os.hostname()));
    log.close();
  });

  it.each([[''], ['../etc'], ['a b'], ['-a'], ['.'], ['a'.repeat(65)], ['mcp\u001b[31m'], ['a/b']])(
    'refuses %j, naming the setting',
    (value) => {
      expect(() => parseReplicaId(value)).toThrow(/TENANT_MCP_REPLICA_ID .* must be 1 to 64 characters/);
      // A control character is shown escaped, never raw on the operator's terminal.
      let message = '';
      try {
        parseReplicaId(value);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).not.toContain(String.fromCharCode(27));
    },
  );

  it('comes from TENANT_MCP_REPLICA_ID in the configuration, checked', async () => {
    const env = { TENANT_MCP_STATE_DIR: dir };
    const load = (p: 'auth0' | 'monocloud') => loadCatalog(p);
    expect(
      (await loadConfig({}, { ...env, TENANT_MCP_REPLICA_ID: ' mcp-b ' }, load)).auditTrail.replica,
    ).toBe('mcp-b');
    expect((await loadConfig({}, env, load)).auditTrail.replica).toBe(defaultReplicaId());
    await expect(loadConfig({}, { ...env, TENANT_MCP_REPLICA_ID: 'a b' }, load)).rejects.toThrow(ConfigError);
    await expect(loadConfig({}, { ...env, TENANT_MCP_REPLICA_ID: 'a b' }, load)).rejects.toThrow(
      /TENANT_MCP_REPLICA_ID/,
    );
  });

  it('a writer refuses to continue another replica’s chain, and writes nothing', () => {
    const a = openAuditLog(file, { productVersion: 't', replica: 'mcp-a' });
    a.append(auditEvent('sent'));
    a.close();
    const before = readFileSync(file, 'utf8');
    const error = thrown(() => openAuditLog(file, { productVersion: 't', replica: 'mcp-b' }));
    expect(error.code).toBe('foreign_chain');
    expect(error.message).toContain('replica "mcp-a"');
    expect(error.message).toContain('replica "mcp-b"');
    expect(error.message).toContain('TENANT_MCP_REPLICA_ID=mcp-a');
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('and so does one opened first, at its next append (two replicas started on one empty directory)', () => {
    const a = openAuditLog(file, { productVersion: 't', replica: 'mcp-a' });
    const b = openAuditLog(file, { productVersion: 't', replica: 'mcp-b' });
    a.append(auditEvent('sent'));
    expect(thrown(() => b.append(auditEvent('sent'))).code).toBe('foreign_chain');
    a.append(auditEvent('sent'));
    expect(thrown(() => b.append(auditEvent('sent'))).code).toBe('foreign_chain');
    a.close();
    b.close();
    expect(verifyAuditLog(file)).toMatchObject({ ok: true, records: 2, replica: 'mcp-a' });
  });

  it('refuses across a rotation too: the newest rotated file names the replica', () => {
    const a = openAuditLog(file, { productVersion: 't', replica: 'mcp-a', maxBytes: 3000 });
    for (let i = 0; i < 6; i++) a.append(auditEvent('sent'));
    a.close();
    expect(rotatedFiles(file).length).toBeGreaterThan(0);
    // A crash right after a rotation leaves the live file empty; the chain is still replica a's.
    writeFileSync(file, '');
    expect(thrown(() => openAuditLog(file, { productVersion: 't', replica: 'mcp-b' })).code).toBe(
      'foreign_chain',
    );
  });

  it('processes of one replica may share a file, and the writer says so once', () => {
    const told: string[] = [];
    const one = openAuditLog(file, {
      productVersion: 't',
      replica: 'desk',
      onOtherWriter: (d) => told.push(d),
    });
    const two = openAuditLog(file, { productVersion: 't', replica: 'desk' });
    for (let i = 0; i < 3; i++) {
      one.append(auditEvent('sent'));
      two.append(auditEvent('sent'));
    }
    one.close();
    two.close();
    expect(told).toHaveLength(1);
    expect(told[0]).toContain('another process appended');
    expect(verifyAuditLog(file)).toMatchObject({ ok: true, records: 6, replica: 'desk' });
  });

  it('continues a chain written before records named their replica', () => {
    const first = craftedLine(undefined, 0);
    writeFileSync(file, `${first}\n${craftedLine(first, 1)}\n`);
    const log = openAuditLog(file, { productVersion: 't', replica: 'mcp-a' });
    log.append(auditEvent('sent'));
    log.close();
    expect(verifyAuditLog(file)).toMatchObject({ ok: true, records: 3, replica: 'mcp-a' });
  });

  it('verify calls another replica’s record in a chain foreign, and one that names none after it', () => {
    const a = openAuditLog(file, { productVersion: 't', replica: 'mcp-a' });
    a.append(auditEvent('sent'));
    a.append(auditEvent('sent'));
    a.close();
    const own = lines();
    writeFileSync(file, `${own.join('\n')}\n${craftedLine(own[1], 2, { replica: 'mcp-b' })}\n`);
    expect(verifyAuditLog(file)).toMatchObject({
      ok: false,
      code: 'foreign',
      line: 3,
      records: 2,
      replica: 'mcp-a',
      problem: expect.stringContaining('replica "mcp-b" in the chain of replica "mcp-a"'),
    });
    writeFileSync(file, `${own.join('\n')}\n${craftedLine(own[1], 2)}\n`);
    expect(verifyAuditLog(file)).toMatchObject({ ok: false, code: 'foreign', line: 3 });
    writeFileSync(file, `${own.join('\n')}\n${craftedLine(own[1], 2, { replica: 'bad id' })}\n`);
    expect(verifyAuditLog(file)).toMatchObject({ ok: false, code: 'not_a_record', line: 3 });
  });

  it('audit init keys another replica’s chain from a shell that does not carry its id', () => {
    const a = openAuditLog(file, { productVersion: 't', replica: 'mcp-a' });
    a.append(auditEvent('sent'));
    a.close();
    let out = '';
    const io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (out += t) } };
    expect(runAuditCli(['init', file], io)).toBe(0);
    const log = openAuditLog(file, { productVersion: 't', replica: 'mcp-a' });
    expect(log.keyed).toBe(true);
    log.close();
  });
});
