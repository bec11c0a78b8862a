/**
 * An external anchor for the trail: at an interval, the head (last seq and its hash) leaves the machine,
 * to an HTTPS endpoint (a chat-ops webhook, a collector) or a syslog server over UDP. Whoever later
 * rewrites or cuts the log cannot recall what was sent, so `audit verify`'s head can be compared with the
 * anchors. Nothing is sent while the head stands still; a failed send is reported on stderr and retried
 * at the next tick, never affecting a call.
 */
import { createSocket } from 'node:dgram';
import os from 'node:os';
import type { AuditLog } from './writer.js';

/** What an anchor carries, as JSON (the syslog message's text too). */
export interface AuditAnchor {
  /** Always `tenant-mcp.audit-anchor`. */
  type: 'tenant-mcp.audit-anchor';
  /** The log's path on its machine. */
  log: string;
  /** Its host. */
  host: string;
  /** The replica whose chain it is: anchors of several replicas may go to one place. */
  replica: string;
  /** The last record's seq. */
  seq: number;
  /** SHA-256 of the last record's line: what `audit verify` prints as the head. */
  head: string;
  /** Whether the records carry forward-secure MACs. */
  keyed: boolean;
  /** When it was sent, ISO 8601. */
  time: string;
}

/** Options of {@link startAuditAnchor}. */
export interface AnchorOptions {
  /** The open trail. */
  log: AuditLog;
  /** `https://…` (or `http://` on loopback) to POST JSON to, or `udp://host:port` for RFC 5424 syslog. */
  url: string;
  /** How often to look at the head. */
  intervalMs: number;
  /** Diagnostics (stderr). */
  report: (line: string) => void;
  /** The fetch to use (default the global one). */
  fetch?: typeof fetch;
}

/** A running anchor. */
export interface Anchor {
  /** Sends the head now if it moved since the last send. */
  tick(): Promise<void>;
  /** Stops the timer after one last send. */
  stop(): Promise<void>;
}

/** Starts sending the head of `options.log` at an interval. */
export function startAuditAnchor(options: AnchorOptions): Anchor {
  const target = new URL(options.url);
  const send = options.fetch ?? fetch;
  const host = os.hostname();
  let sent: string | undefined;
  let running: Promise<void> | undefined;

  async function deliver(anchor: AuditAnchor): Promise<void> {
    const text = JSON.stringify(anchor);
    if (target.protocol === 'udp:') {
      // local0.info, the message a plain JSON text so a collector can keep it as is.
      const line = `<134>1 ${anchor.time} ${host} tenant-mcp ${process.pid} audit-anchor - ${text}`;
      const socket = createSocket(
        target.hostname.includes(':') || target.hostname.startsWith('[') ? 'udp6' : 'udp4',
      );
      await new Promise<void>((resolve, reject) => {
        socket.send(line, Number(target.port), target.hostname.replace(/^\[|\]$/g, ''), (error) => {
          socket.close();
          if (error) reject(error);
          else resolve();
        });
      });
      return;
    }
    const response = await send(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'tenant-mcp audit anchor' },
      body: text,
      redirect: 'error',
      signal: AbortSignal.timeout(5_000),
    });
    await response.body?.cancel().catch(() => {});
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
  }

  async function tick(): Promise<void> {
    const head = options.log.head;
    if (!head || head.hash === sent) return;
    const anchor: AuditAnchor = {
      type: 'tenant-mcp.audit-anchor',
      log: options.log.path,
      host,
      replica: options.log.replica,
      seq: head.seq,
      head: head.hash,
      keyed: options.log.keyed,
      time: new Date().toISOString(),
    };
    try {
      await deliver(anchor);
      sent = head.hash;
    } catch (error) {
      // The URL's path may be a secret (webhooks): name the origin only.
      options.report(
        `tenant-mcp: audit anchor to ${target.protocol}//${target.host} failed: ${(error as Error).message}`,
      );
    }
  }

  const timer = setInterval(() => {
    running ??= tick().finally(() => {
      running = undefined;
    });
  }, options.intervalMs);
  timer.unref();
  return {
    tick,
    async stop() {
      clearInterval(timer);
      await running;
      await tick();
    },
  };
}
