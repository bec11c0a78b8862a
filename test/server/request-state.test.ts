// Pins the sealed confirmation state of 2026-07-28 rounds: it opens to what was sealed, and is refused
// when altered, sealed under another key, expired, or used a second time.
import { describe, expect, it } from 'vitest';
import { createConfirmationStates, createMemoryReplayGuard } from '../../src/server/request-state.js';

const KEY = 'k'.repeat(32);

describe('confirmation states', () => {
  it('opens what it sealed, once', async () => {
    const states = createConfirmationStates({ key: KEY });
    const state = await states.open(await states.seal('binding-1', 'token-1'));
    expect(state).toMatchObject({ binding: 'binding-1', principal: 'token-1' });
    if ('refused' in state) throw new Error(state.refused);
    expect(await states.claim(state)).toBe(true);
    expect(await states.claim(state)).toBe(false);
  });

  it('refuses an altered state and one sealed under another key', async () => {
    const states = createConfirmationStates({ key: KEY });
    const sealed = await states.seal('b', 'p');
    expect(await states.open(`${sealed}x`)).toMatchObject({ refused: expect.stringMatching(/altered/) });
    const other = createConfirmationStates({ key: 'o'.repeat(32) });
    expect(await other.open(sealed)).toMatchObject({ refused: expect.stringMatching(/altered/) });
    expect(await states.open('not even close')).toMatchObject({ refused: expect.any(String) });
  });

  it('refuses a stale state', async () => {
    let clock = Date.now();
    const states = createConfirmationStates({ key: KEY, now: () => clock });
    const sealed = await states.seal('b', 'p');
    clock += 601_000;
    expect(await states.open(sealed)).toMatchObject({ refused: 'the confirmation state expired' });
  });

  it('forgets used states only once they expired; full of live ones, it refuses instead', () => {
    const guard = createMemoryReplayGuard(2);
    const later = Date.now() + 60_000;
    expect(guard.claim('a', later)).toBe(true);
    expect(guard.claim('a', later)).toBe(false);
    expect(guard.claim('b', Date.now() - 1)).toBe(true);
    expect(guard.claim('c', later)).toBe(true); // b had expired: forgotten to make room
    expect(guard.claim('d', later)).toBe(false); // a and c are live: nothing is forgotten
    expect(guard.claim('a', later)).toBe(false);
  });
});
