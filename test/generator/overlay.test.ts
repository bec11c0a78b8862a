// Pins our reading of OpenAPI Overlay 1.0 (merge, append, remove) and the errors that keep a bad overlay
// from silently doing nothing.
import { describe, expect, it } from 'vitest';
import { GeneratorError } from '../../src/generator/errors.js';
import { applyOverlay, parseOverlay } from '../../src/generator/overlay.js';
import { miniSpec, overlayWith } from './fixtures.js';

const spec = () =>
  miniSpec({
    'GET /things': { operationId: 'get_things', tags: ['things', 'more'], 'x-list': [1] },
    'DELETE /things/{id}': {
      operationId: 'delete_thing',
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
    },
  });

const apply = (actions: unknown[]) =>
  applyOverlay(spec(), parseOverlay(overlayWith(actions), 'test overlay'));
const getThings = (doc: ReturnType<typeof spec>) => doc.paths['/things']!.get as Record<string, unknown>;

describe('applyOverlay', () => {
  it('merges objects recursively and appends arrays', () => {
    const doc = apply([
      {
        target: "$.paths.*[?(@.operationId == 'get_things')]",
        update: { tags: ['extra'], 'x-list': [2], responses: { '200': { description: 'ours' } } },
      },
    ]);
    const op = getThings(doc);
    expect(op.tags).toEqual(['things', 'more', 'extra']);
    expect(op['x-list']).toEqual([1, 2]);
    expect(op.responses).toEqual({ '200': { description: 'ours' } });
    expect(op.operationId).toBe('get_things');
  });

  it('appends the update to a selected array', () => {
    const doc = apply([{ target: '$.paths./things.get.tags', update: 'appended' }]);
    expect(getThings(doc).tags).toEqual(['things', 'more', 'appended']);
  });

  it('removes selected nodes, object keys and array items alike', () => {
    const doc = apply([
      { target: "$.paths['/things/{id}'].delete", remove: true },
      { target: '$.paths./things.get.tags[0]', remove: true },
    ]);
    expect(doc.paths['/things/{id}']).toEqual({});
    expect(getThings(doc).tags).toEqual(['more']);
  });

  it('leaves the input document untouched', () => {
    const original = spec();
    const before = JSON.stringify(original);
    applyOverlay(original, parseOverlay(overlayWith([{ target: '$.paths./things.get', remove: true }]), 't'));
    expect(JSON.stringify(original)).toBe(before);
  });

  it.each([
    [
      'a target that matches nothing',
      [{ target: '$.paths./nowhere.get', update: { 'x-a': 1 } }],
      /overlay action #0 \(target \$\.paths\.\/nowhere\.get\): matches nothing/,
    ],
    [
      'an unknown extension key',
      [
        { target: '$.paths./things.get', update: { 'x-tenant-mcp-summary': 'Fine' } },
        { target: '$.paths./things.get', update: { 'x-tenant-mcp-sumary': 'Typo' } },
      ],
      /overlay action #1 .*unknown extension key "x-tenant-mcp-sumary"/,
    ],
    [
      'a bad risk value',
      [{ target: '$.paths./things.get', update: { 'x-tenant-mcp-risk': 'dangerous' } }],
      /overlay action #0 .*bad value for "x-tenant-mcp-risk"/,
    ],
    [
      'a malformed rule',
      [
        {
          target: '$.paths./things.get',
          update: { 'x-tenant-mcp-rules': [{ kind: 'exclusive', fields: ['a'] }] },
        },
      ],
      /overlay action #0 .*x-tenant-mcp-rules/,
    ],
    [
      'our keys on something that is not an operation',
      [{ target: "$.paths['/things']", update: { 'x-tenant-mcp-summary': 'Misplaced' } }],
      /overlay action #0 .*may only be set on operation objects/,
    ],
    [
      'our keys nested inside an update',
      [{ target: '$.paths', update: { '/things': { get: { 'x-tenant-mcp-summary': 'Nested' } } } }],
      /overlay action #0 .*belong at the top of an update/,
    ],
    [
      'both update and remove',
      [{ target: '$.paths./things.get', update: {}, remove: true }],
      /overlay action #0 .*exactly one of "update" or "remove: true"/,
    ],
    [
      'removing the root',
      [{ target: '$', remove: true }],
      /overlay action #0 .*cannot remove the document root/,
    ],
  ])('rejects %s, naming the action', (_, actions, message) => {
    expect(() => apply(actions)).toThrow(GeneratorError);
    expect(() => apply(actions)).toThrow(message);
  });
});

describe('parseOverlay', () => {
  it('reads YAML and checks the document shape', () => {
    const overlay = parseOverlay(
      'overlay: 1.0.0\ninfo: { title: t, version: "1" }\nactions:\n  - target: $.info\n    update: { title: x }\n',
      'inline.yaml',
    );
    expect(overlay.actions).toEqual([{ target: '$.info', update: { title: 'x' } }]);
    expect(() =>
      parseOverlay('overlay: 2.0.0\ninfo: {title: t, version: "1"}\nactions: []', 'v2.yaml'),
    ).toThrow(/v2\.yaml: overlay: must be 1\.0\.x/);
    expect(() => parseOverlay('overlay: [', 'broken.yaml')).toThrow(/broken\.yaml: not valid YAML/);
  });
});
