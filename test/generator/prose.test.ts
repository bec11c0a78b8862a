// The legal rule: the provider's prose never ships. No sentence of its operation summaries and
// descriptions (and a wide sample of its schema descriptions) may appear in anything we generate or write,
// and every operation's summary is one we wrote ourselves.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { catalogFile } from '../../src/generator/emit-catalog.js';
import { inputsFile } from '../../src/generator/emit-inputs.js';
import { PROVIDERS } from '../../src/generator/providers.js';
import { summarize } from '../../src/generator/summary.js';
import { auth0Catalog } from '../../src/tools/auth0/index.js';
import { monocloudCatalog } from '../../src/tools/monocloud/index.js';
import type { HttpMethod } from '../../src/tools/types.js';
import { loadMonocloudSpec, loadOverlay, loadSpec, OVERLAY_PATH, ROOT } from './fixtures.js';

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

/** Splits prose into sentences (markup stripped), keeping those long enough to be more than a label. */
function sentences(text: string): string[] {
  return text
    .replace(/<[^>]{0,200}>/g, ' ')
    .split(/(?<=[.!?])\s+|\n+/)
    .map((sentence) => sentence.replace(/\s+/g, ' ').trim())
    .filter((sentence) => sentence.length > 40);
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
    ['every sentence of the operation summaries and descriptions', () => operationProse().flatMap(sentences)],
    ['schema descriptions (400 spread over the document)', () => spread(schemaProse(), 400)],
  ])('%s: absent from generated files, the overlay and our MonoCloud document', (_, collect) => {
    const probes = collect();
    expect(probes.length).toBeGreaterThan(300);
    const copied: string[] = [];
    for (const text of probes) {
      // Compare a sentence-sized run, so a copied fragment is caught too.
      const probe = text.trim().slice(0, 60);
      if (shipped.some((content) => content.includes(probe))) copied.push(probe);
    }
    expect(copied).toEqual([]);
  });

  it('every Auth0 operation has a summary written in our overlay, and every MonoCloud one in our document', () => {
    const overlay = parseYaml(loadOverlay()) as {
      actions: Array<{ target: string; update?: Record<string, unknown> }>;
    };
    const written = new Map<string, string>();
    for (const action of overlay.actions) {
      const summary = action.update?.['x-tenant-mcp-summary'];
      if (typeof summary !== 'string') continue;
      for (const match of action.target.matchAll(/operationId == '([^']+)'/g))
        written.set(match[1]!, summary);
    }
    const unwritten = auth0Catalog.operations
      .filter((op) => written.get(op.id) !== op.summary)
      .map((op) => op.id);
    expect(unwritten).toEqual([]);
    const ours = new Map<string, unknown>();
    for (const item of Object.values(loadMonocloudSpec().paths))
      for (const op of Object.values(item) as Array<Record<string, unknown>>)
        ours.set(String(op.operationId), op.summary);
    expect(
      monocloudCatalog.operations.filter((op) => ours.get(op.id) !== op.summary).map((op) => op.id),
    ).toEqual([]);
  });

  it("no Auth0 summary of ours equals the provider's own summary of the operation", () => {
    const theirs = new Map<string, string>();
    for (const item of Object.values(loadSpec().paths))
      for (const op of Object.values(item) as Array<Record<string, unknown>>)
        if (typeof op.summary === 'string')
          theirs.set(String(op.operationId), op.summary.trim().toLowerCase());
    const same = auth0Catalog.operations.filter((op) => theirs.get(op.id) === op.summary.toLowerCase());
    expect(same.map((op) => `${op.id}: ${op.summary}`)).toEqual([]);
  });
});
