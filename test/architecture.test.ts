// Keeps the three walls of the architecture standing: imports flow server → policy → executor, only the
// policy layer hands calls to the executor, and the sandbox is just another tenant reached over HTTP. Shared
// state (src/shared/) is infrastructure the others are given, and the executor never reaches for it.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every module specifier a file imports (static, dynamic and re-exports), with `import type` marked. */
function imports(file: string): Array<{ spec: string; typeOnly: boolean }> {
  const text = readFileSync(file, 'utf8');
  const found: Array<{ spec: string; typeOnly: boolean }> = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+['"]([^'"]+)['"]/gm)) {
    found.push({ spec: m[3]!, typeOnly: Boolean(m[2]) });
  }
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g))
    found.push({ spec: m[1]!, typeOnly: false });
  return found;
}

function area(file: string): string {
  return relative(ROOT, file).split('/')[0]!.replace(/\.ts$/, '');
}

function targetArea(file: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const resolved = relative(ROOT, join(file, '..', spec));
  if (resolved.startsWith('..')) return undefined;
  return resolved.split('/')[0]!.replace(/\.js$/, '');
}

/** For each area, the areas (and packages) it must never import at run time. */
const FORBIDDEN: Record<string, { areas: string[]; packages?: RegExp }> = {
  executor: {
    areas: ['policy', 'server', 'sandbox', 'tools', 'generator', 'cli', 'shared'],
    packages: /^@modelcontextprotocol/,
  },
  sandbox: { areas: ['policy', 'server', 'executor', 'cli'], packages: /^@modelcontextprotocol/ },
  policy: { areas: ['server', 'sandbox', 'generator', 'cli'], packages: /^@modelcontextprotocol/ },
  server: { areas: ['executor', 'sandbox', 'generator', 'cli'] },
  tools: { areas: ['policy', 'server', 'executor', 'sandbox', 'cli'], packages: /^@modelcontextprotocol/ },
  // Set-up is the person's own tool: it reads profiles and the catalog, and speaks to no agent.
  setup: { areas: ['executor', 'sandbox', 'cli'], packages: /^@modelcontextprotocol/ },
  // Shared state (the Redis connection, its keys and scripts, the tenant budget) is infrastructure under
  // policy, server and the executor: it knows none of them, nor MCP, save the executor's contract's types.
  shared: {
    areas: [
      'policy',
      'server',
      'executor',
      'sandbox',
      'tools',
      'generator',
      'setup',
      'search',
      'compose',
      'cli',
    ],
    packages: /^@modelcontextprotocol/,
  },
};

describe('architecture', () => {
  const files = sources(ROOT);

  it('finds the source tree', () => {
    expect(files.length).toBeGreaterThan(10);
    // Every rule names an area that exists, so a renamed folder cannot leave a wall guarding nothing.
    for (const name of Object.keys(FORBIDDEN)) expect(files.some((f) => area(f) === name)).toBe(true);
  });

  for (const [name, rule] of Object.entries(FORBIDDEN)) {
    it(`${name}/ imports none of ${rule.areas.join(', ')}`, () => {
      const offences: string[] = [];
      for (const file of files.filter((f) => area(f) === name)) {
        for (const { spec, typeOnly } of imports(file)) {
          const target = targetArea(file, spec);
          // Type-only imports of the executor's contract carry no behaviour, but the server may not even
          // know the executor's types: it talks to the gate.
          if (
            target &&
            rule.areas.includes(target) &&
            !(typeOnly && name !== 'server' && target === 'executor')
          ) {
            offences.push(`${relative(ROOT, file)} → ${spec}`);
          }
          if (rule.packages?.test(spec)) offences.push(`${relative(ROOT, file)} → ${spec}`);
        }
      }
      expect(offences).toEqual([]);
    });
  }

  it('the server reaches set-up only to read a stored tenant at start', () => {
    const offences = files
      .filter((f) => area(f) === 'server')
      .flatMap((f) => imports(f).map(({ spec }) => ({ f, spec, target: targetArea(f, spec) })))
      .filter(
        ({ target, f, spec }) =>
          target === 'setup' &&
          !(relative(ROOT, f) === 'server/config.ts' && spec === '../setup/stored-tenant.js'),
      )
      .map(({ f, spec }) => `${relative(ROOT, f)} → ${spec}`);
    expect(offences).toEqual([]);
  });

  it('only the policy layer sends requests through an executor', () => {
    const offenders = files
      .filter((f) => !['policy', 'executor', 'cli'].includes(area(f)))
      .filter((f) => /\bexecutor\.send\(|\.executor\.send\(/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(ROOT, f));
    expect(offenders).toEqual([]);
  });
});
