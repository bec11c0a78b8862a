// Pins group commit: concurrent calls share fsyncs, yet each waits until an fsync that began after its own
// record was written, and a failed fsync fails the calls it covered (fail closed).
import * as nodeFs from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { AuditWriteError, openAuditLog, verifyAuditLog } from '../../src/policy/audit/index.js';
import { auditEvent } from './fixtures/audit-events.js';

function countingFs(fail = false) {
  const events: string[] = [];
  const fs = {
    ...nodeFs,
    writeSync: ((...args: Parameters<typeof nodeFs.writeSync>) => {
      events.push('write');
      return (nodeFs.writeSync as (...a: unknown[]) => number)(...args);
    }) as typeof nodeFs.writeSync,
    fsync: ((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
      events.push('fsync-start');
      nodeFs.fsync(fd, (error) => {
        events.push('fsync-end');
        callback(fail ? Object.assign(new Error('disk gone'), { code: 'EIO' }) : error);
      });
    }) as typeof nodeFs.fsync,
  };
  return { fs, events };
}

describe('appendDurable', () => {
  it('shares fsyncs across a burst and leaves a valid chain', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tenant-mcp-group-')), 'audit.jsonl');
    const { fs, events } = countingFs();
    const log = openAuditLog(path, { productVersion: 'test', fs });
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => log.appendDurable(auditEvent('sent', { reason: `r${i}` }))),
    );
    const fsyncs = events.filter((e) => e === 'fsync-start').length;
    expect(events.filter((e) => e === 'write')).toHaveLength(50);
    expect(fsyncs).toBeGreaterThanOrEqual(1);
    expect(fsyncs).toBeLessThan(50);
    // Every write is followed by an fsync that started after it.
    const lastWrite = events.lastIndexOf('write');
    expect(events.indexOf('fsync-start', lastWrite)).toBeGreaterThan(lastWrite);
    log.close();
    expect(verifyAuditLog(path)).toMatchObject({ ok: true, records: 50 });
  });

  it('rejects every call its failed fsync covered', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tenant-mcp-group-')), 'audit.jsonl');
    const { fs } = countingFs(true);
    const log = openAuditLog(path, { productVersion: 'test', fs });
    const results = await Promise.allSettled([1, 2, 3].map(() => log.appendDurable(auditEvent('sent'))));
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(AuditWriteError);
    }
    log.close();
  });
});

describe('appendDeferred', () => {
  it('writes at once and joins the next fsync without waiting for it', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tenant-mcp-group-')), 'audit.jsonl');
    const { fs, events } = countingFs();
    const log = openAuditLog(path, { productVersion: 'test', fs });
    log.appendDeferred(auditEvent('sent', { reason: 'outcome' }));
    expect(events).toEqual(['write', 'fsync-start']);
    await log.appendDurable(auditEvent('approved'));
    log.close();
    expect(verifyAuditLog(path)).toMatchObject({ ok: true, records: 2 });
  });

  it('refuses every later record once a deferred fsync has failed (fail closed)', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tenant-mcp-group-')), 'audit.jsonl');
    const { fs, events } = countingFs(true);
    const log = openAuditLog(path, { productVersion: 'test', fs });
    log.appendDeferred(auditEvent('sent'));
    await vi.waitFor(() => expect(events).toContain('fsync-end'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(() => log.appendDeferred(auditEvent('sent'))).toThrow(AuditWriteError);
    await expect(log.appendDurable(auditEvent('approved'))).rejects.toBeInstanceOf(AuditWriteError);
    log.close();
  });
});
