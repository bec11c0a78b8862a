// Pins the rewrite that lets Auth0's patterns compile with the unicode flag (as MCP clients compile them)
// without changing what they match.
import { describe, expect, it } from 'vitest';
import { portablePattern } from '../../src/generator/pattern.js';
import { loadSpec } from './fixtures.js';

const SAMPLES = [
  '',
  'abc',
  'a-b',
  '-a',
  '--x',
  'https://example.com/path?q=1#frag',
  'http://',
  '{org_id}',
  'acme-{org_name}',
  '+5{8, 20}',
  '+12345678',
  'a.b~c%20',
  "it's",
  'a]b',
];

describe('portablePattern', () => {
  it.each([
    ['[\\w-\\.~]+', '[\\w\\-\\.~]+'],
    ['[a-\\d]', '[a\\-\\d]'],
    ['(?:[a-z-]|{org_id})*', '(?:[a-z-]|\\{org_id\\})*'],
    ['^[0-9]{8, 20}$', '^[0-9]\\{8, 20\\}$'],
    ['^[0-9]{8,20}$', '^[0-9]{8,20}$'],
    ["\\&\\'\\,x\\-", "&',x-"],
    ['[\\-\\]]', '[\\-\\]]'],
    ['a]b', 'a\\]b'],
    ['[]a]', '[\\]a]'],
    ['\\x41\\u0042\\cA\\d\\b', '\\x41\\u0042\\cA\\d\\b'],
    ['^\\+[0-9]{1,15}$', '^\\+[0-9]{1,15}$'],
  ])('%s → %s', (pattern, expected) => {
    expect(portablePattern(pattern)).toBe(expected);
  });

  it('keeps every pattern of the Auth0 document matching the same strings, in both modes', () => {
    const patterns = new Set<string>();
    const walk = (value: unknown) => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (typeof value === 'object' && value !== null) {
        for (const [key, inner] of Object.entries(value)) {
          if (key === 'pattern' && typeof inner === 'string') patterns.add(inner);
          else walk(inner);
        }
      }
    };
    walk(loadSpec());
    expect(patterns.size).toBeGreaterThan(50);
    for (const pattern of patterns) {
      const original = new RegExp(pattern);
      const portable = portablePattern(pattern);
      const legacy = new RegExp(portable);
      const unicode = new RegExp(portable, 'u');
      for (const sample of SAMPLES) {
        expect(legacy.test(sample), `${pattern} on ${sample}`).toBe(original.test(sample));
        expect(unicode.test(sample), `${pattern} on ${sample} (u)`).toBe(original.test(sample));
      }
    }
  });
});
