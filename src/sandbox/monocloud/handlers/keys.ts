/**
 * The tenant's token signing keys. Rotating the current key makes a new one current and keeps the old
 * one for validating tokens it signed; revoking a key stops it validating anything. The current key
 * cannot be revoked (rotate first, or the tenant could sign nothing), and neither operation works
 * twice on one key.
 */
import { randomUUID } from 'node:crypto';
import { missing, pagedList } from '../engine.js';
import { conflict } from '../problem.js';
import type { JsonObject } from '../state.js';
import type { MonoContext, MonoHandlerTable } from './context.js';

const KEYS = '/keys';

function findKey(ctx: MonoContext): JsonObject {
  const id = ctx.params.key_id ?? '';
  const key = ctx.state.store.collection(KEYS)?.get(id);
  if (!key) throw missing(KEYS, id);
  return key;
}

/** A new signing key made at `now` with `algorithm`. */
export function newSigningKey(now: number, algorithm: string, id: string = randomUUID()): JsonObject {
  return {
    id,
    signing_algorithm: algorithm,
    is_current: true,
    use: 'signing',
    creation_time: now,
    valid_from: now,
    valid_to: null,
    revocation_date: null,
    rotation_date: null,
  };
}

/** Handlers for signing keys. */
export const keyHandlers: MonoHandlerTable = {
  get_all_key_materials: (ctx) =>
    pagedList(ctx.op, ctx.decoded, [...(ctx.state.store.collection(KEYS)?.values() ?? [])]),
  rotate_key: (ctx) => {
    const key = findKey(ctx);
    if (key.revocation_date != null)
      throw conflict(`Signing key '${String(key.id)}' is revoked; it cannot be rotated.`);
    if (key.rotation_date != null)
      throw conflict(`Signing key '${String(key.id)}' was already rotated; rotate the current key instead.`);
    const keys = ctx.state.store.collection(KEYS, true);
    for (const other of keys.values()) other.is_current = false;
    key.use = 'validation';
    key.rotation_date = ctx.now;
    const next = newSigningKey(ctx.now, String(key.signing_algorithm));
    keys.set(String(next.id), next);
    return {};
  },
  revoke_key: (ctx) => {
    const key = findKey(ctx);
    if (key.revocation_date != null) throw conflict(`Signing key '${String(key.id)}' is already revoked.`);
    if (key.is_current === true)
      throw conflict(
        `Signing key '${String(key.id)}' is the current signing key; rotate it first so the tenant keeps one to sign with.`,
      );
    key.revocation_date = ctx.now;
    key.valid_to = ctx.now;
    key.use = 'validation';
    return {};
  },
};
