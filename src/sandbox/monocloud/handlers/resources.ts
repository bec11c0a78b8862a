/**
 * API resources, their scopes and access policies, and the tenant's identity scopes and claims, with
 * the rules that tie them together: a claim named anywhere must be defined, a basic policy names an
 * existing application and this API's own scopes, an advanced policy's source must at least read as
 * Cedar, converting a basic policy keeps its id and writes its Cedar, and what the platform defines
 * (the standard scopes and claims) or something still uses (an application, a policy, a scope)
 * cannot be deleted.
 */
import { concrete } from '../../engine/engine.js';
import { missing, pagedList } from '../engine.js';
import { conflict, fieldErrors } from '../problem.js';
import type { JsonObject, MonoCloudState } from '../state.js';
import { addGeneratedSecret } from './applications.js';
import { type MonoContext, type MonoHandlerTable, type MonoResult, viaEngine } from './context.js';

const API = '/resources/api_resources';
const BASIC = '/resources/api_resources/{api_id}/policies/basic';
const ADVANCED = '/resources/api_resources/{api_id}/policies/advanced';

function records(state: MonoCloudState, path: string): JsonObject[] {
  return [...(state.store.collection(path)?.values() ?? [])];
}

/** Names of the claims the tenant defines. */
function claimNames(state: MonoCloudState): Set<string> {
  return new Set(records(state, '/resources/claim_resources').map((c) => String(c.name)));
}

/** 422 naming each claim in `names` (at `field`) that the tenant does not define. */
function checkClaims(state: MonoCloudState, field: string, names: unknown): void {
  if (!Array.isArray(names)) return;
  const known = claimNames(state);
  const errors: Record<string, string[]> = {};
  names.forEach((name, i) => {
    if (!known.has(String(name)))
      errors[`${field}[${i}]`] = [
        `The tenant defines no claim '${String(name)}'; create it as a claim resource first.`,
      ];
  });
  if (Object.keys(errors).length > 0) throw fieldErrors(errors);
}

/** An identity scope's claims with the flags a request may leave out filled in. */
function scopeClaims(state: MonoCloudState, claims: unknown): JsonObject[] | undefined {
  if (!Array.isArray(claims)) return undefined;
  checkClaims(
    state,
    'user_claims',
    claims.map((c) => (c as JsonObject).claim),
  );
  return claims.map((c) => ({
    include_in_identity_token: false,
    include_in_user_info: true,
    ...(c as JsonObject),
  }));
}

function withScopeClaims(ctx: MonoContext): MonoResult {
  const body = { ...(ctx.body as JsonObject) };
  const claims = scopeClaims(ctx.state, body.user_claims);
  if (claims) body.user_claims = claims;
  return viaEngine(ctx, body);
}

function checkingClaims(field: string) {
  return (ctx: MonoContext): MonoResult => {
    checkClaims(ctx.state, field, (ctx.body as JsonObject).user_claims);
    return viaEngine(ctx);
  };
}

/** Who still uses the claim `name`: scopes and API resources, by name. */
function claimUsers(state: MonoCloudState, name: string): string[] {
  const users: string[] = [];
  for (const scope of records(state, '/resources/scopes'))
    if ((scope.user_claims as JsonObject[]).some((c) => c.claim === name))
      users.push(`scope '${String(scope.name)}'`);
  for (const [path, held] of state.store.collections) {
    const api = path === API;
    const apiScopes = path.startsWith(`${API}/`) && path.endsWith('/scopes');
    if (!api && !apiScopes) continue;
    for (const r of held.values())
      if ((r.user_claims as unknown[] | undefined)?.includes(name))
        users.push(api ? `API resource '${String(r.audience)}'` : `API scope '${String(r.name)}'`);
  }
  return users;
}

function refuseDefault(kind: string, record: JsonObject): void {
  if (record.is_default === true)
    throw conflict(`The ${kind} '${String(record.name)}' is defined by the platform and cannot be deleted.`);
}

function createApiResource(ctx: MonoContext): MonoResult {
  const { auto_generate_secret: generate, ...body } = ctx.body as JsonObject;
  checkClaims(ctx.state, 'user_claims', body.user_claims);
  const result = viaEngine(ctx, body);
  const api = result.body as JsonObject;
  if (generate === true)
    addGeneratedSecret(ctx.state, `${API}/${encodeURIComponent(String(api.id))}/secrets`, ctx.now);
  return result;
}

/** 422 unless `body.client_id` is an application and every scope is one of this API's. */
function checkBasicPolicy(ctx: MonoContext, body: JsonObject): void {
  const errors: Record<string, string[]> = {};
  if (body.client_id !== undefined && !ctx.state.applications.has(String(body.client_id)))
    errors.client_id = [`The tenant has no application '${String(body.client_id)}'.`];
  if (Array.isArray(body.scopes)) {
    const own = new Set(
      records(ctx.state, concrete(`${API}/{api_id}/scopes`, ctx.params)).map((s) => String(s.name)),
    );
    body.scopes.forEach((scope, i) => {
      if (!own.has(String(scope)))
        errors[`scopes[${i}]`] = [`The API resource defines no scope '${String(scope)}'.`];
    });
  }
  if (Object.keys(errors).length > 0) throw fieldErrors(errors);
}

/**
 * Whether `source` reads as Cedar policies: each statement `permit` or `forbid` (after annotations)
 * with a parenthesised scope, brackets balanced, ended by `;`. The sandbox does not evaluate Cedar.
 */
export function cedarProblem(source: string): string | undefined {
  const text = source.replace(/\/\/[^\n]*/g, '').replace(/"(?:[^"\\]|\\.)*"/g, '""');
  let depth = 0;
  for (const ch of text) {
    if ('({['.includes(ch)) depth++;
    else if (')}]'.includes(ch) && --depth < 0) return 'A closing bracket has no opening one.';
  }
  if (depth !== 0) return 'A bracket is left open.';
  const statements = text
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (statements.length === 0 || !text.trim().endsWith(';'))
    return 'Cedar policies are statements ending with ;.';
  for (const statement of statements) {
    const body = statement.replace(/^(@\w+\(""\)\s*)*/, '');
    if (!/^(permit|forbid)\s*\(/.test(body)) return 'Each Cedar policy starts with permit( or forbid(.';
  }
  return undefined;
}

function checkCedar(body: JsonObject): void {
  if (typeof body.cedar !== 'string') return;
  const problem = cedarProblem(body.cedar);
  if (problem) throw fieldErrors({ cedar: [problem] });
}

/** What an advanced policy's source decides: forbid when every statement forbids. */
function permits(cedar: string): boolean {
  return /(^|;)\s*(@\w+\([^)]*\)\s*)*permit\s*\(/.test(cedar);
}

function advancedBody(ctx: MonoContext): JsonObject {
  const body = { ...(ctx.body as JsonObject) };
  checkCedar(body);
  if (typeof body.cedar === 'string') body.is_permitted = permits(body.cedar);
  return body;
}

/** The Cedar a basic policy amounts to: its application may call the API with its scopes. */
function cedarOf(policy: JsonObject, audience: string): string {
  const scopes = (policy.scopes as string[]).map((s) => JSON.stringify(s)).join(', ');
  return [
    `@id(${JSON.stringify(String(policy.name))})`,
    `${policy.is_permitted === false ? 'forbid' : 'permit'} (`,
    `  principal == Client::${JSON.stringify(String(policy.client_id))},`,
    '  action,',
    `  resource == Api::${JSON.stringify(audience)}`,
    ')',
    scopes ? `when { context.scopes.containsAll([${scopes}]) };` : ';',
  ].join('\n');
}

function convertPolicy(ctx: MonoContext): MonoResult {
  const apiId = ctx.params.api_id ?? '';
  const api = ctx.state.store.collection(API)?.get(apiId);
  if (!api) throw missing(API, apiId);
  const basic = ctx.state.store.collection(concrete(BASIC, ctx.params));
  const id = ctx.params.policy_id ?? '';
  const policy = basic?.get(id);
  if (!basic || !policy) throw missing(BASIC, id);
  const advanced = {
    id,
    enabled: policy.enabled,
    name: policy.name,
    description: policy.description ?? null,
    type: 'advanced',
    is_permitted: policy.is_permitted,
    cedar: cedarOf(policy, String(api.audience)),
    actions: policy.actions ?? {},
    creation_time: policy.creation_time,
    last_updated: ctx.now,
    error: null,
  };
  basic.delete(id);
  ctx.state.store.collection(concrete(ADVANCED, ctx.params), true).set(id, advanced);
  return { body: ctx.engine.shape(ctx.op, advanced) };
}

function allPolicies(ctx: MonoContext): MonoResult {
  const apiId = ctx.params.api_id ?? '';
  if (!ctx.state.store.collection(API)?.has(apiId)) throw missing(API, apiId);
  const both = [
    ...records(ctx.state, concrete(BASIC, ctx.params)),
    ...records(ctx.state, concrete(ADVANCED, ctx.params)),
  ].sort((a, b) => Number(a.creation_time) - Number(b.creation_time));
  return pagedList(
    ctx.op,
    ctx.decoded,
    both.map((p) => ({ ...p, client_id: p.client_id ?? null })),
  );
}

/** Handlers for API resources, scopes, claims and access policies. */
export const resourceHandlers: MonoHandlerTable = {
  create_api_resource: createApiResource,
  patch_api_resource: checkingClaims('user_claims'),
  create_api_scope: checkingClaims('user_claims'),
  patch_api_scope: checkingClaims('user_claims'),
  get_all_api_access_policies: allPolicies,
  create_api_access_basic_policy: (ctx) => {
    ctx.engine.checkParents(BASIC, ctx.params);
    checkBasicPolicy(ctx, ctx.body as JsonObject);
    return viaEngine(ctx);
  },
  patch_api_access_basic_policy: (ctx) => {
    ctx.engine.find(BASIC, ctx.params, ctx.params.policy_id ?? '');
    checkBasicPolicy(ctx, ctx.body as JsonObject);
    return viaEngine(ctx);
  },
  convert_api_access_basic_to_advanced_policy: convertPolicy,
  create_api_access_advanced_policy: (ctx) => {
    ctx.engine.checkParents(ADVANCED, ctx.params);
    return viaEngine(ctx, advancedBody(ctx));
  },
  patch_api_access_advanced_policy: (ctx) => {
    ctx.engine.find(ADVANCED, ctx.params, ctx.params.policy_id ?? '');
    return viaEngine(ctx, advancedBody(ctx));
  },
  create_scope: withScopeClaims,
  patch_scope: withScopeClaims,
  delete_scope: (ctx) => {
    const scope = ctx.engine.find('/resources/scopes', ctx.params, ctx.params.scope_id ?? '');
    refuseDefault('scope', scope);
    const apps = [...ctx.state.applications.values()]
      .filter((a) => (a.allowed_identity_scopes as unknown[]).includes(scope.name))
      .map((a) => `'${String(a.client_name)}'`);
    if (apps.length > 0)
      throw conflict(
        `The scope '${String(scope.name)}' is still allowed to application ${apps.join(', ')}; remove it there first.`,
      );
    return viaEngine(ctx);
  },
  delete_api_scope: (ctx) => {
    const scope = ctx.engine.find(`${API}/{api_id}/scopes`, ctx.params, ctx.params.scope_id ?? '');
    const policies = records(ctx.state, concrete(BASIC, ctx.params))
      .filter((p) => (p.scopes as unknown[]).includes(scope.name))
      .map((p) => `'${String(p.name)}'`);
    if (policies.length > 0)
      throw conflict(
        `The scope '${String(scope.name)}' is still granted by access policy ${policies.join(', ')}; remove it there first.`,
      );
    return viaEngine(ctx);
  },
  delete_claim_resource: (ctx) => {
    const claim = ctx.engine.find('/resources/claim_resources', ctx.params, ctx.params.claim_id ?? '');
    refuseDefault('claim', claim);
    const users = claimUsers(ctx.state, String(claim.name));
    if (users.length > 0)
      throw conflict(
        `The claim '${String(claim.name)}' is still released by ${users.join(', ')}; remove it there first.`,
      );
    return viaEngine(ctx);
  },
};
