// The legal rule: the provider's prose never ships. Samples of its summaries and descriptions must not
// appear in anything we generate or write.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogFile } from '../../src/generator/emit-catalog.js';
import { inputsFile } from '../../src/generator/emit-inputs.js';
import { PROVIDERS } from '../../src/generator/providers.js';
import { summarize } from '../../src/generator/summary.js';
import type { HttpMethod } from '../../src/tools/types.js';
import { loadSpec, OVERLAY_PATH, ROOT } from './fixtures.js';

/** Every `n`-th item, so the sample spreads over the whole document. */
function spread<T>(items: T[], count: number): T[] {
  const step = Math.max(1, Math.floor(items.length / count));
  return items.filter((_, i) => i % step === 0).slice(0, count);
}

/**
 * What our fact-based summaries say for every path. A short provider summary such as "Add members to an
 * organization" can equal ours by construction; only prose we could not have produced counts as copied.
 */
function factSummaries(): Set<string> {
  const found = new Set<string>();
  for (const [path, item] of Object.entries(loadSpec().paths)) {
    for (const method of Object.keys(item)) found.add(summarize(method.toUpperCase() as HttpMethod, path));
  }
  return found;
}

function operationProse(): string[] {
  const ours = factSummaries();
  const found: string[] = [];
  for (const item of Object.values(loadSpec().paths)) {
    for (const op of Object.values(item) as Array<Record<string, unknown>>) {
      for (const key of ['summary', 'description']) {
        const text = op[key];
        if (typeof text === 'string' && text.length > 40 && !ours.has(text.trim())) found.push(text);
      }
    }
  }
  return found;
}

function schemaProse(): string[] {
  const found: string[] = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === 'object' && value !== null) {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'description' && typeof inner === 'string' && inner.length > 40) found.push(inner);
        else walk(inner);
      }
    }
  };
  walk(loadSpec().components?.schemas);
  return found;
}

describe('no provider prose', () => {
  const generated = PROVIDERS.flatMap((provider) => [catalogFile(provider), inputsFile(provider)]);
  const shipped = [...generated, 'openapi/auth0/overlay.yaml', 'openapi/monocloud/management.yaml'].map(
    (file) => readFileSync(file === 'openapi/auth0/overlay.yaml' ? OVERLAY_PATH : join(ROOT, file), 'utf8'),
  );

  it.each([
    ['operation summaries and descriptions', operationProse],
    ['schema descriptions', schemaProse],
  ])('%s are absent from generated files, the overlay and our MonoCloud document', (_, collect) => {
    const sample = spread(collect(), 50);
    expect(sample).toHaveLength(50);
    for (const text of sample) {
      // Compare the first sentence-sized run, so a copied fragment is caught too.
      const probe = text.trim().slice(0, 60);
      for (const content of shipped) expect(content.includes(probe), probe).toBe(false);
    }
  });
});
