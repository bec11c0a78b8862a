/**
 * The one connection to the Redis that replicas share (`TENANT_MCP_REDIS_URL`). Its surface is small on
 * purpose: every race between replicas is decided inside Redis by one Lua script, so callers need only
 * {@link SharedRedis.eval} (EVALSHA, falling back to EVAL once when Redis does not know the script yet),
 * namespaced keys, and whether the connection is up. When Redis cannot answer (down, reconnecting, slower
 * than the command timeout) a call rejects with {@link SharedStateUnavailable} at once: commands are not
 * queued while offline, so nothing waits on a Redis that is gone, and callers fail closed. The client
 * reconnects by itself and service resumes when Redis returns.
 *
 * This area imports no other area of tenant-mcp: the policy layer and the server both build on it.
 */
import { createHash } from 'node:crypto';
import { createClient, ErrorReply } from '@redis/client';

/** What a script may return (RESP2 as Lua converts it): bulk strings, integers, nil, nested arrays. */
export type RedisReply = string | number | null | RedisReply[];

/** A script argument: Redis receives every one as a string. */
export type ScriptArgument = string | number;

/** Thrown when shared state cannot be read or changed because Redis is unreachable or too slow. */
export class SharedStateUnavailable extends Error {
  override readonly name = 'SharedStateUnavailable';
  /** Stable code, for results and logs. */
  readonly code = 'shared_state_unavailable';
  /**
   * @param detail why (the client's own words: offline, timed out, refused)
   */
  constructor(readonly detail: string) {
    super(
      `Shared state in Redis (TENANT_MCP_REDIS_URL) is unavailable (${detail}), so nothing that needs it runs.`,
    );
  }
}

/** The shared connection, as the policy layer and the server use it. */
export interface SharedRedis {
  /** The prefix of every key (`TENANT_MCP_REDIS_NAMESPACE`, default `tenant-mcp`). */
  readonly namespace: string;
  /** A key in the namespace: `namespace:part:part…`. */
  key(...parts: string[]): string;
  /**
   * Runs a Lua script atomically (EVALSHA, EVAL on NOSCRIPT) and returns its reply. Rejects with
   * {@link SharedStateUnavailable} when Redis cannot answer in time; an error the script raises is thrown
   * as is (a bug of ours, not an outage).
   */
  eval(script: string, keys: readonly string[], args: readonly ScriptArgument[]): Promise<RedisReply>;
  /**
   * Whether the connection is up and no command failed for want of Redis in the last two seconds. Cheap,
   * synchronous.
   */
  healthy(): boolean;
  /** Resolves once connected, or rejects with {@link SharedStateUnavailable} after `timeoutMs`. */
  ready(timeoutMs: number): Promise<void>;
  /** Closes the connection. */
  close(): Promise<void>;
}

/** Options of {@link connectSharedRedis}. */
export interface SharedRedisOptions {
  /** `redis://` or `rediss://` URL, possibly with a user, password and database number. */
  url: string;
  /** Key prefix. */
  namespace: string;
  /** Command (and connect) timeout in milliseconds. */
  timeoutMs: number;
  /** Diagnostics (stderr); told when Redis goes away and comes back, never the URL's password. */
  log?: (line: string) => void;
}

/** The URL with its password replaced, for logs. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href;
  } catch {
    return 'an unparsable Redis URL';
  }
}

/** How long a failed command marks a connected Redis unhealthy. */
const FAILURE_MEMORY_MS = 2000;

const shaOf = new Map<string, string>();
function sha1(script: string): string {
  let sha = shaOf.get(script);
  if (!sha) {
    sha = createHash('sha1').update(script).digest('hex');
    shaOf.set(script, sha);
  }
  return sha;
}

/** Connects in the background (a replica may start before Redis) and reconnects for ever. */
export function connectSharedRedis(options: SharedRedisOptions): SharedRedis {
  const log = options.log ?? (() => {});
  const where = redactRedisUrl(options.url);
  const client = createClient({
    url: options.url,
    // Offline commands fail at once instead of queueing: a held call must not wait on a Redis that is gone.
    disableOfflineQueue: true,
    commandOptions: { timeout: options.timeoutMs, rejectInFlight: true },
    socket: {
      connectTimeout: Math.max(options.timeoutMs, 1000),
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 1000),
    },
  });
  let up = false;
  /** When a command last failed for want of Redis while connected (0: since the last success). */
  let failedAt = 0;
  let closed = false;
  let lastError = 'not connected yet';
  const waiters = new Set<() => void>();
  client.on('ready', () => {
    if (!up) log(`tenant-mcp: shared state: connected to Redis at ${where}`);
    up = true;
    told = false;
    failedAt = 0;
    for (const wake of waiters) wake();
    waiters.clear();
  });
  // Said once per outage: when the connection is lost, or when the first attempts fail.
  let told = false;
  client.on('error', (error: Error) => {
    lastError = error.message || error.name;
    if (up) log(`tenant-mcp: shared state: lost Redis at ${where} (${lastError}); reconnecting`);
    else if (!told && !closed)
      log(`tenant-mcp: shared state: cannot reach Redis at ${where} (${lastError}); retrying`);
    told = true;
    up = false;
  });
  client.on('end', () => {
    up = false;
  });
  client.connect().catch((error: Error) => {
    lastError = error.message;
    if (!closed && !told) log(`tenant-mcp: shared state: cannot reach Redis at ${where} (${lastError})`);
  });

  function unavailable(error: unknown): SharedStateUnavailable {
    const message = (error as Error)?.message || String(error);
    failedAt = Date.now();
    lastError = message;
    return new SharedStateUnavailable(/timeout/i.test(message) ? 'Redis did not answer in time' : message);
  }

  async function run(args: string[]): Promise<RedisReply> {
    if (!up) throw new SharedStateUnavailable(`not connected: ${lastError}`);
    try {
      const reply = (await client.sendCommand(args)) as RedisReply;
      failedAt = 0;
      return reply;
    } catch (error) {
      if (error instanceof ErrorReply && !/^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN)/.test(error.message))
        throw error;
      throw unavailable(error);
    }
  }

  return {
    namespace: options.namespace,
    key: (...parts) => [options.namespace, ...parts].join(':'),
    async eval(script, keys, args) {
      const tail = [String(keys.length), ...keys, ...args.map(String)];
      try {
        return await run(['EVALSHA', sha1(script), ...tail]);
      } catch (error) {
        if (!(error instanceof ErrorReply) || !error.message.startsWith('NOSCRIPT')) throw error;
        return run(['EVAL', script, ...tail]);
      }
    },
    // A failure counts for a moment only: with no command to succeed since (stdio, writes refused), a
    // connected Redis must not stay "down" for ever.
    healthy: () => up && (failedAt === 0 || Date.now() - failedAt > FAILURE_MEMORY_MS),
    ready(timeoutMs) {
      if (up) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new SharedStateUnavailable(`not connected after ${timeoutMs} ms: ${lastError}`));
        }, timeoutMs);
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        waiters.add(wake);
      });
    },
    async close() {
      closed = true;
      await client.close().catch(() => client.destroy());
    },
  };
}
