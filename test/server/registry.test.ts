// Proves there is one tool registry: `tools/list`, `tools/call` and the policy layer all read the same
// declarations, and no other list of tool names exists in the source tree.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DISCOVERY_TOOLS, getProfile, TASK_TOOLS, TOOL_NAMES } from '../../src/policy/profiles.js';
import { auth0Catalog } from '../../src/tools/auth0/index.js';
import { monocloudCatalog } from '../../src/tools/monocloud/index.js';
import { createToolRegistry, GENERIC_TOOLS, namedTools, ruleToolNames } from '../../src/tools/registry.js';
import { connectInProcess } from '../helpers/in-process.js';

const SRC = join(import.meta.dirname, '..', '..', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.generated.ts') ? [path] : [];
  });
}

for (const catalog of [auth0Catalog, monocloudCatalog]) {
  describe(`${catalog.provider}: listing and calling read the registry`, async () => {
    const toolsets = [...new Set(catalog.operations.map((op) => op.toolset))];
    const registry = createToolRegistry(catalog, toolsets);
    const client = await connectInProcess({ profile: 'admin', toolsets, catalog });

    it('lists exactly the registry, in its order', async () => {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(registry.tools.map((tool) => tool.name));
    });

    it('calls every declaration by name, and knows no other name', async () => {
      for (const tool of registry.tools.filter((t) => t.kind !== 'operation')) {
        const result = await client.callTool({ name: tool.name, arguments: { not_an_argument: 1 } });
        const text = (result.content as Array<{ text: string }>)[0]!.text;
        expect(text, tool.name).toMatch(new RegExp(`not an argument of ${tool.name}`));
      }
      await expect(client.callTool({ name: 'no_such_tool', arguments: {} })).rejects.toThrow(/Unknown tool/);
    });

    it('decides what a profile lists from the same declarations', () => {
      const readOnly = getProfile('read-only', catalog);
      for (const tool of namedTools(catalog.provider)) {
        // Read-only lists what does not write: the discovery tools, the read tool, the reading tasks.
        expect(readOnly.allowsTool(tool.name), tool.name).toBe(!tool.writes);
      }
    });
  });
}

describe('the policy layer names tools from the registry only', () => {
  it('derives its tool names and what they write', () => {
    expect(TOOL_NAMES).toEqual(ruleToolNames());
    expect(DISCOVERY_TOOLS).toEqual(GENERIC_TOOLS.filter((t) => t.kind === 'discovery').map((t) => t.name));
    expect(TASK_TOOLS).toEqual(
      Object.fromEntries(
        namedTools('auth0')
          .filter((t) => t.kind === 'task')
          .map((t) => [t.name, { writes: t.writes }]),
      ),
    );
  });

  it('has no second list: no source outside the declarations spells a generic or task tool name', () => {
    const names = new Set([...namedTools('auth0'), ...namedTools('monocloud')].map((tool) => tool.name));
    const offences: string[] = [];
    for (const file of sources(SRC)) {
      const where = relative(SRC, file);
      // The declarations themselves, and the sandbox (another tenant, whose operation may share a name).
      if (where.startsWith('tools/tasks/') || where === 'tools/registry.ts' || where.startsWith('sandbox/'))
        continue;
      const text = readFileSync(file, 'utf8');
      for (const name of names) if (text.includes(`'${name}'`)) offences.push(`${where}: '${name}'`);
    }
    expect(offences).toEqual([]);
  });
});
