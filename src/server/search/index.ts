/**
 * Finds operations, and the task tools a profile lists, by what an admin wants to do. Field-weighted BM25
 * (BM25F) over facts we own: our summaries and search words, the path's segments and the resource it
 * names, the operation id's parts, parameter and body field names, the toolset. Words are folded by the
 * identity domain's synonyms first ({@link analyze}); the query's verbs then say which methods it wants
 * ({@link readIntent}), and for a question a destructive operation never ranks above a read. Built once
 * per listing, on first use.
 */
import type { OperationSpec, Risk } from '../../tools/types.js';
import { type Intent, readIntent } from './intent.js';
import { analyze, stem } from './text.js';

export { readIntent } from './intent.js';
export { analyze } from './text.js';

/** A search request. */
export interface SearchQuery {
  /** Free text, e.g. "block a user" or "failed logins". */
  query: string;
  /** Only operations of this toolset (first OpenAPI tag). */
  toolset?: string;
  /** Only operations of this risk class. */
  risk?: Risk;
  /** Maximum number of operations. */
  limit: number;
}

/** One operation found, with its score. */
export interface SearchHit {
  /** The operation found. */
  op: OperationSpec;
  /** Relevance; higher is better (a destructive hit of a question ranks last whatever its score). */
  score: number;
}

/** A task tool as search sees it. */
export interface SearchableTask {
  /** Tool name. */
  readonly name: string;
  /** Short title. */
  readonly title: string;
  /** What it does (the line search shows on why to use it). */
  readonly description: string;
  /** What it can do to the tenant. */
  readonly risk: Risk;
  /** Words an admin would type for the job. */
  readonly keywords?: readonly string[];
}

/** A task tool search suggests before the operations. */
export interface TaskSuggestion {
  /** The task tool. */
  task: SearchableTask;
  /** Relevance on the same scale as the operations'. */
  score: number;
}

/** What a search found: at most one task tool to use first, then operations, best first. */
export interface SearchResult {
  /** The task tool that does the job in one call, when one fits well. */
  suggested?: TaskSuggestion;
  /** Operations, best first. */
  hits: SearchHit[];
  /** What the query was read as. */
  intent: Intent;
}

/** A search index over a list of operations and task tools. */
export interface SearchIndex {
  /** Best matches first; ties keep the more general operation (the shorter path) first. */
  search(query: SearchQuery): SearchResult;
}

/** Field weights and length normalisation: summaries and our search words count most. */
const FIELDS = {
  summary: { weight: 3, b: 0.6 },
  keywords: { weight: 2.5, b: 0.3 },
  name: { weight: 2, b: 0.3 },
  resource: { weight: 2, b: 0 },
  path: { weight: 1, b: 0.3 },
  toolset: { weight: 1, b: 0 },
  params: { weight: 0.4, b: 0.8 },
} as const;
type Field = keyof typeof FIELDS;
const FIELD_NAMES = Object.keys(FIELDS) as Field[];

/** BM25's saturation: a word's fourth mention adds little. */
const K1 = 1.2;

/**
 * Verbs that only say which method is wanted; they are read by {@link readIntent} and left out of the
 * words, so "Delete a user" and "delete the user" meet on `user`, not on a verb half the catalog shares.
 */
const METHOD_WORDS = new Set(
  [
    'list',
    'get',
    'show',
    'view',
    'see',
    'display',
    'fetch',
    'read',
    'create',
    'add',
    'new',
    'make',
    'update',
    'change',
    'edit',
    'modify',
    'set',
    'delete',
    'remove',
    'erase',
    'post',
    'put',
    'patch',
    'replace',
    'id',
    'all',
    'every',
    'whose',
    'which',
    'what',
    'when',
    'where',
    'is',
    'are',
    'was',
    'were',
    'does',
    'did',
    'how',
    'not',
    'give',
    'take',
    'tenant',
  ].map(stem),
);

/** How much better a task tool must match than the best operation to be suggested first. */
const TASK_MARGIN = 0.9;

interface Doc {
  /** Term frequencies per field. */
  tf: Record<Field, Map<string, number>>;
  /** Words per field. */
  length: Record<Field, number>;
}

interface OpEntry {
  op: OperationSpec;
  doc: Doc;
  /** The path ends with a parameter: the operation addresses one item. */
  item: boolean;
}

interface TaskEntry {
  task: SearchableTask;
  doc: Doc;
  /** The words of its name and of each of its search phrases, each set a way of naming the job whole. */
  namings: Array<Map<string, number>>;
}

/** The words of `text` the index compares, verbs of method aside. */
function terms(text: string): string[] {
  return analyze(text).filter((word) => !METHOD_WORDS.has(word));
}

function makeDoc(fields: Partial<Record<Field, string[]>>): Doc {
  const tf = {} as Record<Field, Map<string, number>>;
  const length = {} as Record<Field, number>;
  for (const field of FIELD_NAMES) {
    const words = fields[field] ?? [];
    const counts = new Map<string, number>();
    for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
    tf[field] = counts;
    length[field] = words.length;
  }
  return { tf, length };
}

/** The literal segments of a path, parameters dropped. */
function literalSegments(path: string): string[] {
  return path.split('/').filter((segment) => segment && !segment.startsWith('{'));
}

function opDoc(op: OperationSpec): Doc {
  const segments = literalSegments(op.path);
  const params = [...op.params.map((p) => p.name), ...(op.body?.mode === 'fields' ? op.body.fields : [])];
  return makeDoc({
    summary: terms(op.summary),
    keywords: (op.keywords ?? []).flatMap(terms),
    name: terms(op.id.replace(/[_-]+/g, ' ')),
    resource: terms((segments.at(-1) ?? '').replace(/[_-]+/g, ' ')),
    path: segments.flatMap((segment) => terms(segment.replace(/[_-]+/g, ' '))),
    toolset: terms(op.toolset.replace(/[_-]+/g, ' ')),
    params: params.flatMap((name) => terms(name.replace(/[_-]+/g, ' '))),
  });
}

function taskDoc(task: SearchableTask): Doc {
  return makeDoc({
    summary: [...terms(task.title), ...terms(task.description)],
    keywords: (task.keywords ?? []).flatMap(terms),
    name: terms(task.name.replace(/_+/g, ' ')),
  });
}

/** Builds the index over what a profile may see: its operations and the task tools it lists. */
export function createSearchIndex(
  operations: readonly OperationSpec[],
  tasks: readonly SearchableTask[] = [],
): SearchIndex {
  const ops: OpEntry[] = operations.map((op) => ({ op, doc: opDoc(op), item: op.path.endsWith('}') }));
  const taskEntries: TaskEntry[] = tasks.map((task) => {
    const doc = taskDoc(task);
    const phrases = (task.keywords ?? []).map((phrase) => new Map(terms(phrase).map((w) => [w, 1])));
    return { task, doc, namings: [doc.tf.name, ...phrases.filter((p) => p.size > 0)] };
  });
  const all = [...ops.map((e) => e.doc), ...taskEntries.map((e) => e.doc)];
  const documentFrequency = new Map<string, number>();
  const averageLength = {} as Record<Field, number>;
  for (const field of FIELD_NAMES) {
    averageLength[field] =
      all.reduce((sum, doc) => sum + doc.length[field], 0) / Math.max(1, all.length) || 1;
  }
  for (const doc of all) {
    const seen = new Set<string>();
    for (const field of FIELD_NAMES) for (const word of doc.tf[field].keys()) seen.add(word);
    for (const word of seen) documentFrequency.set(word, (documentFrequency.get(word) ?? 0) + 1);
  }
  const total = all.length;
  const idf = (word: string) => {
    const df = documentFrequency.get(word) ?? 0;
    return df === 0 ? 0 : Math.log(1 + (total - df + 0.5) / (df + 0.5));
  };

  /** BM25F of `doc` for `words`, scaled by how much of the query (by weight) it covers. */
  function score(doc: Doc, words: readonly string[]): number {
    let sum = 0;
    let covered = 0;
    let known = 0;
    for (const word of words) {
      const weight = idf(word);
      if (weight === 0) continue; // a word no operation has (a name, a typo) says nothing either way
      known += weight;
      let tf = 0;
      for (const field of FIELD_NAMES) {
        const count = doc.tf[field].get(word);
        if (!count) continue;
        const { weight: w, b } = FIELDS[field];
        tf += (w * count) / (1 - b + (b * doc.length[field]) / averageLength[field]);
      }
      if (tf === 0) continue;
      covered += weight;
      sum += (weight * tf * (K1 + 1)) / (K1 + tf);
    }
    if (sum === 0) return 0;
    const coverage = known === 0 ? 0 : covered / known;
    return sum * (0.35 + 0.65 * coverage * coverage);
  }

  /** The share of a field's words the query says (1 when the field has none). */
  function named(field: Map<string, number>, words: readonly string[]): number {
    if (field.size === 0) return 1;
    let said = 0;
    for (const word of field.keys()) if (words.includes(word)) said++;
    return said / field.size;
  }

  return {
    search({ query, toolset, risk, limit }) {
      const intent = readIntent(query);
      const words = [...new Set(terms(query))];
      const exactId = query.trim();
      const hits: Array<SearchHit & { tier: number }> = [];
      for (const entry of ops) {
        const { op } = entry;
        if (toolset && op.toolset !== toolset) continue;
        if (risk && op.risk !== risk) continue;
        let s = score(entry.doc, words);
        if (op.id === exactId) s += 1000;
        if (s === 0) continue;
        // The operation whose resource the query names whole beats one with words the query never said
        // ("a user's profile" is the user, not a user attribute profile).
        s *= 0.8 + 0.2 * named(entry.doc.tf.resource, words) + 0.2 * named(entry.doc.tf.path, words);
        s *= methodFactor(op, intent);
        if (intent.scope && intent.kind === 'read') s *= (intent.scope === 'item') === entry.item ? 1.1 : 1;
        // Among near-equals, the shorter path is the more general operation.
        s -= op.path.length / 1000;
        // A question never gets a destructive operation above a read.
        const tier = intent.kind === 'read' && op.risk === 'destructive' ? 1 : 0;
        hits.push({ op, score: s, tier });
      }
      hits.sort((a, b) => a.tier - b.tier || b.score - a.score);
      const best = hits[0]?.score ?? 0;
      let suggested: TaskSuggestion | undefined;
      if (!toolset && !risk && !hits.some((h) => h.op.id === exactId)) {
        for (const entry of taskEntries) {
          // A question is never answered with a task that changes the tenant.
          if (intent.kind === 'read' && entry.task.risk !== 'read') continue;
          // Scaled as an operation of its kind would be, so the two compare on one scale.
          let s =
            score(entry.doc, words) *
            (intent.kind === 'read' ? 1.3 : entry.task.risk === 'read' ? 0.7 : 1.4) *
            (0.8 + 0.4 * Math.max(...entry.namings.map((naming) => named(naming, words))));
          if (entry.task.name === exactId) s += 1000;
          if (s > 0 && s >= best * TASK_MARGIN && (!suggested || s > suggested.score))
            suggested = { task: entry.task, score: s };
        }
      }
      return {
        ...(suggested ? { suggested } : {}),
        hits: hits.slice(0, limit).map(({ op, score: s }) => ({ op, score: s })),
        intent,
      };
    },
  };
}

/** How well an operation's method fits what the query asks to do. */
function methodFactor(op: OperationSpec, intent: Intent): number {
  const index = intent.methods.indexOf(op.method);
  if (intent.kind === 'read') return op.risk === 'read' ? 1.3 : 0.5;
  if (index === 0) return 1.4;
  if (index > 0) return 1.2;
  return op.risk === 'read' ? 0.7 : 1;
}

/** The names a search ranks, the suggested task first: what an agent would try, in order. */
export function rankedNames(result: SearchResult): string[] {
  return [...(result.suggested ? [result.suggested.task.name] : []), ...result.hits.map((h) => h.op.id)];
}

/**
 * The answer of `search_operations`: the suggested task tool first with one line on why, then one line per
 * operation (`id: METHOD path — summary [risk; scopes]`), or, when nothing matched, the toolsets to try.
 */
export function searchAnswer(result: SearchResult, query: string, toolsets: readonly string[]): string {
  const lines: string[] = [];
  if (result.suggested) {
    const { task } = result.suggested;
    lines.push(`Task tool ${task.name} [${task.risk}] does this in one call: ${task.description}`);
  }
  for (const { op } of result.hits) {
    lines.push(
      `${op.id}: ${op.method} ${op.path} — ${op.summary} [${op.risk}; ${op.scopes.join('|') || 'no scope'}]`,
    );
  }
  if (lines.length === 0) {
    return `No operation matches "${query}". Try other words, or one of the toolsets: ${toolsets.join(', ')}.`;
  }
  return lines.join('\n');
}
