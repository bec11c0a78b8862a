// Pins what a dry run and a confirmation show: the exact request, the read counterpart, the field diff.
import { describe, expect, it } from 'vitest';
import { describeRequest, diffFields, findReadCounterpart, renderSummary } from '../../src/policy/preview.js';
import { auth0Catalog } from '../../src/tools/auth0/index.js';

const op = (id: string) => auth0Catalog.operations.find((o) => o.id === id)!;

describe('preview', () => {
  it('finds the GET on the same path for updates and deletes, none for creates', () => {
    expect(findReadCounterpart(op('patch_users_by_id'), auth0Catalog.operations)?.id).toBe('get_users_by_id');
    expect(findReadCounterpart(op('delete_roles_by_id'), auth0Catalog.operations)?.id).toBe(
      'get_roles_by_id',
    );
    expect(findReadCounterpart(op('post_users'), auth0Catalog.operations)).toBeUndefined();
  });

  it('describes the request as the executor would send it', () => {
    expect(
      describeRequest({
        method: 'PATCH',
        path: '/users/{id}',
        pathParams: { id: 'auth0|x/..' },
        query: { fields: ['a', 'b'] },
        body: { blocked: true },
      }),
    ).toEqual({
      method: 'PATCH',
      path: '/api/v2/users/auth0%7Cx%2F..?fields=a&fields=b',
      body: { blocked: true },
    });
  });

  it('diffs fields, merging objects one level like Auth0 metadata', () => {
    const current = { blocked: false, name: 'Al', app_metadata: { plan: 'free', region: 'eu' } };
    expect(diffFields(current, { blocked: true, name: 'Al', app_metadata: { plan: 'pro' } })).toEqual([
      { field: 'blocked', from: false, to: true },
      { field: 'app_metadata.plan', from: 'free', to: 'pro' },
    ]);
    expect(diffFields(current, { name: 'Al' })).toEqual([]);
  });

  it('renders a plain summary with the changes', () => {
    const text = renderSummary({
      op: op('patch_users_by_id'),
      risk: 'destructive',
      tenant: 'prod',
      preview: {
        request: { method: 'PATCH', path: '/api/v2/users/auth0%7C1', body: { blocked: true } },
        current: { blocked: false },
        changes: [{ field: 'blocked', from: false, to: true }],
      },
    });
    expect(text).toContain('Operation patch_users_by_id (destructive) on tenant "prod"');
    expect(text).toContain('PATCH /api/v2/users/auth0%7C1');
    expect(text).toContain('Changes: blocked: false → true');
  });
});
