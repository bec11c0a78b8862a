/**
 * The replica id: which server wrote a record. Several replicas behind one balancer each keep their own
 * chain on their own disk, and every record names its replica (`unmapped.replica`, and OCSF
 * `src_endpoint.instance_uid`), so merged views and a collector can tell the chains apart and a writer can
 * refuse to continue another replica's chain (two replicas sharing one state directory by mistake).
 */
import os from 'node:os';

/** Longest replica id: it is repeated in every record and in file names a person reads. */
export const MAX_REPLICA_ID = 64;

const ALLOWED = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Whether `value` is a replica id: 1–64 of `A-Z a-z 0-9 . _ -`, starting with a letter or digit. */
export function isReplicaId(value: unknown): boolean {
  return typeof value === 'string' && value.length <= MAX_REPLICA_ID && ALLOWED.test(value);
}

/**
 * The id a server takes when `TENANT_MCP_REPLICA_ID` is unset: its host name, with any character outside
 * the allowed set replaced by `-` and cut to 64, so a machine (or container) is one replica by default.
 */
export function defaultReplicaId(hostname: string = os.hostname()): string {
  let id = '';
  for (const char of hostname.slice(0, MAX_REPLICA_ID)) id += /[A-Za-z0-9._-]/.test(char) ? char : '-';
  while (id.length > 0 && !/[A-Za-z0-9]/.test(id[0]!)) id = id.slice(1);
  return id || 'replica';
}

/**
 * Checks a configured replica id; throws a sentence naming `setting` and what is allowed (never echoing
 * more than the allowed length of the value).
 */
export function parseReplicaId(value: string, setting = 'TENANT_MCP_REPLICA_ID'): string {
  const text = value.trim();
  if (isReplicaId(text)) return text;
  const shown = text.length > MAX_REPLICA_ID ? `${text.slice(0, MAX_REPLICA_ID)}…` : text;
  throw new Error(
    `${setting} ${JSON.stringify(shown)} must be 1 to ${MAX_REPLICA_ID} characters of A-Z, a-z, 0-9, ".", "_" or "-", ` +
      'starting with a letter or digit (e.g. mcp-a).',
  );
}
