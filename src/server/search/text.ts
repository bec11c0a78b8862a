/**
 * Words as the search compares them: lower case, phrases of the identity domain folded into one concept
 * ("sign in", "log in" and "logon" are all `login`), synonyms mapped onto the word our summaries use
 * ("application" → `client`, "2fa" → `mfa`), and a light stemmer so "blocked", "blocks" and "block" meet.
 * The same function reads queries and the catalog, so whatever it does to one it does to the other.
 * Queries are at most 200 characters (the tool's schema): no pattern here ever sees unbounded text.
 */
import { CONCEPTS } from './synonyms.js';

/** Phrases of two to four words (as written, lower case) and the concept words they stand for. */
let phrases: Map<string, readonly string[]> | undefined;
/** Single words (as written, or stemmed) and the concept words they stand for. */
let synonyms: Map<string, readonly string[]> | undefined;

function tables(): { phrases: Map<string, readonly string[]>; synonyms: Map<string, readonly string[]> } {
  if (!phrases || !synonyms) {
    phrases = new Map();
    synonyms = new Map();
    for (const { concept, words, exact } of CONCEPTS) {
      for (const variant of words) {
        const parts = variant
          .toLowerCase()
          .split(/[^a-z0-9]+/)
          .filter(Boolean);
        if (parts.length > 1) phrases.set(parts.join(' '), concept);
        else if (parts.length === 1) {
          synonyms.set(parts[0]!, concept);
          if (!exact && !synonyms.has(stem(parts[0]!))) synonyms.set(stem(parts[0]!), concept);
        }
      }
    }
  }
  return { phrases, synonyms };
}

/** Words too common to tell operations apart. */
const STOP = new Set([
  'a',
  'an',
  'the',
  'of',
  'for',
  'to',
  'in',
  'on',
  'at',
  'by',
  'my',
  'our',
  'their',
  'his',
  'her',
  'its',
  'me',
  'i',
  'we',
  'you',
  'it',
  'this',
  'that',
  'these',
  'those',
  'with',
  'and',
  'or',
  'be',
  'been',
  'from',
  'into',
  'so',
  'they',
  'them',
  'there',
  'do',
  'can',
  'please',
  'some',
  'any',
  'as',
  'up',
  'one',
  'someone',
  'everything',
  'about',
  'called',
  'named',
  'us',
  'now',
  'again',
  'should',
  'would',
  'could',
  'will',
  'need',
  'want',
  'let',
  'has',
  'have',
  'had',
  'got',
  'him',
  'she',
  'he',
  'say',
  'says',
  'said',
  'via',
]);

/** Shapes a query may contain that name a kind of thing rather than words: an IP, an email, a user id. */
const SHAPES: Array<[RegExp, string]> = [
  [/\b\d{1,3}(?:\.\d{1,3}){3}\b/g, ' ip '],
  [/\b[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){2,7}\b/gi, ' ip '],
  [/[^\s@]{1,64}@[^\s@]{1,255}/g, ' email '],
  [/\b[a-z0-9-]{2,30}\|[A-Za-z0-9._-]{1,64}/gi, ' user id '],
];

/**
 * Splits text into the words the index compares, concepts folded and stems taken. Shapes (IPs, emails,
 * user ids) become the word for their kind, so "who logged in from 203.0.113.7" asks about an `ip`.
 */
export function analyze(text: string): string[] {
  let plain = text;
  for (const [pattern, word] of SHAPES) plain = plain.replace(pattern, word);
  const raw = plain
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .replace(/['’]s\b/g, '')
    .replace(/\b(?:can['’]?t|can not)\b/g, 'cannot')
    .replace(/n['’]t\b/g, ' not')
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  return fold(raw).filter((word) => !STOP.has(word));
}

/** Replaces known phrases (longest first) and single-word synonyms by their concept, then stems. */
function fold(input: string[]): string[] {
  const { phrases: PHRASES, synonyms: SYNONYMS } = tables();
  const words = outSplit(input);
  const out: string[] = [];
  for (let i = 0; i < words.length; ) {
    let matched = false;
    for (let n = Math.min(4, words.length - i); n >= 2 && !matched; n--) {
      const concept = PHRASES.get(words.slice(i, i + n).join(' '));
      if (concept) {
        out.push(...concept);
        i += n;
        matched = true;
      }
    }
    if (matched) continue;
    const word = words[i]!;
    const stemmed = stem(word);
    out.push(...(SYNONYMS.get(word) ?? SYNONYMS.get(stemmed) ?? [stemmed]));
    i++;
  }
  return out;
}

/** "sign bob out", "log everyone out": the verb and its `out` apart, read as one `logout`. */
function outSplit(words: string[]): string[] {
  const result = [...words];
  for (let i = 0; i < result.length; i++) {
    if (!['sign', 'signs', 'log', 'logs', 'kick'].includes(result[i]!) || result[i + 1] === 'out') continue;
    const out = result.slice(i + 2, i + 6).indexOf('out');
    if (out < 0) continue;
    result.splice(i + 2 + out, 1);
    result[i] = 'logout';
  }
  return result;
}

const VOWEL = /[aeiouy]/;

/**
 * A light English stemmer: plurals, `-ing`, `-ed` and a final `e`, so "enabled", "enable" and
 * "enabling" share `enabl`, and "logged" and "logs" share `log`. Stems need not be words: both sides
 * of every comparison went through here.
 */
export function stem(word: string): string {
  if (word.length <= 3 || /\d/.test(word)) return word;
  let w = word;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('ied') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (/(ss|sh|ch|x|z)es$/.test(w)) w = w.slice(0, -2);
  else if (w.endsWith('s') && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.endsWith('ing') && w.length > 5 && VOWEL.test(w.slice(0, -3))) w = undouble(w.slice(0, -3));
  else if (w.endsWith('ed') && w.length > 4 && VOWEL.test(w.slice(0, -2))) w = undouble(w.slice(0, -2));
  if (w.endsWith('e') && w.length > 4) w = w.slice(0, -1);
  return w;
}

/** "logg" → "log", "stopp" → "stop"; "pass" and "fill" keep their pair. */
function undouble(w: string): string {
  const last = w.at(-1)!;
  return w.length > 3 && last === w.at(-2) && !/[lsz]/.test(last) ? w.slice(0, -1) : w;
}
