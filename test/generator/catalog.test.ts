// Invariants over every generated Auth0 operation in one loop: what the server and the policy layer rely on.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { applyOverlay, parseOverlay } from '../../src/generator/overlay.js';
import { auth0Catalog, UnknownOperationError } from '../../src/tools/auth0/index.js';
import type { Risk } from '../../src/tools/types.js';
import { loadOverlay, loadSpec } from './fixtures.js';

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const ops = auth0Catalog.operations;

/** Risk overrides our overlay sets, by operation id. */
function overlayRisks(): Map<string, Risk> {
  const doc = applyOverlay(loadSpec(), parseOverlay(loadOverlay(), 'overlay.yaml'));
  const risks = new Map<string, Risk>();
  for (const item of Object.values(doc.paths)) {
    for (const op of Object.values(item) as Array<Record<string, unknown>>) {
      const risk = op['x-tenant-mcp-risk'] as Risk | undefined;
      if (risk) risks.set(op.operationId as string, risk);
    }
  }
  return risks;
}

function patterns(schema: unknown, found: string[] = []): string[] {
  if (Array.isArray(schema)) for (const item of schema) patterns(item, found);
  else if (typeof schema === 'object' && schema !== null) {
    for (const [key, value] of Object.entries(schema)) {
      if (key === 'pattern' && typeof value === 'string') found.push(value);
      else patterns(value, found);
    }
  }
  return found;
}

describe('auth0 catalog', () => {
  it('has every operation of the document, 170 reads and 236 others', () => {
    expect(ops).toHaveLength(406);
    expect(ops.filter((op) => op.method === 'GET')).toHaveLength(170);
    expect(ops.filter((op) => op.risk === 'read')).toHaveLength(170);
    expect(ops.filter((op) => op.method !== 'GET')).toHaveLength(236);
  });

  it('holds the invariants for every operation', async () => {
    const overrides = overlayRisks();
    const ids = new Set<string>();
    const toolNames = new Set<string>();
    for (const op of ops) {
      const at = `${op.id}`;
      expect(op.toolName, at).toMatch(TOOL_NAME);
      expect(ids.has(op.id), `${at} is unique`).toBe(false);
      expect(toolNames.has(op.toolName), `${at} tool name is unique`).toBe(false);
      ids.add(op.id);
      toolNames.add(op.toolName);
      expect(op.scopes.length, `${at} scopes`).toBeGreaterThan(0);
      expect(['GA', 'EA', 'unknown'], at).toContain(op.lifecycle);
      expect(op.toolset, at).toMatch(/^[a-z0-9-]+$/);
      expect(op.summary, at).toMatch(/^[A-Z][^\n]{5,159}$/);
      const byMethod: Risk = op.method === 'GET' ? 'read' : op.method === 'DELETE' ? 'destructive' : 'write';
      expect(op.risk, `${at} risk`).toBe(overrides.get(op.id) ?? byMethod);

      const names = op.params.map((p) => p.name);
      const args = [...names, ...(op.body?.mode === 'wrapped' ? ['body'] : (op.body?.fields ?? []))];
      expect(new Set(args).size, `${at} argument names are distinct`).toBe(args.length);
      for (const [, name] of op.path.matchAll(/\{([^}]+)\}/g)) {
        expect(
          op.params.find((p) => p.name === name && p.in === 'path'),
          `${at} path param ${name}`,
        ).toBeTruthy();
      }
      for (const field of op.destructiveFields ?? []) expect(op.body?.fields, at).toContain(field);

      const schema = await auth0Catalog.inputSchema(op.id);
      const json = z.toJSONSchema(schema) as Record<string, unknown>;
      expect(json.type, `${at} input is an object`).toBe('object');
      expect(json.additionalProperties, `${at} input is strict`).toBe(false);
      for (const combinator of ['anyOf', 'oneOf', 'allOf']) expect(json, at).not.toHaveProperty(combinator);
      expect(Object.keys(json.properties as object).sort(), `${at} input keys`).toEqual([...args].sort());
      const required = op.params.filter((p) => p.required).map((p) => p.name);
      for (const name of required) expect(json.required, `${at} requires ${name}`).toContain(name);
      for (const pattern of patterns(json))
        expect(() => new RegExp(pattern), `${at} ${pattern}`).not.toThrow();
    }
  });

  it('memoizes schemas and rejects unknown ids clearly', async () => {
    expect(await auth0Catalog.inputSchema('get_users')).toBe(await auth0Catalog.inputSchema('get_users'));
    await expect(auth0Catalog.inputSchema('no_such_op')).rejects.toThrow(UnknownOperationError);
    await expect(auth0Catalog.inputSchema('toString')).rejects.toThrow(
      /No Auth0 operation has the id "toString"/,
    );
  });

  it('rejects unknown argument names and keeps unknown keys inside loose objects', async () => {
    const getUser = await auth0Catalog.inputSchema('get_users_by_id');
    expect(getUser.safeParse({ id: 'auth0|1', bogus: 1 }).success).toBe(false);
    const patch = await auth0Catalog.inputSchema('patch_users_by_id');
    const parsed = patch.parse({ id: 'auth0|1', app_metadata: { plan: 'gold', nested: { a: 1 } } });
    expect(parsed).toEqual({ id: 'auth0|1', app_metadata: { plan: 'gold', nested: { a: 1 } } });
  });

  it('marks form-exploded query arrays and carries overlay data', () => {
    const connections = ops.find((op) => op.id === 'get_connections')!;
    expect(connections.params.find((p) => p.name === 'strategy')).toMatchObject({ in: 'query', array: true });
    const patchUser = ops.find((op) => op.id === 'patch_users_by_id')!;
    expect(patchUser.destructiveFields).toEqual(expect.arrayContaining(['password', 'blocked']));
    expect(patchUser.keywords).toEqual(expect.arrayContaining(['block', 'unlock', 'reset password']));
    expect(ops.find((op) => op.id === 'post_rotate-secret')!.risk).toBe('destructive');
    expect(ops.find((op) => op.id === 'delete_user-blocks_by_id')!.risk).toBe('write');
  });

  it('carries bodies in the right mode', () => {
    const mode = (id: string) => ops.find((op) => op.id === id)?.body?.mode;
    for (const id of ['post_log-streams', 'post_event-streams', 'put_universal-login', 'patch_clients']) {
      expect(mode(id), id).toBe('wrapped');
    }
    for (const id of ['post_users', 'patch_users_by_id', 'post_password-change', 'post_keys']) {
      expect(mode(id), id).toBe('fields');
    }
    const imports = ops.find((op) => op.id === 'post_users-imports')!;
    expect(imports.body).toMatchObject({ contentType: 'multipart/form-data', mode: 'fields' });
  });
});
