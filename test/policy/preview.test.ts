// Pins what a dry run and a confirmation show: the exact request, the read counterpart, the field diff.
import { describe, expect, it } from 'vitest';
import { renderView } from '../../src/policy/approver-view.js';
import { describeRequest, diffFields, findReadCounterpart } from '../../src/policy/preview.js';
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

  it('renders the approver view with the changes, sensitive fields first', () => {
    const view = renderView({
      tenant: { name: 'prod', domain: 'acme.eu.auth0.com' },
      requester: { client: 'claude-code 1.0', principal: 'token-1', profile: 'helpdesk', tool: 'block_user' },
      changes: [
        {
          op: op('patch_users_by_id'),
          risk: 'destructive',
          request: { method: 'PATCH', path: '/api/v2/users/auth0%7C1', body: { name: 'x', blocked: true } },
          targets: [
            {
              kind: 'user',
              id: 'auth0|1',
              labels: [
                ['name', 'Dave'],
                ['email', 'dave@example.com'],
              ],
            },
          ],
          changes: [
            { field: 'name', from: 'Dave', to: 'x' },
            { field: 'blocked', from: false, to: true },
          ],
        },
      ],
    });
    expect(view.ok).toBe(true);
    const text = (view as { text: string }).text;
    expect(text).toContain('Tenant "prod" (acme.eu.auth0.com)');
    expect(text).toContain('principal "token-1"');
    expect(text).toContain('PATCH /api/v2/users/auth0%7C1');
    expect(text).toContain('On user "auth0|1", tenant data: name "Dave", email "dave@example.com"');
    expect(text.indexOf('! blocked: false → true')).toBeGreaterThan(0);
    expect(text.indexOf('! blocked')).toBeLessThan(text.indexOf('· name'));
  });
});
