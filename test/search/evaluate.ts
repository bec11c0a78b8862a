/**
 * Runs the evaluation sets (`intents/*.yaml`) through the same search the server builds for a profile,
 * and counts how often an acceptable answer is first, in the top three and in the top five. Used by
 * `search.test.ts` (which holds the figures) and by `npm run bench` (which prints them).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { getProfile, type ProfileName } from '../../src/policy/profiles.js';
import { createSearchIndex, rankedNames } from '../../src/server/search/index.js';
import { auth0Catalog } from '../../src/tools/auth0/index.js';
import { monocloudCatalog } from '../../src/tools/monocloud/index.js';
import { taskToolsFor } from '../../src/tools/tasks/index.js';
import type { Catalog } from '../../src/tools/types.js';

/** One intent of an evaluation set. */
export interface Intent {
  /** What a user typed. */
  intent: string;
  /** Operation ids or task tool names, any of which answers it. */
  accept: string[];
}

/** A set's figures. */
export interface Figures {
  /** Intents in the set. */
  count: number;
  /** Share with an acceptable answer first. */
  hit1: number;
  /** ... in the top three. */
  hit3: number;
  /** ... in the top five. */
  hit5: number;
  /** Intents with no acceptable answer in the top three, with what came first instead. */
  misses: Array<{ intent: string; accept: string[]; got: string[]; rank: number }>;
}

const DIR = join(import.meta.dirname, 'intents');

/** The catalogs by provider name. */
export const CATALOGS: Record<'auth0' | 'monocloud', Catalog> = {
  auth0: auth0Catalog,
  monocloud: monocloudCatalog,
};

/** Reads an evaluation set: `auth0`, `auth0-holdout`, `monocloud`, `monocloud-holdout`. */
export function loadIntents(name: string): Intent[] {
  return parse(readFileSync(join(DIR, `${name}.yaml`), 'utf8')) as Intent[];
}

/** Builds the search exactly as the server does for `profile`: its operations and its task tools. */
export function searchFor(provider: 'auth0' | 'monocloud', profileName: ProfileName = 'admin') {
  const catalog = CATALOGS[provider];
  const profile = getProfile(profileName, catalog);
  const visible = catalog.operations.filter((op) => !profile.denies(op));
  const tasks = taskToolsFor(provider).filter((tool) => profile.allowsTool(tool.name));
  return createSearchIndex(visible, tasks);
}

/** The figures of `intents` against `provider`'s search under `profile`. */
export function evaluate(
  provider: 'auth0' | 'monocloud',
  intents: readonly Intent[],
  profile: ProfileName = 'admin',
): Figures {
  const index = searchFor(provider, profile);
  let hit1 = 0;
  let hit3 = 0;
  let hit5 = 0;
  const misses: Figures['misses'] = [];
  for (const { intent, accept } of intents) {
    const got = rankedNames(index.search({ query: intent, limit: 8 }));
    const rank = got.findIndex((name) => accept.includes(name));
    if (rank === 0) hit1++;
    if (rank >= 0 && rank < 3) hit3++;
    if (rank >= 0 && rank < 5) hit5++;
    if (rank < 0 || rank >= 3) misses.push({ intent, accept, got: got.slice(0, 3), rank });
  }
  const n = intents.length;
  return { count: n, hit1: hit1 / n, hit3: hit3 / n, hit5: hit5 / n, misses };
}
