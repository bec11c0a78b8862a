/**
 * The resource engine set up as Auth0: id formats per collection, the fields Auth0 keeps unique, which
 * collections the hand-written handlers own, and errors in the Management API's shape and wording.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { AUTH0_MODEL } from './auth0-model.generated.js';
import { createEngine, type Engine } from './engine/engine.js';
import type { RequestIssue } from './engine/request.js';
import { SchemaSet } from './engine/schema.js';
import { ApiError } from './http.js';
import { randomAlnum, type TenantState } from './state.js';

/** The model's schemas, shared by every sandbox in the process. */
export const AUTH0_SCHEMAS = new SchemaSet(AUTH0_MODEL.schemas);

const hex = (n: number) =>
  randomBytes(Math.ceil(n / 2))
    .toString('hex')
    .slice(0, n);

/** How Auth0 spells a new record's id, by collection. */
const ID_FORMATS: Record<string, () => string> = {
  '/resource-servers': () => hex(24),
  '/organizations': () => `org_${randomAlnum(16)}`,
  '/client-grants': () => `cgr_${randomAlnum(16)}`,
  '/log-streams': () => `lst_${String(Date.now()).padStart(16, '0').slice(-16)}`,
  '/actions/actions': () => randomUUID(),
  '/actions/modules': () => randomUUID(),
  '/rules': () => `rul_${randomAlnum(16)}`,
  '/hooks': () => `0${randomAlnum(15)}`,
  '/forms': () => `ap_${randomAlnum(22)}`,
  '/flows': () => `af_${randomAlnum(22)}`,
  '/flows/vault/connections': () => `ac_${randomAlnum(22)}`,
  '/custom-domains': () => `cd_${randomAlnum(16)}`,
  '/network-acls': () => randomUUID(),
  '/event-streams': () => `est_${randomAlnum(22)}`,
  '/organizations/{id}/invitations': () => `uinv_${randomAlnum(16)}`,
  '/organizations/{id}/discovery-domains': () => `dd_${randomAlnum(16)}`,
  '/self-service-profiles': () => `ssp_${randomAlnum(22)}`,
  '/connection-profiles': () => `cop_${randomAlnum(22)}`,
  '/token-exchange-profiles': () => `tep_${randomAlnum(22)}`,
  '/user-attribute-profiles': () => `uap_${randomAlnum(22)}`,
  '/clients/{client_id}/credentials': () => `cred_${randomAlnum(22)}`,
  '/verifiable-credentials/verification/templates': () => `vct_${randomAlnum(22)}`,
  '/device-credentials': () => `dcr_${randomAlnum(16)}`,
  '/branding/phone/templates': () => `tem_${randomAlnum(16)}`,
  '/branding/phone/providers': () => `pro_${randomAlnum(16)}`,
  '/branding/themes': () => randomAlnum(32),
  '/users/{id}/authentication-methods': () => `totp|dev_${randomAlnum(16)}`,
  '/connections/{id}/scim-configuration/tokens': () => `tok_${randomAlnum(16)}`,
  '/keys/encryption': () => randomAlnum(22),
};

/** Record fields Auth0 refuses to see twice in one collection (409). */
const UNIQUE: Record<string, string[]> = {
  '/resource-servers': ['identifier'],
  '/organizations': ['name'],
  '/actions/actions': ['name'],
  '/actions/modules': ['name'],
  '/rules': ['name'],
  '/hooks': ['name'],
  '/log-streams': ['name'],
  '/custom-domains': ['domain'],
  '/organizations/{id}/discovery-domains': ['domain'],
  '/self-service-profiles': ['name'],
  '/token-exchange-profiles': ['subject_token_type'],
  '/user-attribute-profiles': ['name'],
  '/flows': [],
};

/** Where a collection keeps its id, when not in `id`. */
const ID_FIELDS: Record<string, string> = {
  '/email-templates': 'template',
  '/rules-configs': 'key',
  '/organizations/{id}/enabled_connections': 'connection_id',
  '/organizations/{id}/connections': 'connection_id',
  '/organizations/{id}/members': 'user_id',
  '/keys/signing': 'kid',
  '/keys/encryption': 'kid',
  '/guardian/factors': 'name',
  '/grants': 'id',
  '/connections/{id}/scim-configuration/tokens': 'token_id',
  '/branding/themes': 'themeId',
};

/** Settings that hold nothing (404) until someone sets them, as on a fresh tenant. */
const UNSET_UNTIL_WRITTEN = new Set([
  '/branding/templates/universal-login',
  '/keys/custom-signing',
  '/guardian/factors/duo/settings',
]);

/** "resource-servers" → "resource server". */
export function nounOf(template: string): string {
  const literal = template
    .split('/')
    .filter((s) => s && !s.startsWith('{'))
    .pop();
  const word = (literal ?? 'resource').replace(/[-_]/g, ' ');
  if (word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.endsWith('ses')) return word.slice(0, -2);
  return word.endsWith('s') ? word.slice(0, -1) : word;
}

/** 404 in Auth0's shape for a record (or parent) that does not exist. */
export function notFoundError(template: string): ApiError {
  const noun = nounOf(template);
  return new ApiError(404, `The ${noun} does not exist.`, `inexistent_${noun.replace(/ /g, '_')}`);
}

/** A request problem worded as Auth0's validator words it. */
export function requestError(issue: RequestIssue): ApiError {
  const where = issue.path.filter((p) => !p.startsWith('[')).join('.');
  const text = `'${issue.message}'${where ? ` on property ${where}` : ''}.`;
  if (issue.part === 'path') return new ApiError(400, `Path validation error: ${text}`, 'invalid_uri');
  if (issue.part === 'query')
    return new ApiError(400, `Query validation error: ${text}`, 'invalid_query_string');
  return new ApiError(400, `Payload validation error: ${text}`, 'invalid_body');
}

const NATIVE: Record<string, (state: TenantState, id: string) => boolean> = {
  '/users': (s, id) => s.users.has(id),
  '/roles': (s, id) => s.roles.has(id),
  '/clients': (s, id) => s.clients.has(id),
  '/connections': (s, id) => s.connections.has(id),
  '/sessions': (s, id) => s.sessions.has(id),
};

/** The engine over Auth0's model, reading whichever tenant state is current. */
export function createTenantEngine(state: () => TenantState): Engine {
  return createEngine(AUTH0_MODEL.operations, {
    schemas: AUTH0_SCHEMAS,
    store: () => state().store,
    newId: (template) => (ID_FORMATS[template] ?? (() => randomAlnum(24)))(),
    idField: ID_FIELDS,
    unique: UNIQUE,
    native: (template, id) => NATIVE[template]?.(state(), id),
    unsetUntilWritten: UNSET_UNTIL_WRITTEN,
    emptyUntilSet: new Set([
      '/prompts/{prompt}/custom-text',
      '/self-service-profiles/{id}/custom-text/{language}',
    ]),
    paging: { page: 'page', perPage: 'per_page', firstPage: 0, defaultPerPage: 50, cap: true },
    errors: {
      notFound: (template) => notFoundError(template),
      conflict: (template, field) =>
        new ApiError(
          409,
          field
            ? `A ${nounOf(template)} with the same ${field} already exists.`
            : `The ${nounOf(template)} already exists.`,
          `${nounOf(template).replace(/ /g, '_')}_conflict`,
        ),
      paging: (problem) =>
        problem.kind === 'cap'
          ? new ApiError(
              400,
              'You can only page through the first 1000 records. See https://auth0.com/docs/users/search/v3/view-search-results-by-page#limitation',
              'invalid_paging',
            )
          : new ApiError(
              400,
              `Query validation error: "from" is not a checkpoint this list issued: ${problem.detail}.`,
              'invalid_query_string',
            ),
      unset: (template) => {
        const noun = nounOf(template);
        return new ApiError(
          404,
          `No ${noun} has been set on this tenant.`,
          `inexistent_${noun.replace(/ /g, '_')}`,
        );
      },
      full: (template, limit) =>
        new ApiError(
          400,
          `The sandbox keeps at most ${limit} records of ${nounOf(template)}; delete some first.`,
          'too_many_entities',
        ),
    },
  });
}
