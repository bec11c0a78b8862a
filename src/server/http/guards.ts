/**
 * The checks every HTTP request passes before MCP sees it: `Host` and `Origin` against allowlists (DNS
 * rebinding), a bounded body, and a token bucket per principal. Each answers with a status and a reason;
 * none throws on bad input.
 */
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/** Hosts and origins a request may name. */
export interface Allowlists {
  /** Lower-case `host[:port]` values accepted in `Host`. */
  hosts: ReadonlySet<string>;
  /** Lower-case origins (`scheme://host[:port]`) accepted in `Origin`. */
  origins: ReadonlySet<string>;
}

/** Whether a bind address is loopback (the default, and the only place `--insecure-no-auth` is allowed). */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d+\.\d+\.\d+$/.test(bare);
}

/**
 * The allowlists for a server bound to `host:port` and reachable at `publicUrl`: the bind address, its
 * loopback spellings when it is loopback, the public URL's host, and any extra origins configured.
 */
export function buildAllowlists(
  host: string,
  port: number,
  publicUrl: string,
  extraOrigins: readonly string[],
): Allowlists {
  const hosts = new Set<string>();
  const bindHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  hosts.add(`${bindHost}:${port}`.toLowerCase());
  if (isLoopback(host)) {
    for (const name of ['localhost', '127.0.0.1', '[::1]']) hosts.add(`${name}:${port}`);
  }
  const pub = new URL(publicUrl);
  hosts.add(pub.host.toLowerCase());
  const origins = new Set<string>([...hosts].map((value) => `http://${value}`));
  origins.add(pub.origin.toLowerCase());
  for (const origin of extraOrigins) origins.add(origin.replace(/\/+$/, '').toLowerCase());
  return { hosts, origins };
}

/** Why `Host` or `Origin` is refused, or `undefined` when both are fine. An absent `Origin` is fine. */
export function checkHostAndOrigin(request: IncomingMessage, allow: Allowlists): string | undefined {
  const host = request.headers.host?.toLowerCase();
  if (!host || !allow.hosts.has(host)) return `Host "${request.headers.host ?? ''}" is not served here.`;
  const origin = request.headers.origin;
  if (origin !== undefined && !allow.origins.has(origin.toLowerCase())) {
    return `Origin "${origin}" is not allowed.`;
  }
  return undefined;
}

/** How many JSON-RPC messages a parsed POST body carries: each costs the sender as one request. */
export function messageCount(body: unknown): number {
  return Array.isArray(body) ? body.length : 1;
}

/** Reads a body up to `limit` bytes; `too_large` as soon as it is known to be over. */
export async function readBody(
  request: IncomingMessage,
  limit: number,
): Promise<{ ok: true; body: Buffer } | { ok: false; reason: 'too_large' | 'aborted' }> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return { ok: false, reason: 'too_large' };
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > limit) return { ok: false, reason: 'too_large' };
      chunks.push(chunk as Buffer);
    }
  } catch {
    return { ok: false, reason: 'aborted' };
  }
  return { ok: true, body: Buffer.concat(chunks) };
}

/** A token bucket per key: `rate` tokens a second, at most `burst` saved up. */
export interface RateLimiter {
  /**
   * Takes `cost` tokens (default 1: a JSON-RPC batch costs one per message) for `key`: 0 when allowed,
   * else the seconds to wait, and nothing is taken. A cost over the burst can never be paid: `Infinity`.
   */
  take(key: string, cost?: number): number;
  /** The seconds `key` would have to wait for a token, without taking one (0 when one is there). */
  wait(key: string): number;
}

/** Creates a rate limiter; `rate` 0 disables it. Buckets idle long enough to be full are forgotten. */
export function createRateLimiter(rate: number, burst: number, now: () => number = Date.now): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  let lastSweep = now();
  return {
    take(key, cost = 1) {
      if (rate <= 0) return 0;
      if (cost > burst) return Number.POSITIVE_INFINITY;
      const t = now();
      if (t - lastSweep > 60_000) {
        for (const [name, bucket] of buckets) {
          if (bucket.tokens + ((t - bucket.at) / 1000) * rate >= burst) buckets.delete(name);
        }
        lastSweep = t;
      }
      const bucket = buckets.get(key) ?? { tokens: burst, at: t };
      bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * rate);
      bucket.at = t;
      buckets.set(key, bucket);
      if (bucket.tokens >= cost) {
        bucket.tokens -= cost;
        return 0;
      }
      return Math.max(1, Math.ceil((cost - bucket.tokens) / rate));
    },
    wait(key) {
      const bucket = buckets.get(key);
      if (rate <= 0 || !bucket) return 0;
      const tokens = Math.min(burst, bucket.tokens + ((now() - bucket.at) / 1000) * rate);
      return tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - tokens) / rate));
    },
  };
}

/** `::ffff:127.0.0.1` is 127.0.0.1: IPv4 peers often reach a dual-stack socket in that form. */
function plainAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

function isTrusted(trusted: BlockList, address: string): boolean {
  const type = isIP(address);
  return type !== 0 && trusted.check(address, type === 6 ? 'ipv6' : 'ipv4');
}

/**
 * The client's address, for lockouts and limits: the socket's peer, unless the peer is a trusted proxy
 * (`TENANT_MCP_TRUSTED_PROXIES`); then `X-Forwarded-For` is read from the right, skipping trusted
 * proxies, and the first address no trusted proxy is is the client. Anyone else's header is ignored.
 */
export function clientAddress(request: IncomingMessage, trusted: BlockList | undefined): string {
  const peer = plainAddress(request.socket.remoteAddress ?? 'unknown');
  if (!trusted || !isTrusted(trusted, peer)) return peer;
  const header = request.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((hop) => plainAddress(hop.trim()))
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (isIP(hop) === 0) return peer;
    if (!isTrusted(trusted, hop)) return hop;
  }
  return hops[0] ?? peer;
}

/**
 * Parses `TENANT_MCP_TRUSTED_PROXIES`: addresses (`127.0.0.1`, `::1`) and CIDR ranges (`10.0.0.0/8`),
 * comma-separated. Returns the block list, or the first entry that is neither.
 */
export function parseTrustedProxies(text: string): { list: BlockList } | { bad: string } {
  const list = new BlockList();
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    const [address, prefix, extra] = entry.split('/');
    const type = isIP(address ?? '');
    if (type === 0 || extra !== undefined) return { bad: entry };
    const family = type === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) {
      list.addAddress(address!, family);
      continue;
    }
    const bits = Number(prefix);
    if (!/^\d{1,3}$/.test(prefix) || bits > (type === 6 ? 128 : 32)) return { bad: entry };
    list.addSubnet(address!, bits, family);
  }
  return { list };
}
