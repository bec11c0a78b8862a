/**
 * Three (or N) replicas for the shared tenant budget, as separate Node processes, and a tenant that
 * enforces a rate limit the way Auth0 does: used by the acceptance test and by the bench.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createRateLimiter } from '../../src/sandbox/rate-limit.js';
import { type RecordingUpstream, startRecordingUpstream } from './recording-upstream.js';

const REPLICA = join(import.meta.dirname, '..', 'shared', 'fixtures', 'budget-replica.ts');
/** What one replica reports. */
export interface ReplicaCounts {
  ok: number;
  refused: number;
  rateLimitedByTenant: number;
  failed: number;
  ms: number;
}

/**
 * A tenant enforcing `limit` requests per second with a bucket of `limit`, answering Auth0's headers
 * (`X-RateLimit-Limit`, `-Remaining`, `-Reset` in epoch seconds) and 429 with `Retry-After` past it; it
 * records when each request was let through.
 */
export async function startLimitedTenant(limit: number) {
  const limiter = createRateLimiter({ limit, perSecond: limit });
  const accepted: number[] = [];
  let refused = 0;
  const upstream: RecordingUpstream = await startRecordingUpstream({
    fallback: () => {
      const now = Date.now();
      const verdict = limiter.take(now);
      const headers = limiter.headers(now);
      if (verdict.retryAfterSec !== undefined) {
        refused++;
        return {
          status: 429,
          headers: { ...headers, 'retry-after': String(verdict.retryAfterSec) },
          body: { statusCode: 429, error: 'Too Many Requests', message: 'Global limit has been reached' },
        };
      }
      accepted.push(now);
      return { status: 200, headers, body: [] };
    },
  });
  return { upstream, accepted, refused: () => refused };
}

/** Starts `count` replicas, lets them go at once, and collects their counts (within 30 s). */
export async function runReplicas(
  count: number,
  config: { redisUrl?: string; tenant: string; calls: number; concurrency: number },
): Promise<ReplicaCounts[]> {
  const children: ChildProcess[] = [];
  try {
    const results = Array.from({ length: count }, () => {
      const child = spawn(process.execPath, ['--import', 'tsx', REPLICA, JSON.stringify(config)], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      children.push(child);
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const lines = createInterface({ input: child.stdout! });
      const ready = new Promise<void>((resolve, reject) => {
        lines.once('line', (line) => (line === 'ready' ? resolve() : reject(new Error(line))));
        child.once('exit', (code) => reject(new Error(`replica exited (${code}) before ready: ${stderr}`)));
      });
      const done = new Promise<ReplicaCounts>((resolve, reject) => {
        lines.on('line', (line) => {
          if (line.startsWith('{')) resolve(JSON.parse(line) as ReplicaCounts);
        });
        child.once('exit', (code) => reject(new Error(`replica exited (${code}) without counts: ${stderr}`)));
      });
      return { child, ready, done };
    });
    const deadline = (what: string) =>
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`replicas: ${what} timed out`)), 30_000),
      );
    await Promise.race([Promise.all(results.map((r) => r.ready)), deadline('start')]);
    for (const { child } of results) child.stdin?.write('go\n');
    return await Promise.race([Promise.all(results.map((r) => r.done)), deadline('run')]);
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  }
}

/**
 * Requests per second the tenant let through, after its first second: the tenant's own burst of `limit`
 * would otherwise count as rate.
 */
export function heldRate(accepted: number[]): number {
  const first = accepted[0]!;
  const window = accepted.filter((at) => at >= first + 1000);
  return (window.length - 1) / ((window.at(-1)! - window[0]!) / 1000);
}
