/**
 * What a query asks to do, read from its verbs: look something up, create, change or remove. A question
 * ("who...", "is dave blocked", "which apps...") or a query with no verb at all is a lookup, whatever
 * other words it holds ("who changed the settings" wants the logs, not a change).
 */
import type { HttpMethod } from '../../tools/types.js';

/** The kind of thing a query asks for. */
export type IntentKind = 'read' | 'create' | 'update' | 'delete';

/** A query's intent. */
export interface Intent {
  /** What it asks to do. */
  kind: IntentKind;
  /** Methods that do it, best first. */
  methods: readonly HttpMethod[];
  /** It asks for many things ("list", "all", "which") or one ("by id", "details"), when it says. */
  scope?: 'collection' | 'item';
}

/** Words that open a question: the query is a lookup whatever verbs follow. */
const QUESTION = new Set([
  'who',
  'whom',
  'whose',
  'which',
  'what',
  'when',
  'where',
  'why',
  'is',
  'are',
  'was',
  'were',
  'does',
  'did',
  'has',
  'have',
  'any',
]);

/** Verbs and their kind; the first verb found decides. */
const VERBS = new Map<string, IntentKind>();
const say = (kind: IntentKind, words: string) => {
  for (const word of words.split(' ')) VERBS.set(word, kind);
};
say(
  'read',
  'list show get view see display find search lookup look read fetch check count review summarise summarize inspect audit compare diff monitor explain tell watch stream',
);
say(
  'create',
  'create add new make register invite import send resend generate regenerate issue grant give assign link attach upload provision onboard trigger start run test try deploy rotate rekey redeliver roll rollback export forgot forgotten verify preview duplicate clone copy define',
);
say(
  'update',
  'update change edit modify set rename configure enable disable turn switch toggle mark allowlist whitelist pause resume move replace require block ban lock suspend customize customise adjust increase decrease lower raise restrict deny limit force convert',
);
say(
  'delete',
  'delete remove erase drop destroy purge revoke invalidate unlink unassign end kill kick clear forget unblock unban unlock lift reset',
);

const METHODS: Record<IntentKind, readonly HttpMethod[]> = {
  read: ['GET'],
  create: ['POST', 'PUT'],
  update: ['PATCH', 'PUT', 'POST'],
  delete: ['DELETE', 'POST'],
};

/** Reads the intent of `query` (at most 200 characters, as the tool's schema allows). */
export function readIntent(query: string): Intent {
  const words = query
    .toLowerCase()
    .split(/[^a-z0-9']+/)
    .filter(Boolean);
  const scope = scopeOf(words);
  const question = query.trim().endsWith('?') || QUESTION.has(words[0] ?? '');
  if (question) return { kind: 'read', methods: METHODS.read, ...(scope ? { scope } : {}) };
  // "how do I delete...", "can you block...": the verb after the helper decides.
  if (/\b(?:sign|log|kick)\b[^.?!]{0,30}\bout\b/.test(words.join(' ')))
    return { kind: 'delete', methods: METHODS.delete };
  const kind =
    words
      .map((word, i) =>
        NOUN_BEFORE.has(words[i - 1] ?? '') ? undefined : verbKind(word, words.slice(i + 1)),
      )
      .find((found) => found !== undefined) ?? 'read';
  return { kind, methods: METHODS[kind], ...(scope ? { scope } : {}) };
}

/** Words after which a verb-like word is a noun: "a test", "the block", "client grant", "email template". */
const NOUN_BEFORE = new Set([
  'a',
  'an',
  'the',
  'this',
  'that',
  'one',
  'client',
  'brute',
  'of',
  'its',
  'their',
  'my',
  'our',
]);

/** The kind of `word` as a verb, given the words after it ("take ... away" removes, "new device" names a feature). */
function verbKind(word: string, after: readonly string[]): IntentKind | undefined {
  if (word === 'take')
    return after.slice(0, 5).some((w) => w === 'away' || w === 'off' || w === 'out') ? 'delete' : undefined;
  if (word === 'new') return after[0] === 'device' ? undefined : 'create';
  return VERBS.get(word);
}

function scopeOf(words: readonly string[]): Intent['scope'] {
  if (words.some((w) => w === 'list' || w === 'all' || w === 'every' || w === 'which' || w === 'who'))
    return 'collection';
  const text = ` ${words.join(' ')} `;
  if (/ (by id|one|single|details|specific) /.test(text)) return 'item';
  return undefined;
}
