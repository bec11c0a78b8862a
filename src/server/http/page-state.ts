/**
 * What the approvals page remembers between requests: approvers' browser sessions, the per-form tokens
 * already submitted, and wrong credentials per address. In this process by default; in Redis when
 * replicas share state, so a person who signs in on one replica is signed in on all, and a form submitted
 * through one cannot be replayed through another.
 */
import { createHash, randomBytes } from 'node:crypto';
import { claimOnce, countFailure, failureCount } from '../../shared/primitives.js';
import type { SharedRedis } from '../../shared/redis.js';
import type { LoginFlows } from './approver-login.js';

/** A signed-in approver's session. */
export interface PageSession {
  /** The approver's name, recorded with each decision. */
  name: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** The page's memory. */
export interface PageState {
  /** Opens a session for `name` lasting `ttlMs`; returns its id (the cookie's value). */
  openSession(name: string, ttlMs: number): Promise<string>;
  /** The live session of `sid`, if any. */
  session(sid: string): Promise<PageSession | undefined>;
  /** Ends a session. */
  closeSession(sid: string): Promise<void>;
  /** Marks a form (its binding, approval and action) submitted until `until`: `false` if it already was. */
  claimForm(key: string, until: number): Promise<boolean>;
  /** Whether `address` may try another credential (fewer than `allowed` wrong ones in the window). */
  loginAllowed(address: string, allowed: number): Promise<boolean>;
  /** Counts a wrong credential from `address`, in a window of `windowMs` from the first. */
  loginFailed(address: string, windowMs: number): Promise<void>;
}

const MAX_SESSIONS = 200;

/** The page's memory in this process (the embedded default), bounded. */
export function createMemoryPageState(now: () => number = Date.now): PageState {
  const sessions = new Map<string, PageSession>();
  const usedForms = new Map<string, number>();
  const failures = new Map<string, { count: number; since: number; windowMs: number }>();
  const live = (address: string) => {
    const entry = failures.get(address);
    if (entry && now() - entry.since <= entry.windowMs) return entry;
    failures.delete(address);
    return undefined;
  };
  return {
    async openSession(name, ttlMs) {
      const t = now();
      for (const [sid, session] of sessions) if (session.expiresAt <= t) sessions.delete(sid);
      while (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value!);
      const sid = randomBytes(32).toString('base64url');
      sessions.set(sid, { name, expiresAt: t + ttlMs });
      return sid;
    },
    async session(sid) {
      const session = sessions.get(sid);
      if (session && session.expiresAt > now()) return session;
      sessions.delete(sid);
      return undefined;
    },
    async closeSession(sid) {
      sessions.delete(sid);
    },
    async claimForm(key, until) {
      const t = now();
      for (const [used, expiry] of usedForms) if (expiry < t) usedForms.delete(used);
      if (usedForms.has(key)) return false;
      usedForms.set(key, until);
      return true;
    },
    async loginAllowed(address, allowed) {
      return (live(address)?.count ?? 0) < allowed;
    },
    async loginFailed(address, windowMs) {
      const entry = live(address);
      if (entry) entry.count += 1;
      else {
        if (failures.size >= 10_000) failures.clear();
        failures.set(address, { count: 1, since: now(), windowMs });
      }
    },
  };
}

const digest = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 32);

const TAKE = `local v = redis.call('GET', KEYS[1]) if v then redis.call('DEL', KEYS[1]) end return v`;
const PUT = `redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1`;

/**
 * OAuth sign-ins in progress in Redis (the issuer's callback may reach another replica); taken once, by
 * one script, so a replayed callback finds nothing on any replica.
 */
export function createRedisLoginFlows(redis: SharedRedis): LoginFlows {
  const key = (flow: string) => redis.key('page', 'login-flow', digest(flow));
  return {
    async put(flow, value, ttlMs) {
      await redis.eval(PUT, [key(flow)], [value, ttlMs]);
    },
    async take(flow) {
      const value = await redis.eval(TAKE, [key(flow)], []);
      return typeof value === 'string' ? value : undefined;
    },
  };
}

const OPEN_SESSION = `redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1`;
const READ_SESSION = `return redis.call('GET', KEYS[1])`;
const CLOSE_SESSION = `return redis.call('DEL', KEYS[1])`;

/**
 * The page's memory in Redis. Keys hold digests of session ids and form keys, never the values a
 * browser presents, so reading Redis does not sign anyone in.
 */
export function createRedisPageState(redis: SharedRedis, now: () => number = Date.now): PageState {
  const sessionKey = (sid: string) => redis.key('page', 'session', digest(sid));
  return {
    async openSession(name, ttlMs) {
      const sid = randomBytes(32).toString('base64url');
      const value = JSON.stringify({ name, expiresAt: now() + ttlMs });
      await redis.eval(OPEN_SESSION, [sessionKey(sid)], [value, ttlMs]);
      return sid;
    },
    async session(sid) {
      const raw = await redis.eval(READ_SESSION, [sessionKey(sid)], []);
      if (typeof raw !== 'string') return undefined;
      const session = JSON.parse(raw) as PageSession;
      return session.expiresAt > now() ? session : undefined;
    },
    async closeSession(sid) {
      await redis.eval(CLOSE_SESSION, [sessionKey(sid)], []);
    },
    claimForm: (key, until) =>
      claimOnce(redis, redis.key('page', 'form', digest(key)), Math.max(1000, until - now())),
    async loginAllowed(address, allowed) {
      return (await failureCount(redis, redis.key('page', 'login-failures', digest(address)))) < allowed;
    },
    async loginFailed(address, windowMs) {
      await countFailure(redis, redis.key('page', 'login-failures', digest(address)), windowMs);
    },
  };
}
