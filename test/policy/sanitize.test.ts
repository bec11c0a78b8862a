// Pins which characters are stripped from tool results so a profile field cannot hide instructions, and
// proves over the whole Unicode range that sanitizing is idempotent and drops nothing else.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BANNED_RANGES,
  isBannedCodePoint,
  MAX_DEPTH,
  sanitizeDeep,
  sanitizeText,
  TOO_DEEP,
} from '../../src/policy/sanitize.js';

const cp = (n: number) => String.fromCodePoint(n);

describe('sanitizeText', () => {
  it.each([
    ['tag characters (an invisible "ignore")', 'Ada\u{E0001}\u{E0069}\u{E0067}\u{E006E}\u{E007F}', 'Ada'],
    ['BiDi override and pop', 'file\u202Egnp.exe\u202C', 'filegnp.exe'],
    ['BiDi embeddings', '\u202A\u202B\u202Dx', 'x'],
    ['BiDi isolates', '\u2066a\u2067b\u2068c\u2069', 'abc'],
    ['LRM, RLM and the Arabic letter mark', 'a\u200Eb\u200Fc\u061C', 'abc'],
    ['zero-width space, non-joiner, joiner', 'ig\u200Bno\u200Cre\u200D', 'ignore'],
    ['word joiner and invisible operators', 'a\u2060b\u2061c\u2062d\u2063e\u2064', 'abcde'],
    ['deprecated format controls', 'a\u206Ab\u206F', 'ab'],
    ['byte order mark', '\uFEFFname', 'name'],
    ['Mongolian vowel separator and free variation selectors', 'a\u180Eb\u180Bc\u180F', 'abc'],
    ['soft hyphen', 'ig\u00ADnore', 'ignore'],
    ['combining grapheme joiner', 'a\u034Fb', 'ab'],
    ['Hangul fillers', '\u3164\uFFA0\u115F\u1160x', 'x'],
    ['Khmer inherent vowels', 'a\u17B4\u17B5', 'a'],
    ['variation selectors 1-16', 'a\uFE00b\uFE0F', 'ab'],
    ['variation selectors 17-256 (byte smuggling)', `a${cp(0xe0100)}${cp(0xe01ef)}b`, 'ab'],
    ['interlinear annotation', 'a\uFFF9b\uFFFAc\uFFFB', 'abc'],
    ['shorthand and musical format controls', `a${cp(0x1bca0)}${cp(0x1d173)}b`, 'ab'],
    ['C0 controls', 'a\u0000b\u0007c\u001Bd\u000Be\u000Cf\u007F', 'abcdef'],
    ['C1 controls', 'a\u0080b\u009Bc\u0085', 'abc'],
    ['an ANSI escape loses its ESC', '\u001B[31mred', '[31mred'],
  ])('removes %s', (_family, input, expected) => {
    expect(sanitizeText(input)).toBe(expected);
  });

  it.each([
    ['ASCII with tab, newline and carriage return', 'name:\tAda\r\nrole: admin'],
    ['accents, CJK, Arabic, Hebrew, Devanagari', 'Zoë 山田 محمد שלום नमस्ते'],
    ['emoji without selectors, skin tones and regional flags', '👍🏽 🎉 🇫🇷 😀'],
    ['non-breaking and ideographic spaces', 'a\u00A0b\u3000c'],
    ['line and paragraph separators', 'a\u2028b\u2029c'],
    ['private use and the replacement character', '\uE000\uFFFD'],
    ['an empty string', ''],
  ])('keeps %s', (_what, text) => {
    expect(sanitizeText(text)).toBe(text);
  });

  it('splits emoji ZWJ sequences and drops presentation selectors and subdivision tags (documented)', () => {
    expect(sanitizeText('👨\u200D👩\u200D👧')).toBe('👨👩👧');
    expect(sanitizeText('❤\uFE0F')).toBe('❤');
    expect(
      sanitizeText(`🏴${cp(0xe0067)}${cp(0xe0062)}${cp(0xe0073)}${cp(0xe0063)}${cp(0xe0074)}${cp(0xe007f)}`),
    ).toBe('🏴');
  });

  it('replaces lone surrogates with U+FFFD and keeps pairs', () => {
    expect(sanitizeText('a\uD800b\uDC00c')).toBe('a\uFFFDb\uFFFDc');
    expect(sanitizeText('\uDE00\uD83D')).toBe('\uFFFD\uFFFD');
    expect(sanitizeText('\uD83D\uDE00')).toBe('😀');
  });

  it('never joins two halves into a pair by removing what sat between them', () => {
    expect(sanitizeText('\uD83D\u200B\uDE00')).toBe('\uFFFD\uFFFD');
  });

  it('handles a long run of banned characters in one match', () => {
    expect(sanitizeText(`a${'\u200B'.repeat(100_000)}b`)).toBe('ab');
  });
});

describe('isBannedCodePoint', () => {
  it('has sorted, disjoint ranges (the early exit relies on it)', () => {
    for (let i = 1; i < BANNED_RANGES.length; i++) {
      const [lo, hi] = BANNED_RANGES[i]!;
      expect(lo).toBeLessThanOrEqual(hi);
      expect(lo).toBeGreaterThan(BANNED_RANGES[i - 1]![1]);
    }
  });

  it("bans exactly Unicode's default-ignorables, BiDi controls and controls but TAB/LF/CR, plus annotations", () => {
    // Node's own Unicode tables are the reference, so a range typed wrong here shows up as a difference.
    const reference = /^[\p{Default_Ignorable_Code_Point}\p{Bidi_Control}\p{Cc}\uFFF9-\uFFFB]$/u;
    const differences: string[] = [];
    for (let n = 0; n <= 0x10ffff; n++) {
      if (n >= 0xd800 && n <= 0xdfff) continue;
      const expected = n !== 0x09 && n !== 0x0a && n !== 0x0d && reference.test(cp(n));
      if (isBannedCodePoint(n) !== expected) differences.push(n.toString(16));
    }
    expect(differences).toEqual([]);
  });

  it('agrees with sanitizeText on every code point', () => {
    for (const [lo, hi] of BANNED_RANGES) {
      for (const n of [lo - 1, lo, hi, hi + 1]) {
        if (n < 0 || (n >= 0xd800 && n <= 0xdfff)) continue;
        expect(sanitizeText(cp(n)) === '', n.toString(16)).toBe(isBannedCodePoint(n));
      }
    }
  });
});

/** One code point, biased towards the interesting ones: banned, lone surrogates, and anything at all. */
const unit: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((n) => String.fromCharCode(n)),
  fc.constantFrom(...BANNED_RANGES).chain(([lo, hi]) => fc.integer({ min: lo, max: hi }).map(cp)),
  fc.constantFrom('a', ' ', '\t', '\n', '\r', '😀', '\uFFFD', 'é'),
);
const text = fc.string({ unit, maxLength: 40 });

/** The specification, one code point at a time: what sanitizeText must return. */
function model(s: string): string {
  let out = '';
  for (const ch of s) {
    const n = ch.codePointAt(0)!;
    if (n >= 0xd800 && n <= 0xdfff) out += '\uFFFD';
    else if (!isBannedCodePoint(n)) out += ch;
  }
  return out;
}

function clean(s: string): boolean {
  for (const ch of s) {
    const n = ch.codePointAt(0)!;
    if (isBannedCodePoint(n) || (n >= 0xd800 && n <= 0xdfff)) return false;
  }
  return true;
}

describe('properties over the full Unicode range', () => {
  it('sanitizeText keeps every other code point in order, leaves nothing banned, and is idempotent', () => {
    fc.assert(
      fc.property(text, (s) => {
        const once = sanitizeText(s);
        expect(once).toBe(model(s));
        expect(clean(once)).toBe(true);
        expect(sanitizeText(once)).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });

  it('sanitizeDeep cleans every string and key, is idempotent, and does not mutate its input', () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: unit, maxDepth: 4 }), (value) => {
        const before = structuredClone(value);
        const once = sanitizeDeep(value);
        expect(value).toStrictEqual(before);
        const strings: string[] = [];
        (function gather(v: unknown): void {
          if (typeof v === 'string') strings.push(v);
          else if (Array.isArray(v)) v.forEach(gather);
          else if (v && typeof v === 'object') {
            for (const [k, child] of Object.entries(v)) {
              strings.push(k);
              gather(child);
            }
          }
        })(once);
        expect(strings.every(clean)).toBe(true);
        expect(sanitizeDeep(once)).toStrictEqual(once);
      }),
      { numRuns: 500 },
    );
  });
});

describe('sanitizeDeep', () => {
  it('cleans keys and values at every depth and returns new containers', () => {
    const input = { 'na\u200Bme': 'Ada\u202E', list: [{ nick: '\u{E0041}x' }, 'y\uFEFF', 3, null, true] };
    const output = sanitizeDeep(input);
    expect(output).toEqual({ name: 'Ada', list: [{ nick: 'x' }, 'y', 3, null, true] });
    expect(output).not.toBe(input);
    expect(output.list).not.toBe(input.list);
  });

  it('lets an already clean key win over a disguised copy, whatever the order', () => {
    expect(sanitizeDeep({ 'role\u200B': 'admin', role: 'viewer' })).toEqual({ role: 'viewer' });
    expect(sanitizeDeep({ role: 'viewer', 'role\u200B': 'admin' })).toEqual({ role: 'viewer' });
  });

  it('keeps a "__proto__" key as data, never as a prototype', () => {
    const output = sanitizeDeep(JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(output)).toBe(Object.prototype);
    expect(Object.hasOwn(output, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('returns primitives and non-plain objects as they are', () => {
    const date = new Date(0);
    expect(sanitizeDeep(date)).toBe(date);
    expect(sanitizeDeep(42)).toBe(42);
    expect(sanitizeDeep(null)).toBe(null);
    expect(sanitizeDeep('\u200B')).toBe('');
  });

  it('cuts nesting past MAX_DEPTH instead of overflowing the stack, so the result still serialises', () => {
    const depth = 20_000;
    const output = sanitizeDeep(JSON.parse(`${'['.repeat(depth)}"x"${']'.repeat(depth)}`));
    let node: unknown = output;
    for (let i = 0; i < MAX_DEPTH; i++) node = (node as unknown[])[0];
    expect(node).toBe(TOO_DEEP);
    expect(() => JSON.stringify(output)).not.toThrow();
  });
});
