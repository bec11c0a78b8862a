// Proves every one of the Management API's operations is callable on the sandbox and answers the status
// and body shape the API description promises, judged against the description itself, not our samples.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH0_SAMPLES } from '../../src/sandbox/auth0-samples.generated.js';
import { type Sandbox, SEED, startSandbox } from '../../src/sandbox/index.js';
import { call, loadSpec, schemaErrors, token } from './harness.js';

const { operations } = loadSpec();
const U = SEED.users;
const DB = 'Username-Password-Authentication';

/** Path parameters for operations answered from state, which 404 on ids they do not hold. */
const STATEFUL_PARAMS: Record<string, Record<string, string>> = {
  get_users_by_id: { id: U.alice },
  patch_users_by_id: { id: U.alice },
  delete_users_by_id: { id: U.alice },
  'get_user-blocks_by_id': { id: U.carol },
  'delete_user-blocks_by_id': { id: U.carol },
  get_roles_by_id: { id: SEED.roles.admin },
  patch_roles_by_id: { id: SEED.roles.admin },
  delete_roles_by_id: { id: SEED.roles.admin },
  get_role_user: { id: SEED.roles.admin },
  post_role_users: { id: SEED.roles.viewer },
  get_user_roles: { id: U.alice },
  post_user_roles: { id: U.bob },
  delete_user_roles: { id: U.alice },
  get_logs_by_user: { id: U.carol },
  get_clients_by_id: { id: SEED.clients.spa },
  patch_clients_by_id: { id: SEED.clients.spa },
  delete_clients_by_id: { id: SEED.clients.spa },
  get_client_connections: { id: SEED.clients.spa },
  get_connections_by_id: { id: SEED.connections.database },
  patch_connections_by_id: { id: SEED.connections.database },
  delete_connections_by_id: { id: SEED.connections.google },
  get_connection_clients: { id: SEED.connections.database },
  patch_clients: { id: SEED.connections.database },
  delete_users_by_email: { id: SEED.connections.database },
  get_session: { id: SEED.sessions.aliceLaptop },
  patch_sessions_by_id: { id: SEED.sessions.aliceLaptop },
  delete_session: { id: SEED.sessions.aliceLaptop },
  revoke_session: { id: SEED.sessions.aliceLaptop },
  get_sessions_for_user: { user_id: U.alice },
  delete_sessions_for_user: { user_id: U.alice },
};

/** Query strings the stateful operations require. */
const QUERIES: Record<string, string> = {
  'get_users-by-email': 'email=alice@northwind.example.com',
  'get_user-blocks': 'identifier=carol@northwind.example.com',
  'delete_user-blocks': 'identifier=carol@northwind.example.com',
  delete_users_by_email: 'email=bob@northwind.example.com',
};

/** Valid bodies for the stateful writes. */
const BODIES: Record<string, unknown> = {
  post_users: { connection: DB, email: 'new.hire@northwind.example.com', password: 'correct-horse-battery' },
  patch_users_by_id: { user_metadata: { theme: 'light' } },
  post_roles: { name: 'auditor', description: 'Reads audit trails.' },
  patch_roles_by_id: { description: 'Everything.' },
  post_role_users: { users: [U.bob] },
  post_user_roles: { roles: [SEED.roles.viewer] },
  delete_user_roles: { roles: [SEED.roles.admin] },
  'post_password-change': { user_id: U.grace },
  'post_email-verification': { user_id: U.erin },
  post_clients: { name: 'Warehouse Kiosk', app_type: 'native' },
  patch_clients_by_id: { name: 'Northwind Fleet Console (beta)' },
  post_connections: { name: 'partners-db', strategy: 'auth0' },
  patch_connections_by_id: { display_name: 'Staff and customers' },
  patch_clients: [{ client_id: SEED.clients.spa, status: false }],
  patch_sessions_by_id: { session_metadata: { kiosk: true } },
};

describe('all Management API operations', () => {
  let sandbox: Sandbox;
  let bearer: string;

  beforeAll(async () => {
    sandbox = await startSandbox();
    bearer = await token(sandbox);
  });
  afterAll(() => sandbox.close());

  it('covers every operation of the description, no more, no less', () => {
    expect(operations).toHaveLength(406);
    expect(AUTH0_SAMPLES.map((s) => s.id).sort()).toEqual(operations.map((o) => o.id).sort());
  });

  for (const op of operations) {
    it(`${op.id}: ${op.method} ${op.path} → ${op.status}`, async () => {
      sandbox.reset();
      const params: Record<string, string> = {
        ...(op.id === 'get_logs_by_id' ? { id: sandbox.state.logs[0]!.log_id } : {}),
        ...STATEFUL_PARAMS[op.id],
      };
      const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
        encodeURIComponent(params[name] ?? `sample-${name}`),
      );
      const query = QUERIES[op.id] ? `?${QUERIES[op.id]}` : '';
      const reply = await call(sandbox, op.method, `/api/v2${path}${query}`, {
        token: bearer,
        ...(BODIES[op.id] !== undefined ? { body: BODIES[op.id] } : {}),
      });
      expect(reply.status, reply.text).toBe(op.status);
      expect(reply.headers.get('x-request-id')).toMatch(/^[0-9a-f]{24}$/);
      if (!op.contentType) {
        expect(reply.text).toBe('');
        return;
      }
      let body: unknown = reply.body;
      if (op.contentType === 'text/event-stream') {
        const data = reply.text.split('\n').find((line) => line.startsWith('data: '));
        body = JSON.parse(data!.slice('data: '.length));
      }
      const errors = schemaErrors(op.schema, body);
      const sample = AUTH0_SAMPLES.find((s) => s.id === op.id)!;
      if (sample.conflict) {
        // The description's schema contradicts itself here; the emitter said so and why.
        expect(errors).toBeDefined();
        return;
      }
      expect(errors, JSON.stringify(body).slice(0, 500)).toBeUndefined();
    });
  }
});
