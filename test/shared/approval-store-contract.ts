// One contract for both approval stores (files in the state directory; Redis shared by replicas): bound
// to the exact call, single use, expiring, denial final, declines remembered per effect.
import { describe, expect, it } from 'vitest';
import type { ApprovalStore } from '../../src/policy/approvals.js';

/** Makes a fresh, empty store on the given clock. */
export type StoreMaker = (now: () => number, options?: { declineTtlMs?: number }) => Promise<ApprovalStore>;

const call = { tenant: 'prod', operation: 'delete_users_by_id', arguments: { id: 'auth0|1' } };
const held = { ...call, risk: 'destructive', summary: 'Delete alice (auth0|1)' };

/** Registers the contract's cases for one store. */
export function approvalStoreContract(name: string, make: StoreMaker): void {
  describe(`approval store contract: ${name}`, () => {
    let clock = 1_700_000_000_000;
    const fresh = async (options?: { declineTtlMs?: number }) => {
      clock = 1_700_000_000_000;
      return make(() => clock, options);
    };

    it('creates a pending approval that reads back whole and is listed', async () => {
      const s = await fresh();
      const record = await s.create({ ...held, requestedBy: { client: 'agent 1.0', principal: 'p1' } });
      expect(record.id).toMatch(/^apr_[a-z0-9]{24}$/);
      expect(await s.get(record.id)).toEqual(record);
      expect((await s.listPending()).map((r) => r.id)).toEqual([record.id]);
    });

    it('refuses a pending approval, then runs once after a person approves', async () => {
      const s = await fresh();
      const { id } = await s.create(held);
      await expect(Promise.resolve().then(() => s.consume(id, call))).rejects.toMatchObject({
        code: 'pending',
      });
      expect((await s.approve(id, 'ops')).approvedBy).toBe('ops');
      expect((await s.approve(id, 'someone else')).approvedBy).toBe('ops'); // approving twice changes nothing
      const used = await s.consume(id, call);
      expect(used).toMatchObject({ id, approvedBy: 'ops', approvedAt: clock });
      await expect(Promise.resolve().then(() => s.consume(id, call))).rejects.toMatchObject({ code: 'used' });
      await expect(Promise.resolve().then(() => s.get(id))).rejects.toMatchObject({ code: 'used' });
      expect(await s.listPending()).toEqual([]);
    });

    it('is bound to tenant, operation and arguments; a mismatch does not burn it', async () => {
      const s = await fresh();
      const { id } = await s.create(held);
      await s.approve(id, 'ops');
      for (const other of [
        { ...call, tenant: 'dev' },
        { ...call, operation: 'delete_roles_by_id' },
        { ...call, arguments: { id: 'auth0|2' } },
      ]) {
        await expect(Promise.resolve().then(() => s.consume(id, other))).rejects.toMatchObject({
          code: 'mismatch',
          message: expect.stringContaining('delete_users_by_id on tenant "prod"'),
        });
      }
      expect((await s.consume(id, { ...call, arguments: { id: 'auth0|1' } })).id).toBe(id);
    });

    it('expires', async () => {
      const s = await fresh();
      const { id } = await s.create(held);
      await s.approve(id, 'ops');
      clock += 10 * 60_000 + 1;
      await expect(Promise.resolve().then(() => s.consume(id, call))).rejects.toMatchObject({
        code: 'expired',
      });
      await expect(Promise.resolve().then(() => s.approve(id, 'ops'))).rejects.toThrow(/expired/);
      expect(await s.listPending()).toEqual([]);
    });

    it('rejects malformed ids and names unknown ones', async () => {
      const s = await fresh();
      for (const id of ['apr_../../etc/passwd', 'apr_short', 'nope']) {
        await expect(Promise.resolve().then(() => s.get(id))).rejects.toMatchObject({ code: 'malformed' });
        await expect(Promise.resolve().then(() => s.consume(id, call))).rejects.toMatchObject({
          code: 'malformed',
        });
      }
      await expect(Promise.resolve().then(() => s.get(`apr_${'a'.repeat(24)}`))).rejects.toMatchObject({
        code: 'unknown',
      });
    });

    it('makes denial final and remembers it per effect', async () => {
      const s = await fresh();
      const { id, effectHashes } = await s.create(held);
      expect((await s.deny(id, 'ops')).deniedBy).toBe('ops');
      expect((await s.deny(id, 'other')).deniedBy).toBe('ops');
      await expect(Promise.resolve().then(() => s.consume(id, call))).rejects.toMatchObject({
        code: 'denied',
      });
      await expect(Promise.resolve().then(() => s.approve(id, 'ops'))).rejects.toMatchObject({
        code: 'denied',
        message: expect.stringContaining('denied by ops'),
      });
      expect(await s.declined(effectHashes![0]!)).toMatchObject({
        ref: id,
        operation: 'delete_users_by_id',
        by: 'ops',
        at: clock,
      });
    });

    it('cannot undo an approval', async () => {
      const s = await fresh();
      const { id } = await s.create(held);
      await s.approve(id, 'ops');
      await expect(Promise.resolve().then(() => s.deny(id, 'ops'))).rejects.toThrow(/already approved/);
    });

    it('remembers declines until they expire, and ignores what is no hash', async () => {
      const s = await fresh({ declineTtlMs: 60_000 });
      const hash = 'a'.repeat(64);
      await s.recordDecline(
        { operation: 'delete_users_by_id', until: clock + 60_000, at: clock, by: 'ops', ref: 'x' },
        [hash],
      );
      expect(await s.declined(hash)).toMatchObject({ by: 'ops', ref: 'x', hash });
      clock += 60_001;
      expect(await s.declined(hash)).toBeUndefined();
      expect(await s.declined('../../etc/passwd')).toBeUndefined();
    });

    it('binds a task to all its effects, in any order', async () => {
      const s = await fresh();
      const effects = [
        { operation: 'patch_users_by_id', arguments: { id: 'auth0|1', blocked: false } },
        { operation: 'delete_user-blocks_by_id', arguments: { id: 'auth0|1' } },
      ];
      const { id } = await s.create({
        tenant: 'prod',
        operation: 'unblock_user',
        effects,
        risk: 'destructive',
        summary: 's',
      });
      await s.approve(id, 'ops');
      const fewer = { tenant: 'prod', operation: 'unblock_user', effects: effects.slice(0, 1) };
      await expect(Promise.resolve().then(() => s.consume(id, fewer))).rejects.toMatchObject({
        code: 'mismatch',
      });
      const reordered = { tenant: 'prod', operation: 'unblock_user', effects: [...effects].reverse() };
      expect((await s.consume(id, reordered)).id).toBe(id);
    });

    it('lists newest first, with each state', async () => {
      const s = await fresh();
      const a = await s.create(held);
      clock += 1000;
      const b = await s.create({ ...held, arguments: { id: 'auth0|2' } });
      clock += 1000;
      const c = await s.create({ ...held, arguments: { id: 'auth0|3' } });
      await s.approve(b.id, 'ops');
      await s.deny(c.id, 'ops');
      const listed = await s.listPending();
      expect(listed.map((r) => r.id)).toEqual([c.id, b.id, a.id]);
      expect(listed[0]!.deniedBy).toBe('ops');
      expect(listed[1]!.approvedBy).toBe('ops');
      expect(listed[2]!.approvedAt).toBeUndefined();
    });
  });
}
