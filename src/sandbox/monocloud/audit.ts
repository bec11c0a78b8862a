/**
 * The audit log the tenant writes as the management API changes it: one `Log` entry per successful
 * write whose kind MonoCloud names with an event code (`client_created`, `user_deleted`...), so
 * `get_all_logs` shows what an agent did. Entries are kept newest last, at most {@link MAX_LOGS}.
 */
import { randomUUID } from 'node:crypto';
import type { ModelOperation } from '../model.js';
import type { JsonObject, MonoCloudState } from './state.js';

/** Most log entries kept; the oldest go first, as a retention window would drop them. */
export const MAX_LOGS = 10_000;

/** Event code, log category and target type of each operation that writes an entry. */
const EVENTS: Record<string, [code: string, category: string, target: string]> = {
  create_user: ['user_created', 'users', 'user'],
  delete_user: ['user_deleted', 'users', 'user'],
  unblock_user: ['user_account_unblocked', 'blocks', 'user'],
  unblock_ip: ['user_account_ip_unblocked', 'blocks', 'user'],
  assign_user_to_group: ['user_added_to_group', 'groups', 'user'],
  remove_user_from_group: ['user_removed_from_group', 'groups', 'user'],
  revoke_user_session: ['user_session_revoked', 'user_sessions', 'user_session'],
  reset_password: ['password_reset_email_sending_succeeded', 'notifications', 'user'],
  verify_email: ['verification_email_sending_succeeded', 'notifications', 'user_identifier'],
  revoke_user_client_grants: ['user_grants_revoked', 'consent', 'user_grants'],
  revoke_user_consent: ['user_consent_revoked', 'consent', 'user_consent'],
  revoke_authorization_code: ['authorization_code_revoked', 'tokens', 'user_grants'],
  revoke_reference_token: ['reference_token_revoked', 'tokens', 'user_grants'],
  revoke_refresh_token: ['refresh_token_revoked', 'tokens', 'user_grants'],
  create_application: ['client_created', 'clients', 'client'],
  patch_application: ['client_updated', 'clients', 'client'],
  delete_application: ['client_deleted', 'clients', 'client'],
  create_application_secret: ['client_secret_created', 'clients', 'client_secret'],
  delete_application_secret: ['client_secret_deleted', 'clients', 'client_secret'],
  assign_group_to_application: ['client_added_to_group', 'groups', 'client'],
  remove_group_from_application: ['client_removed_from_group', 'groups', 'client'],
  create_group: ['group_created', 'groups', 'group'],
  patch_group: ['group_updated', 'groups', 'group'],
  delete_group: ['group_deleted', 'groups', 'group'],
  create_api_resource: ['api_resource_created', 'resources', 'api_resource'],
  patch_api_resource: ['api_resource_updated', 'resources', 'api_resource'],
  delete_api_resource: ['api_resource_deleted', 'resources', 'api_resource'],
  create_api_resource_secret: ['api_resource_secret_created', 'resources', 'api_resource_secret'],
  delete_api_resource_secret: ['api_resource_secret_deleted', 'resources', 'api_resource_secret'],
  create_api_access_basic_policy: ['api_access_policy_created', 'policies', 'api_access_policy'],
  create_api_access_advanced_policy: ['api_access_policy_created', 'policies', 'api_access_policy'],
  patch_api_access_basic_policy: ['api_access_policy_updated', 'policies', 'api_access_policy'],
  patch_api_access_advanced_policy: ['api_access_policy_updated', 'policies', 'api_access_policy'],
  convert_api_access_basic_to_advanced_policy: ['api_access_policy_updated', 'policies', 'api_access_policy'],
  delete_api_access_basic_policy: ['api_access_policy_deleted', 'policies', 'api_access_policy'],
  delete_api_access_advanced_policy: ['api_access_policy_deleted', 'policies', 'api_access_policy'],
  create_trust_store: ['trust_store_created', 'trust_store', 'trust_store'],
  patch_trust_store: ['trust_store_updated', 'trust_store', 'trust_store'],
  set_trust_store_default: ['trust_store_updated', 'trust_store', 'trust_store'],
  delete_trust_store: ['trust_store_deleted', 'trust_store', 'trust_store'],
  add_certificate_revocation: ['trust_store_revocation_added', 'trust_store', 'trust_store'],
  remove_certificate_revocation: ['trust_store_revocation_removed', 'trust_store', 'trust_store'],
  ban_trust_store_certificate: ['trust_store_certificate_banned', 'trust_store', 'trust_store'],
  unban_trust_store_certificate: ['trust_store_certificate_unbanned', 'trust_store', 'trust_store'],
  create_ip_network_zone: ['network_zone_created', 'network_zones', 'network_zone'],
  create_regional_network_zone: ['network_zone_created', 'network_zones', 'network_zone'],
  patch_ip_network_zone: ['network_zone_updated', 'network_zones', 'network_zone'],
  patch_regional_network_zone: ['network_zone_updated', 'network_zones', 'network_zone'],
  delete_ip_network_zone: ['network_zone_deleted', 'network_zones', 'network_zone'],
  delete_regional_network_zone: ['network_zone_deleted', 'network_zones', 'network_zone'],
};

/** Path parameters naming the record an operation acts on, most specific last. */
const TARGET_PARAMS = ['user_id', 'client_id', 'group_id', 'api_id', 'trust_store_id', 'zone_id'];

/** What one log entry says. */
export interface LogEvent {
  /** Event code. */
  code: string;
  /** Log category. */
  category: string;
  /** `success`, `failure`, `information` or `error`. */
  type?: string;
  /** Epoch seconds. */
  at: number;
  /** What happened, for a person. */
  description: string;
  /** Who did it (default: the management API key). */
  actor?: JsonObject;
  /** What it was done to. */
  targets: JsonObject[];
  /** Where the request came from. */
  ip?: string;
  /** Request trace id. */
  traceId?: string | null;
  /** Browser or client of the request. */
  userAgent?: string | null;
  /** Application involved, if any. */
  client?: JsonObject | null;
  /** Extra facts. */
  details?: JsonObject;
}

/** "client_created" → "Client created". */
function titleOf(code: string): string {
  const words = code.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Appends a log entry. */
export function writeLog(state: MonoCloudState, event: LogEvent): JsonObject {
  const ip = event.ip ?? '127.0.0.1';
  const entry: JsonObject = {
    id: randomUUID(),
    time_stamp: event.at,
    category: event.category,
    name: titleOf(event.code),
    description: event.description,
    type: event.type ?? 'success',
    code: event.code,
    message: null,
    system: { activity_id: null, process_id: process.pid, local_ip: { ip: '127.0.0.1', version: 'ipv4' } },
    request: {
      trace_id: event.traceId ?? null,
      user_agent: event.userAgent ?? null,
      remote_ip: { ip, version: ip.includes(':') ? 'ipv6' : 'ipv4' },
      location: null,
    },
    source: 'management_api',
    actor: event.actor ?? {
      type: 'api_key',
      id: null,
      name: 'Management API key',
      identifier: null,
      session_id: null,
    },
    targets: event.targets,
    client: event.client ?? null,
    details: event.details ?? {},
  };
  const logs = state.store.collection('/logs', true);
  logs.set(String(entry.id), entry);
  for (const id of logs.keys()) {
    if (logs.size <= MAX_LOGS) break;
    logs.delete(id);
  }
  return entry;
}

/** Records a successful write through the management API, if MonoCloud logs its kind. */
export function auditWrite(
  state: MonoCloudState,
  op: ModelOperation,
  params: Record<string, string>,
  answer: unknown,
  request: { now: number; traceId: string; userAgent: string | undefined; ip: string | undefined },
): void {
  const event = EVENTS[op.id];
  if (!event) return;
  const [code, category, target] = event;
  const record = answer !== null && typeof answer === 'object' ? (answer as JsonObject) : {};
  const named = TARGET_PARAMS.filter((p) => params[p] !== undefined);
  const id =
    named.length > 0
      ? params[named[0]!]
      : String(record.id ?? record.user_id ?? record.group_id ?? '') || null;
  const name = [record.client_name, record.name, record.audience].find((v) => typeof v === 'string') as
    | string
    | undefined;
  writeLog(state, {
    code,
    category,
    at: request.now,
    description: `${titleOf(code)} through the management API (${op.id}).`,
    targets: [{ type: target, id, name: name ?? null, identifier: null }],
    traceId: request.traceId,
    userAgent: request.userAgent ?? null,
    ...(request.ip ? { ip: request.ip } : {}),
    details: { operation: op.id, method: op.method, path: op.path, parameters: params },
  });
}
