// Proves every Management API operation is routed, and that none answers a made-up body: each call with
// ids the tenant does not hold answers as Auth0 would (404 for the id, 400 for what the schema refuses),
// or, when it holds them, the documented success with a body the description's schema accepts; and the
// operations the sandbox refuses (501) are exactly the list below, which the README repeats.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH0_MODEL } from '../../src/sandbox/auth0-model.generated.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { call, loadSpec, schemaErrors, token } from './harness.js';

const { operations } = loadSpec();

/** Operations whose effect lies outside a tenant's data; the sandbox answers them 501. */
const NOT_MODELLED = [
  'post_action_module_rollback',
  'post_clients_cimd_preview',
  'post_clients_cimd_register',
  'post_deploy_draft_version',
  'post_encryption_key',
  'post_encryption_rekey',
  'post_encryption_wrapping_key',
  'post_redeliver',
  'post_redeliver_by_event_id',
  'post_revoke',
  'post_rotate',
  'post_synchronizations',
  'post_test_action',
  'post_test_event',
  'reset_phone_template',
  'subscribe_events',
  'try_phone_provider',
  'try_phone_template',
];

describe('all Management API operations', () => {
  let sandbox: Sandbox;
  let bearer: string;

  beforeAll(async () => {
    sandbox = await startSandbox();
    bearer = await token(sandbox);
  });
  afterAll(() => sandbox.close());

  it('routes every operation of the description, no more, no less', () => {
    expect(operations).toHaveLength(406);
    expect(AUTH0_MODEL.operations.map((s) => s.id).sort()).toEqual(operations.map((o) => o.id).sort());
  });

  const refused: string[] = [];
  for (const op of operations) {
    it(`${op.id}: ${op.method} ${op.path} answers as documented or as Auth0 refuses`, async () => {
      sandbox.reset();
      const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
        encodeURIComponent(`unknown-${name}`),
      );
      const reply = await call(sandbox, op.method, `/api/v2${path}`, {
        token: bearer,
        ...(['POST', 'PUT', 'PATCH'].includes(op.method) ? { body: {} } : {}),
      });
      expect(reply.headers.get('x-request-id')).toMatch(/^[0-9a-f]{24}$/);
      if (reply.status === 501) refused.push(op.id);
      if (reply.status >= 400) {
        expect([400, 404, 409, 501], reply.text).toContain(reply.status);
        expect(reply.body).toMatchObject({
          statusCode: reply.status,
          message: expect.any(String),
          errorCode: expect.any(String),
        });
        expect(JSON.stringify(reply.body)).not.toMatch(/"sample/);
        return;
      }
      expect(reply.status, reply.text).toBe(op.status);
      if (op.contentType && op.contentType !== 'text/event-stream' && reply.status !== 204) {
        expect(schemaErrors(op.schema, reply.body), reply.text.slice(0, 400)).toBeUndefined();
      }
      expect(reply.text).not.toMatch(/"sample/);
    });
  }

  it('refuses exactly the operations it does not model', () => {
    expect(refused.sort(), JSON.stringify(refused.sort())).toEqual([...NOT_MODELLED].sort());
  });
});
