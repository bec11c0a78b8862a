// The policy layer end to end: the built CLI over stdio, driven by the SDK Client, against a recording
// upstream. Pins what a security team relies on: read-only reaches no write by any route, destructive
// calls wait for a person, approvals are bound and single use, the token's scopes narrow, a canary secret
// never leaks, and the audit trail is valid OCSF that `audit verify` checks.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TASK_TOOLS } from '../../src/policy/profiles.js';
import { auth0Catalog } from '../../src/tools/auth0/index.js';
import { CLI, type Connected, connectCli, tenantData } from '../helpers/mcp-client.js';
import { type RecordingUpstream, startRecordingUpstream } from '../helpers/recording-upstream.js';
import { OcsfApiActivity } from '../policy/fixtures/ocsf-schema.js';

const SECRET = 'csecret-canary-0451';
let upstream: RecordingUpstream;

beforeAll(async () => {
  upstream = await startRecordingUpstream({ tokenEndpoint: { clientId: 'cid', clientSecret: SECRET } });
});
afterAll(() => upstream?.close());
beforeEach(() => upstream.reset());

function tenantEnv(stateDir = mkdtempSync(join(tmpdir(), 'tenant-mcp-policy-'))) {
  return {
    stateDir,
    env: {
      AUTH0_DOMAIN: upstream.url,
      AUTH0_CLIENT_ID: 'cid',
      AUTH0_CLIENT_SECRET: SECRET,
      TENANT_MCP_STATE_DIR: stateDir,
    },
  };
}

/** One audit line as parsed JSON; tests read known paths of it. */
// biome-ignore lint/suspicious/noExplicitAny: records are walked by path in assertions, typed by the OCSF schema test
type AuditLine = Record<string, any>;

function auditRecords(stateDir: string): AuditLine[] {
  return readFileSync(join(stateDir, 'audit.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

function cli(args: string[], stateDir: string) {
  return spawnSync(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH, TENANT_MCP_STATE_DIR: stateDir },
    encoding: 'utf8',
  });
}

const writes = auth0Catalog.operations.filter((op) => op.risk !== 'read');

describe('read-only reaches no write by any route', () => {
  let server: Connected;
  let stateDir: string;
  beforeAll(async () => {
    const setup = tenantEnv();
    stateDir = setup.stateDir;
    server = await connectCli(['--toolsets', 'all'], setup.env);
  });
  afterAll(() => server.close());

  it('lists no writing tool', async () => {
    const { tools } = await server.client.listTools();
    const names = new Set(tools.map((t) => t.name));
    expect(writes).toHaveLength(236);
    for (const op of writes) expect(names.has(op.toolName), op.id).toBe(false);
    expect(names.has('invoke_write_operation')).toBe(false);
    for (const [name, { writes: isWrite }] of Object.entries(TASK_TOOLS))
      if (isWrite) expect(names.has(name)).toBe(false);
    expect(
      tools.every((t) => t.annotations?.readOnlyHint === true || t.annotations?.openWorldHint === false),
    ).toBe(true);
  });

  it('refuses all 236 writes through every tool, and the tenant sees no request', async () => {
    for (const op of writes) {
      const viaRead = await server.call('invoke_read_operation', { operation: op.id, arguments: {} });
      expect(viaRead.isError, op.id).toBe(true);
      expect(viaRead.text).toMatch(/not allowed by the "read-only" profile/);
      await expect(
        server.client.callTool({
          name: 'invoke_write_operation',
          arguments: { operation: op.id, arguments: {} },
        }),
      ).rejects.toThrow(/Unknown tool/);
      await expect(server.client.callTool({ name: op.toolName, arguments: {} })).rejects.toThrow(
        /Unknown tool/,
      );
    }
    for (const [name, { writes: isWrite }] of Object.entries(TASK_TOOLS)) {
      if (!isWrite) continue;
      const task = await server.call(name, { user: 'alice@example.com' });
      expect(task.isError, name).toBe(true);
      expect(task.text).toMatch(/not allowed by the "read-only" profile/);
    }
    expect(upstream.requests).toHaveLength(0);
    expect(upstream.tokenRequests).toHaveLength(0);
  });

  it('records each refusal in the audit trail', () => {
    const refused = auditRecords(stateDir).filter((r) => r.unmapped.decision === 'refused');
    expect(refused.length).toBeGreaterThanOrEqual(236);
  });
});

describe('a destructive call with a client that can ask (elicitation)', () => {
  let answers: Array<{ action: 'accept' | 'decline' | 'cancel'; content?: { confirm: boolean } }>;
  const messages: string[] = [];
  let server: Connected;
  beforeAll(async () => {
    server = await connectCli(['--profile', 'admin'], tenantEnv().env, {
      onElicit: (message) => {
        messages.push(message);
        return answers.shift() ?? { action: 'cancel' };
      },
    });
  });
  afterAll(() => server.close());

  const deleteRole = (id = 'rol_A1') =>
    server.call('invoke_write_operation', { operation: 'delete_roles_by_id', arguments: { id } });
  const deletes = () => upstream.requests.filter((r) => r.method === 'DELETE');

  it('runs on accept with the box ticked, after showing what will go', async () => {
    answers = [{ action: 'accept', content: { confirm: true } }];
    upstream.script({ status: 200, body: { id: 'rol_A1', name: 'auditors' } }, { status: 204 });
    const result = await deleteRole();
    expect(result.isError).toBe(false);
    expect(deletes()).toHaveLength(1);
    expect(messages.at(-1)).toMatch(/DELETE \/api\/v2\/roles\/rol_A1/);
    expect(messages.at(-1)).toMatch(/On role "rol_A1", tenant data: name "auditors"/);
    expect(messages.at(-1)).toMatch(/Deletes it; now, tenant data: \{"id":"rol_A1","name":"auditors"\}/);
  });

  // Each case deletes another role: a decline refuses the same change for a while, whatever asks again.
  it.each([
    ['decline', { action: 'decline' as const }, /declined/, 'rol_B1'],
    ['cancel', { action: 'cancel' as const }, /cancelled/, 'rol_B2'],
    [
      'accept without the box ticked',
      { action: 'accept' as const, content: { confirm: false } },
      /declined/,
      'rol_B3',
    ],
  ])('sends nothing on %s, and says so', async (_name, answer, message, role) => {
    answers = [answer];
    upstream.script({ status: 200, body: { id: role, name: 'auditors' } });
    const result = await deleteRole(role);
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(message);
    expect(result.text).toMatch(/nothing was sent/);
    expect(deletes()).toHaveLength(0);
  });

  it('previews a write with dry_run: the exact request, the current state and the diff, sending nothing else', async () => {
    upstream.script({ status: 200, body: { user_id: 'auth0|7', blocked: false, name: 'Carol' } });
    const { text, isError } = await server.call('invoke_write_operation', {
      operation: 'patch_users_by_id',
      arguments: { id: 'auth0|7', blocked: true },
      dry_run: true,
    });
    expect(isError).toBe(false);
    const preview = JSON.parse(text);
    expect(preview).toMatchObject({
      dry_run: true,
      risk: 'destructive',
      would_send: { method: 'PATCH', path: '/api/v2/users/auth0%7C7', body: { blocked: true } },
      current_state_from: 'get_users_by_id',
      untrusted_tenant_data: { changes: [{ field: 'blocked', from: false, to: true }] },
    });
    expect(upstream.requests.map((r) => r.method)).toEqual(['GET']);
  });
});

describe('a destructive call with a client that cannot ask (approval ids)', () => {
  let server: Connected;
  let stateDir: string;
  beforeAll(async () => {
    const setup = tenantEnv();
    stateDir = setup.stateDir;
    server = await connectCli(['--profile', 'admin'], setup.env);
  });
  afterAll(() => server.close());

  const deleteRole = (id: string, approval_id?: string) =>
    server.call('invoke_write_operation', {
      operation: 'delete_roles_by_id',
      arguments: { id },
      ...(approval_id ? { approval_id } : {}),
    });
  const approvalIdOf = (text: string) => /tenant-mcp approve (apr_[a-z0-9]{24})/.exec(text)?.[1];

  it('holds the call, runs it once after a person approves, and refuses a replay', async () => {
    upstream.setFallback({ status: 200, body: { id: 'rol_B2', name: 'temp' } });
    const held = await deleteRole('rol_B2');
    expect(held.isError).toBe(true);
    const id = approvalIdOf(held.text)!;
    expect(id).toBeDefined();
    expect(upstream.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);

    const early = await deleteRole('rol_B2', id);
    expect(early.text).toMatch(/still waiting for a person/);

    const approve = cli(['approve', id, '--yes'], stateDir);
    expect(approve.status).toBe(0);
    expect(approve.stdout).toMatch(/DELETE \/api\/v2\/roles\/rol_B2/);

    upstream.script({ status: 204 });
    const ran = await deleteRole('rol_B2', id);
    expect(ran.isError).toBe(false);
    const replay = await deleteRole('rol_B2', id);
    expect(replay.isError).toBe(true);
    expect(replay.text).toMatch(/already used/);
    expect(upstream.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
    upstream.setFallback({ status: 200, body: {} });
  });

  it('binds an approval to its arguments', async () => {
    const held = await deleteRole('rol_C3');
    const id = approvalIdOf(held.text)!;
    expect(cli(['approve', id, '--yes'], stateDir).status).toBe(0);
    const other = await deleteRole('rol_OTHER', id);
    expect(other.isError).toBe(true);
    expect(other.text).toMatch(/other arguments/);
    expect(upstream.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
  });

  it('refuses a foreign or malformed approval id, sending nothing', async () => {
    expect((await deleteRole('rol_D4', `apr_${'x'.repeat(24)}`)).text).toMatch(/No approval apr_x+ exists/);
    expect((await deleteRole('rol_D4', 'apr_../../etc')).text).toMatch(/not an approval id/);
    expect(upstream.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
  });

  it('expires approvals', async () => {
    const short = tenantEnv();
    const quick = await connectCli(['--profile', 'admin'], {
      ...short.env,
      TENANT_MCP_APPROVAL_TTL_SECONDS: '1',
    });
    const held = await quick.call('invoke_write_operation', {
      operation: 'delete_roles_by_id',
      arguments: { id: 'r' },
    });
    const id = approvalIdOf(held.text)!;
    expect(cli(['approve', id, '--yes'], short.stateDir).status).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const late = await quick.call('invoke_write_operation', {
      operation: 'delete_roles_by_id',
      arguments: { id: 'r' },
      approval_id: id,
    });
    expect(late.text).toMatch(/expired/);
    await quick.close();
  });
});

describe("the token's scopes narrow what runs", () => {
  it('refuses before sending when the token lacks the scope, naming it', async () => {
    const jwt = [
      'e30',
      Buffer.from(JSON.stringify({ scope: 'read:users' })).toString('base64url'),
      'sig',
    ].join('.');
    upstream.scriptToken({
      status: 200,
      body: { access_token: jwt, token_type: 'Bearer', expires_in: 3600 },
    });
    const server = await connectCli([], tenantEnv().env);
    const roles = await server.call('invoke_read_operation', { operation: 'get_roles', arguments: {} });
    expect(roles.isError).toBe(true);
    expect(roles.text).toMatch(/lacks the scope .*read:roles/);
    expect(upstream.requests).toHaveLength(0);
    upstream.script({ status: 200, body: [] });
    const users = await server.call('invoke_read_operation', { operation: 'get_users', arguments: {} });
    expect(users.isError).toBe(false);
    expect(upstream.requests.map((r) => r.path)).toEqual(['/api/v2/users']);
    await server.close();
  });
});

describe('secrets and untrusted text', () => {
  it('keeps planted canaries out of results, errors, logs and the audit trail', async () => {
    const setup = tenantEnv();
    const server = await connectCli(['--profile', 'admin'], setup.env);
    upstream.script({
      status: 200,
      body: { client_id: 'c1', name: 'Fleet\u202Eevil\u200B', client_secret: 'canary-client-secret-7731' },
    });
    const client = await server.call('invoke_read_operation', {
      operation: 'get_clients_by_id',
      arguments: { id: 'c1' },
    });
    expect(client.text).not.toContain('canary-client-secret-7731');
    expect(tenantData(client.text)).toMatchObject({ client_secret: '[masked]', name: 'Fleetevil' });

    upstream.script({
      status: 400,
      body: {
        statusCode: 400,
        error: 'Bad Request',
        message: 'PasswordStrengthError: canary-password-0451 is too weak',
      },
    });
    const created = await server.call('invoke_write_operation', {
      operation: 'post_users',
      arguments: {
        connection: 'Username-Password-Authentication',
        email: 'x@example.com',
        password: 'canary-password-0451',
      },
    });
    expect(created.isError).toBe(true);
    expect(created.text).toMatch(/PasswordStrengthError/);
    expect(created.text).not.toContain('canary-password-0451');
    await server.close();

    const audit = readFileSync(join(setup.stateDir, 'audit.jsonl'), 'utf8');
    const everything = `${audit}\n${server.stderr()}\n${client.text}\n${created.text}`;
    for (const canary of ['canary-client-secret-7731', 'canary-password-0451', SECRET]) {
      expect(everything).not.toContain(canary);
    }
  });
});

describe('the audit trail', () => {
  it('writes valid OCSF API Activity records that audit verify accepts, and catches an edit', async () => {
    const setup = tenantEnv();
    const server = await connectCli(['--profile', 'admin'], setup.env);
    upstream.script({ status: 200, body: [] });
    await server.call('invoke_read_operation', { operation: 'get_roles', arguments: {} });
    await server.call('invoke_read_operation', { operation: 'post_roles', arguments: {} });
    await server.call('invoke_write_operation', { operation: 'delete_roles_by_id', arguments: { id: 'r9' } });
    await server.close();

    const records = auditRecords(setup.stateDir);
    expect(records.map((r) => r.unmapped.decision)).toEqual(['approved', 'sent', 'refused', 'held']);
    for (const record of records) expect(OcsfApiActivity.safeParse(record).error).toBeUndefined();
    expect(records[1]).toMatchObject({ class_uid: 6003, activity_id: 2, api: { operation: 'get_roles' } });
    expect(records[1]!.actor.app_name).toBe('tenant-mcp-tests');

    const file = join(setup.stateDir, 'audit.jsonl');
    const ok = cli(['audit', 'verify', file], setup.stateDir);
    expect(ok.status).toBe(0);
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[1] = lines[1]!.replace('"get_roles"', '"get_users"');
    writeFileSync(file, lines.join('\n'));
    const bad = cli(['audit', 'verify', file], setup.stateDir);
    expect(bad.status).toBe(1);
    expect(bad.stdout + bad.stderr).toMatch(/line 2/);
  });

  it('loses no record of a call that reached the tenant when the server is killed mid-burst', async () => {
    const setup = tenantEnv();
    const server = await connectCli([], setup.env);
    upstream.setFallback({ status: 200, body: { user_id: 'x' }, delayMs: 30 });
    const calls = Array.from({ length: 60 }, (_, i) =>
      server
        .call('invoke_read_operation', { operation: 'get_users_by_id', arguments: { id: `auth0|burst${i}` } })
        .catch(() => undefined),
    );
    while (upstream.requests.length < 15) await new Promise((resolve) => setTimeout(resolve, 5));
    const pid = server.pid!;
    process.kill(pid, 'SIGKILL');
    // Over stdio the pending calls fail at once; over HTTP a dead peer may leave them hanging: don't wait.
    await Promise.race([Promise.allSettled(calls), new Promise((resolve) => setTimeout(resolve, 2_000))]);
    upstream.setFallback({ status: 200, body: {} });

    const reached = upstream.requests.map((r) => decodeURIComponent(r.path.split('/').pop()!));
    expect(reached.length).toBeGreaterThanOrEqual(15);
    const approved = new Set(
      auditRecords(setup.stateDir)
        .filter((r) => r.unmapped.decision === 'approved')
        .map((r) => (r.resources[0]?.data as { id?: string } | undefined)?.id),
    );
    for (const id of reached) expect(approved.has(id), id).toBe(true);
    expect(cli(['audit', 'verify', join(setup.stateDir, 'audit.jsonl')], setup.stateDir).status).toBe(0);
  });
});

describe('bad input around the guard rails', () => {
  it('refuses to start on an audit trail with a torn or corrupt tail, naming the repair', () => {
    const { stateDir } = tenantEnv();
    writeFileSync(join(stateDir, 'audit.jsonl'), '{"class_uid":6003,"unmapped":{"seq":0');
    const run = spawnSync(process.execPath, [CLI], {
      env: { PATH: process.env.PATH, TENANT_MCP_STATE_DIR: stateDir },
      encoding: 'utf8',
      input: '',
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/audit log .*audit\.jsonl cannot be used/);
    expect(run.stderr).toMatch(/audit repair/);
  });

  it('previews through a per-operation tool too, taking dry_run beside the operation arguments', async () => {
    const server = await connectCli(['--profile', 'admin', '--toolsets', 'roles'], tenantEnv().env);
    upstream.script({ status: 200, body: { id: 'rol_Z', name: 'old', description: 'd' } });
    const { text, isError } = await server.call('patch_roles_by_id', {
      id: 'rol_Z',
      name: 'new',
      dry_run: true,
    });
    expect(isError).toBe(false);
    expect(JSON.parse(text)).toMatchObject({
      dry_run: true,
      would_send: { method: 'PATCH', path: '/api/v2/roles/rol_Z', body: { name: 'new' } },
      untrusted_tenant_data: { changes: [{ field: 'name', from: 'old', to: 'new' }] },
    });
    expect(upstream.requests.map((r) => r.method)).toEqual(['GET']);
    await server.close();
  });
});

describe('a policy file', () => {
  it('enforces a custom profile: listing, an argument constraint, and confirm: never (logged)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenant-mcp-policyfile-'));
    const file = join(dir, 'policy.yaml');
    writeFileSync(
      file,
      `version: 1
profiles:
  onboarding:
    allow: [get_users, post_users, get_roles, delete_roles_by_id]
    confirm:
      delete_roles_by_id: never
    constraints:
      - operations: [post_users]
        argument: connection
        one_of: [Username-Password-Authentication]
        required: true
`,
    );
    const setup = tenantEnv(dir);
    const server = await connectCli(['--policy', file, '--profile', 'onboarding'], setup.env);
    const { tools } = await server.client.listTools();
    expect(tools.map((t) => t.name)).toContain('invoke_write_operation');
    const search = await server.call('search_operations', { query: 'delete user' });
    expect(search.text).not.toMatch(/delete_users_by_id/);

    const wrong = await server.call('invoke_write_operation', {
      operation: 'post_users',
      arguments: { connection: 'google-oauth2', email: 'new@example.com' },
    });
    expect(wrong.isError).toBe(true);
    expect(wrong.text).toMatch(/connection/);
    expect(wrong.text).toMatch(/Username-Password-Authentication/);
    const denied = await server.call('invoke_write_operation', {
      operation: 'delete_users_by_id',
      arguments: { id: 'x' },
    });
    expect(denied.text).toMatch(/not allowed by the "onboarding" profile/);
    expect(upstream.requests).toHaveLength(0);

    upstream.script({ status: 204 });
    const unconfirmed = await server.call('invoke_write_operation', {
      operation: 'delete_roles_by_id',
      arguments: { id: 'r1' },
    });
    expect(unconfirmed.isError).toBe(false);
    expect(upstream.requests.map((r) => r.method)).toEqual(['DELETE']);
    await server.close();
    expect(server.stderr()).toMatch(
      /delete_roles_by_id runs without confirmation: profile "onboarding" sets confirm: never/,
    );
    const skipped = auditRecords(dir).find((r) => r.unmapped.decision === 'approved');
    expect(skipped?.unmapped.confirm_skipped).toBe(true);
  });
});
