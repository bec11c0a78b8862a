// The excerpt of an error body is read in one linear pass over at most a few kB: this pins that it says
// what the regular-expression version said (which froze the event loop for 11.6 s on a 320 kB page) on
// every input where that version was well defined, and that a huge or pathological body costs nothing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXCERPT_INPUT_LIMIT, excerpt } from '../../src/executor/errors.js';

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** The former implementation, kept as the oracle. */
function regexExcerpt(text: string, max = 200): string {
  const plain = text
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (whole, name: string) => {
      if (name.startsWith('#')) {
        const code =
          name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
        return Number.isFinite(code) && code > 31 && code < 0x110000 ? String.fromCodePoint(code) : ' ';
      }
      return ENTITIES[name.toLowerCase()] ?? whole;
    })
    .replace(/[\p{Cc}\p{Cf}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return plain.length > max ? `${plain.slice(0, max - 1)}…` : plain;
}

const text = fc.constantFrom('a', 'Bad Gateway', ' ', '\n\t', '\u0007', '\u200b', 'é', '>', ';', '#', 'x1');
const entity = fc.constantFrom('&amp;', '&LT;', '&#65;', '&#x1F600;', '&#0;', '&bogus;', '&', '&#;', '&#x;');
const tag = fc.constantFrom(
  '<',
  '<b>',
  '</p >',
  '<a href="x">',
  '<scripted>',
  '<br/>',
  '<style>',
  '</style>',
);
const script = fc.constantFrom('<script>', '<SCRIPT type="x">', '</script>', '</Script >', '<scripts>');
const comment = fc.constantFrom('<!--', '-->', '<!-- c -->');

describe('excerpt', () => {
  it('matches the regular-expression version on tags, entities and scripts', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(text, entity, tag, script), { maxLength: 60 }), (parts) => {
        const input = parts.join('');
        expect(excerpt(input)).toBe(regexExcerpt(input));
      }),
      { numRuns: 2000 },
    );
  });

  it('matches it on tags, entities and comments', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(text, entity, tag, comment), { maxLength: 60 }), (parts) => {
        const input = parts.join('');
        expect(excerpt(input)).toBe(regexExcerpt(input));
      }),
      { numRuns: 2000 },
    );
  });

  it(`reads at most ${EXCERPT_INPUT_LIMIT} characters and says it was cut`, () => {
    const page = `<html><title>Gateway down</title>${'<p>'.repeat(1_000_000)}`;
    expect(excerpt(page)).toMatch(/^Gateway down( <p?)?…$/);
    expect(excerpt(`${'x '.repeat(10)}${' '.repeat(EXCERPT_INPUT_LIMIT)}tail`)).toBe('x x x x x x x x x x…');
  });
});
