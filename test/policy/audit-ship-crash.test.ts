// Proves shipping is restart-safe: the shipper is killed with SIGKILL twice, once with a batch in flight
// and once right after the collector acknowledged a batch, and after a restart the collector holds every
// record of the chain, nothing it never held, and duplicates only of the batch acknowledged at the kill
// (the documented at-least-once: its cursor may not have reached the disk).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { rotatedFiles, runAuditCli, verifyAuditLog } from '../../src/policy/audit/index.js';
import { type Collector, startCollector } from './fixtures/collector.js';

const CHILD = join(import.meta.dirname, 'fixtures', 'audit-ship-child.ts');

let dir: string | undefined;
let collector: Collector | undefined;
afterEach(async () => {
  await collector?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function run(file: string, url: string, mode: 'write' | 'drain') {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, file, url, mode], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  return { child, exited, output: () => ({ stdout, stderr }) };
}

/** After a kill: a torn last line is the only damage allowed, and repair sets it aside. */
function checkAndRepair(file: string): void {
  const result = verifyAuditLog(file);
  if (result.ok) return;
  expect(result).toMatchObject({ code: 'torn_tail' });
  const quiet = { write: () => true };
  expect(runAuditCli(['repair', file], { stdout: quiet, stderr: quiet })).toBe(0);
}

it('nothing lost and duplicates only of the batch acknowledged at the kill, across two SIGKILLs', async () => {
  dir = mkdtempSync(join(os.tmpdir(), 'tenant-mcp-ship-crash-'));
  const file = join(dir, 'audit.jsonl');
  collector = await startCollector();
  const url = `${collector.url}/ingest`;

  // Run 1: killed with a batch in flight, which the collector never answers.
  const first = run(file, url, 'write');
  collector.behave((n, _req, res) => {
    if (collector!.received.length < 5) return false;
    first.child.kill('SIGKILL');
    res.socket?.destroy();
    return n >= 0;
  });
  expect((await first.exited).signal).toBe('SIGKILL');
  checkAndRepair(file);
  const takenBeforeSecond = collector.received.length;

  // Run 2: killed just after the collector acknowledged a batch: its cursor may or may not be on disk.
  const second = run(file, url, 'write');
  let acknowledgedAtKill: string[] = [];
  collector.behave((_n, _req, res, body) => {
    if (collector!.received.length < takenBeforeSecond + 5) return false;
    const lines = body.toString('utf8').split('\n').slice(0, -1);
    collector!.received.push({ headers: {}, lines, bytes: body.length });
    acknowledgedAtKill = lines;
    collector!.behave((_m, _r, answer) => {
      answer.socket?.destroy();
      return true;
    });
    res.end('{"ok":true}', () => second.child.kill('SIGKILL'));
    return true;
  });
  expect((await second.exited).signal).toBe('SIGKILL');
  checkAndRepair(file);
  expect(acknowledgedAtKill.length).toBeGreaterThan(0);

  // Run 3: the collector is healthy; the shipper drains the chain and exits.
  collector.behave(undefined);
  const third = run(file, url, 'drain');
  const ended = await third.exited;
  expect(ended, third.output().stderr).toMatchObject({ code: 0 });

  const chain = [...rotatedFiles(file), file].flatMap((path) =>
    readFileSync(path, 'utf8').split('\n').slice(0, -1),
  );
  expect(verifyAuditLog(file)).toMatchObject({ ok: true, records: chain.length, replica: 'crash' });
  expect(chain.length).toBeGreaterThan(50);
  const taken = collector.lines();
  const inChain = new Set(chain);
  const counts = new Map<string, number>();
  for (const line of taken) counts.set(line, (counts.get(line) ?? 0) + 1);
  expect(chain.filter((line) => !counts.has(line))).toEqual([]); // nothing lost
  expect(taken.filter((line) => !inChain.has(line))).toEqual([]); // nothing invented, no torn fragment
  const duplicated = [...counts].filter(([, n]) => n > 1).map(([line]) => line);
  const allowed = new Set(acknowledgedAtKill);
  expect(duplicated.filter((line) => !allowed.has(line))).toEqual([]);
  expect(Math.max(...counts.values())).toBeLessThanOrEqual(2);
  expect(third.output().stdout).toBe(`drained ${chain.length - 1}\n`);
}, 60_000);
