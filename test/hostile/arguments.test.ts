// Hostile arguments from an agent, sent as JSON text the way a real client frames them: prototype keys
// are refused by name instead of silently dropped, lone surrogates and 10k-deep nesting are refused
// instead of ending in "Internal error" (or U+FFFD on the wire), and a malformed tools/call gets the
// JSON-RPC "invalid params" code. Each case checks that nothing reached the tenant.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getProfile } from '../../src/policy/profiles.js';
import {
  closest,
  describeArgumentProblem,
  findArgumentProblem,
  MAX_ARGUMENT_DEPTH,
} from '../../src/policy/validate.js';
import { auth0Catalog } from '../../src/tools/auth0/index.js';
import { type RawStack, startRawStack } from '../helpers/raw-rpc.js';
import { type RecordingUpstream, startRecordingUpstream } from '../helpers/recording-upstream.js';

/** `depth` nested objects around `{}`, as JSON text (building it as a value would be the same work). */
function nested(depth: number): string {
  return `${'{"a":'.repeat(depth)}{}${'}'.repeat(depth)}`;
}

describe('findArgumentProblem', () => {
  it.each([
    ['{"__proto__":{"x":1}}', 'arguments.__proto__'],
    ['{"user_metadata":{"ok":1,"constructor":{}}}', 'arguments.user_metadata.constructor'],
    ['{"a":[{"b":{"prototype":1}}]}', 'arguments.a.0.b.prototype'],
    ['{"q":"x\\ud800y"}', 'arguments.q'],
    ['{"k\\udfff":1}', 'arguments.k\udfff'],
  ])('finds the problem in %s at %s', (json, path) => {
    expect(findArgumentProblem(JSON.parse(json))?.path).toBe(path);
  });

  it('accepts well-formed text, pairs included, and prototype words as values', () => {
    expect(findArgumentProblem({ name: '😀 ok', note: '__proto__', list: ['constructor'] })).toBeUndefined();
  });

  it(`refuses nesting deeper than ${MAX_ARGUMENT_DEPTH}, without recursing`, () => {
    expect(findArgumentProblem(JSON.parse(nested(MAX_ARGUMENT_DEPTH - 1)))).toBeUndefined();
    expect(findArgumentProblem(JSON.parse(nested(100_000)))?.reason).toContain(
      `deeper than ${MAX_ARGUMENT_DEPTH}`,
    );
  });

  it('quotes a huge key cut short', () => {
    const key = 'k'.repeat(100_000);
    const text = describeArgumentProblem('get_users', JSON.parse(`{"${key}":"\\ud800"}`))!;
    expect(text.length).toBeLessThan(400);
  });

  it('rules out a huge word for "did you mean" without computing its distance', () => {
    const known = ['connection', 'email', 'user_id'];
    expect(closest('x'.repeat(1_000_000), known)).toBeUndefined();
    expect(closest('conection', known)).toBe('connection');
  });
});

describe('hostile arguments end to end (admin, recording upstream)', () => {
  let upstream: RecordingUpstream;
  let stack: RawStack;
  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    stack = await startRawStack({
      catalog: auth0Catalog,
      profile: getProfile('admin', auth0Catalog),
      domain: upstream.url,
      toolsets: ['users'],
      audit: true,
    });
  });
  afterAll(async () => {
    await stack.close();
    await upstream.close();
  });
  beforeEach(() => upstream.reset());

  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();

  it.each([
    ['invoke_read_operation', '{"operation":"get_users","__proto__":{"x":1}}', '__proto__'],
    [
      'invoke_read_operation',
      '{"operation":"get_users","arguments":{"__proto__":{"x":1},"q":"a"}}',
      'arguments.__proto__',
    ],
    ['get_users', '{"q":"a","__proto__":{"polluted":true}}', 'arguments.__proto__'],
    [
      'patch_users_by_id',
      '{"id":"auth0|1","user_metadata":{"__proto__":{"reveal":true}}}',
      'arguments.user_metadata.__proto__',
    ],
    [
      'invoke_write_operation',
      '{"operation":"patch_users_by_id","arguments":{"id":"auth0|1","app_metadata":{"a":{"constructor":{"prototype":{}}}}}}',
      'arguments.app_metadata.a.constructor',
    ],
    ['find_users', '{"query":"a","__proto__":{"x":1}}', '__proto__'],
    ['find_users', '{"query":"prototype","prototype":1}', 'prototype'],
  ])('%s %s is refused, naming %s, and nothing is sent', async (tool, args, field) => {
    const result = await stack.client.callTool(tool, args);
    expect(result.isError).toBe(true);
    expect(result.reply.error).toBeUndefined();
    expect(result.text).toContain(field);
    expect(result.text).toContain('nothing was');
    expect(upstream.requests).toEqual([]);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
  });

  it('refuses an empty path segment by name before asking anyone (it ended in "Internal error" in the preview)', async () => {
    const result = await stack.client.callTool('invoke_write_operation', {
      operation: 'delete_users_by_id',
      arguments: { id: '' },
    });
    expect(result.text).toContain('arguments.id: must not be empty');
    expect(upstream.requests).toEqual([]);
  });

  it('refuses a header value HTTP would change (surrounding space, control or non-ASCII characters)', async () => {
    for (const value of ['login.example.com ', 'a\tb', 'dömain.example']) {
      const result = await stack.client.callTool('invoke_write_operation', {
        operation: 'post_email-verification',
        arguments: { 'auth0-custom-domain': value, user_id: 'auth0|1' },
      });
      expect(result.text).toContain('arguments.auth0-custom-domain: must be printable ASCII');
    }
    expect(upstream.requests).toEqual([]);
  });

  it('refuses a lone surrogate in a query instead of sending U+FFFD', async () => {
    const result = await stack.client.callTool('get_users', '{"q":"name:\\"a\\ud800\\""}');
    expect(result.isError).toBe(true);
    expect(result.text).toContain('arguments.q: holds a lone surrogate');
    expect(upstream.requests).toEqual([]);
    const task = await stack.client.callTool('find_users', '{"query":"\\udc00bob"}');
    expect(task.text).toContain('query: holds a lone surrogate');
    expect(upstream.requests).toEqual([]);
  });

  it('refuses 10,000-deep nesting by name, with an audit record and no internal error', async () => {
    const result = await stack.client.callTool(
      'invoke_write_operation',
      `{"operation":"patch_users_by_id","arguments":{"id":"auth0|1","user_metadata":${nested(10_000)}}}`,
    );
    expect(result.isError).toBe(true);
    expect(result.text).toContain(`is nested deeper than ${MAX_ARGUMENT_DEPTH} levels`);
    expect(result.text).not.toContain('Internal error');
    expect(upstream.requests).toEqual([]);
    expect(stack.logs.filter((line) => line.includes('internal error'))).toEqual([]);
    const last = readFileSync(stack.auditPath!, 'utf8').trim().split('\n').at(-1)!;
    expect(JSON.parse(last)).toMatchObject({ api: { operation: 'patch_users_by_id' } });
    expect(last).toContain('nested deeper than');
  });

  it('answers tools/call without params, or with a bad name or arguments, with -32602 and no schema dump', async () => {
    for (const params of [
      undefined,
      '{"arguments":{}}',
      '{"name":7}',
      '{"name":"find_users","arguments":[1]}',
    ]) {
      const reply = await stack.client.request('tools/call', params);
      expect(reply.error?.code).toBe(-32602);
      expect(reply.error?.message).not.toContain('"code"');
      expect(reply.error?.message).toContain('tools/call');
    }
    expect(upstream.requests).toEqual([]);
  });

  it('keeps an unknown 100 kB key out of "did you mean" and out of the answer', async () => {
    const key = 'x'.repeat(100_000);
    const result = await stack.client.callTool('get_users', { [key]: 1 });
    expect(result.isError).toBe(true);
    expect(result.text.length).toBeLessThan(1_000);
    expect(upstream.requests).toEqual([]);
  });
});
