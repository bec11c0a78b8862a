/**
 * Tells a chat-ops bot that a call is waiting for a person (`TENANT_MCP_APPROVAL_WEBHOOK`). It is handed
 * to the gate as `onHeld`: the POST leaves in the background, never delays or fails the held call, and
 * its outcome goes to stderr only, so nothing about it (not even the link) reaches the agent.
 */
import type { ApprovalRecord } from './approvals.js';

/** Default time a webhook POST may take before it is abandoned. */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 5_000;

/** Options of {@link createApprovalWebhook}. */
export interface ApprovalWebhookOptions {
  /** Where to POST (http or https); it often carries a secret, so it is never logged whole. */
  url: string;
  /** The server's public base URL; the payload's `url` is `{publicUrl}/approvals/<id>`. */
  publicUrl?: string;
  /** Diagnostics (stderr). */
  log: (line: string) => void;
  /** Abandon a POST after this long (default {@link DEFAULT_WEBHOOK_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** The fetch to use (default the global one). */
  fetch?: typeof fetch;
}

/** What the webhook receives, as JSON. */
export interface ApprovalWebhookPayload {
  /** The approval id. */
  id: string;
  /** The same summary `tenant-mcp approve` shows; it contains tenant data, so treat it as untrusted text. */
  summary: string;
  /** The approvals page for this call, when the server has one (HTTP transport). */
  url?: string;
  /** Operation id (or task tool name) held. */
  operation: string;
  /** Tenant name. */
  tenant: string;
  /** Risk class. */
  risk: string;
  /** When the approval expires, ISO 8601. */
  expiresAt: string;
}

/** A `GateOptions.onHeld` listener that posts to the webhook; `idle()` settles once nothing is in flight. */
export type ApprovalNotifier = ((record: ApprovalRecord) => void) & {
  /** Resolves when every POST started so far has finished or failed (for shutdown and tests). */
  idle(): Promise<void>;
};

/**
 * Creates the webhook notifier; throws when the URL is not absolute, or is plain http to a host other
 * than loopback (the payload names the held change and the link to approve it; it must not travel in clear).
 */
export function createApprovalWebhook(options: ApprovalWebhookOptions): ApprovalNotifier {
  const target = parseHttpUrl(options.url, 'TENANT_MCP_APPROVAL_WEBHOOK');
  if (target.protocol === 'http:' && !isLoopbackHost(target.hostname)) {
    throw new Error(
      `TENANT_MCP_APPROVAL_WEBHOOK must use https:// off loopback (http:// only to 127.0.0.1, ::1 or localhost), not ${target.origin}.`,
    );
  }
  const base = options.publicUrl
    ? parseHttpUrl(options.publicUrl, 'public URL').href.replace(/\/+$/, '')
    : '';
  const timeoutMs = options.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
  const send = options.fetch ?? fetch;
  // The path and query of a webhook URL are often its secret (Slack, Teams): log the origin only.
  const where = target.origin;
  const inFlight = new Set<Promise<void>>();

  const notify = (record: ApprovalRecord): void => {
    const payload: ApprovalWebhookPayload = {
      id: record.id,
      summary: record.summary,
      ...(base ? { url: `${base}/approvals/${encodeURIComponent(record.id)}` } : {}),
      operation: record.operation,
      tenant: record.tenant,
      risk: record.risk,
      expiresAt: new Date(record.expiresAt).toISOString(),
    };
    const done = send(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'tenant-mcp approvals webhook' },
      body: JSON.stringify(payload),
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    })
      .then(async (response) => {
        await response.body?.cancel().catch(() => {});
        if (!response.ok)
          options.log(
            `tenant-mcp: approval webhook ${where} answered HTTP ${response.status} for ${record.id}`,
          );
      })
      .catch((error: Error) => {
        const reason = error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : error.message;
        options.log(`tenant-mcp: approval webhook ${where} failed for ${record.id}: ${reason}`);
      })
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  };
  return Object.assign(notify, {
    idle: async () => {
      while (inFlight.size) await Promise.all(inFlight);
    },
  });
}

function parseHttpUrl(text: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`${what} is not an absolute URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`${what} must be an http or https URL, not ${url.protocol}`);
  return url;
}

function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}
