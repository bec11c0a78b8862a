// Bad input on the approval path, straight at the gate: forged, malformed, replayed, expired and foreign
// approval ids, an approval for other arguments, a denied one, and fifty calls racing for one approval.
// Each is refused with a specific message and an audit record, and nothing reaches the tenant.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createApprovalStore, type FileApprovalStore } from '../../src/policy/approvals.js';
import { openAuditLog } from '../../src/policy/audit/index.js';
import { CallError, createGate, type Gate } from '../../src/policy/index.js';
import { getProfile } from '../../src/policy/profiles.js';
import { auth0Catalog } from '../../src/tools/auth0/index.js';
import { createStubExecutor } from '../helpers/in-process.js';

let clock: number;
let store: FileApprovalStore;
let gate: Gate;
let executor: ReturnType<typeof createStubExecutor>;
let auditPath: string;

beforeEach(() => {
  const dir = mkdtempSync(join(tmpdir(), 'tenant-mcp-approval-ids-'));
  clock = Date.now();
  store = createApprovalStore({ stateDir: dir, now: () => clock });
  executor = createStubExecutor((request) =>
    request.method === 'GET' ? { id: 'rol_1', name: 'auditors' } : undefined,
  );
  auditPath = join(dir, 'audit.jsonl');
  gate = createGate({
    catalog: auth0Catalog,
    profile: getProfile('admin', auth0Catalog),
    executor,
    tenant: { name: 'prod', domain: 'acme.eu.auth0.com' },
    approvals: store,
    audit: openAuditLog(auditPath, { productVersion: 't' }),
  });
});

const deleteRole = (id: string, approvalId?: string) =>
  gate.invoke({
    operation: 'delete_roles_by_id',
    arguments: { id },
    route: 'write',
    tool: 'invoke_write_operation',
    ...(approvalId ? { approvalId } : {}),
  });
const deletes = () => executor.requests.filter((r) => r.method === 'DELETE');
const refusals = () =>
  readFileSync(auditPath, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .filter((r) => r.unmapped.decision === 'refused');

async function heldId(role = 'rol_1'): Promise<string> {
  const held = await deleteRole(role).catch((error: CallError) => error);
  expect(held).toBeInstanceOf(CallError);
  return (held as CallError).details.approvalId as string;
}

async function refused(pending: Promise<unknown>, message: RegExp): Promise<void> {
  const error = await pending.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CallError);
  expect((error as CallError).message).toMatch(message);
}

describe('approval ids that must not work', () => {
  it.each([
    ['a forged id', `apr_${'z'.repeat(24)}`, /No approval apr_z+ exists/],
    ['a malformed id', 'apr_../../../etc/passwd', /is not an approval id/],
  ])('%s is refused and recorded', async (_name, id, message) => {
    await refused(deleteRole('rol_1', id), message);
    expect(refusals().at(-1)).toMatchObject({ unmapped: { approval_id: id } });
    expect(deletes()).toEqual([]);
  });

  it('refuses one still waiting, one for other arguments (without burning it), a replay and an expired one', async () => {
    const id = await heldId();
    await refused(deleteRole('rol_1', id), /still waiting for a person/);
    store.approve(id, 'ops');
    await refused(deleteRole('rol_2', id), /with other arguments/);
    await deleteRole('rol_1', id);
    expect(deletes()).toHaveLength(1);
    await refused(deleteRole('rol_1', id), /already used/);
    const late = await heldId('rol_3');
    store.approve(late, 'ops');
    clock += 11 * 60_000;
    await refused(deleteRole('rol_3', late), /expired/);
    expect(deletes()).toHaveLength(1);
  });

  it('refuses an approval given on another tenant', async () => {
    const foreign = store.create({
      tenant: 'staging',
      operation: 'delete_roles_by_id',
      arguments: { id: 'rol_1' },
      risk: 'destructive',
      summary: 's',
    });
    store.approve(foreign.id, 'ops');
    await refused(deleteRole('rol_1', foreign.id), /on tenant "staging" with other arguments/);
    expect(deletes()).toEqual([]);
  });

  it('a denied approval never runs, and the same change is refused without it too', async () => {
    const id = await heldId();
    store.deny(id, 'ops');
    // The decline is remembered per change, so the denied id and a fresh call are refused alike.
    await refused(deleteRole('rol_1', id), new RegExp(`A person \\(ops\\) declined .*record ${id}`));
    await refused(
      deleteRole('rol_1'),
      new RegExp(`declined delete_roles_by_id with these arguments .*record ${id}`),
    );
    expect(deletes()).toEqual([]);
  });

  it('of fifty calls racing for one approval, exactly one runs', async () => {
    const id = await heldId();
    store.approve(id, 'ops');
    const outcomes = await Promise.allSettled(Array.from({ length: 50 }, () => deleteRole('rol_1', id)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(deletes()).toHaveLength(1);
    expect(
      outcomes.filter(
        (o) => o.status === 'rejected' && /already used/.test(String((o.reason as Error).message)),
      ),
    ).toHaveLength(49);
  });
});
