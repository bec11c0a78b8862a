/**
 * One {@link AuditEvent} as an OCSF API Activity event (class 6003, category 6 "Application Activity",
 * schema 1.3.0), so a SIEM ingests the log unchanged. Attributes OCSF 1.3.0 requires for this class:
 * `activity_id`, `category_uid`, `class_uid`, `type_uid`, `time`, `severity_id`, `metadata` (with
 * `version` and `product.vendor_name`), `actor` (at least one of `app_name`, `user`...), `api` (with
 * `operation`) and `src_endpoint` (at least one of `name`, `hostname`...). Our own fields go under
 * `unmapped`, which is last so the chain can seal the line (see `chain.ts`).
 */
import type { AuditDecision, AuditEvent } from '../types.js';

/** The OCSF schema version the records follow; 1.3.0 is widely ingested and has every field we use. */
export const OCSF_VERSION = '1.3.0';

/** OCSF class and category of every record. */
export const OCSF_CLASS = {
  uid: 6003,
  name: 'API Activity',
  categoryUid: 6,
  categoryName: 'Application Activity',
};

const PRODUCT = 'tenant-mcp';

/** OCSF `activity_id` by HTTP method; anything else, or no operation at all, is 99 Other. */
const ACTIVITY: Record<string, { id: number; name: string }> = {
  POST: { id: 1, name: 'Create' },
  GET: { id: 2, name: 'Read' },
  HEAD: { id: 2, name: 'Read' },
  PUT: { id: 3, name: 'Update' },
  PATCH: { id: 3, name: 'Update' },
  DELETE: { id: 4, name: 'Delete' },
};
const OTHER_ACTIVITY = { id: 99, name: 'Other' };

/**
 * Severity and status of each decision. A policy refusal is the signal a security team hunts for (an agent
 * tried what it may not), so it is High; an upstream failure is usually a 404 or a 429, so Medium keeps it
 * visible without paging anyone; a held or declined destructive call deserves a look (Medium); the rest is
 * the normal flow (Informational). `held` has no outcome yet, so it is status 99 "Held" rather than a
 * failure: nothing failed, it waits for a person.
 */
const DECISION: Record<AuditDecision, { severityId: number; statusId: number; status: string }> = {
  sent: { severityId: 1, statusId: 1, status: 'Success' },
  previewed: { severityId: 1, statusId: 1, status: 'Success' },
  approved: { severityId: 1, statusId: 1, status: 'Success' },
  held: { severityId: 3, statusId: 99, status: 'Held' },
  declined: { severityId: 3, statusId: 2, status: 'Failure' },
  failed: { severityId: 3, statusId: 2, status: 'Failure' },
  refused: { severityId: 4, statusId: 2, status: 'Failure' },
};

const SEVERITY = ['Unknown', 'Informational', 'Low', 'Medium', 'High', 'Critical', 'Fatal'];

/** Facts about the writer and the record's place in the chain, beside the event itself. */
export interface RecordContext {
  /** tenant-mcp's version, for `metadata.product.version`. */
  productVersion: string;
  /** The OS user running the server: `actor.user.name`. */
  osUser: string;
  /** This machine's host name: `src_endpoint.hostname`, so a SIEM tells servers apart. */
  hostname: string;
  /** The replica whose chain this is: `src_endpoint.instance_uid` and `unmapped.replica`. */
  replica: string;
  /** When the record was written (epoch ms): `metadata.logged_time`. */
  loggedTime: number;
  /** A unique id for the record: `metadata.uid`. */
  uid: string;
  /** The API the tenant is reached through (`Auth0 Management API`), from the provider registry. */
  service: string;
  /** Position in the file's chain, from 0. */
  seq: number;
  /** SHA-256 of the previous line, or the genesis value. */
  prevHash: string;
}

/** An OCSF record as written: any attributes, with our own fields in `unmapped`. */
export type OcsfRecord = Record<string, unknown> & { unmapped: Record<string, unknown> };

/** Host and port of the tenant, from a bare domain or a URL (`http://127.0.0.1:4010`). */
function tenantEndpoint(domain: string): { hostname: string; port?: number } {
  if (!domain.includes('://')) return { hostname: domain };
  try {
    const url = new URL(domain);
    return url.port ? { hostname: url.hostname, port: Number(url.port) } : { hostname: url.hostname };
  } catch {
    return { hostname: domain };
  }
}

/**
 * Maps an event to an OCSF API Activity record (a plain object, `unmapped` last, `unmapped.hash` not yet
 * set). Fields with no value are left out rather than written as null, as OCSF producers do.
 */
export function toOcsfRecord(event: AuditEvent, context: RecordContext): OcsfRecord {
  const op = event.operation;
  const activity = (op?.method && ACTIVITY[op.method.toUpperCase()]) || OTHER_ACTIVITY;
  const decision = DECISION[event.decision];
  // A destructive call that skipped confirmation because the profile said `confirm: never` is logged
  // one step up, so it can be found without reading `unmapped`.
  const severityId = event.confirmSkipped && decision.severityId === 1 ? 2 : decision.severityId;
  const status = event.status === undefined ? undefined : String(event.status);
  const target = op?.id ?? event.tool;
  const resources: Array<Record<string, unknown>> = [];
  if (op || event.arguments !== undefined) {
    resources.push({ type: 'operation', name: target, data: event.arguments });
  }
  resources.push({ type: 'tenant', name: event.tenant.name, uid: event.tenant.domain });

  return {
    activity_id: activity.id,
    activity_name: activity.name,
    category_uid: OCSF_CLASS.categoryUid,
    category_name: OCSF_CLASS.categoryName,
    class_uid: OCSF_CLASS.uid,
    class_name: OCSF_CLASS.name,
    type_uid: OCSF_CLASS.uid * 100 + activity.id,
    type_name: `${OCSF_CLASS.name}: ${activity.name}`,
    time: event.time,
    severity_id: severityId,
    severity: SEVERITY[severityId],
    status_id: decision.statusId,
    status: decision.status,
    status_code: status,
    status_detail: event.reason,
    message: `${event.decision} ${target} on tenant ${event.tenant.name}: ${event.reason}`,
    actor: {
      app_name: event.client?.name,
      user: { name: context.osUser },
      ...(event.client?.principal ? { session: { uid: event.client.principal } } : {}),
    },
    api: {
      operation: target,
      service: { name: context.service },
      request: { uid: event.correlationId },
      response: event.status === undefined ? undefined : { code: event.status },
    },
    http_request: op?.method ? { http_method: op.method.toUpperCase(), url: { path: op.path } } : undefined,
    http_response: event.status === undefined ? undefined : { code: event.status },
    src_endpoint: {
      name: event.tool,
      svc_name: PRODUCT,
      hostname: context.hostname,
      instance_uid: context.replica,
    },
    dst_endpoint: { ...tenantEndpoint(event.tenant.domain), svc_name: context.service },
    resources,
    metadata: {
      version: OCSF_VERSION,
      product: { name: PRODUCT, vendor_name: PRODUCT, version: context.productVersion },
      tenant_uid: event.tenant.name,
      correlation_uid: event.correlationId,
      uid: context.uid,
      sequence: context.seq,
      event_code: event.decision,
      logged_time: context.loggedTime,
      log_name: 'audit',
      log_provider: PRODUCT,
    },
    unmapped: {
      decision: event.decision,
      profile: event.profile,
      tool: event.tool,
      risk: op?.risk,
      operations: event.operations,
      rules: event.rules,
      client_version: event.client?.version,
      approval_id: event.approvalId,
      latency_ms: event.latencyMs,
      confirm_skipped: event.confirmSkipped,
      request_id: event.requestId,
      replica: context.replica,
      seq: context.seq,
      prev_hash: context.prevHash,
    },
  };
}
