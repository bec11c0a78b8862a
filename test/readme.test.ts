// The README's tool table is generated from the declarations; this fails when someone forgets to refresh it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { README, renderReadme } from '../scripts/update-readme.js';

describe('README', () => {
  const text = readFileSync(README, 'utf8');

  it('opens with the two commands in a code block', () => {
    const head = text.split('\n').slice(0, 12).join('\n');
    expect(head).toMatch(/```sh\n.*npm ci && npm start.*\n.*npm ci && npm test/);
  });

  it('has a fresh tool table (run: npx tsx scripts/update-readme.ts)', () => {
    expect(renderReadme(text)).toBe(text);
  });
});
