/**
 * The audit trail: every decision of the policy gate as one OCSF API Activity record (class 6003) in a
 * JSON Lines file a SIEM ingests unchanged, hash-chained so edits, deletions and reordering show, and
 * flushed to disk before the call proceeds (fail closed: a call that cannot be recorded is refused).
 *
 * - `openAuditLog(path, { productVersion })` continues the file's chain; `append(event)` is synchronous.
 * - `verifyAuditLog(path)` names the first bad line; a torn final line (crash mid-write) is told apart.
 * - `runAuditCli(argv, io)` is `tenant-mcp audit verify|repair FILE`.
 *
 * - Records name their replica; `verify` and `tail` take several chains; `startAuditShipper` sends the
 *   records to a collector from the chain itself, resuming from a cursor.
 * - `tenant-mcp audit init` keys it: each record then carries a forward-secure MAC (`keys.ts`).
 * - Rotation past a size keeps one chain across `<log>.<first seq>` files; `startAuditAnchor` sends the
 *   head off the machine at an interval.
 */

export { type Anchor, type AuditAnchor, startAuditAnchor } from './anchor.js';
export { GENESIS_HASH } from './chain.js';
export { type AuditCliIo, runAuditCli } from './cli.js';
export { type AuditErrorCode, AuditWriteError } from './errors.js';
export { formatKey, type KeyState, parseKey } from './keys.js';
export { OCSF_VERSION } from './ocsf.js';
export { defaultAuditPath, resolveStateDir, rotatedFiles } from './paths.js';
export { defaultReplicaId, isReplicaId, MAX_REPLICA_ID, parseReplicaId } from './replica.js';
export {
  type AuditShipper,
  readShipCursor,
  type ShipCursor,
  type ShippedChain,
  type ShipperOptions,
  shipCursorPath,
  startAuditShipper,
} from './ship.js';
export type { AuditFs } from './tail.js';
export {
  type AuditProblemCode,
  type AuditVerification,
  type VerifyOptions,
  verifyAuditLog,
} from './verify.js';
export {
  type AuditHead,
  type AuditLog,
  type AuditLogOptions,
  openAuditLog,
  tailReplica,
} from './writer.js';
