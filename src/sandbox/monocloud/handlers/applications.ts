/**
 * Applications beyond plain records: a public application (SPA, native, device) starts without a
 * client secret, `auto_generate_secret` really issues one, identity scopes must exist, secrets get a
 * fresh random value or are checked against their type, and groups assigned to an application (only
 * their members may use it) are a relation kept with the application. Deleting an application ends
 * what users granted it and the access policies naming it.
 */
import { randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import { concrete } from '../../engine/engine.js';
import { PUBLIC_APP_TYPES } from '../defaults.js';
import { missing, pagedList, viewRecord } from '../engine.js';
import { conflict, fieldErrors } from '../problem.js';
import type { JsonObject, MonoCloudState } from '../state.js';
import { type MonoContext, type MonoHandlerTable, type MonoResult, viaEngine } from './context.js';

/** Secret types whose value the tenant can make up itself. */
const GENERATED_TYPES = new Set(['shared_secret', 'jwt_assertion_shared_secret']);

/** Field problems with a secret's value for its type; empty when it fits. */
function secretValueErrors(type: string, value: string): string[] {
  switch (type) {
    case 'x509_thumbprint':
      return /^([0-9A-Fa-f]{40}|[0-9A-Fa-f]{64})$/.test(value)
        ? []
        : ['An x509_thumbprint is the SHA-1 or SHA-256 of a certificate in hex (40 or 64 digits).'];
    case 'x509_certificate_base64':
      try {
        new X509Certificate(Buffer.from(value, 'base64'));
        return [];
      } catch {
        return ['An x509_certificate_base64 secret must be a DER certificate in base64.'];
      }
    case 'x509_name':
    case 'x509_issuer_name':
      return /^\s*[A-Za-z.\d]+\s*=/.test(value)
        ? []
        : [`An ${type} is a distinguished name such as CN=device-42.`];
    case 'jwk': {
      try {
        const jwk = JSON.parse(value) as unknown;
        if (jwk !== null && typeof jwk === 'object' && typeof (jwk as JsonObject).kty === 'string') return [];
      } catch {
        // fall through to the message
      }
      return ['A jwk secret must be a JSON Web Key with a kty.'];
    }
    default:
      return value.trim() === '' ? ['A secret value cannot be empty.'] : [];
  }
}

/** Creates a secret under the application or API resource of the path, with a generated value if none was sent. */
export function createSecret(ctx: MonoContext): MonoResult {
  const body = { ...(ctx.body as JsonObject) };
  const type = typeof body.type === 'string' ? body.type : 'shared_secret';
  const errors: Record<string, string[]> = {};
  if (typeof body.expiration === 'number' && body.expiration <= ctx.now)
    errors.expiration = ['The expiration must lie in the future (epoch seconds).'];
  if (typeof body.secret_value !== 'string') {
    if (GENERATED_TYPES.has(type)) body.secret_value = randomBytes(32).toString('base64url');
    else errors.secret_value = [`A ${type} secret needs its secret_value.`];
  } else {
    const problems = secretValueErrors(type, body.secret_value);
    if (problems.length > 0) errors.secret_value = problems;
  }
  if (Object.keys(errors).length > 0) throw fieldErrors(errors);
  return viaEngine(ctx, { ...body, type });
}

/** Adds a generated shared secret to the collection at `path` (for `auto_generate_secret`). */
export function addGeneratedSecret(state: MonoCloudState, path: string, now: number): void {
  const id = randomUUID();
  state.store.collection(path, true).set(id, {
    id,
    description: 'Generated when the record was created',
    expiration: null,
    type: 'shared_secret',
    creation_time: now,
    last_updated: now,
    secret_value: randomBytes(32).toString('base64url'),
  });
}

/** Names of the tenant's identity scopes. */
function identityScopes(state: MonoCloudState): Set<string> {
  return new Set(
    [...(state.store.collection('/resources/scopes')?.values() ?? [])].map((s) => String(s.name)),
  );
}

/** 422 for identity scopes an application may not be given because the tenant has none by that name. */
function checkIdentityScopes(state: MonoCloudState, body: JsonObject): void {
  const asked = body.allowed_identity_scopes;
  if (!Array.isArray(asked)) return;
  const known = identityScopes(state);
  const unknown = asked.filter((s) => !known.has(String(s)));
  if (unknown.length > 0)
    throw fieldErrors({
      allowed_identity_scopes: [
        `The tenant has no identity scope ${unknown.map((s) => `'${String(s)}'`).join(', ')}; create it first or pick from: ${[...known].join(', ')}.`,
      ],
    });
}

function createApplication(ctx: MonoContext): MonoResult {
  const { auto_generate_secret: generate, ...body } = ctx.body as JsonObject;
  checkIdentityScopes(ctx.state, body);
  const publicApp = PUBLIC_APP_TYPES.includes(String(body.app_type ?? ''));
  const result = viaEngine(ctx, { ...(publicApp ? { require_client_secret: false } : {}), ...body });
  const app = result.body as JsonObject;
  if (generate === true)
    addGeneratedSecret(ctx.state, `/applications/${encodeURIComponent(String(app.id))}/secrets`, ctx.now);
  return result;
}

/** Ends everything users granted `clientId`, and the access policies that name it. */
function forgetClient(state: MonoCloudState, clientId: string): void {
  const other = (r: { client_id: string }) => r.client_id !== clientId;
  state.consents = state.consents.filter(other);
  state.refreshTokens = state.refreshTokens.filter(other);
  state.referenceTokens = state.referenceTokens.filter(other);
  state.authorizationCodes = state.authorizationCodes.filter(other);
  for (const [path, records] of state.store.collections) {
    if (!path.endsWith('/policies/basic')) continue;
    for (const [id, policy] of records) if (policy.client_id === clientId) records.delete(id);
  }
}

function assignGroup(ctx: MonoContext): MonoResult {
  const clientId = ctx.params.client_id ?? '';
  const groupId = ctx.params.group_id ?? '';
  if (!ctx.state.applications.has(clientId)) throw missing('/applications', clientId);
  const group = ctx.state.groups.get(groupId);
  if (!group) throw missing('/groups', groupId);
  const assigned = ctx.state.store.collection(concrete('/applications/{client_id}/groups', ctx.params), true);
  if (assigned.has(groupId))
    throw conflict(`Group '${String(group.name)}' is already assigned to application '${clientId}'.`);
  assigned.set(groupId, { group_id: groupId, creation_time: ctx.now });
  return {};
}

function groupAssignedApplications(ctx: MonoContext): MonoResult {
  const groupId = ctx.params.group_id ?? '';
  if (!ctx.state.groups.has(groupId)) throw missing('/groups', groupId);
  const apps = [...ctx.state.applications.values()].filter((app) =>
    ctx.state.store.collection(`/applications/${encodeURIComponent(String(app.id))}/groups`)?.has(groupId),
  );
  return pagedList(
    ctx.op,
    ctx.decoded,
    apps.map((a) => viewRecord(ctx.state, ctx.op, '/applications', a)),
  );
}

/** Handlers for applications, their secrets and their groups. */
export const applicationHandlers: MonoHandlerTable = {
  create_application: createApplication,
  patch_application: (ctx) => {
    checkIdentityScopes(ctx.state, ctx.body as JsonObject);
    return viaEngine(ctx);
  },
  delete_application: (ctx) => {
    const result = viaEngine(ctx);
    forgetClient(ctx.state, ctx.params.client_id ?? '');
    return result;
  },
  create_application_secret: createSecret,
  create_api_resource_secret: createSecret,
  assign_group_to_application: assignGroup,
  get_all_group_assigned_applications: groupAssignedApplications,
};
