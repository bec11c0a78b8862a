// Invariants over every tool a client can be shown, for both providers (every operation as its own tool
// included), and a snapshot of every built-in listing per provider × profile, so any change to what
// agents see is reviewed.
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { auth0Catalog } from '../../src/tools/auth0/index.js';
import { monocloudCatalog } from '../../src/tools/monocloud/index.js';
import { namedTools } from '../../src/tools/registry.js';
import type { Catalog } from '../../src/tools/types.js';
import { connectInProcess } from '../helpers/in-process.js';

const SNAPS = join(import.meta.dirname, '__toolsnaps__');
const HINTS = ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'];
const CATALOGS: Catalog[] = [auth0Catalog, monocloudCatalog];

for (const catalog of CATALOGS) {
  describe(`every listable ${catalog.provider} tool`, async () => {
    const toolsets = [...new Set(catalog.operations.map((op) => op.toolset))];
    const client = await connectInProcess({ profile: 'admin', toolsets, catalog });
    const { tools } = await client.listTools();
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    const named = namedTools(catalog.provider).map((tool) => tool.name);

    it('lists the generic and task tools and every operation, a task tool winning over an operation of its name', () => {
      const shadowed = catalog.operations.filter((op) => named.includes(op.toolName)).length;
      expect(tools).toHaveLength(named.length + catalog.operations.length - shadowed);
      expect(new Set(tools.map((t) => t.name)).size).toBe(tools.length);
    });

    it('gives each a valid name, four annotations and a plain object schema that compiles', () => {
      for (const tool of tools) {
        expect(tool.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
        for (const hint of HINTS)
          expect(typeof (tool.annotations as Record<string, unknown>)[hint], `${tool.name} ${hint}`).toBe(
            'boolean',
          );
        const schema = tool.inputSchema as Record<string, unknown>;
        expect(schema.type).toBe('object');
        for (const combinator of ['anyOf', 'oneOf', 'allOf'])
          expect(schema[combinator], `${tool.name} ${combinator}`).toBeUndefined();
        expect(JSON.stringify(schema)).not.toContain('"$ref"');
        expect(() => ajv.compile(schema), tool.name).not.toThrow();
      }
    });

    it('marks reads read-only and destructive operations destructive, agreeing with the catalog', () => {
      for (const op of catalog.operations) {
        const tool = tools.find((t) => t.name === op.toolName)!;
        if (named.includes(op.toolName)) continue;
        expect(tool.annotations?.readOnlyHint, op.id).toBe(op.risk === 'read');
        expect(tool.annotations?.destructiveHint, op.id).toBe(op.risk === 'destructive');
      }
    });

    it(`describes every one of the ${catalog.operations.length} operations`, async () => {
      for (const op of catalog.operations) {
        const result = await client.callTool({ name: 'describe_operation', arguments: { operation: op.id } });
        expect(result.isError, op.id).toBeFalsy();
        const described = JSON.parse((result.content as Array<{ text: string }>)[0]!.text);
        expect(described.operation).toBe(op.id);
        expect(described.arguments.type).toBe('object');
      }
    });
  });
}

describe('built-in listings', () => {
  for (const catalog of CATALOGS) {
    for (const profile of ['read-only', 'helpdesk', 'admin'] as const) {
      it(`${catalog.provider} ${profile}: snapshot of the listing, at most 2,000 tokens in all`, async () => {
        const client = await connectInProcess({ profile, catalog });
        const { tools } = await client.listTools();
        await expect(`${JSON.stringify(tools, null, 2)}\n`).toMatchFileSnapshot(
          join(SNAPS, catalog.provider, `${profile}.json`),
        );
        expect(encode(JSON.stringify(tools)).length).toBeLessThanOrEqual(2000);
      });
    }
  }
});
