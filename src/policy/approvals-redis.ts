/**
 * The approval store replicas share, in Redis: the same contract as the embedded store (the contract
 * test runs both), with every decision taken by one Lua script so two replicas cannot both win a race. An
 * approval is a hash (the immutable record as JSON, and its state fields beside it); consuming it renames
 * the hash to its `used` key in the same script that checks it is approved, bound to this call, live and
 * not denied: of any number of concurrent consumers on any replicas, exactly one gets it. Keys expire a
 * day after the approval does, so Redis stays bounded. A Redis that cannot answer rejects with
 * `SharedStateUnavailable`; the gate refuses the call (nothing runs unapproved).
 *
 * Scripts touch keys they compute from the namespace (the pending index names approvals), so the store
 * needs one Redis (or a primary with replicas), not Redis Cluster.
 */
import type { RedisReply, SharedRedis } from '../shared/redis.js';
import {
  ApprovalError,
  type ApprovalRecord,
  type ApprovalStore,
  approvalErrors,
  bindingHash,
  DEFAULT_APPROVAL_TTL_MS,
  DEFAULT_DECLINE_TTL_MS,
  type DeclineRecord,
  HASH_PATTERN,
  ID_PATTERN,
  KEEP_AFTER_EXPIRY_MS,
  newApprovalRecord,
} from './approvals.js';

/** Options of {@link createRedisApprovalStore}. */
export interface RedisApprovalStoreOptions {
  /** The shared connection. */
  redis: SharedRedis;
  /** Lifetime of new approvals (default 10 minutes). */
  ttlMs?: number;
  /** How long a decline refuses the same change (default 15 minutes). */
  declineTtlMs?: number;
  /** Clock, epoch milliseconds (replicas' clocks should agree to within seconds; NTP does). */
  now?: () => number;
}

// Every script answers {status, code, ...fields}: status 'ok' or 'err', the error code, then the
// approval's hash as field/value pairs ('' for a field not set), so the caller rebuilds the record and
// words the refusal exactly as the embedded store does.
const FIELDS = `local FIELDS = {'record', 'approvedAt', 'approvedBy', 'deniedAt', 'deniedBy'}
local function fields(key)
  local v = redis.call('HMGET', key, unpack(FIELDS))
  local out = {}
  for i, name in ipairs(FIELDS) do out[#out + 1] = name; out[#out + 1] = v[i] or '' end
  return out
end
local function reply(status, code, key)
  local out = {status, code}
  if key then for _, x in ipairs(fields(key)) do out[#out + 1] = x end end
  return out
end
`;

/** KEYS: approval, used, pending index. ARGV: id, record JSON, createdAt, expiresAt, lifetime (ms), binding, effect hashes. */
const CREATE = `${FIELDS}
redis.call('HSET', KEYS[1], 'record', ARGV[2], 'expiresAt', ARGV[4], 'binding', ARGV[6], 'effects', ARGV[7])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
return reply('ok', '', KEYS[1])`;

/** KEYS: approval, used. */
const GET = `${FIELDS}
if redis.call('EXISTS', KEYS[1]) == 0 then
  if redis.call('EXISTS', KEYS[2]) == 1 then return reply('err', 'used') end
  return reply('err', 'unknown')
end
return reply('ok', '', KEYS[1])`;

/**
 * KEYS: approval, used. ARGV: now, by, 'approve' or 'deny', decline ttl (ms), decline key prefix, id.
 * A denial writes the decline of each effect in the same script.
 */
const DECIDE = `${FIELDS}
if redis.call('EXISTS', KEYS[1]) == 0 then
  if redis.call('EXISTS', KEYS[2]) == 1 then return reply('err', 'used') end
  return reply('err', 'unknown')
end
local now = tonumber(ARGV[1])
local h = redis.call('HMGET', KEYS[1], 'expiresAt', 'approvedAt', 'deniedAt', 'record', 'effects')
if now > tonumber(h[1]) then return reply('err', 'expired', KEYS[1]) end
if ARGV[3] == 'approve' then
  if h[3] then return reply('err', 'cannotApproveDenied', KEYS[1]) end
  if h[2] then return reply('ok', '', KEYS[1]) end
  redis.call('HSET', KEYS[1], 'approvedAt', ARGV[1], 'approvedBy', ARGV[2])
  return reply('ok', '', KEYS[1])
end
if h[3] then return reply('ok', '', KEYS[1]) end
if h[2] then return reply('err', 'cannotDenyApproved', KEYS[1]) end
redis.call('HSET', KEYS[1], 'deniedAt', ARGV[1], 'deniedBy', ARGV[2])
local operation = cjson.decode(h[4]).operation
local ttl = tonumber(ARGV[4])
for hash in string.gmatch(h[5], '%x+') do
  redis.call('SET', ARGV[5] .. hash, cjson.encode({hash = hash, operation = operation, ['until'] = now + ttl,
    at = now, by = ARGV[2], ref = ARGV[6]}), 'PX', ttl)
end
return reply('ok', '', KEYS[1])`;

/** KEYS: approval, used, pending index. ARGV: now, binding, id. The rename is the single-use latch. */
const CONSUME = `${FIELDS}
if redis.call('EXISTS', KEYS[1]) == 0 then
  if redis.call('EXISTS', KEYS[2]) == 1 then return reply('err', 'used') end
  return reply('err', 'unknown')
end
local h = redis.call('HMGET', KEYS[1], 'expiresAt', 'approvedAt', 'deniedAt', 'binding')
if h[3] then return reply('err', 'denied', KEYS[1]) end
if h[4] ~= ARGV[2] then return reply('err', 'mismatch', KEYS[1]) end
if tonumber(ARGV[1]) > tonumber(h[1]) then return reply('err', 'expired', KEYS[1]) end
if not h[2] then return reply('err', 'pending', KEYS[1]) end
local out = reply('ok', '', KEYS[1])
redis.call('RENAME', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[3])
return out`;

/** KEYS: pending index. ARGV: now, approval key prefix, most. Live approvals, newest last. */
const LIST = `${FIELDS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf', 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  local key = ARGV[2] .. id
  if redis.call('EXISTS', key) == 1 then out[#out + 1] = fields(key) else redis.call('ZREM', KEYS[1], id) end
end
return out`;

const DECLINE = `for i, key in ipairs(KEYS) do redis.call('SET', key, ARGV[i + 1], 'PX', ARGV[1]) end return 1`;
const DECLINED = `return redis.call('GET', KEYS[1])`;

/** Most approvals `listPending` returns (the page and `approve --list` show them all). */
const MAX_LISTED = 5_000;

/** Opens the approval store in Redis. */
export function createRedisApprovalStore(options: RedisApprovalStoreOptions): ApprovalStore {
  const { redis } = options;
  const ttl = options.ttlMs ?? DEFAULT_APPROVAL_TTL_MS;
  const declineTtl = options.declineTtlMs ?? DEFAULT_DECLINE_TTL_MS;
  const now = options.now ?? Date.now;
  const approvalKey = (id: string) => redis.key('approval', id);
  const usedKey = (id: string) => redis.key('approval-used', id);
  const pendingKey = redis.key('approvals-pending');
  const declinePrefix = redis.key('decline', '');

  function checkId(id: string): void {
    if (!ID_PATTERN.test(id)) throw approvalErrors.malformed(id);
  }

  /** The record in a script's field/value pairs. */
  function recordOf(pairs: readonly RedisReply[]): ApprovalRecord {
    const map = new Map<string, string>();
    for (let i = 0; i + 1 < pairs.length; i += 2) map.set(String(pairs[i]), String(pairs[i + 1]));
    const record = JSON.parse(map.get('record') ?? '{}') as ApprovalRecord;
    const at = (name: string) => (map.get(name) ? Number(map.get(name)) : undefined);
    const approvedAt = at('approvedAt');
    const deniedAt = at('deniedAt');
    return {
      ...record,
      ...(approvedAt ? { approvedAt, approvedBy: map.get('approvedBy') ?? '' } : {}),
      ...(deniedAt ? { deniedAt, deniedBy: map.get('deniedBy') ?? '' } : {}),
    };
  }

  /** The record a script answered with, or the refusal it named. */
  function outcome(id: string, reply: RedisReply): ApprovalRecord {
    const [status, code, ...pairs] = reply as RedisReply[];
    if (status === 'ok') return recordOf(pairs);
    if (code === 'used' || code === 'unknown') throw approvalErrors[code](id);
    const make =
      approvalErrors[code as Exclude<keyof typeof approvalErrors, 'malformed' | 'used' | 'unknown'>];
    if (!make)
      throw new ApprovalError('unknown', `Approval ${id}: unexpected answer from Redis (${String(code)}).`);
    throw make(recordOf(pairs));
  }

  return {
    async create(call) {
      const record = newApprovalRecord(call, now(), ttl);
      await redis.eval(
        CREATE,
        [approvalKey(record.id), usedKey(record.id), pendingKey],
        [
          record.id,
          JSON.stringify(record),
          record.createdAt,
          record.expiresAt,
          ttl + KEEP_AFTER_EXPIRY_MS,
          record.bindingHash,
          (record.effectHashes ?? []).join(' '),
        ],
      );
      return record;
    },
    async get(id) {
      checkId(id);
      return outcome(id, await redis.eval(GET, [approvalKey(id), usedKey(id)], []));
    },
    async approve(id, by) {
      checkId(id);
      const reply = await redis.eval(
        DECIDE,
        [approvalKey(id), usedKey(id)],
        [now(), by, 'approve', declineTtl, declinePrefix, id],
      );
      return outcome(id, reply);
    },
    async deny(id, by) {
      checkId(id);
      const reply = await redis.eval(
        DECIDE,
        [approvalKey(id), usedKey(id)],
        [now(), by, 'deny', declineTtl, declinePrefix, id],
      );
      return outcome(id, reply);
    },
    async consume(id, call) {
      checkId(id);
      const reply = await redis.eval(
        CONSUME,
        [approvalKey(id), usedKey(id), pendingKey],
        [now(), bindingHash(call), id],
      );
      return outcome(id, reply);
    },
    async listPending() {
      const reply = (await redis.eval(
        LIST,
        [pendingKey],
        [now(), redis.key('approval', ''), MAX_LISTED],
      )) as RedisReply[];
      return reply.map((pairs) => recordOf(pairs as RedisReply[])).sort((a, b) => b.createdAt - a.createdAt);
    },
    async recordDecline(decline, hashes) {
      const valid = hashes.filter((hash) => HASH_PATTERN.test(hash));
      const left = decline.until - now();
      if (valid.length === 0 || left <= 0) return;
      await redis.eval(
        DECLINE,
        valid.map((hash) => `${declinePrefix}${hash}`),
        [Math.ceil(left), ...valid.map((hash) => JSON.stringify({ ...decline, hash }))],
      );
    },
    async declined(hash) {
      if (!HASH_PATTERN.test(hash)) return undefined;
      const raw = await redis.eval(DECLINED, [`${declinePrefix}${hash}`], []);
      if (typeof raw !== 'string') return undefined;
      const record = JSON.parse(raw) as DeclineRecord;
      return record.until > now() ? record : undefined;
    },
  };
}
