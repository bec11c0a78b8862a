// Pins shipping the trail to a collector: through an outage nothing is lost and, without a crash, nothing
// is sent twice; batches are bounded; only durable, checked records leave; a restart resumes from the
// cursor; rotation, retention gaps, a replaced chain and a hostile collector are each handled and said.
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type AuditLog,
  type AuditShipper,
  openAuditLog,
  readShipCursor,
  rotatedFiles,
  type ShipperOptions,
  shipCursorPath,
  startAuditShipper,
  verifyAuditLog,
} from '../../src/policy/audit/index.js';
import { ConfigError, loadConfig } from '../../src/server/config.js';
import { loadCatalog } from '../../src/tools/providers.js';
import { auditEvent } from './fixtures/audit-events.js';
import { type Collector, startCollector } from './fixtures/collector.js';

let dir: string;
let file: string;
let collector: Collector;
const open: Array<{ stop(): Promise<void> } | AuditLog> = [];
beforeEach(async () => {
  dir = mkdtempSync(join(os.tmpdir(), 'tenant-mcp-ship-'));
  file = join(dir, 'audit.jsonl');
  collector = await startCollector();
});
afterEach(async () => {
  for (const thing of open.splice(0).reverse()) {
    if ('stop' in thing) await thing.stop();
    else thing.close();
  }
  await collector.close();
  rmSync(dir, { recursive: true, force: true });
});

const fileLines = (path = file) => readFileSync(path, 'utf8').split('\n').slice(0, -1);
const chainLines = () => [...rotatedFiles(file), file].flatMap((path) => fileLines(path));

function trail(options: Partial<Parameters<typeof openAuditLog>[1]> = {}): AuditLog {
  const log = openAuditLog(file, { productVersion: 't', replica: 'mcp-a', ...options });
  open.push(log);
  return log;
}

function ship(chain: ShipperOptions['chain'], options: Partial<ShipperOptions> = {}) {
  const reports: string[] = [];
  const shipper = startAuditShipper({
    chain,
    url: `${collector.url}/ingest`,
    intervalMs: 20,
    minBackoffMs: 10,
    maxBackoffMs: 80,
    report: (line) => reports.push(line),
    ...options,
  });
  open.push(shipper);
  return { shipper, reports };
}

async function settled(shipper: AuditShipper, seq: number): Promise<void> {
  await collector.until(() => shipper.cursor?.seq === seq);
}

describe('shipping to a collector', () => {
  it('delivers every record once, in order, byte for byte, through an outage of five kinds', async () => {
    const log = trail();
    // 503 with a Retry-After, a dropped connection, a redirect, a 500 whose body never ends, and a 401.
    collector.behave((n, _req, res) => {
      if (n === 0) res.writeHead(503, { 'retry-after': '0' }).end();
      else if (n === 1) res.socket?.destroy();
      else if (n === 2) res.writeHead(302, { location: 'http://127.0.0.1:9/' }).end();
      else if (n === 3) {
        res.writeHead(500);
        const more = () => res.write('x'.repeat(65_536), () => setTimeout(more, 1));
        more();
      } else if (n === 4) res.writeHead(401).end('who are you');
      else return false;
      return true;
    });
    const url = `${collector.url.replace('://', '://shipper:s3cret-pw@')}/secret-path/ingest`;
    const { shipper, reports } = ship(log, { url });
    for (let i = 0; i < 30; i++) log.append(auditEvent('sent', { reason: `r${i}` }));
    await settled(shipper, 29);
    for (let i = 30; i < 50; i++) await log.appendDurable(auditEvent('sent', { reason: `r${i}` }));
    await settled(shipper, 49);

    expect(collector.requests).toBeGreaterThan(5);
    expect(collector.lines()).toEqual(fileLines());
    expect(collector.received[0]!.headers).toMatchObject({
      'content-type': 'application/x-ndjson',
      'x-tenant-mcp-replica': 'mcp-a',
      'x-tenant-mcp-first-seq': '0',
      authorization: `Basic ${Buffer.from('shipper:s3cret-pw').toString('base64')}`,
    });
    expect(await readShipCursor(shipCursorPath(file))).toEqual({
      replica: 'mcp-a',
      seq: 49,
      hash: shipper.cursor!.hash,
    });
    expect(reports[0]).toMatch(/audit shipping to http:\/\/127\.0\.0\.1:\d+ failed \(HTTP 503\); attempt 1/);
    expect(reports.at(-1)).toMatch(/resumed after 5 failed attempt\(s\)/);
    for (const line of reports) expect(line).not.toMatch(/secret-path|s3cret|shipper:/);

    // The collector's copy is the chain itself: it verifies as replica a's.
    const copy = join(dir, 'copy.jsonl');
    writeFileSync(copy, `${collector.lines().join('\n')}\n`);
    expect(verifyAuditLog(copy)).toMatchObject({ ok: true, records: 50, replica: 'mcp-a' });
  });

  it('bounds each batch by records and bytes, and names its seqs', async () => {
    const log = trail();
    for (let i = 0; i < 40; i++) log.append(auditEvent('sent', { reason: 'x'.repeat(i * 37) }));
    const { shipper } = ship(log, { maxBatchRecords: 7, maxBatchBytes: 4_000 });
    await settled(shipper, 39);
    expect(collector.lines()).toEqual(fileLines());
    for (const batch of collector.received) {
      expect(batch.lines.length).toBeLessThanOrEqual(7);
      if (batch.lines.length > 1) expect(batch.bytes).toBeLessThanOrEqual(4_000);
      const seqs = batch.lines.map((line) => JSON.parse(line).unmapped.seq);
      expect(batch.headers['x-tenant-mcp-first-seq']).toBe(String(seqs[0]));
      expect(batch.headers['x-tenant-mcp-last-seq']).toBe(String(seqs.at(-1)));
    }
  });

  it('sends nothing past the durable head', async () => {
    const log = trail();
    for (let i = 0; i < 10; i++) log.append(auditEvent('sent'));
    let durable = log.durableHead!;
    expect(durable.seq).toBe(9);
    const chain = {
      path: file,
      replica: 'mcp-a',
      get durableHead() {
        return durable;
      },
    };
    durable = { seq: 4, hash: 'unused' };
    const { shipper } = ship(chain);
    await settled(shipper, 4);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(collector.lines()).toEqual(fileLines().slice(0, 5));
    durable = log.durableHead!;
    await settled(shipper, 9);
    expect(collector.lines()).toEqual(fileLines());
  });

  it('the durable head follows group commits, never ahead of an fsync', async () => {
    const log = trail();
    expect(log.durableHead).toBeUndefined();
    log.appendDeferred(auditEvent('sent'));
    expect(log.head?.seq).toBe(0);
    expect(log.durableHead).toBeUndefined();
    await log.appendDurable(auditEvent('sent'));
    expect(log.durableHead?.seq).toBe(1);
    log.append(auditEvent('sent'));
    expect(log.durableHead).toEqual(log.head);
    log.close();
    const again = trail();
    expect(again.durableHead).toEqual(again.head);
  });

  it('resumes from the cursor after a restart, sending only what is new', async () => {
    const log = trail();
    for (let i = 0; i < 10; i++) log.append(auditEvent('sent'));
    const first = ship(log);
    await settled(first.shipper, 9);
    await first.shipper.stop();
    for (let i = 0; i < 5; i++) log.append(auditEvent('sent'));
    const before = collector.lines().length;
    const second = ship(log);
    await settled(second.shipper, 14);
    expect(collector.lines().slice(before)).toEqual(fileLines().slice(10));
    expect(collector.lines()).toEqual(fileLines());
    expect(second.reports).toEqual([]);
  });

  it('a chain moved aside is shipped again from its start, and said', async () => {
    let log = trail();
    for (let i = 0; i < 6; i++) log.append(auditEvent('sent'));
    const first = ship(log);
    await settled(first.shipper, 5);
    await first.shipper.stop();
    log.close();
    renameSync(file, `${file}.evidence`);
    log = trail();
    for (let i = 0; i < 3; i++) log.append(auditEvent('held'));
    const second = ship(log);
    await settled(second.shipper, 2);
    expect(second.reports.join('\n')).toMatch(/ends before seq 5, the last record shipped: it was replaced/);
    expect(collector.lines().slice(6)).toEqual(fileLines());
  });

  it('a corrupt or foreign cursor ships the chain from its oldest record (duplicates, nothing lost)', async () => {
    const log = trail();
    for (let i = 0; i < 4; i++) log.append(auditEvent('sent'));
    writeFileSync(shipCursorPath(file), `{"v":1,"replica":"mcp-b","seq":2,"hash":"${'0'.repeat(64)}"}\n`);
    const first = ship(log);
    await settled(first.shipper, 3);
    expect(first.reports.join('\n')).toContain('is replica "mcp-b"\'s, not this chain\'s');
    await first.shipper.stop();
    writeFileSync(shipCursorPath(file), 'x'.repeat(10_000));
    const second = ship(log);
    await settled(second.shipper, 3);
    expect(second.reports.join('\n')).toMatch(/too large to be a cursor/);
    expect(collector.lines()).toEqual([...fileLines(), ...fileLines()]);
  });

  it('follows rotations, and names the records retention deleted before they could be shipped', async () => {
    const log = trail({ maxBytes: 3_000, keep: 2 });
    log.append(auditEvent('sent'));
    log.append(auditEvent('sent'));
    const first = ship(log);
    await settled(first.shipper, 1);
    await first.shipper.stop();
    // The shipper is down (or the collector is) while rotation and retention run on.
    for (let i = 0; i < 30; i++) log.append(auditEvent('sent'));
    const oldest = JSON.parse(chainLines()[0]!).unmapped.seq as number;
    expect(oldest).toBeGreaterThan(2);
    const second = ship(log);
    await settled(second.shipper, 31);
    expect(second.reports.join('\n')).toContain(
      `records seq 2 to ${oldest - 1} of ${file} are gone from the chain before they were shipped`,
    );
    expect(collector.lines().slice(2)).toEqual(chainLines());
  });

  it('an outage across many rotations loses nothing while the files are kept', async () => {
    collector.behave((_n, _req, res) => {
      res.writeHead(503).end();
      return true;
    });
    const log = trail({ maxBytes: 3_000, keep: 100 });
    const { shipper } = ship(log);
    for (let i = 0; i < 25; i++) log.append(auditEvent('sent'));
    await collector.until(() => collector.requests >= 3);
    expect(rotatedFiles(file).length).toBeGreaterThan(5);
    collector.behave(undefined);
    await settled(shipper, 24);
    for (let i = 0; i < 25; i++) await log.appendDurable(auditEvent('sent'));
    await settled(shipper, 49);
    expect(collector.lines()).toEqual(chainLines());
  });

  it('stops at a record that does not check, having shipped those before it', async () => {
    const log = trail();
    for (let i = 0; i < 6; i++) log.append(auditEvent('sent', { reason: `r${i}` }));
    log.close();
    const lines = fileLines();
    lines[3] = lines[3]!.replace('"r3"', '"r9"');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const chain = { path: file, replica: 'mcp-a', durableHead: { seq: 5, hash: 'x' } };
    const { shipper, reports } = ship(chain);
    await settled(shipper, 2);
    await collector.until(() => shipper.stuck !== undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(collector.lines()).toEqual(lines.slice(0, 3));
    expect(reports.join('\n')).toMatch(
      /stopped at .*audit\.jsonl byte \d+: seq 3 does not match its own hash/,
    );
  });

  it('treats a collector’s endless 200 body as delivered without reading it, and clamps Retry-After', async () => {
    const log = trail();
    log.append(auditEvent('sent'));
    collector.behave((n, _req, res) => {
      if (n === 0) {
        res.writeHead(429, { 'retry-after': '999999' }).end();
        return true;
      }
      if (n === 1) {
        res.writeHead(200);
        const more = () => res.write('y'.repeat(65_536), () => setTimeout(more, 1));
        more();
        collector.received.push({ headers: {}, lines: ['taken'], bytes: 0 });
        return true;
      }
      return false;
    });
    const started = Date.now();
    const { shipper } = ship(log, { maxBackoffMs: 200 });
    await settled(shipper, 0);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(collector.requests).toBe(2);
  });

  it('halves a batch the collector finds too large (413)', async () => {
    const log = trail();
    for (let i = 0; i < 16; i++) log.append(auditEvent('sent'));
    collector.behave((_n, _req, res, body) => {
      if (body.toString().split('\n').length - 1 <= 4) return false;
      res.writeHead(413).end();
      return true;
    });
    const { shipper } = ship(log, { maxBatchRecords: 16 });
    await settled(shipper, 15);
    expect(collector.lines()).toEqual(fileLines());
    for (const batch of collector.received) expect(batch.lines.length).toBeLessThanOrEqual(4);
  });

  it('sends RFC 5424 syslog over UDP, a record too large for a datagram as its digest', async () => {
    const socket = createSocket('udp4');
    const messages: string[] = [];
    socket.on('message', (message) => messages.push(message.toString()));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const log = trail();
    log.append(auditEvent('sent'));
    log.append(auditEvent('sent', { arguments: { blob: 'z'.repeat(70_000) } }));
    const { shipper } = ship(log, { url: `udp://127.0.0.1:${socket.address().port}` });
    await settled(shipper, 1);
    await collector.until(() => messages.length === 2, 2_000);
    socket.close();
    expect(messages[0]).toMatch(/^<134>1 \S+ \S+ tenant-mcp \d+ audit - \{/);
    expect(messages[0]!.slice(messages[0]!.indexOf(' - ') + 3)).toBe(fileLines()[0]);
    expect(JSON.parse(messages[1]!.slice(messages[1]!.indexOf(' - ') + 3))).toMatchObject({
      type: 'tenant-mcp.audit-oversize',
      replica: 'mcp-a',
      seq: 1,
      hash: shipper.cursor!.hash,
    });
  });
});

describe('shipping configuration', () => {
  const load = (p: 'auth0' | 'monocloud') => loadCatalog(p);
  const base = () => ({ TENANT_MCP_STATE_DIR: dir });

  it('takes https, loopback http and udp, with interval and batch', async () => {
    const config = await loadConfig(
      {},
      {
        ...base(),
        TENANT_MCP_AUDIT_SHIP_URL: 'https://logs.example.com/ingest',
        TENANT_MCP_AUDIT_SHIP_AUTHORIZATION: 'Splunk 1234',
        TENANT_MCP_AUDIT_SHIP_INTERVAL: '5',
        TENANT_MCP_AUDIT_SHIP_BATCH: '100',
      },
      load,
    );
    expect(config.auditTrail.ship).toEqual({
      url: 'https://logs.example.com/ingest',
      authorization: 'Splunk 1234',
      intervalMs: 5_000,
      maxBatchRecords: 100,
    });
    expect(
      (await loadConfig({}, { ...base(), TENANT_MCP_AUDIT_SHIP_URL: 'udp://10.0.0.5:514' }, load)).auditTrail
        .ship,
    ).toMatchObject({ url: 'udp://10.0.0.5:514', intervalMs: 2_000, maxBatchRecords: 500 });
    expect((await loadConfig({}, base(), load)).auditTrail.ship).toBeUndefined();
  });

  it.each([
    [{ TENANT_MCP_AUDIT_SHIP_URL: 'http://logs.example.com/x' }, /must be https/],
    [{ TENANT_MCP_AUDIT_SHIP_URL: 'udp://logs.example.com' }, /udp:\/\/host:port/],
    [{ TENANT_MCP_AUDIT_SHIP_AUTHORIZATION: 'Bearer t' }, /SHIP_URL is not/],
    [
      { TENANT_MCP_AUDIT_SHIP_URL: 'udp://h:514', TENANT_MCP_AUDIT_SHIP_AUTHORIZATION: 'Bearer t' },
      /not syslog/,
    ],
    [
      { TENANT_MCP_AUDIT_SHIP_URL: 'https://u:p@h/x', TENANT_MCP_AUDIT_SHIP_AUTHORIZATION: 'Bearer t' },
      /choose one/,
    ],
    [
      { TENANT_MCP_AUDIT_SHIP_URL: 'https://h/x', TENANT_MCP_AUDIT_SHIP_AUTHORIZATION: 'a\r\nX-Evil: 1' },
      /one header/,
    ],
    [{ TENANT_MCP_AUDIT_SHIP_URL: 'https://h/x', TENANT_MCP_AUDIT_SHIP_BATCH: '0' }, /SHIP_BATCH/],
    [{ TENANT_MCP_AUDIT_SHIP_URL: 'https://h/x', TENANT_MCP_AUDIT_SHIP_INTERVAL: 'often' }, /SHIP_INTERVAL/],
  ])('refuses %o, naming the setting', async (env, message) => {
    const load = loadConfig({}, { ...base(), ...env }, (p) => loadCatalog(p));
    await expect(load).rejects.toThrow(ConfigError);
    await expect(loadConfig({}, { ...base(), ...env }, (p) => loadCatalog(p))).rejects.toThrow(message);
  });

  it('never echoes a collector URL it cannot parse, nor a credential', async () => {
    const error = await loadConfig(
      {},
      {
        ...base(),
        TENANT_MCP_AUDIT_SHIP_URL: 'not a url with s3cret',
        TENANT_MCP_AUDIT_SHIP_AUTHORIZATION: 'x',
      },
      load,
    ).catch((e: Error) => e);
    expect(String(error)).toMatch(/TENANT_MCP_AUDIT_SHIP_URL is not a URL/);
    expect(String(error)).not.toContain('s3cret');
  });
});

describe('the server ships its trail', () => {
  it('composeApp starts the shipper from the configuration, records name the replica, close flushes', async () => {
    const { composeApp } = await import('../../src/compose.js');
    const config = await loadConfig(
      {},
      {
        TENANT_MCP_STATE_DIR: dir,
        TENANT_MCP_REPLICA_ID: 'mcp-z',
        TENANT_MCP_AUDIT_SHIP_URL: `${collector.url}/ingest`,
        TENANT_MCP_AUDIT_SHIP_INTERVAL: '3600',
      },
      (p) => loadCatalog(p),
    );
    const logs: string[] = [];
    const app = await composeApp(config, (line) => logs.push(line));
    const gate = app.gateFor(config.profile.name);
    await gate.invoke({
      operation: 'get_roles',
      arguments: {},
      route: 'read',
      tool: 'invoke_read_operation',
    });
    await app.close();
    // What was on disk at close went; an outcome record whose group commit ended later goes at the next
    // start, from the cursor.
    const shipped = collector.lines();
    expect(shipped.length).toBeGreaterThanOrEqual(1);
    expect(fileLines().slice(0, shipped.length)).toEqual(shipped);
    expect(JSON.parse(shipped[0]!).unmapped).toMatchObject({ decision: 'approved', replica: 'mcp-z' });
    expect(logs.filter((line) => line.includes('shipping'))).toEqual([]);
    const log = openAuditLog(file, { productVersion: 't', replica: 'mcp-z' });
    open.push(log);
    const { shipper } = ship(log);
    await settled(shipper, fileLines().length - 1);
    expect(collector.lines()).toEqual(fileLines());
  });
});
