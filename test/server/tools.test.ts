// Invariants over every tool a client can be shown (all 406 operations as per-operation tools included),
// and snapshots of the built-in listings so any change to what agents see is reviewed.
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { auth0Catalog } from '../../src/tools/auth0/index.js';
import { monocloudCatalog } from '../../src/tools/monocloud/index.js';
import { TASK_TOOL_DEFINITIONS } from '../../src/tools/tasks/index.js'; // task tools
import { connectInProcess } from '../helpers/in-process.js';

const SNAPS = join(import.meta.dirname, '__toolsnaps__');
const HINTS = ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'];
const toolsets = [...new Set(auth0Catalog.operations.map((op) => op.toolset))];

describe('every listable tool', async () => {
  const client = await connectInProcess({ profile: 'admin', toolsets });
  const { tools } = await client.listTools();
  const ajv = new Ajv2020({ strict: false, validateFormats: false });

  it('lists the four generic tools, all 406 operations and the task tools', () => {
    expect(tools).toHaveLength(4 + 406 + TASK_TOOL_DEFINITIONS.length); // task tools
  });

  it('gives each a valid unique name, four annotations and a plain object schema that compiles', () => {
    const names = new Set<string>();
    for (const tool of tools) {
      expect(tool.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
      expect(names.has(tool.name)).toBe(false);
      names.add(tool.name);
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

  it('marks reads read-only and deletes destructive, agreeing with the catalog', () => {
    for (const op of auth0Catalog.operations) {
      const tool = tools.find((t) => t.name === op.toolName)!;
      expect(tool.annotations?.readOnlyHint, op.id).toBe(op.risk === 'read');
      expect(tool.annotations?.destructiveHint, op.id).toBe(op.risk === 'destructive');
    }
  });

  it('describes every one of the 406 operations', async () => {
    for (const op of auth0Catalog.operations) {
      const result = await client.callTool({ name: 'describe_operation', arguments: { operation: op.id } });
      expect(result.isError, op.id).toBeFalsy();
      const text = (result.content as Array<{ text: string }>)[0]!.text;
      const described = JSON.parse(text);
      expect(described.operation).toBe(op.id);
      expect(described.arguments.type).toBe('object');
    }
  });
});

describe('built-in listings', () => {
  for (const profile of ['read-only', 'helpdesk', 'admin'] as const) {
    // task tools: helpdesk
    it(`${profile}: snapshot of each tool, at most 2,000 tokens in all`, async () => {
      const client = await connectInProcess({ profile });
      const { tools } = await client.listTools();
      for (const tool of tools) {
        await expect(`${JSON.stringify(tool, null, 2)}\n`).toMatchFileSnapshot(
          join(SNAPS, `${tool.name}.json`),
        );
      }
      expect(encode(JSON.stringify(tools)).length).toBeLessThanOrEqual(2000);
    });
    it(`MonoCloud ${profile}: snapshot of each tool, at most 2,000 tokens in all`, async () => {
      const client = await connectInProcess({ profile, catalog: monocloudCatalog });
      const { tools } = await client.listTools();
      for (const tool of tools) {
        await expect(`${JSON.stringify(tool, null, 2)}\n`).toMatchFileSnapshot(
          join(SNAPS, 'monocloud', `${tool.name}.json`),
        );
      }
      expect(encode(JSON.stringify(tools)).length).toBeLessThanOrEqual(2000);
    });
  }
});
