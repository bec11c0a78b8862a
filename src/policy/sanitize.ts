/**
 * Strips the characters a person who controls a profile field (a name, a nickname, `user_metadata`) can use
 * to hide instructions from a human reviewer while a model still reads them: characters that render as
 * nothing, reorder what is displayed, or carry data invisibly. Runs on every tool result, so it is one
 * precompiled regular expression and no per-character work in JavaScript.
 *
 * Decisions, each trading a little rendering fidelity for a closed hiding place:
 * - Zero-width joiner/non-joiner go: emoji ZWJ sequences fall apart into their parts (👨‍👩‍👧 → 👨👩👧) and
 *   Persian or Indic words lose a joining hint, but every letter and emoji stays.
 * - All variation selectors go, U+FE0F included: any invisible character that can repeat can smuggle bytes
 *   (256 selectors are exactly one byte each); emoji keep their meaning, only text/emoji presentation is lost.
 * - Tag characters go: subdivision flags (Scotland, Wales) become a plain black flag.
 * - Soft hyphen, combining grapheme joiner and Hangul fillers go: invisible by design, so never needed
 *   to read a value. The set covers every `Default_Ignorable_Code_Point` of Unicode, which the tests check.
 */

/** Inclusive code point ranges that {@link sanitizeText} removes, one family per line. */
export const BANNED_RANGES: readonly (readonly [number, number])[] = [
  // C0 controls except TAB, LF and CR, which JSON and prose legitimately hold.
  [0x0000, 0x0008],
  [0x000b, 0x000c],
  [0x000e, 0x001f],
  // DEL and the C1 controls (some terminals still act on them).
  [0x007f, 0x009f],
  // Soft hyphen: invisible unless a line breaks on it.
  [0x00ad, 0x00ad],
  // Combining grapheme joiner: invisible, only affects collation and reordering.
  [0x034f, 0x034f],
  // Arabic letter mark: a BiDi control.
  [0x061c, 0x061c],
  // Hangul choseong/jungseong fillers: render as blank, a common trick for "empty" names.
  [0x115f, 0x1160],
  // Khmer inherent vowels: deprecated and invisible.
  [0x17b4, 0x17b5],
  // Mongolian free variation selectors and vowel separator.
  [0x180b, 0x180f],
  // Zero-width space, non-joiner, joiner, and the LRM/RLM marks.
  [0x200b, 0x200f],
  // BiDi embeddings and overrides (LRE, RLE, PDF, LRO, RLO): they reorder what a reviewer sees.
  [0x202a, 0x202e],
  // Word joiner, invisible operators, BiDi isolates (LRI, RLI, FSI, PDI), deprecated format controls.
  [0x2060, 0x206f],
  // Hangul filler: renders as blank.
  [0x3164, 0x3164],
  // Variation selectors 1–16: invisible, repeatable, so a channel for hidden data.
  [0xfe00, 0xfe0f],
  // Zero-width no-break space (byte order mark).
  [0xfeff, 0xfeff],
  // Halfwidth Hangul filler: renders as blank.
  [0xffa0, 0xffa0],
  // Reserved specials and interlinear annotation anchors, whose annotation text renderers may hide.
  [0xfff0, 0xfffb],
  // Shorthand format controls: invisible.
  [0x1bca0, 0x1bca3],
  // Musical symbol format controls: invisible.
  [0x1d173, 0x1d17a],
  // Tag characters (an invisible copy of ASCII that models read), variation selectors 17–256, and the
  // rest of the default-ignorable plane-14 block.
  [0xe0000, 0xe0fff],
];

function classOf(ranges: readonly (readonly [number, number])[]): string {
  const hex = (cp: number) => `\\u{${cp.toString(16)}}`;
  return ranges.map(([lo, hi]) => (lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`)).join('');
}

/** Runs of banned code points. */
const BANNED = new RegExp(`[${classOf(BANNED_RANGES)}]+`, 'gu');
/**
 * Anything to repair: a banned code point or a lone surrogate (with the `u` flag a pair is one code point,
 * so only halves match). Most strings are clean, and one scan of them is all they cost.
 */
const SUSPECT = new RegExp(`[${classOf(BANNED_RANGES)}\\u{d800}-\\u{dfff}]`, 'u');

/** Whether `cp` is a code point {@link sanitizeText} removes (lone surrogates are replaced instead). */
export function isBannedCodePoint(cp: number): boolean {
  for (const [lo, hi] of BANNED_RANGES) {
    if (cp < lo) return false;
    if (cp <= hi) return true;
  }
  return false;
}

/** Types for the ES2024 string methods, which Node ≥ 20 has but the ES2022 library types lack. */
interface WellFormedString {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/**
 * Removes banned characters from `s` and replaces lone surrogates with U+FFFD. Idempotent: the output has
 * no banned code point and no lone surrogate, and U+FFFD is not banned.
 */
export function sanitizeText(s: string): string {
  if (!SUSPECT.test(s)) return s;
  // Surrogates are repaired first, so removing a banned character can never join two halves into a pair.
  const whole = (s as unknown as WellFormedString).isWellFormed()
    ? s
    : (s as unknown as WellFormedString).toWellFormed();
  return whole.replace(BANNED, '');
}

/**
 * Deepest nesting {@link sanitizeDeep} and the masking walk copy. Auth0 objects are a few levels deep, but
 * `user_metadata` takes any shape a user sends, and past a few thousand levels the walk (and
 * `JSON.stringify` after it) would overflow the stack.
 */
export const MAX_DEPTH = 256;

/** What replaces a container nested deeper than {@link MAX_DEPTH}. */
export const TOO_DEEP = `[nested deeper than ${MAX_DEPTH} levels]`;

/**
 * A copy of the JSON value `value` with {@link sanitizeText} applied to every string, object keys included.
 * Never mutates `value`. Arrays and plain objects are copied; other objects (a `Date`, a `Buffer`) are
 * returned as they are; a container deeper than {@link MAX_DEPTH} becomes {@link TOO_DEEP}. When two keys
 * become equal after sanitising, a key that was already clean wins, so an attacker cannot shadow a real
 * field with a disguised copy of its name.
 */
export function sanitizeDeep<T>(value: T): T {
  return deep(value, 0) as T;
}

function deep(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return sanitizeText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return TOO_DEEP;
  if (Array.isArray(value)) return value.map((item) => deep(item, depth + 1));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const clean = sanitizeText(key);
    const child = deep(value[key], depth + 1);
    if (clean !== key && Object.hasOwn(out, clean)) continue;
    setOwn(out, clean, child);
  }
  return out;
}

/** Whether `value` is a record `JSON.parse` could have made (no class instance). */
export function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Assigns an own property, even `__proto__`, which plain assignment would turn into a prototype change. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/** What {@link escapeInvisible} writes out: banned code points, line/paragraph separators, lone surrogates. */
const INVISIBLE = new RegExp(`[${classOf(BANNED_RANGES)}\\u{2028}\\u{2029}\\u{d800}-\\u{dfff}]`, 'gu');

/**
 * `s` with every character a reviewer could not see (the ones {@link sanitizeText} removes, line and
 * paragraph separators, lone surrogates) written out as `\u{…}`, so a person approving a change sees that
 * they are there instead of reading text they reorder or hide. Linear: one precompiled class, no backtracking.
 */
export function escapeInvisible(s: string): string {
  return s.replace(INVISIBLE, (c) => `\\u{${c.codePointAt(0)!.toString(16).toUpperCase()}}`);
}
