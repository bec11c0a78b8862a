/**
 * The confirmation state a 2026-07-28 client echoes back with its answer (`requestState` of an
 * `input_required` result). It round-trips through the client, so it is sealed (HMAC-SHA256 with the
 * server's key, through the SDK's codec), bound to the exact changes asked about (the gate's binding hash:
 * tenant, operations, canonical arguments) and to the principal, expires, and works once: a tampered,
 * foreign, stale or replayed state is refused, and the gate records why.
 */
import { randomBytes } from 'node:crypto';
import { createRequestStateCodec, type RequestStateCodec } from '@modelcontextprotocol/server';
import { claimOnce } from '../shared/primitives.js';
import type { SharedRedis } from '../shared/redis.js';

/** What is sealed into `requestState`. */
export interface ConfirmationState {
  /** The binding hash of the changes the person was asked about. */
  binding: string;
  /** Who asked (the HTTP principal, or `local` over stdio). */
  principal: string;
  /** A one-time value: the answer it carries is taken once. */
  nonce: string;
  /** When it stops being accepted, epoch milliseconds (the codec checks its own expiry too). */
  expiresAt: number;
}

/** Remembers which states were used, until they would have expired anyway. */
export interface ReplayGuard {
  /** Takes `nonce`; `false` when it was taken before. */
  claim(nonce: string, expiresAt: number): boolean | Promise<boolean>;
}

/** How long a person has between the question and the retried call. */
export const CONFIRMATION_STATE_TTL_SECONDS = 600;

/** Seals and opens confirmation states. */
export interface ConfirmationStates {
  /** A sealed state for `binding`, asked by `principal`. */
  seal(binding: string, principal: string): Promise<string>;
  /** The state inside `sealed`, or why it is refused. */
  open(sealed: string): Promise<ConfirmationState | { refused: string }>;
  /** Takes the state's one use; `false` when it was used already. */
  claim(state: ConfirmationState): Promise<boolean>;
}

/** An in-memory guard, bounded: nonces are forgotten once expired; with `max` live ones, new claims fail. */
export function createMemoryReplayGuard(max = 100_000): ReplayGuard {
  const used = new Map<string, number>();
  return {
    claim(nonce, expiresAt) {
      const now = Date.now();
      if (used.size >= max) for (const [key, until] of used) if (until <= now) used.delete(key);
      if (used.has(nonce)) return false;
      // Full of live states: refuse rather than forget one that could then be replayed (fail closed).
      if (used.size >= max) return false;
      used.set(nonce, expiresAt);
      return true;
    },
  };
}

/**
 * A guard shared by replicas: the nonce is taken with SET NX PX in Redis, so an answer used through one
 * replica is refused by every other. Rejects with `SharedStateUnavailable` when Redis is down (the
 * confirmation then fails closed).
 */
export function createRedisReplayGuard(redis: SharedRedis, now: () => number = Date.now): ReplayGuard {
  return {
    claim: (nonce, expiresAt) =>
      claimOnce(redis, redis.key('request-state', nonce), Math.max(1000, expiresAt - now() + 1000)),
  };
}

/**
 * Creates the sealer. `key` must be the same on every replica that may receive the retry (at least 32
 * bytes); without one, a random key for this process, which suits stdio and a single HTTP process.
 */
export function createConfirmationStates(
  options: { key?: string | Uint8Array | undefined; replay?: ReplayGuard; now?: () => number } = {},
): ConfirmationStates {
  const now = options.now ?? Date.now;
  const codec: RequestStateCodec<ConfirmationState> = createRequestStateCodec<ConfirmationState>({
    key: options.key ?? randomBytes(32),
    ttlSeconds: CONFIRMATION_STATE_TTL_SECONDS,
  });
  const replay = options.replay ?? createMemoryReplayGuard();
  return {
    seal: (binding, principal) =>
      codec.mint({
        binding,
        principal,
        nonce: randomBytes(16).toString('base64url'),
        expiresAt: now() + CONFIRMATION_STATE_TTL_SECONDS * 1000,
      }),
    async open(sealed) {
      try {
        // The codec is created without a `bind` callback, so it needs no request context.
        const state = await codec.verify(sealed, undefined as never);
        if (!state || typeof state.binding !== 'string' || typeof state.nonce !== 'string') {
          return { refused: 'the confirmation state is not one this server made' };
        }
        if (state.expiresAt <= now()) return { refused: 'the confirmation state expired' };
        return state;
      } catch (error) {
        const reason = (error as Error).message;
        return {
          refused:
            reason === 'expired'
              ? 'the confirmation state expired'
              : 'the confirmation state was altered or is not one this server made',
        };
      }
    },
    claim: async (state) => replay.claim(state.nonce, state.expiresAt),
  };
}
