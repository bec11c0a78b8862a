/**
 * The providers the generator knows: where each one's document lives, what we may take from it, and which
 * files it produces. Everything that differs between Auth0 and MonoCloud is a field here, so the reading,
 * the checks and the emitters stay one code path.
 */
import { emitCatalog } from './emit-catalog.js';
import { emitInputs } from './emit-inputs.js';
import type { Emitter } from './generate.js';
import { emitSandboxModel } from './sandbox-model.js';

/** How one provider's catalog is generated. */
export interface ProviderConfig {
  /** Provider name, as `Catalog.provider` and the folder under `src/tools/` spell it. */
  name: string;
  /** How generated comments name the API, e.g. "Auth0 Management API". */
  title: string;
  /** Folder of the generated catalog and input schemas, relative to the repository root. */
  outDir: string;
  /** The provider's OpenAPI document (JSON or YAML), relative to the repository root. */
  spec: string;
  /** An environment variable that, when set, replaces {@link spec}. */
  specEnv?: string;
  /** Our Overlay 1.0 document for a provider's document we may not edit; absent when the document is ours. */
  overlay?: string;
  /**
   * The security scheme whose scopes the catalog lists. Absent for a provider whose credential carries no
   * scopes (an API key): then every operation has `scopes: []`.
   */
  scopeScheme?: string;
  /** A path prefix stripped from the document's paths when it includes the API base (Auth0: `/api/v2`). */
  basePath?: string;
  /**
   * True when the document is ours, so its operation `summary` and schema `description`s are our prose and
   * may be emitted. False for a provider's own document, whose prose we may not copy.
   */
  ownProse: boolean;
  /** The emitters run for this provider, in the order their files are written and reported. */
  emitters: readonly Emitter[];
}

/** Auth0: the provider's Management API v2 document, corrected and annotated by our overlay. */
export const AUTH0: ProviderConfig = {
  name: 'auth0',
  title: 'Auth0 Management API',
  outDir: 'src/tools/auth0',
  spec: '../shared/openapi/auth0-management-api-v2.json',
  specEnv: 'TENANT_MCP_AUTH0_SPEC',
  overlay: 'openapi/auth0/overlay.yaml',
  scopeScheme: 'oAuth2ClientCredentials',
  basePath: '/api/v2',
  ownProse: false,
  emitters: [emitCatalog, emitInputs, emitSandboxModel],
};

/**
 * MonoCloud: no published document for the current API, so we wrote one from the SDK's facts; our
 * `x-tenant-mcp-*` keys sit in it directly and no overlay is needed. The API key carries no scopes.
 */
export const MONOCLOUD: ProviderConfig = {
  name: 'monocloud',
  title: 'MonoCloud management API',
  outDir: 'src/tools/monocloud',
  spec: 'openapi/monocloud/management.yaml',
  ownProse: true,
  emitters: [emitCatalog, emitInputs, emitSandboxModel],
};

/** Every provider, in the order `npm run generate` runs them. */
export const PROVIDERS: readonly ProviderConfig[] = [AUTH0, MONOCLOUD];

/** The provider named `name`, or `undefined`. */
export function findProvider(name: string): ProviderConfig | undefined {
  return PROVIDERS.find((provider) => provider.name === name);
}
