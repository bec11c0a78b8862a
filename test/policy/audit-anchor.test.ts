// Pins the external anchor: the trail's head leaves the machine (HTTPS-style POST or UDP syslog) when it
// moves, not when it stands still, and a collector that is down only costs a line on stderr.
import { createSocket } from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openAuditLog, startAuditAnchor, verifyAuditLog } from '../../src/policy/audit/index.js';
import type { AuditEvent } from '../../src/policy/types.js';

const event: AuditEvent = {
  time: 1,
  decision: 'sent',
  reason: 'HTTP 200',
  tenant: { name: 'prod', domain: 'acme.eu.auth0.com' },
  profile: 'admin',
  tool: 'invoke_read_operation',
  correlationId: 'c',
};

function trail() {
  return openAuditLog(join(mkdtempSync(join(tmpdir(), 'tenant-mcp-anchor-')), 'audit.jsonl'), {
    productVersion: 't',
  });
}

describe('audit anchor', () => {
  it('POSTs the head when it moved, and the head is the one audit verify prints', async () => {
    const bodies: Array<Record<string, unknown>> = [];
    const server = createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      bodies.push(JSON.parse(body));
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const log = trail();
    const anchor = startAuditAnchor({
      log,
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/anchor`,
      intervalMs: 60_000,
      report: () => {},
    });
    try {
      await anchor.tick();
      expect(bodies).toEqual([]); // nothing written yet
      log.append(event);
      log.append(event);
      await anchor.tick();
      await anchor.tick();
      expect(bodies).toHaveLength(1);
      const verified = verifyAuditLog(log.path);
      expect(bodies[0]).toMatchObject({
        type: 'tenant-mcp.audit-anchor',
        seq: 1,
        head: (verified as { head: string }).head,
        keyed: false,
      });
    } finally {
      await anchor.stop();
      log.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('sends RFC 5424 syslog over UDP, and reports a failed POST without throwing', async () => {
    const socket = createSocket('udp4');
    const received = new Promise<string>((resolve) =>
      socket.once('message', (message) => resolve(message.toString())),
    );
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const log = trail();
    log.append(event);
    const udp = startAuditAnchor({
      log,
      url: `udp://127.0.0.1:${socket.address().port}`,
      intervalMs: 60_000,
      report: () => {},
    });
    await udp.tick();
    expect(await received).toMatch(
      /^<134>1 \S+ \S+ tenant-mcp \d+ audit-anchor - \{"type":"tenant-mcp\.audit-anchor".*"seq":0/,
    );
    await udp.stop();
    socket.close();

    const lines: string[] = [];
    const down = startAuditAnchor({
      log,
      url: 'http://127.0.0.1:9/secret-path',
      intervalMs: 60_000,
      report: (l) => lines.push(l),
    });
    await down.tick();
    expect(lines.join('')).toMatch(/audit anchor to http:\/\/127\.0\.0\.1:9 failed/);
    expect(lines.join('')).not.toContain('secret-path');
    await down.stop();
    log.close();
  });
});
