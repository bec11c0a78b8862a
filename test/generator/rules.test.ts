// Pins the cross-field rules agents hit most (password-change tickets) and recursion through Flow actions,
// against the real generated schemas.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { auth0Catalog } from '../../src/tools/auth0/index.js';
import { checkRules, describeRule } from '../../src/tools/rules.js';
import type { FieldRule } from '../../src/tools/types.js';

const CONNECTION = 'con_0123456789abcdef';

function issues(schema: z.ZodType, args: unknown): string[] {
  const result = schema.safeParse(args);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('post_password-change rules', () => {
  it.each([
    [{ user_id: 'auth0|1' }],
    [{ email: 'a@example.com', connection_id: CONNECTION }],
    [{ user_id: 'auth0|1', result_url: 'https://example.com/done' }],
    [{ email: 'a@example.com', connection_id: CONNECTION, organization_id: 'org_1' }],
  ])('accepts %j', async (args) => {
    expect(issues(await auth0Catalog.inputSchema('post_password-change'), args)).toEqual([]);
  });

  it.each([
    [{}, ['user_id: Identify the user with user_id, or with email together with connection_id.']],
    [
      { email: 'a@example.com' },
      ['connection_id: Identify the user with user_id, or with email together with connection_id.'],
    ],
    [
      { user_id: 'auth0|1', email: 'a@example.com' },
      ['email: user_id and email cannot be sent together; identify the user with one of them.'],
    ],
    [
      { user_id: 'auth0|1', connection_id: CONNECTION },
      ['connection_id: connection_id is only accepted with email; drop it when sending user_id.'],
    ],
    [
      { user_id: 'auth0|1', result_url: 'https://example.com', organization_id: 'org_1' },
      [expect.stringMatching(/^organization_id: result_url cannot be combined with organization_id/)],
    ],
    [
      { user_id: 'auth0|1', email: 'a@example.com', connection_id: CONNECTION },
      [
        expect.stringMatching(
          /^email: Identify the user with user_id, or with email together with connection_id/,
        ),
        expect.stringMatching(/^email: user_id and email cannot be sent together/),
      ],
    ],
  ])('rejects %j naming the fields', async (args, expected) => {
    expect(issues(await auth0Catalog.inputSchema('post_password-change'), args)).toEqual(expected);
  });
});

describe('rule vocabulary', () => {
  const schema = (rules: FieldRule[]) =>
    z.looseObject({}).superRefine(checkRules(rules)) as z.ZodType<Record<string, unknown>>;

  it.each<[FieldRule, Record<string, unknown>, string[]]>([
    [
      { kind: 'exclusive', fields: ['a', 'b', 'c'] },
      { a: 1, c: null },
      ['c: a and c cannot be sent together; send only one of a or c.'],
    ],
    [
      { kind: 'requires', field: 'a', with: ['b', 'c'] },
      { a: 1, b: 2 },
      ['a: a needs c: send it too, or leave a out.'],
    ],
    [
      { kind: 'any-requires', fields: ['x', 'y'], with: ['id'] },
      { y: 1 },
      ['id: id is required when sending y.'],
    ],
    [
      { kind: 'one-of-groups', groups: [['a'], ['b', 'c']] },
      { a: 1, b: 1, c: 1 },
      ['b: Send only one of: a; or b together with c; got a and b together with c.'],
    ],
    [{ kind: 'at-least-one', fields: ['a', 'b'] }, {}, ['a: Send at least one of a or b.']],
  ])('%j on %j', (rule, args, expected) => {
    expect(issues(schema([rule]), args)).toEqual(expected);
    expect(issues(schema([{ ...rule, message: 'Ours.' }]), args)).toEqual(
      expected.map((e) => e.replace(/: .*/, ': Ours.')),
    );
  });

  it('describes each rule in one sentence', () => {
    expect(describeRule({ kind: 'one-of-groups', groups: [['user_id'], ['email', 'connection_id']] })).toBe(
      'Send exactly one of: user_id; or email together with connection_id.',
    );
    expect(describeRule({ kind: 'exclusive', fields: ['a', 'b'] })).toBe('Send at most one of a or b.');
  });
});

describe('recursive schemas', () => {
  const leaf = (id: string) => ({ id, type: 'FLOW', action: 'DO_NOTHING', params: {} });
  const condition = (id: string, then: unknown[], otherwise: unknown[] = []) => ({
    id,
    type: 'FLOW',
    action: 'BOOLEAN_CONDITION',
    params: { if: { operator: 'AND' }, then, else: otherwise },
  });

  it('validates Flow actions nested through boolean conditions', async () => {
    const schema = await auth0Catalog.inputSchema('post_flows');
    const actions = [condition('a1', [condition('a2', [leaf('a3')], [leaf('a4')])])];
    expect(issues(schema, { name: 'nested', actions })).toEqual([]);
    expect(schema.parse({ name: 'nested', actions })).toEqual({ name: 'nested', actions });
  });

  it('rejects a bad action deep inside the nesting', async () => {
    const schema = await auth0Catalog.inputSchema('post_flows');
    const bad = [condition('a1', [condition('a2', [{ ...leaf('a3'), action: 'NOT_AN_ACTION' }])])];
    expect(schema.safeParse({ name: 'nested', actions: bad }).success).toBe(false);
    expect(() => z.toJSONSchema(schema)).not.toThrow();
  });
});
