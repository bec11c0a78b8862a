/**
 * Several chains at once: the trails of several replicas, copied side by side (`trails/a/audit.jsonl`,
 * `trails/b/audit.jsonl`) or named one by one. A chain is named by its live file; its rotated files and
 * key file sit beside it.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** At most this many chains in one command: a directory of millions of files is a mistake, not a fleet. */
export const MAX_CHAINS = 1000;

/** The chains the paths name, and why some path named none. */
export interface FoundChains {
  /** Live files, each once, in the order given (a directory's sorted by path). */
  chains: string[];
  /** One sentence per path that could not be used. */
  problems: string[];
}

function isChainName(name: string): boolean {
  return name.endsWith('.jsonl') && !name.startsWith('.');
}

/** The `*.jsonl` files directly in `dir`. */
function chainsIn(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && isChainName(entry.name))
    .map((entry) => join(dir, entry.name))
    .sort();
}

/**
 * The chains of `paths`: a file is one chain; a directory holds every `*.jsonl` in it and in its direct
 * subdirectories (one per replica, as copied from each machine).
 */
export function findChains(paths: readonly string[]): FoundChains {
  const chains: string[] = [];
  const seen = new Set<string>();
  const problems: string[] = [];
  const add = (file: string) => {
    const key = resolve(file);
    if (seen.has(key)) return;
    seen.add(key);
    chains.push(file);
  };
  for (const path of paths) {
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      problems.push(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : String(error)}`);
      continue;
    }
    if (!stat.isDirectory()) {
      add(path);
      continue;
    }
    let found: string[];
    try {
      found = chainsIn(path);
      for (const entry of readdirSync(path, { withFileTypes: true })) {
        if (entry.isDirectory() && !entry.name.startsWith('.'))
          found.push(...chainsIn(join(path, entry.name)));
      }
    } catch (error) {
      problems.push(`cannot read the directory ${path}: ${String(error)}`);
      continue;
    }
    if (found.length === 0)
      problems.push(`${path} is a directory with no *.jsonl chain in it or its subdirectories`);
    for (const file of found) add(file);
    if (chains.length > MAX_CHAINS) break;
  }
  if (chains.length > MAX_CHAINS) {
    problems.push(`more than ${MAX_CHAINS} chains: name fewer paths`);
    chains.length = MAX_CHAINS;
  }
  return { chains, problems };
}
