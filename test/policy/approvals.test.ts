// Pins the approval rules a destructive call waits on: bound to its exact call, single use, expiring,
// stored 0600, and approved only by a person at a terminal (or --yes).
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { bindingHash, canonicalJson, createApprovalStore } from '../../src/policy/approvals.js';
import { runApproveCommand } from '../../src/policy/approve-command.js';

let dir: string;
let clock: number;
const store = () => createApprovalStore({ stateDir: dir, now: () => clock });
const call = { tenant: 'prod', operation: 'delete_users_by_id', arguments: { id: 'auth0|1' } };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tenant-mcp-approvals-'));
  clock = 1_700_000_000_000;
});

function io(stdinText = '', tty = false) {
  const stdin = Object.assign(new PassThrough(), { isTTY: tty });
  stdin.end(stdinText);
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) =>
    Object.assign(new PassThrough(), { write: (t: string) => into.push(t) > 0 });
  return { io: { stdin, stdout: sink(out), stderr: sink(err) }, out, err };
}

describe('canonical binding', () => {
  it('hashes equal arguments equally whatever their key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}',
    );
    expect(bindingHash({ ...call, arguments: { a: 1, b: 2 } })).toBe(
      bindingHash({ ...call, arguments: { b: 2, a: 1 } }),
    );
    expect(bindingHash(call)).not.toBe(bindingHash({ ...call, tenant: 'dev' }));
  });
});

describe('approval store', () => {
  it('creates a pending approval in a 0600 file under approvals/', () => {
    const record = store().create({ ...call, risk: 'destructive', summary: 'Delete a user' });
    expect(record.id).toMatch(/^apr_[a-z0-9]{24}$/);
    const file = join(dir, 'approvals', `${record.id}.json`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'approvals')).mode & 0o777).toBe(0o700);
  });

  it('refuses a pending approval, then runs once after a person approves', () => {
    const s = store();
    const { id } = s.create({ ...call, risk: 'destructive', summary: 's' });
    expect(() => s.consume(id, call)).toThrow(expect.objectContaining({ code: 'pending' }));
    s.approve(id, 'ops');
    expect(s.consume(id, call).approvedBy).toBe('ops');
    expect(() => s.consume(id, call)).toThrow(expect.objectContaining({ code: 'used' }));
    expect(readdirSync(join(dir, 'approvals'))).toEqual([`${id}.used.json`]);
  });

  it('is bound to tenant, operation and arguments', () => {
    const s = store();
    const { id } = s.create({ ...call, risk: 'destructive', summary: 's' });
    s.approve(id, 'ops');
    for (const other of [
      { ...call, tenant: 'dev' },
      { ...call, operation: 'delete_roles_by_id' },
      { ...call, arguments: { id: 'auth0|2' } },
    ]) {
      expect(() => s.consume(id, other)).toThrow(expect.objectContaining({ code: 'mismatch' }));
    }
    expect(s.consume(id, call).id).toBe(id); // a mismatch does not burn it
  });

  it('expires', () => {
    const s = store();
    const { id } = s.create({ ...call, risk: 'destructive', summary: 's' });
    s.approve(id, 'ops');
    clock += 10 * 60_000 + 1;
    expect(() => s.consume(id, call)).toThrow(expect.objectContaining({ code: 'expired' }));
    expect(() => s.approve(id, 'ops')).toThrow(/expired/);
  });

  it.each([['apr_../../etc/passwd'], ['apr_short'], ['nope']])('rejects the malformed id %s', (id) => {
    expect(() => store().get(id)).toThrow(expect.objectContaining({ code: 'malformed' }));
  });

  it('says when an id is unknown here', () => {
    expect(() => store().get(`apr_${'a'.repeat(24)}`)).toThrow(expect.objectContaining({ code: 'unknown' }));
  });
});

describe('tenant-mcp approve', () => {
  it('shows the summary and approves with --yes', async () => {
    const s = store();
    const { id } = s.create({ ...call, risk: 'destructive', summary: 'Delete alice (auth0|1)' });
    const { io: streams, out } = io();
    expect(await runApproveCommand([id, '--yes'], s, streams)).toBe(0);
    expect(out.join('')).toContain('Delete alice (auth0|1)');
    expect(s.get(id).approvedAt).toBe(clock);
  });

  it('asks y/N on a terminal; yes approves', async () => {
    const s = store();
    const { id } = s.create({ ...call, risk: 'destructive', summary: 's' });
    const yes = io('y\n', true);
    expect(await runApproveCommand([id], s, yes.io)).toBe(0);
    expect(s.get(id).approvedAt).toBe(clock);
  });

  it('takes no for a final answer: "n" denies, the call never runs, and the same change is remembered', async () => {
    const s = store();
    const { id, effectHashes } = s.create({ ...call, risk: 'destructive', summary: 's' });
    const no = io('n\n', true);
    expect(await runApproveCommand([id], s, no.io)).toBe(1);
    expect(no.out.join('')).toMatch(/Denied/);
    expect(s.get(id).deniedAt).toBe(clock);
    expect(() => s.consume(id, call)).toThrow(expect.objectContaining({ code: 'denied' }));
    expect(s.declined(effectHashes![0]!)).toMatchObject({ ref: id, operation: 'delete_users_by_id' });
    const again = io('y\n', true);
    expect(await runApproveCommand([id], s, again.io)).toBe(1);
    expect(again.err.join('')).toMatch(/was denied/);
  });

  it('denies with --deny, and answers --help', async () => {
    const s = store();
    const { id } = s.create({ ...call, risk: 'destructive', summary: 's' });
    const deny = io();
    expect(await runApproveCommand(['--deny', id], s, deny.io)).toBe(0);
    expect(s.get(id).deniedBy).toMatch(/tenant-mcp approve/);
    const help = io();
    expect(await runApproveCommand(['--help'], s, help.io)).toBe(0);
    expect(help.out.join('')).toMatch(/--deny <apr_id>/);
  });

  it('refuses to approve from a non-terminal without --yes', async () => {
    const s = store();
    const { id } = s.create({ ...call, risk: 'destructive', summary: 's' });
    const { io: streams, err } = io('y\n', false);
    expect(await runApproveCommand([id], s, streams)).toBe(2);
    expect(err.join('')).toMatch(/--yes/);
  });

  it('names a bad id and lists what waits', async () => {
    const s = store();
    const bad = io();
    expect(await runApproveCommand(['apr_nope'], s, bad.io)).toBe(1);
    expect(bad.err.join('')).toMatch(/not an approval id/);
    const { id } = s.create({ ...call, risk: 'destructive', summary: 's' });
    const list = io();
    expect(await runApproveCommand(['--list'], s, list.io)).toBe(0);
    expect(list.out.join('')).toContain(id);
  });
});

describe('declines', () => {
  it('are remembered per effect until they expire, and swept', () => {
    const s = createApprovalStore({ stateDir: dir, now: () => clock, declineTtlMs: 60_000 });
    const hash = 'a'.repeat(64);
    s.recordDecline(
      { operation: 'delete_users_by_id', until: clock + 60_000, at: clock, by: 'ops', ref: 'x' },
      [hash],
    );
    expect(s.declined(hash)).toMatchObject({ by: 'ops', ref: 'x' });
    clock += 60_001;
    expect(s.declined(hash)).toBeUndefined();
    expect(s.declined('../../etc/passwd')).toBeUndefined();
  });

  it('bind a task to all its effects, in any order', () => {
    const s = store();
    const effects = [
      { operation: 'patch_users_by_id', arguments: { id: 'auth0|1', blocked: false } },
      { operation: 'delete_user-blocks_by_id', arguments: { id: 'auth0|1' } },
    ];
    const { id } = s.create({
      tenant: 'prod',
      operation: 'unblock_user',
      effects,
      risk: 'destructive',
      summary: 's',
    });
    s.approve(id, 'ops');
    const reordered = { tenant: 'prod', operation: 'unblock_user', effects: [...effects].reverse() };
    const fewer = { tenant: 'prod', operation: 'unblock_user', effects: effects.slice(0, 1) };
    expect(() => s.consume(id, fewer)).toThrow(expect.objectContaining({ code: 'mismatch' }));
    expect(s.consume(id, reordered).id).toBe(id);
  });
});

describe('denial', () => {
  it('is final: a denied approval neither runs nor can be approved', () => {
    const s = store();
    const { id } = s.create({ ...call, risk: 'destructive', summary: 's' });
    expect(s.deny(id, 'ops').deniedBy).toBe('ops');
    expect(() => s.consume(id, call)).toThrow(expect.objectContaining({ code: 'denied' }));
    expect(() => s.approve(id, 'ops')).toThrow(expect.objectContaining({ code: 'denied' }));
  });

  it('cannot undo an approval', () => {
    const s = store();
    const { id } = s.create({ ...call, risk: 'destructive', summary: 's' });
    s.approve(id, 'ops');
    expect(() => s.deny(id, 'ops')).toThrow(/already approved/);
  });
});
