/**
 * Finds operations by what an admin wants to do. A small weighted keyword index over facts we own (ids,
 * paths, toolsets, our summaries and overlay synonyms, scopes); built once, on first use.
 */
import type { HttpMethod, OperationSpec, Risk } from '../tools/types.js';

/** A search request. */
export interface SearchQuery {
  /** Free text, e.g. "block a user" or "failed logins". */
  query: string;
  /** Only operations of this toolset (first OpenAPI tag). */
  toolset?: string;
  /** Only operations of this risk class. */
  risk?: Risk;
  /** Maximum number of hits. */
  limit: number;
}

/** One hit with its score. */
export interface SearchHit {
  /** The operation found. */
  op: OperationSpec;
  /** Relevance; higher is better. */
  score: number;
}

/** Words that say which HTTP method the admin has in mind. */
const INTENT: Record<string, HttpMethod[]> = {
  list: ['GET'],
  get: ['GET'],
  show: ['GET'],
  find: ['GET'],
  search: ['GET'],
  read: ['GET'],
  view: ['GET'],
  check: ['GET'],
  why: ['GET'],
  create: ['POST'],
  add: ['POST', 'PUT'],
  new: ['POST'],
  send: ['POST'],
  assign: ['POST'],
  update: ['PATCH', 'PUT'],
  change: ['PATCH', 'PUT'],
  edit: ['PATCH'],
  set: ['PATCH', 'PUT'],
  modify: ['PATCH'],
  delete: ['DELETE'],
  remove: ['DELETE'],
  revoke: ['DELETE', 'POST'],
  unassign: ['DELETE'],
  unblock: ['DELETE', 'PATCH'],
};

const STOP = new Set([
  'a',
  'an',
  'the',
  'of',
  'for',
  'to',
  'in',
  'on',
  'by',
  'my',
  'all',
  'with',
  'and',
  'or',
  'is',
]);

/** Lower-cases, splits on non-alphanumerics and camelCase, and strips plural endings. */
export function tokenize(text: string): string[] {
  return text
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word && !STOP.has(word))
    .map(stem);
}

function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 4 && /(ss|sh|ch|x)es$/.test(word)) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

interface Entry {
  op: OperationSpec;
  fields: Array<[weight: number, tokens: Set<string>]>;
}

/** A search index over a list of operations. */
export interface SearchIndex {
  /** Best matches first; ties keep catalog order. */
  search(query: SearchQuery): SearchHit[];
}

/** Builds the index. */
export function createSearchIndex(operations: readonly OperationSpec[]): SearchIndex {
  const entries: Entry[] = operations.map((op) => ({
    op,
    fields: [
      [3, new Set(tokenize(op.id))],
      [3, new Set((op.keywords ?? []).flatMap(tokenize))],
      [2, new Set(tokenize(op.summary))],
      [2, new Set(tokenize(op.path.replace(/\{[^}]*\}/g, ' ')))],
      [1.5, new Set(tokenize(op.toolset))],
      [1, new Set(op.scopes.flatMap(tokenize))],
    ],
  }));
  const documentFrequency = new Map<string, number>();
  for (const entry of entries) {
    const seen = new Set<string>();
    for (const [, tokens] of entry.fields) for (const token of tokens) seen.add(token);
    for (const token of seen) documentFrequency.set(token, (documentFrequency.get(token) ?? 0) + 1);
  }
  const total = entries.length;
  const idf = (token: string) => Math.log(1 + total / (1 + (documentFrequency.get(token) ?? 0)));

  return {
    search({ query, toolset, risk, limit }) {
      const words = tokenize(query);
      const methods = new Set(words.flatMap((word) => INTENT[word] ?? []));
      const exactId = query.trim();
      const hits: SearchHit[] = [];
      for (const entry of entries) {
        const { op } = entry;
        if (toolset && op.toolset !== toolset) continue;
        if (risk && op.risk !== risk) continue;
        let score = op.id === exactId ? 100 : 0;
        let matched = 0;
        for (const word of words) {
          let best = 0;
          for (const [weight, tokens] of entry.fields) {
            if (tokens.has(word)) best = Math.max(best, weight);
            else if (word.length >= 4) {
              for (const token of tokens) {
                if (token.startsWith(word) || (token.length >= 4 && word.startsWith(token))) {
                  best = Math.max(best, weight / 2);
                }
              }
            }
          }
          if (best > 0) matched++;
          score += best * idf(word);
        }
        if (score === 0) continue;
        // Favour operations that match every word, then the method the words ask for.
        score *= 0.5 + (0.5 * matched) / Math.max(1, words.length);
        if (methods.has(op.method)) score *= 1.3;
        // Among near-equals, the shorter path is the more general operation.
        score -= op.path.length / 1000;
        hits.push({ op, score });
      }
      hits.sort((a, b) => b.score - a.score);
      return hits.slice(0, limit);
    },
  };
}
